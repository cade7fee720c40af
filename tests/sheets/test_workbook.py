import io
import struct
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from portal.models import ImportRun
from sheets.cells import Uncomputed
from sheets.errors import UnusableFile
from sheets.workbook import _too_much_data, open_workbook
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


# --- Small files asking for huge grids ---------------------------------------------------------
# Each of these is a few kilobytes. Read in the app process they took seconds and gigabytes, or
# killed it (python-calamine aborts when the 549 GB grid of A1 + XFD1048576 cannot be allocated).
# The parser's child process (sheets/sandbox.py) takes the blow; the refusal is measured.

REFUSED_WITHIN = 5.0  # seconds, on a loaded two-core machine; each takes well under one second alone


def _sparse(*coordinates) -> bytes:
    book = openpyxl.Workbook()
    for coordinate in coordinates:
        book.active[coordinate] = "x"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _patched(data: bytes, member: str, old: bytes, new: bytes) -> bytes:
    """The same .xlsx with one text replaced in one part (openpyxl would build every cell of a huge range)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info.filename)
            archive.writestr(info.filename, content.replace(old, new) if info.filename == member else content)
    return out.getvalue()


def _ods(rows_repeated: int, columns_repeated: int) -> bytes:
    """An .ods of one row holding a cell repeated `columns_repeated` times, the row repeated `rows_repeated` times."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Sheet1">'
        f'<table:table-row table:number-rows-repeated="{rows_repeated}">'
        f'<table:table-cell table:number-columns-repeated="{columns_repeated}" office:value-type="string">'
        "<text:p>x</text:p></table:table-cell></table:table-row>"
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            '<manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>'))
    return out.getvalue()


def _refusal(data: bytes) -> tuple[str, float]:
    started = time.perf_counter()
    with pytest.raises(UnusableFile) as exc:
        book = open_workbook(data)
        for name in book.sheet_names:
            book.rows(name)
    return str(exc.value), time.perf_counter() - started


@pytest.fixture
def parser_memory(settings):
    settings.IMPORT_PARSE_MEMORY_BYTES = 256 * 1024 * 1024  # kinder to a shared test machine than the 1 GB default


@pytest.mark.parametrize("name, data, expected", [
    ("A1 and XFD1048576: a 17-billion-cell grid", lambda: _sparse("A1", "XFD1048576"), "far more data"),
    ("A1 and ZZ100000: 70 million cells", lambda: _sparse("A1", "ZZ100000"), "far more data"),
    ("A1 and GR200000: 40 million cells, within the caps", lambda: _sparse("A1", "GR200000"), "far more data"),
    ("one cell repeated 100,000 x 100 times (.ods)", lambda: _ods(100_000, 100), "far more data"),
    ("three .xls sheets filled at A1 and IV65536", lambda: (FILES / "corners.xls").read_bytes(), "far more data"),
    ("a merged area A1:XFD1048576", lambda: _patched(_sparse("A1"), "xl/worksheets/sheet1.xml", b"</sheetData>",
                                                      b'</sheetData><mergeCells count="1"><mergeCell ref="A1:XFD1048576"/>'
                                                      b"</mergeCells>"), "more than 200,000 rows"),
    ("a formula without value at XFD1048576", lambda: _patched(_sparse("A1"), "xl/worksheets/sheet1.xml", b"</row>",
                                                                b'</row><row r="1048576"><c r="XFD1048576"><f>A1</f></c>'
                                                                b"</row>"), "more than 200,000 rows"),
])
def test_small_files_asking_for_huge_grids_are_refused_quickly(parser_memory, name, data, expected):
    data = data()
    assert len(data) < 10_000
    message, seconds = _refusal(data)
    assert expected in message and _one_sentence(message)
    assert seconds < REFUSED_WITHIN, f"{name}: {seconds:.2f} s"


def test_a_zip_member_larger_than_declared_is_refused(parser_memory):
    """The declared sizes pass the zip-bomb check; the real data is 50 MB of spaces, which the reader stops at."""
    data = _sparse("A1")
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info.filename)
            archive.writestr(info.filename, content + b" " * (50 * 1024 * 1024) if "sheet1" in info.filename else content)
    raw = bytearray(out.getvalue())
    name = b"xl/worksheets/sheet1.xml"
    position = 0
    while (position := raw.find(name, position)) >= 0:
        for header, signature, size_at in ((position - 30, b"PK\x03\x04", 22), (position - 46, b"PK\x01\x02", 24)):
            if raw[header:header + 4] == signature:
                struct.pack_into("<I", raw, header + size_at, 1000)
        position += 1
    assert zipfile.ZipFile(io.BytesIO(bytes(raw))).getinfo(name.decode()).file_size == 1000
    message, seconds = _refusal(bytes(raw))
    assert "damaged" in message and seconds < REFUSED_WITHIN


def test_zip_bomb_is_refused_before_parsing(settings):
    """Measured: 5 MB deflated to 5 KB, refused from the zip's directory alone."""
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (5 * 1024 * 1024))
    message, seconds = _refusal(out.getvalue())
    assert "far more data" in message and seconds < 0.5


def test_a_huge_sheet_is_refused_without_reading_its_rows(settings):
    """30,000 rows against a cap of 1,000: refused from the sheet's extent, before any row becomes Python data."""
    settings.IMPORT_MAX_ROWS = 1000
    data = xlsx(*([i, f"Nguyễn Văn {i}", "SNV", "CC"] for i in range(30_000)))
    message, seconds = _refusal(data)
    assert "more than 1,000 rows" in message and seconds < REFUSED_WITHIN


def test_a_big_sheet_beside_the_one_imported_does_not_stop_it(settings):
    settings.IMPORT_MAX_ROWS = 100
    book = open_workbook(xlsx(sheets={"Danh sách": [["Mã cán bộ"], ["CB1"]], "Nháp": [[i] for i in range(500)]}))
    assert book.rows("Danh sách") == [["Mã cán bộ"], ["CB1"]]
    with pytest.raises(UnusableFile, match="more than 100 rows"):
        book.rows("Nháp")


def test_an_upload_asking_for_a_huge_grid_fails_its_run_with_the_message(client, national_admin, parser_memory):
    client.force_login(national_admin)
    response = client.post(reverse("imports:upload", args=["roster"]),
                           {"file": SimpleUploadedFile("bom.xlsx", _sparse("A1", "XFD1048576"))})
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response.url == run.get_absolute_url()
    with translation.override("vi"):  # the page's language
        expected = str(_too_much_data())
    assert run.status == "failed" and run.summary["failure"] == expected
    assert expected in client.get(run.get_absolute_url()).content.decode()
