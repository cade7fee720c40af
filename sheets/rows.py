"""Turning a table's raw rows into parsed values, collecting every cell error."""
from __future__ import annotations

from collections.abc import Callable, Mapping

from django.utils.translation import gettext as _

from .cells import is_empty
from .errors import CellError
from .progress import CHECKING, EVERY, Progress, report
from .result import ImportResult
from .table import Table


class Row:
    """A data row: its Excel number, the parsed values of the present columns, the raw cells."""

    __slots__ = ("number", "values", "cells", "table")

    def __init__(self, number: int, values: dict, cells: list, table: Table):
        self.number = number
        self.values = values
        self.cells = cells
        self.table = table

    def raw(self, key: str):
        return self.table.cell(self.cells, key)

    def error(self, result: ImportResult, key: str, reason: str) -> None:
        result.add_error(self.table, self.number, key, self.raw(key), reason)


def parse_rows(table: Table, parsers: Mapping[str, Callable], result: ImportResult,
               progress: Progress | None = None) -> list[Row]:
    """Every data row with {column key: parsed value}; a bad cell's key is left out of the dict.

    Only the columns present in the file appear in the dicts: an absent column leaves stored
    values alone, while an empty cell of a present column parses to its empty value and clears.
    """
    required = {c.key for c in table.spec.required}
    plan = [
        (key, table.positions[key], parser, key in required)
        for key, parser in parsers.items()
        if key in table.positions
    ]
    parsed = []
    total = len(table.rows)
    report(progress, CHECKING, 0, total)
    for index, (row_number, cells) in enumerate(table.rows):
        if index and index % EVERY == 0:
            report(progress, CHECKING, index, total)
        values = {}
        width = len(cells)
        for key, position, parser, is_required in plan:
            raw = cells[position] if position < width else ""
            if is_required and is_empty(raw):
                result.add_error(table, row_number, key, raw, _("required"))
                continue
            try:
                values[key] = parser(raw)
            except CellError as exc:
                result.add_error(table, row_number, key, raw, exc.reason)
        parsed.append(Row(row_number, values, cells, table))
    return parsed


def flag_duplicates(rows: list[Row], key_of: Callable[[dict], object], column: str, result: ImportResult,
                    reason: str) -> set[int]:
    """Report a row error on both rows (all rows) sharing a key; `reason` has %(row)s for the other row.

    Returns the numbers of the rows involved.
    """
    first: dict[object, Row] = {}
    involved: set[int] = set()
    for row in rows:
        key = key_of(row.values)
        if key is None:
            continue
        if key in first:
            other = first[key]
            if other.number not in involved:
                other.error(result, column, reason % {"row": row.number})
                involved.add(other.number)
            row.error(result, column, reason % {"row": other.number})
            involved.add(row.number)
        else:
            first[key] = row
    return involved
