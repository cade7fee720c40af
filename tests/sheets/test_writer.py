import datetime

from python_calamine import CalamineWorkbook

from sheets.writer import OutSheet, write_workbook
from tests.workbooks import read_back


def test_formula_looking_text_is_written_inert_and_unchanged():
    data = write_workbook([OutSheet("Học viên", ["Mã", "Ghi chú"],
                                    [["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "ok", 5, datetime.date(2020, 3, 5)]])])
    import io

    import openpyxl
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    cells = list(sheet.iter_rows(min_row=2))[0]
    assert [c.data_type for c in cells[:5]] == ["s"] * 5
    assert all(c.quotePrefix for c in cells[:4]) and not cells[4].quotePrefix
    values = CalamineWorkbook.from_object(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert values[1][:4] == ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)"]
    assert read_back(data)["Học viên"][1][6] == datetime.datetime(2020, 3, 5)
