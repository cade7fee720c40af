"""The three journeys of issue 7, in Chromium against the demo province, in the Vietnamese interface.

Steps find things the way a person does: by their labels, link texts and headings (through `t`, the
Vietnamese of each English source string), and by data the demo holds (names, agency codes).
"""
from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from sheets.text import fold
from tests.workbooks import xlsx

from .support import ARTIFACTS, exact, follow, t, until_done

pytestmark = pytest.mark.browser

LEADERS = "leaders-trained"
LEADERSHIP_CATEGORY = "Kiến thức CNTT và kỹ năng quản lý cho lãnh đạo"


def figure(text: str) -> tuple[int, int]:
    """'1.234 / 1.301' (thousands separated by dots in Vietnamese) -> (1234, 1301)."""
    counted, population = text.split("/")
    return int(re.sub(r"\D", "", counted)), int(re.sub(r"\D", "", population))


def indicator_figure(page, code: str) -> tuple[int, int]:
    """Counted / population of an indicator on an attainment page."""
    return figure(page.locator(f"#indicator-{code} td.num").first.inner_text())


def expect_message(page, text: str) -> None:
    assert text in page.get_by_role("alert").first.inner_text()


def test_officer_trains_five_leaders_and_sees_the_agency_figure_rise(page, sign_in):
    sign_in("cntt.dakmil")
    follow(page, page.get_by_role("link", name=t("My agency's attainment")))
    agency_page = page.url
    counted, population = indicator_figure(page, LEADERS)
    assert population - counted >= 5, "the demo should leave at least five leaders of Đắk Mil untrained"

    # The not-counted list is the invitation list: its first five people go on the course.
    follow(page, page.locator(f"a[href*='/chua-dat/{LEADERS}/']"))
    rows = page.locator("main table tbody tr")
    invited = [(rows.nth(i).locator("td").nth(1).inner_text(), rows.nth(i).locator("td").nth(2).inner_text())
               for i in range(5)]

    follow(page, page.get_by_role("link", name=exact(t("Courses"))).first)
    follow(page, page.get_by_role("link", name=t("New course")))
    today = datetime.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    page.get_by_label(t("course code")).fill("DM-LD-01")
    page.get_by_label(t("course name")).fill("Bồi dưỡng kiến thức CNTT cho lãnh đạo huyện Đắk Mil")
    page.get_by_label(t("Category", "course")).select_option(label=LEADERSHIP_CATEGORY)
    page.get_by_label(t("start date")).fill(f"{today - datetime.timedelta(days=10):%d/%m/%Y}")
    page.get_by_label(t("end date")).fill(f"{today - datetime.timedelta(days=8):%d/%m/%Y}")
    page.get_by_label(t("organiser")).fill("Sở Thông tin và Truyền thông")
    follow(page, page.get_by_role("button", name=t("Save")))
    expect_message(page, "DM-LD-01")
    course_page = page.url

    for name, code in invited:
        follow(page, page.get_by_role("link", name=t("Add participants")))
        # Typed the way people type on a keyboard without a Vietnamese input method.
        page.get_by_label(t("Name or code")).fill(fold(name))
        follow(page, page.get_by_role("button", name=exact(t("Search"))))
        page.get_by_role("checkbox", name=f"{code} {name}", exact=True).check()
        follow(page, page.get_by_role("button", name=t("Add the people ticked")))
        assert page.url == course_page
    participants = page.locator("main table tbody")
    for name, code in invited:
        assert name in participants.locator("tr", has_text=code).inner_text()

    # Four pass, one fails: only the passes count.
    follow(page, page.get_by_role("link", name=t("Enter results")))
    for n, (name, _code) in enumerate(invited):
        page.get_by_label(f"{t('Result')} · {name}").select_option("failed" if n == 4 else "passed")
    follow(page, page.get_by_role("button", name=t("Save the results")))
    expect_message(page, "5")

    page.goto(agency_page)
    assert indicator_figure(page, LEADERS) == (counted + 4, population)


def test_leader_drills_down_on_31_december_2020_and_downloads_a_table(page, sign_in):
    sign_in("lanhdao")
    page.get_by_label(t("As of")).fill("31/12/2020")
    follow(page, page.get_by_role("button", name=exact(t("Show"))))
    page.wait_for_url(re.compile(r"as_of=31%2F12%2F2020"))
    assert "31/12/2020" in page.locator("main").inner_text()

    # Province -> district: the scorecard of districts and departments links every key agency.
    follow(page, page.locator("#scorecard-heading").locator("..").get_by_role("link", name="UBND huyện Đắk Mil"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("UBND huyện Đắk Mil")
    assert page.get_by_label(t("As of")).input_value() == "31/12/2020"

    # District -> commune.
    follow(page, page.locator("#children-heading").locator("..").get_by_role("link", name="UBND xã Đắk Lao"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("UBND xã Đắk Lao")
    assert page.get_by_label(t("As of")).input_value() == "31/12/2020"
    breadcrumbs = page.get_by_role("navigation", name=t("Breadcrumb")).inner_text()
    assert "UBND huyện Đắk Mil" in breadcrumbs
    shown = indicator_figure(page, "staff-commune")

    with page.expect_download() as download_info:
        page.get_by_role("link", name=t("Download .xlsx")).click()
    download = download_info.value
    assert download.suggested_filename == "X-DAKMIL-DAKLAO-2020-12-31.xlsx"
    saved = ARTIFACTS / download.suggested_filename
    download.save_as(saved)

    book = openpyxl.load_workbook(saved, read_only=True)
    sheet = book["X-DAKMIL-DAKLAO"]
    header, *lines = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert header[:4] == [t("Code"), t("Indicator"), t("Counted"), t("Population")]
    by_code = {line[0]: line for line in lines}
    assert (by_code["staff-commune"][2], by_code["staff-commune"][3]) == shown
    assert len(lines) == 13


COMMUNES = {"X-CUJUT-EATLING": "UBND thị trấn Ea T'Ling", "X-CUJUT-TAMTHANG": "UBND xã Tâm Thắng",
            "X-CUJUT-TRUCSON": "UBND xã Trúc Sơn", "X-CUJUT-NAMDONG": "UBND xã Nam Dong"}
ROSTER_HEADER = ["STT", "Mã cán bộ", "Họ và tên", "Mã đơn vị", "Loại", "Ngày sinh", "Giới tính", "Chức vụ"]
NEWCOMERS = [
    ["CJ-2026-001", "Quách Văn Thành", "X-CUJUT-EATLING", "CC", "12/04/1990", "Nam", "Công chức Văn phòng - Thống kê"],
    ["CJ-2026-002", "Quách Thị Hồng Nhung", "X-CUJUT-EATLING", "CC", "03/09/1994", "Nữ", "Công chức Tư pháp - Hộ tịch"],
    ["CJ-2026-003", "Quách Minh Đức", "X-CUJUT-TAMTHANG", "CB", 1985, "Nam", "Phó Chủ tịch UBND xã"],
    ["CJ-2026-004", "Quách Thị Lụa", "X-CUJUT-TAMTHANG", "CC", "31/02/1990", "Nữ", "Công chức Địa chính - Xây dựng"],
    ["CJ-2026-005", "Quách Ngọc Anh", "X-CUJUT-TRUCSON", "VC", "21/11/1996", "Nữ", "Viên chức"],
    ["CJ-2026-006", "Quách Đình Long", "X-CUJUT-KHONGCO", "CC", "07/07/1988", "Nam", "Công chức Văn hóa - Xã hội"],
]


def roster(rows: list[list]) -> bytes:
    """A roster as offices send them: a title above the table and a numbered first column."""
    return xlsx(["UBND HUYỆN CƯ JÚT"], ["DANH SÁCH CÁN BỘ, CÔNG CHỨC CẤP XÃ BỔ SUNG NĂM 2026"], ROSTER_HEADER,
                *[[n, *row] for n, row in enumerate(rows, start=1)])


def test_administrator_fixes_a_roster_with_two_bad_rows_and_finds_the_newcomers(page, sign_in, tmp_path):
    bad = tmp_path / "danh-sach-bo-sung.xlsx"
    bad.write_bytes(roster(NEWCOMERS))
    fixed_rows = [list(row) for row in NEWCOMERS]
    fixed_rows[3][4] = "28/02/1990"
    fixed_rows[5][2] = "X-CUJUT-NAMDONG"
    fixed = tmp_path / "danh-sach-bo-sung-da-sua.xlsx"
    fixed.write_bytes(roster(fixed_rows))

    sign_in("quantri")
    follow(page, page.get_by_role("link", name=exact(t("Import"))))
    follow(page, page.get_by_role("link", name=t("Staff roster")))
    page.get_by_label(t("Workbook")).set_input_files(bad)
    follow(page, page.get_by_role("button", name=t("Check the file")))
    until_done(page)

    # Both errors, by Excel row (title rows 1-2, header row 3), column and value; nothing to confirm.
    errors = page.locator("main table.table-striped tbody tr")
    assert errors.count() == 2
    assert [errors.nth(i).locator("td").all_inner_texts()[:3] for i in range(2)] == [
        ["7", "Ngày sinh", "31/02/1990"],
        ["9", "Mã đơn vị", "X-CUJUT-KHONGCO"],
    ]
    assert page.get_by_role("button", name=t("Confirm and import")).count() == 0

    follow(page, page.get_by_role("link", name=t("Upload another file")))
    page.get_by_label(t("Workbook")).set_input_files(fixed)
    follow(page, page.get_by_role("button", name=t("Check the file")))
    until_done(page)
    summary = t("%(created)d new, %(updated)d changed, %(unchanged)d unchanged") % {
        "created": 6, "updated": 0, "unchanged": 0}
    assert summary in page.locator("main .import-summary").inner_text()
    follow(page, page.get_by_role("button", name=t("Confirm and import")))
    until_done(page)
    assert page.locator("main .alert-success").count() == 1
    assert "danh-sach-bo-sung-da-sua.xlsx" in page.locator("h1").inner_text()

    follow(page, page.get_by_role("link", name=exact(t("Staff"))).first)
    page.get_by_label(t("Name or code")).fill("quach")
    follow(page, page.get_by_role("button", name=exact(t("Filter"))))
    found = page.locator("main table tbody")
    for code, name, agency_code, *_rest in fixed_rows:
        row = found.locator("tr", has_text=code)
        assert row.get_by_role("link", name=name).is_visible()
        assert COMMUNES[agency_code] in row.inner_text()
    assert found.locator("tr").count() == len(fixed_rows)
