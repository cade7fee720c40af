"""The pages as people use them: on a 375 px phone, by keyboard, with errors read beside their fields."""
from __future__ import annotations

import re

import pytest

from .support import ARTIFACTS, PHONE, exact, follow, t

pytestmark = pytest.mark.browser

# Checked on every page: no sideways scrolling, a name for every field, no tab order of its own,
# and a word beside every colour that says met / not met (grey "no verdict" cells have neither).
PAGE_CHECKS = """() => {
  const problems = [];
  const width = document.documentElement.scrollWidth;
  if (width > window.innerWidth) problems.push(`scrolls sideways: ${width} px wide in a ${window.innerWidth} px window`);
  for (const field of document.querySelectorAll("input, select, textarea")) {
    if (["hidden", "submit", "button", "reset"].includes(field.type)) continue;
    const named = field.labels.length || field.getAttribute("aria-label") || field.getAttribute("aria-labelledby");
    if (!named) problems.push(`field without a label: ${field.name || field.id}`);
  }
  for (const element of document.querySelectorAll("[tabindex]")) {
    if (element.tabIndex > 0) problems.push(`tabindex ${element.tabIndex} reorders the page: ${element.outerHTML.slice(0, 80)}`);
  }
  for (const cell of document.querySelectorAll(".attainment-bar:not(.status-none), td[class*='status-']:not(.status-none)")) {
    const word = cell.querySelector(".status-word");
    if (!word || !word.textContent.trim()) problems.push(`colour without a word: ${cell.outerHTML.slice(0, 80)}`);
  }
  return problems;
}"""

# Per person: the pages they work in, as a path, or (path, link to follow from it) where the address
# holds an id.
PAGES = {
    "cntt.dakmil": [
        "/",
        ("/", "a.nav-link[href*='/chi-tieu/don-vi/']"),
        ("/", "a.nav-link[href*='/chi-tieu/don-vi/']", "a[href*='/chua-dat/']"),
        "/don-vi/can-bo/?q=nguyen",
        "/dao-tao/",
        # A course of the demo that Đắk Mil manages: its page, its results form, its participant search.
        ("/dao-tao/?q=KH2025-DAKMIL-CB01", "main table tbody a[href*='/khoa-hoc/']"),
        ("/dao-tao/?q=KH2025-DAKMIL-CB01", "main table tbody a[href*='/khoa-hoc/']", "a[href$='/hoc-vien/ket-qua/']"),
        ("/dao-tao/?q=KH2025-DAKMIL-CB01", "main table tbody a[href*='/khoa-hoc/']", "a[href$='/hoc-vien/them/']"),
        "/dao-tao/khoa-hoc/them/",
        "/chi-tieu/bao-cao/",
    ],
    "lanhdao": [
        "/?as_of=2020-12-31",
        ("/?as_of=2020-12-31", "#scorecard-heading + div a[href*='/chi-tieu/don-vi/']"),
        "/chi-tieu/bao-cao-cham/",
        "/don-vi/",
    ],
    "quantri": [
        "/nhap-du-lieu/",
        "/nhap-du-lieu/roster/",
        "/nhap-du-lieu/lich-su/",
        "/don-vi/can-bo/them/",
    ],
}


@pytest.mark.parametrize("username", list(PAGES))
def test_pages_fit_a_phone_and_name_every_field(page, sign_in, username):
    page.set_viewport_size(PHONE)
    page.goto("/dang-nhap/")
    problems = [f"/dang-nhap/: {problem}" for problem in page.evaluate(PAGE_CHECKS)]
    sign_in(username)
    for n, step in enumerate(PAGES[username]):
        path, *links = (step,) if isinstance(step, str) else step
        page.goto(path)
        for link in links:
            # By address: on a phone the menu's links are folded away until the menu is opened.
            page.goto(page.locator(link).first.get_attribute("href"))
        problems += [f"{page.url}: {problem}" for problem in page.evaluate(PAGE_CHECKS)]
        # The first screen, as the phone shows it (the fixture keeps the whole of the last page).
        page.screenshot(path=ARTIFACTS / f"phone-{username}-{n}.png")
    # Bootstrap's script runs (no inline script needed): the collapsed menu opens.
    page.get_by_role("button", name=t("Menu")).click()
    assert page.get_by_role("link", name=exact(t("Courses"))).is_visible()
    assert problems == []


def focus_order(page, stop: str) -> list[str]:
    """Press Tab from the top of the page until `stop` has the focus; the names or ids reached, in order."""
    page.locator("body").focus()
    reached = []
    for _ in range(60):
        page.keyboard.press("Tab")
        current = page.evaluate("document.activeElement.name || document.activeElement.id")
        reached.append(current)
        if current == stop:
            break
    return reached


def describing(page, field) -> str:
    """The text a screen reader reads after a field's label: its aria-describedby targets."""
    ids = (field.get_attribute("aria-describedby") or "").split()
    return " ".join(page.locator(f"[id='{i}']").inner_text() for i in ids)


def test_forms_follow_the_page_by_keyboard_and_tie_errors_to_fields(page, sign_in):
    sign_in("cntt.dakmil")

    # The course form: Tab goes down the form in the order it reads, and Enter sends it.
    page.goto("/dao-tao/khoa-hoc/them/")
    order = focus_order(page, "agency")
    fields = ["code", "name", "category", "start_date", "end_date", "organiser", "hours", "place", "trainer", "agency"]
    assert [name for name in order if name in fields] == fields
    assert order[-len(fields):] == fields, "nothing should come between the fields"
    page.get_by_label(t("course code")).fill("DM-LOI-01")
    page.get_by_label(t("course name")).fill("Khóa học có ngày sai")
    page.get_by_label(t("Category", "course")).select_option(index=1)
    page.get_by_label(t("start date")).fill("31/02/2021")
    page.get_by_label(t("end date")).fill("05/03/2021")
    with page.expect_navigation():
        page.get_by_label(t("end date")).press("Enter")
    start = page.get_by_label(t("start date"))
    assert start.get_attribute("aria-invalid") == "true"
    assert describing(page, start).strip(), "the start date's error should be read with the field"

    # The date chooser of the dashboards.
    page.goto("/")
    page.get_by_label(t("As of")).fill("32/13/2020")
    follow(page, page.get_by_role("button", name=exact(t("Show"))))
    as_of = page.get_by_label(t("As of"))
    assert as_of.get_attribute("aria-invalid") == "true"
    assert describing(page, as_of).strip()

    # The results of a course: a pass without its date is refused beside that person's date.
    page.goto("/dao-tao/?q=KH2025-DAKMIL-CB01")
    follow(page, page.locator("main table tbody a[href*='/khoa-hoc/']").first)
    follow(page, page.get_by_role("link", name=t("Enter results")))
    first_result = page.locator("select[name$='-result']").first
    first_date = page.locator("input[name$='-completed_on']").first
    first_result.select_option("passed")
    first_date.fill("")
    follow(page, page.get_by_role("button", name=t("Save the results")))
    first_date = page.locator("input[name$='-completed_on']").first
    assert first_date.get_attribute("aria-invalid") == "true"
    assert re.search(re.escape(t("A passed result needs its completion date.")), describing(page, first_date))
