"""Finding a format's table in a workbook: the sheet, the header row under title rows, the data rows."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .cells import is_empty
from .errors import UnusableFile
from .text import clean_text, match_key
from .workbook import Workbook

# The header row is looked for in this many rows from the top (title rows, logos, blank lines).
HEADER_SCAN_ROWS = 100

# Official forms often number their columns under the header: (1), (2), (3)...
_COLUMN_NUMBER = re.compile(r"\(?\d{1,3}\)?")


@dataclass(frozen=True)
class Column:
    """A column of a format: its key (also the English alias), Vietnamese header and accepted values."""

    key: str
    header: str
    required: bool = False
    values: str = ""  # what the template says is accepted
    sample: object = ""
    aliases: tuple[str, ...] = ()

    def match_keys(self) -> set[str]:
        return {match_key(self.header), match_key(self.key), *(match_key(a) for a in self.aliases)}


@dataclass(frozen=True)
class SheetSpec:
    """A sheet of a format: its usual name and its columns."""

    name: str
    columns: tuple[Column, ...]

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]


@dataclass
class Table:
    """The table found in a sheet. Row numbers are Excel's (1-based)."""

    spec: SheetSpec
    sheet: str
    header_row: int
    header_cells: list  # the header row as in the file, for the bad-rows file
    positions: dict[str, int]  # column key -> index in a row
    headers: dict[str, str]  # column key -> header text as written in the file
    ignored: list[str]
    rows: list[tuple[int, list]] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)

    def has(self, key: str) -> bool:
        return key in self.positions

    def cell(self, cells: list, key: str):
        index = self.positions.get(key)
        if index is None or index >= len(cells):
            return ""
        return cells[index]


def find_table(workbook: Workbook, spec: SheetSpec) -> Table | None:
    """The table of `spec`: in the sheet of its name when that holds the headers, else in the first that does."""
    wanted = match_key(spec.name)
    named = [n for n in workbook.sheet_names if match_key(n) == wanted]
    others = [n for n in workbook.sheet_names if n not in named]
    for name in named + others:
        table = _table_in(workbook.rows(name), spec, name)
        if table is not None:
            return table
    return None


def read_table(workbook: Workbook, spec: SheetSpec) -> Table:
    table = find_table(workbook, spec)
    if table is None:
        headers = ", ".join(c.header for c in spec.required)
        raise UnusableFile(
            _("No sheet has a header row with the columns %(headers)s; start from the template and upload the file again.")
            % {"headers": headers}
        )
    return table


def _header_text(value) -> str:
    if isinstance(value, str):
        return clean_text(value)
    return "" if is_empty(value) else clean_text(str(value))


def _table_in(rows: list[list], spec: SheetSpec, sheet_name: str) -> Table | None:
    by_key = {}
    for column in spec.columns:
        for key in column.match_keys():
            by_key[key] = column.key
    required = {c.key for c in spec.required}
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        positions: dict[str, int] = {}
        headers: dict[str, str] = {}
        ignored: list[str] = []
        duplicates: list[str] = []
        for col, value in enumerate(row):
            text = _header_text(value)
            if not text:
                continue
            key = by_key.get(match_key(text))
            if key is None:
                ignored.append(text)
            elif key in positions:
                duplicates.append(text)
            else:
                positions[key] = col
                headers[key] = text
        if not required <= positions.keys():
            continue
        if duplicates:
            raise UnusableFile(
                _("The column “%(header)s” appears twice in the header row of sheet “%(sheet)s”; "
                  "keep one and upload the file again.")
                % {"header": duplicates[0], "sheet": sheet_name}
            )
        table = Table(spec=spec, sheet=sheet_name, header_row=index + 1, header_cells=list(row),
                      positions=positions, headers=headers, ignored=ignored)
        _collect_rows(table, rows, index + 1, [positions[k] for k in required])
        return table
    return None


def _collect_rows(table: Table, rows: list[list], first: int, required_positions: list[int]) -> None:
    # A data row fills at least half of the required columns. Fewer is a blank line, a sub-total,
    # a note or a signature block under the table: skipped, and listed so the person can check.
    needed = max(1, (len(required_positions) + 1) // 2)
    for index in range(first, len(rows)):
        cells = rows[index]
        filled = sum(1 for p in required_positions if p < len(cells) and not is_empty(cells[p]))
        if filled >= needed and not (index <= first + 1 and _is_column_numbering(cells)):
            table.rows.append((index + 1, cells))
        elif any(not is_empty(v) for v in cells):
            table.skipped.append(index + 1)


def _is_column_numbering(cells: list) -> bool:
    values = [v for v in cells if not is_empty(v)]
    return len(values) >= 2 and all(
        (isinstance(v, float | int) and not isinstance(v, bool) and float(v).is_integer() and 0 < v < 1000)
        or (isinstance(v, str) and _COLUMN_NUMBER.fullmatch(v.strip()))
        for v in values
    )
