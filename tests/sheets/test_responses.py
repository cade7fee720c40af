"""The one download helper: Vietnamese names kept through RFC 6266, headers always well formed."""
import io

import openpyxl
import pytest

from sheets.responses import XLSX_CONTENT_TYPE, Table, download_name, file_response, xlsx_response


@pytest.mark.parametrize("name, header", [
    ("tong-quan-2020-12-31.xlsx", 'attachment; filename="tong-quan-2020-12-31.xlsx"'),
    ("Danh sách Đắk Mil.xlsx", "attachment; filename*=utf-8''Danh%20s%C3%A1ch%20%C4%90%E1%BA%AFk%20Mil.xlsx"),
    ('a "quoted" name.xlsx', "attachment; filename=\"a -quoted- name.xlsx\""),
    ("line\r\nSet-Cookie: x=1.xlsx", 'attachment; filename="line--Set-Cookie- x=1.xlsx"'),
])
def test_content_disposition_keeps_letters_and_cannot_be_broken(name, header):
    response = file_response(b"data", name)
    assert response["Content-Disposition"] == header
    assert response["Content-Type"] == XLSX_CONTENT_TYPE


def test_decomposed_letters_are_recomposed():
    # A name typed on a Mac arrives decomposed (NFD): saved, it must read as the same word.
    assert download_name("Đă\u0301k Mil.xlsx") == "Đắk Mil.xlsx"


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd", "etc-passwd"),
    ("C:\\Users\\x.xlsx", "C--Users-x.xlsx"),
    ("<svg onload=alert(1)>.xlsx", "svg onload=alert(1)-.xlsx"),
    (".hidden.xlsx", "hidden.xlsx"),
    ("", "file"),
    ("---", "file"),
])
def test_names_lose_what_a_file_system_refuses(name, expected):
    assert download_name(name) == expected


def test_long_names_are_cut_but_keep_their_extension():
    name = download_name("Sở Thông tin và Truyền thông " * 10 + ".xlsx")
    assert len(name) == 120 and name.endswith(".xlsx")


def test_xlsx_response_is_a_workbook_of_the_tables():
    response = xlsx_response("Bảng.xlsx", [Table("Sheet", ["a", "b"], [[1, "x"], [2, "y"]])])
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [["a", "b"], [1, "x"], [2, "y"]]
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''B%E1%BA%A3ng.xlsx"


def test_other_files_keep_their_content_type():
    response = file_response(b"PK", "roster.ods", content_type="application/octet-stream")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="roster.ods"'
