import pytest

from sheets.errors import UnusableFile
from sheets.table import Column, SheetSpec, find_table, read_table
from sheets.workbook import open_workbook
from tests.workbooks import xlsx

SPEC = SheetSpec("Danh sách cán bộ", (
    Column("staff_code", "Mã cán bộ", True),
    Column("full_name", "Họ và tên", True),
    Column("agency_code", "Mã đơn vị", True),
    Column("category", "Loại", True),
    Column("is_cio", "CIO"),
))


def test_header_row_is_found_under_title_rows_in_any_spelling():
    data = xlsx(["UBND TỈNH ĐẮK NÔNG"], ["DANH SÁCH"], [], ["STT", "MÃ CÁN BỘ", "Họ và\ntên", " mã đơn vị ", "Số CMND",
                                                             "category", "Ghi chú"],
                [1, "CB1", "An", "SNV", "", "CC", ""])
    table = read_table(open_workbook(data), SPEC)
    assert table.header_row == 4
    assert table.headers["full_name"] == "Họ và tên"
    assert table.ignored == ["STT", "Số CMND", "Ghi chú"] or "STT" in table.ignored
    assert [number for number, _cells in table.rows] == [5]


def test_english_aliases_are_accepted():
    table = read_table(open_workbook(xlsx(["staff_code", "full_name", "agency_code", "category", "is_cio"])), SPEC)
    assert set(table.positions) == {"staff_code", "full_name", "agency_code", "category", "is_cio"}


def test_named_sheet_first_else_first_sheet_with_the_headers():
    headers = ["Mã cán bộ", "Họ và tên", "Mã đơn vị", "Loại"]
    data = xlsx(sheets={"Notes": [["hello"]], "Other": [headers, ["A", "B", "C", "CC"]],
                        "danh sach can bo": [headers, ["X", "Y", "Z", "VC"]]})
    assert find_table(open_workbook(data), SPEC).sheet == "danh sach can bo"
    data = xlsx(sheets={"Notes": [["hello"]], "Other": [headers]})
    assert find_table(open_workbook(data), SPEC).sheet == "Other"


def test_no_sheet_with_the_headers_is_one_sentence():
    with pytest.raises(UnusableFile) as exc:
        read_table(open_workbook(xlsx(["Mã cán bộ", "Họ và tên"])), SPEC)
    assert str(exc.value).startswith("No sheet has a header row with the columns Mã cán bộ, Họ và tên, Mã đơn vị, Loại")


def test_a_header_twice_is_refused():
    with pytest.raises(UnusableFile, match="appears twice"):
        read_table(open_workbook(xlsx(["Mã cán bộ", "Họ và tên", "Mã đơn vị", "Loại", "MÃ CÁN BỘ"])), SPEC)


def test_blank_note_signature_and_column_number_rows_are_skipped():
    data = xlsx(["Mã cán bộ", "Họ và tên", "Mã đơn vị", "Loại"], ["(1)", "(2)", "(3)", "(4)"],
                ["CB1", "An", "SNV", "CC"], [], ["CB2", "Bình", "", ""], ["", "Người lập biểu", "", ""],
                ["", "", "", "", "Đắk Nông, ngày 1 tháng 1 năm 2020"])
    table = read_table(open_workbook(data), SPEC)
    assert [number for number, _cells in table.rows] == [3, 5]
    assert table.skipped == [2, 6, 7]
