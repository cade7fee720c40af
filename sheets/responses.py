"""Excel downloads of the attainment tables: the shared inert writer (sheets/writer.py) behind an HTTP response."""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.http import HttpResponse

from sheets.writer import OutSheet, write_workbook

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Table:
    """One sheet: a title (the sheet name, at most 31 characters), a header row and data rows."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence]


def workbook_bytes(tables: Sequence[Table]) -> bytes:
    """The .xlsx of these tables; rows may be a generator (the not-counted lists stream from the database)."""
    return write_workbook([OutSheet(table.title, list(table.header), (list(row) for row in table.rows))
                           for table in tables])


def xlsx_response(filename: str, tables: Sequence[Table]) -> HttpResponse:
    response = HttpResponse(workbook_bytes(tables), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_safe_file_name(filename)}"'
    return response


def _safe_file_name(name: str) -> str:
    # Names are built from agency codes, which imports take as typed: keep the header well formed.
    name = unicodedata.normalize("NFKD", name).replace("đ", "d").replace("Đ", "D")
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.()") else "-"
                   for ch in name if unicodedata.category(ch) != "Mn")
