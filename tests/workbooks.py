"""Building small workbooks in memory for import tests."""
from __future__ import annotations

import io

import openpyxl

ROSTER_HEADERS = ["Mã cán bộ", "Họ và tên", "Mã đơn vị", "Loại"]


def xlsx(*rows, title: str = "Sheet1", sheets: dict[str, list] | None = None) -> bytes:
    """The bytes of an .xlsx holding `rows` (lists) on one sheet, or `sheets` {title: rows}."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, sheet_rows in (sheets or {title: list(rows)}).items():
        sheet = book.create_sheet(name)
        for row in sheet_rows:
            sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_back(data: bytes) -> dict[str, list[list]]:
    """Every sheet of an .xlsx as lists of values (openpyxl), for checking files the portal writes."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {sheet.title: [list(r) for r in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}
