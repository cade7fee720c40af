"""The strict Content-Security-Policy in a real browser: no page of the portal or the admin breaks it."""
import shutil

import pytest
from django.db import connections

from agencies.models import User
from tests.conftest import make_staff, make_user

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def browser_page(monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed")
    # Playwright's sync API runs an event loop in this thread; the ORM calls below are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        violations = []
        page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
        page.on("pageerror", lambda exc: violations.append(f"page error: {exc}"))
        yield page, violations
        browser.close()
        # Django's connections are context-local, and Playwright's loop gives the test a context of its own:
        # the connection opened there would outlive the test database (a warning when it is dropped).
        connections.close_all()


# Like every transactional test here, it restores the migrated data afterwards (serialized_rollback): a
# plain flush lets post_migrate recreate content types under new ids, which the next one collides with.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pages_and_admin_run_under_the_csp(browser_page, live_server, tree):
    page, violations = browser_page
    make_user(username="csp-admin", role=User.Role.ADMINISTRATOR, full_name="Quản trị CSP")
    staff = make_staff(agency=tree.district_a)
    page.goto(f"{live_server.url}/dang-nhap/")
    page.fill("input[name=username]", "csp-admin")
    page.fill("input[name=password]", "pw")
    page.click("#main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    paths = ["/", "/don-vi/", f"/don-vi/{tree.district_a.pk}/", f"/don-vi/can-bo/{staff.pk}/",
             "/quan-tri/", "/quan-tri/agencies/user/", "/quan-tri/agencies/agency/add/",
             f"/quan-tri/agencies/staff/{staff.pk}/change/", "/quan-tri/accounts/signinfailure/"]
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
    # Bootstrap's JavaScript runs: the collapsed navbar opens on a narrow screen.
    page.set_viewport_size({"width": 500, "height": 800})
    page.goto(f"{live_server.url}/")
    page.click("button.navbar-toggler")
    page.wait_for_selector("#main-nav.show")
    # The admin's own JavaScript runs: the select-all checkbox ticks every row.
    page.goto(f"{live_server.url}/quan-tri/agencies/user/")
    page.click("#action-toggle")
    assert page.is_checked("input.action-select")
    assert violations == []
