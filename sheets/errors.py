"""The two ways an import fails: the file is unusable, or some rows are wrong."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field


class UnusableFile(Exception):
    """The file cannot be used at all. The message is one sentence that says what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class CellError(ValueError):
    """A cell parser's refusal; `reason` is a short phrase such as 'not a date'."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class RowError:
    """One bad cell: Excel row number, the column's header as written in the file, the value and why."""

    row: int
    column: str
    value: str
    reason: str
    sheet: str = ""
    position: int = field(default=0, compare=False)  # the column's index, to list a row's errors in order

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}, '{self.value}': {self.reason}"

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "value": self.value,
                "reason": str(self.reason)}


def display_value(value) -> str:
    """A cell's value the way the person sees it in Excel (1024.0 is '1024', a date is dd/mm/yyyy)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value)
