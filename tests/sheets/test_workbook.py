import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from sheets.cells import Uncomputed
from sheets.errors import UnusableFile
from sheets.workbook import open_workbook
from tests.workbooks import xlsx

FILES = Path(__file__).resolve().parent.parent / "files"


def _one_sentence(message: str) -> bool:
    return message.endswith(".") and message.count(". ") == 0 and "Traceback" not in message


@pytest.mark.parametrize("name, expected", [
    ("csv-renamed.xlsx", "text file"),
    ("zip-not-workbook.xlsx", "holds no spreadsheet"),
    ("empty.xlsx", "empty"),
    ("damaged.xlsx", "damaged"),
])
def test_saved_bad_files_are_refused_with_one_sentence(name, expected):
    with pytest.raises(UnusableFile) as exc:
        open_workbook((FILES / name).read_bytes()).rows("Danh sách cán bộ")
    assert expected in str(exc.value)
    assert _one_sentence(str(exc.value))


def test_oversized_file_is_refused(settings):
    settings.UPLOAD_MAX_BYTES = 1000
    with pytest.raises(UnusableFile, match="larger than"):
        open_workbook(xlsx(*(["a"] * 50 for _ in range(200))))


def test_random_bytes_are_not_a_workbook():
    with pytest.raises(UnusableFile, match="not an Excel or LibreOffice workbook"):
        open_workbook(bytes(range(256)) * 10)


def test_html_saved_as_xls_is_a_text_file():
    with pytest.raises(UnusableFile, match="text file"):
        open_workbook("<html><table><tr><td>Mã cán bộ</td></tr></table></html>".encode())


def test_zip_bomb_is_refused(settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (5 * 1024 * 1024))
    with pytest.raises(UnusableFile, match="far more data"):
        open_workbook(out.getvalue())


def test_too_many_rows_or_columns(settings):
    settings.IMPORT_MAX_ROWS = 10
    book = open_workbook(xlsx(*([i] for i in range(20))))
    with pytest.raises(UnusableFile, match="more than 10 rows"):
        book.rows("Sheet1")
    settings.IMPORT_MAX_ROWS = 1000
    settings.IMPORT_MAX_COLUMNS = 5
    with pytest.raises(UnusableFile, match="more than 5 columns"):
        open_workbook(xlsx(list(range(8)))).rows("Sheet1")


@pytest.mark.parametrize("extension", ["ods", "xls", "xlsx"])
def test_libreoffice_files_are_read_alike(extension):
    book = open_workbook((FILES / f"roster-libreoffice.{extension}").read_bytes())
    rows = book.rows(book.sheet_names[0])
    assert rows[3][:5] == ["STT", "Mã cán bộ", "Họ và tên", "Mã đơn vị", "Loại"]
    assert rows[4][1] == 1024 and rows[4][2] == "Nguyễn Văn An"


def test_rows_keep_excel_positions_and_fill_merged_cells():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["C3"] = "x"
    sheet["A5"] = "SNV"
    sheet.merge_cells("A5:A7")
    out = io.BytesIO()
    book.save(out)
    rows = open_workbook(out.getvalue()).rows("Sheet")
    assert rows[2][2] == "x"
    assert [rows[i][0] for i in (4, 5, 6)] == ["SNV", "SNV", "SNV"]


def test_formulas_saved_without_values_are_evaluated_or_flagged():
    rows = open_workbook(xlsx(["=TRUE()", "=FALSE()", "=DATE(1990,3,5)", '="CB1"', "=A1+B1", "=12"])).rows("Sheet1")
    assert rows[0][:4] == [True, False, __import__("datetime").date(1990, 3, 5), "CB1"]
    assert isinstance(rows[0][4], Uncomputed)
    assert rows[0][5] == 12.0
