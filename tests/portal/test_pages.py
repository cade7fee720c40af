"""Every page of the foundation, for every persona: login redirect, 404 out of scope, admin refused, 200 allowed."""
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import make_agency, make_staff

pytestmark = pytest.mark.django_db

PERSONAS = ["national_admin", "leader", "province_officer", "district_officer", "outsider"]
ADMIN_PAGES = [
    "admin:index",
    "admin:agencies_agency_changelist",
    "admin:agencies_staff_changelist",
    "admin:targets_indicator_changelist",
]


@pytest.fixture
def staff_a1(tree):
    return make_staff(code="CB-A1", full_name="Trần Thị Đào", agency=tree.commune_a1)


def signed_in(client, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    return user


def assert_login_redirect(response, url):
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


# Home ---------------------------------------------------------------------------------------


def test_home_redirects_anonymous_to_sign_in(client):
    assert_login_redirect(client.get("/"), "/")


@pytest.mark.parametrize("persona", PERSONAS)
def test_home_renders_for_every_role(client, request, persona):
    signed_in(client, request, persona)
    response = client.get("/")
    assert response.status_code == 200
    assert "staff-prov-district" in response.content.decode()


# Sign-in and sign-out -----------------------------------------------------------------------


def test_sign_in_page_renders_for_anonymous(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()


@pytest.mark.parametrize("persona", PERSONAS)
def test_sign_in_page_sends_signed_in_users_home(client, request, persona):
    signed_in(client, request, persona)
    response = client.get(reverse("login"))
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_sign_in_with_the_right_password(client, district_officer):
    response = client.post(reverse("login"), {"username": "officer-a", "password": "pw"})
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get("/").status_code == 200


def test_sign_in_with_a_wrong_password_is_refused(client, district_officer):
    response = client.post(reverse("login"), {"username": "officer-a", "password": "nope"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert_login_redirect(client.get("/"), "/")


def test_inactive_user_cannot_sign_in(client, district_officer):
    district_officer.is_active = False
    district_officer.save()
    response = client.post(reverse("login"), {"username": "officer-a", "password": "pw"})
    assert response.status_code == 200


@pytest.mark.parametrize("persona", PERSONAS)
def test_sign_out_by_post(client, request, persona):
    signed_in(client, request, persona)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response.url == reverse("login")
    assert_login_redirect(client.get("/"), "/")


def _csrf_from(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "the page has no CSRF token in its forms"
    return match.group(1)


def test_sign_in_and_out_through_the_pages_forms_with_csrf_checks(district_officer):
    browser = Client(enforce_csrf_checks=True)
    token = _csrf_from(browser.get(reverse("login")).content.decode())
    response = browser.post(reverse("login"), {"username": "officer-a", "password": "pw", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    home = browser.get("/")
    assert home.status_code == 200
    # The sign-out button sits in the navbar, which is included with `only`: it needs the token passed in.
    response = browser.post(reverse("logout"), {"csrfmiddlewaretoken": _csrf_from(home.content.decode())})
    assert response.status_code == 302
    assert_login_redirect(browser.get("/"), "/")


def test_sign_out_without_csrf_token_is_refused(district_officer):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(district_officer)
    assert browser.post(reverse("logout")).status_code == 403
    assert browser.get("/").status_code == 200


def test_sign_out_by_get_is_not_allowed(client, request):
    signed_in(client, request, "leader")
    assert client.get(reverse("logout")).status_code == 405
    assert client.get("/").status_code == 200


# Agencies -----------------------------------------------------------------------------------


def test_agency_list_redirects_anonymous(client):
    url = reverse("agencies:agency-list")
    assert_login_redirect(client.get(url), url)


@pytest.mark.parametrize("persona, visible, hidden", [
    ("national_admin", {"UBND-T", "SNV", "H-A", "H-B", "X-A1", "X-B1"}, set()),
    ("leader", {"UBND-T", "SNV", "H-A", "H-B", "X-A1", "X-B1"}, set()),
    ("province_officer", {"UBND-T", "SNV", "H-A", "H-B", "X-A1", "X-B1"}, set()),
    ("district_officer", {"H-A", "X-A1", "X-A2"}, {"UBND-T", "SNV", "H-B", "X-B1"}),
    ("outsider", {"H-B", "X-B1"}, {"UBND-T", "SNV", "H-A", "X-A1", "X-A2"}),
])
def test_agency_list_shows_only_the_subtree_in_scope(client, request, tree, persona, visible, hidden):
    signed_in(client, request, persona)
    response = client.get(reverse("agencies:agency-list"))
    assert response.status_code == 200
    codes = {agency.code for agency, _own, _subtree in response.context["rows"]}
    assert visible <= codes
    assert not hidden & codes


def test_agency_list_query_count_does_not_grow_with_the_tree(client, request, tree):
    signed_in(client, request, "leader")
    client.get(reverse("agencies:agency-list"))  # warm the session and the user
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("agencies:agency-list"))
    for n in range(10):
        make_staff(agency=make_agency(code=f"EXTRA{n}", parent=tree.department))
    with CaptureQueriesContext(connection) as after:
        client.get(reverse("agencies:agency-list"))
    assert len(after.captured_queries) == len(before.captured_queries)


def test_agency_detail_redirects_anonymous(client, tree):
    url = reverse("agencies:agency-detail", args=[tree.district_a.pk])
    assert_login_redirect(client.get(url), url)


@pytest.mark.parametrize("persona, status", [
    ("national_admin", 200), ("leader", 200), ("province_officer", 200), ("district_officer", 200), ("outsider", 404),
])
def test_agency_detail_by_role(client, request, tree, staff_a1, persona, status):
    signed_in(client, request, persona)
    response = client.get(reverse("agencies:agency-detail", args=[tree.commune_a1.pk]))
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert "UBND xã A1" in page and "Trần Thị Đào" in page
        assert "UBND huyện A" in page  # the breadcrumb of ancestors


def test_agency_detail_of_unknown_agency_is_404(client, request):
    signed_in(client, request, "national_admin")
    assert client.get(reverse("agencies:agency-detail", args=[999999])).status_code == 404


def test_district_officer_cannot_see_the_province_committee(client, request, tree):
    signed_in(client, request, "district_officer")
    assert client.get(reverse("agencies:agency-detail", args=[tree.province.pk])).status_code == 404


# Staff --------------------------------------------------------------------------------------


def test_staff_detail_redirects_anonymous(client, staff_a1):
    url = reverse("agencies:staff-detail", args=[staff_a1.pk])
    assert_login_redirect(client.get(url), url)


@pytest.mark.parametrize("persona, status", [
    ("national_admin", 200), ("leader", 200), ("province_officer", 200), ("district_officer", 200), ("outsider", 404),
])
def test_staff_detail_by_role(client, request, staff_a1, persona, status):
    signed_in(client, request, persona)
    response = client.get(reverse("agencies:staff-detail", args=[staff_a1.pk]), follow=True)
    assert response.status_code == status
    if status == 200:
        assert "Trần Thị Đào" in response.content.decode()


# Admin --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_admin_redirects_anonymous_to_its_sign_in(client, tree, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('admin:login')}?next={url}"


@pytest.mark.parametrize("name", ADMIN_PAGES)
@pytest.mark.parametrize("persona", ["leader", "province_officer", "district_officer", "outsider"])
def test_admin_refuses_everyone_but_administrators(client, request, name, persona):
    signed_in(client, request, persona)
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('admin:login')}?next={url}"


@pytest.mark.parametrize("name, expected", [
    ("admin:index", "agencies"),
    ("admin:agencies_agency_changelist", "UBND xã A1"),
    ("admin:agencies_staff_changelist", "Trần Thị Đào"),
    ("admin:targets_indicator_changelist", "citizens-trained"),
])
def test_admin_pages_render_for_administrators(client, request, staff_a1, name, expected):
    signed_in(client, request, "national_admin")
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert expected in response.content.decode()


def test_admin_indicator_changelist_lists_the_thirteen_indicators(client, request):
    signed_in(client, request, "national_admin")
    response = client.get(reverse("admin:targets_indicator_changelist"))
    assert response.context["cl"].result_count == 13


def test_admin_staff_search_ignores_accents(client, request, staff_a1):
    signed_in(client, request, "national_admin")
    response = client.get(reverse("admin:agencies_staff_changelist"), {"q": "tran thi dao"})
    assert response.context["cl"].result_count == 1
