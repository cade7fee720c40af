"""Writing .xlsx files with openpyxl, every text cell inert: the one writer of every file the portal gives out.

Templates, bad-rows files, dashboard tables, not-counted lists and `manage.py attainment --format
xlsx` all go through `write_workbook`. Names, notes and uploaded cells are untrusted: a text
starting with = + - or @ would be taken for a formula by Excel when the person edits the cell
(CSV/formula injection). Every text is written as a string cell (never a formula), and those with
Excel's quote prefix too: the value stays exactly as it was, so a fixed file can be uploaded
again unchanged.
"""
from __future__ import annotations

import datetime
import decimal
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill

FORMULA_TRIGGERS = ("=", "+", "-", "@")
DATE_FORMAT = "DD/MM/YYYY"
_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_NOTE_FONT = Font(italic=True, color="666666")
_WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass
class OutSheet:
    """One sheet to write: a header row, then rows; `widths` sets column widths by index."""

    title: str
    header: list
    rows: Iterable[list] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)
    note_rows: frozenset[int] = frozenset()  # indexes into rows shown as notes (grey italics)
    wrap: bool = False


def inert_cell(sheet, value, *, font=None, fill=None, wrap: bool = False) -> WriteOnlyCell:
    """A write-only cell holding `value`, with a formula-looking text kept as plain text."""
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=None)
        # Control characters (typed or pasted into a name) cannot be stored in a sheet: openpyxl
        # would refuse the whole file. They carry no meaning, so they are dropped.
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"
        if cell.value.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True
    else:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, datetime.date):
            cell.number_format = DATE_FORMAT
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if wrap:
        cell.alignment = _WRAP
    return cell


def write_workbook(sheets: list[OutSheet]) -> bytes:
    """The .xlsx bytes of these sheets (write-only mode: memory stays flat for 50,000 rows)."""
    book = Workbook(write_only=True)
    used: set[str] = set()
    for spec in sheets or [OutSheet("Sheet", [])]:
        sheet = book.create_sheet(title=sheet_title(spec.title, used))
        for index, width in spec.widths.items():
            sheet.column_dimensions[_letter(index)].width = width
        sheet.freeze_panes = "A2"
        sheet.append([inert_cell(sheet, _plain(v), font=_BOLD, fill=_HEADER_FILL, wrap=spec.wrap) for v in spec.header])
        for index, row in enumerate(spec.rows):
            font = _NOTE_FONT if index in spec.note_rows else None
            sheet.append([inert_cell(sheet, _plain(v), font=font, wrap=spec.wrap) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_title(title, used: set[str]) -> str:
    """A valid sheet name, unique in the workbook: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join("-" if ch in '[]:*?/\\' else ch for ch in str(title))[:31] or "Sheet"
    candidate, n = cleaned, 2
    while candidate in used:
        suffix = f" ({n})"
        candidate, n = cleaned[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate)
    return candidate


def _plain(value):
    if value is None:
        return None
    if isinstance(value, str) and value == "":
        return None
    if isinstance(value, bool | int | float | datetime.date | datetime.datetime | datetime.time):
        return value
    if isinstance(value, decimal.Decimal):
        return float(value)
    return str(value)  # lazy translations, model instances and anything else: as text, hence inert


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
