"""Issue 11's import journeys in Chromium: a preview that names people and shows old → new values,
the erase-or-keep choice, and a 50,000-row roster checked in the background with its progress shown.

The import worker runs beside the server (conftest.py), as scripts/demo.sh runs it.
"""
from __future__ import annotations

import openpyxl
import pytest

from tests.workbooks import ROSTER_HEADERS, xlsx

from .support import exact, follow, t, until_done

pytestmark = pytest.mark.browser

HEADERS = ROSTER_HEADERS + ["Ngày sinh", "Giới tính", "Chức vụ"]


def upload_roster(page, path) -> None:
    follow(page, page.locator("#main-nav").get_by_role("link", name=exact(t("Import"))))
    follow(page, page.get_by_role("link", name=t("Staff roster")))
    page.get_by_label(t("Workbook")).set_input_files(path)
    follow(page, page.get_by_role("button", name=t("Check the file")))


def erased_count(page) -> int:
    return page.locator("#erased tbody tr").count()


def test_an_update_preview_names_the_person_and_an_erasing_import_waits_for_the_choice(page, sign_in, tmp_path):
    first = tmp_path / "bo-sung.xlsx"
    first.write_bytes(xlsx(HEADERS, ["BT-0001", "Đinh Thị Thu Hà", "SNV", "CC", "12/05/1990", "Nữ", "Chuyên viên"]))
    update = tmp_path / "cap-nhat.xlsx"
    update.write_bytes(xlsx(HEADERS, ["BT-0001", "Đinh Thị Thu Hà", "SNV", "CC", "", "", "Phó Chánh Văn phòng"]))

    sign_in("quantri")
    upload_roster(page, first)
    until_done(page)
    follow(page, page.get_by_role("button", name=t("Confirm and import")))
    until_done(page)
    assert page.locator("main .alert-success").count() == 1

    upload_roster(page, update)
    until_done(page)
    updated = page.locator("details.plan-group", has_text=t("Updated")).locator("tbody tr")
    assert updated.count() == 1
    cells = updated.first.locator("td").all_inner_texts()
    assert cells[:2] == ["BT-0001", "Đinh Thị Thu Hà"]
    assert "Chức vụ: Chuyên viên → Phó Chánh Văn phòng" in cells[2]
    assert "Ngày sinh: 12/05/1990 →" in cells[2]
    assert erased_count(page) == 2
    assert [row.locator("td").all_inner_texts()[2:] for row in page.locator("#erased tbody tr").all()] == [
        ["Ngày sinh", "12/05/1990"], ["Giới tính", "Nữ"]]

    # Confirming without a choice is refused: the page stays, nothing is queued.
    preview_url = page.url
    page.get_by_role("button", name=t("Confirm and import")).click()
    page.wait_for_timeout(500)
    assert page.url == preview_url and page.locator("#progress").count() == 0
    assert page.get_by_role("button", name=t("Confirm and import")).is_visible()

    page.get_by_label(t("Keep the stored values where the file is blank")).check()
    follow(page, page.get_by_role("button", name=t("Confirm and import")))
    until_done(page)
    assert page.locator("main .alert-success").count() == 1

    # The stored values were kept: the same file still finds them to erase, and now erasing is chosen.
    upload_roster(page, update)
    until_done(page)
    assert erased_count(page) == 2
    page.get_by_label(t("Erase the stored values listed above")).check()
    follow(page, page.get_by_role("button", name=t("Confirm and import")))
    until_done(page)
    upload_roster(page, update)
    until_done(page)
    assert erased_count(page) == 0
    assert page.locator("details.plan-group").count() == 0  # nothing left to change


def test_a_50000_row_roster_shows_its_progress_and_ends_in_a_preview(page, sign_in, tmp_path):
    path = tmp_path / "danh-sach-lon.xlsx"
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Danh sách cán bộ")
    sheet.append(HEADERS)
    for n in range(50_000):
        sheet.append([f"LON-{n:05d}", f"Nguyễn Văn {n}", "SNV", "VC", "01/01/1990", "Nam", "Giáo viên"])
    book.save(path)

    sign_in("quantri")
    follow(page, page.locator("#main-nav").get_by_role("link", name=exact(t("Import"))))
    follow(page, page.get_by_role("link", name=t("Staff roster")))
    page.get_by_label(t("Workbook")).set_input_files(path)
    follow(page, page.get_by_role("button", name=t("Check the file")))
    # The request only stores the file and queues its check: the page it leads to is the progress page.
    progress = page.locator("#progress")
    assert progress.is_visible() and progress.locator("progress").count() == 1
    seen = set()

    def look(page):
        if page.locator("#progress progress[max='50000']").count():
            seen.add("rows")
        elif not seen:
            # The rows are checked in a second or two: look five times a second rather than at the
            # page's own reload, once a second, which a busy machine can make miss that stage.
            page.reload()

    until_done(page, during=look)
    assert seen == {"rows"}, "the rows checked out of 50,000 were never shown"
    summary = t("%(created)d new, %(updated)d changed, %(unchanged)d unchanged") % {
        "created": 50_000, "updated": 0, "unchanged": 0}
    assert summary in page.locator("main .import-summary").inner_text()
    assert page.get_by_role("button", name=t("Confirm and import")).is_visible()
