"""Excel downloads of the attainment tables (openpyxl), safe to open: no cell is ever a formula."""
from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A text starting with one of these is read as a formula by spreadsheet programs (CSV/Excel injection).
FORMULA_STARTS = ("=", "+", "-", "@")


@dataclass(frozen=True)
class Table:
    """One sheet: a title (the sheet name, at most 31 characters), a header row and data rows."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence]


def _sheet_title(title: str, used: set[str]) -> str:
    cleaned = "".join("-" if ch in '[]:*?/\\' else ch for ch in str(title))[:31] or "Sheet"
    candidate, n = cleaned, 2
    while candidate in used:
        suffix = f" ({n})"
        candidate, n = cleaned[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate)
    return candidate


def _write(ws, row_number: int, values: Sequence, bold: bool = False) -> None:
    for column, value in enumerate(values, start=1):
        cell = ws.cell(row=row_number, column=column)
        if value is None:
            continue
        if isinstance(value, str):
            cell.value = value
            # Kept as text whatever it starts with: openpyxl would otherwise store "=..." as a formula.
            cell.data_type = "s"
            if value.startswith(FORMULA_STARTS):
                cell.quotePrefix = True
        elif isinstance(value, bool):
            cell.value = value
        elif isinstance(value, int | float):
            cell.value = value
        else:
            cell.value = str(value) if not hasattr(value, "as_tuple") else float(value)
        if bold:
            cell.font = Font(bold=True)


def workbook_bytes(tables: Sequence[Table]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for table in tables:
        ws = workbook.create_sheet(_sheet_title(table.title, used))
        _write(ws, 1, list(table.header), bold=True)
        for number, row in enumerate(table.rows, start=2):
            _write(ws, number, list(row))
        ws.freeze_panes = "A2"
    if not workbook.worksheets:
        workbook.create_sheet("Sheet")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, tables: Sequence[Table]) -> HttpResponse:
    response = HttpResponse(workbook_bytes(tables), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
