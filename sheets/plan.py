"""What an import will change, row by row: the plan every reader builds before it writes.

Readers compare each file row with the stored one and describe the difference in these named
rows; the preview shows them and the command prints their counts. Values are shown as text in
the file's own vocabulary (dd/mm/yyyy dates, the labels of choices), so the person reads back
what they typed.
"""
from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field

from django.utils.translation import gettext as _

from .cells import is_empty

# The listed rows are cut at these lengths; the counts stay exact.
ROW_LIMIT = 200
ERASED_LIMIT = 2000


@dataclass(frozen=True)
class FieldChange:
    """One value that changes: the column it comes from (the file's header), old and new as shown."""

    column: str
    old: str
    new: str


@dataclass(frozen=True)
class PlannedRow:
    """One record the import creates, updates, transfers or marks as left, with what changes."""

    action: str
    code: str
    name: str
    changes: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class Erasure:
    """A stored value that an empty cell of a present column would clear."""

    code: str
    name: str
    column: str
    old: str


@dataclass
class Plan:
    """Every planned row by action (the first ROW_LIMIT of each) and every value a blank erases.

    `keep_blanks` says what was done with those values: cleared (False, the default of the
    formats), or kept (True, `--keep-blanks`); `erased_count` counts them either way.
    """

    keep_blanks: bool = False
    rows: dict[str, list[PlannedRow]] = field(default_factory=dict)
    erased: list[Erasure] = field(default_factory=list)
    erased_count: int = 0

    def add(self, action: str, code: str, name: str, changes=()) -> None:
        items = self.rows.setdefault(action, [])
        if len(items) < ROW_LIMIT:
            items.append(PlannedRow(action, code, name, tuple(changes)))

    def erase(self, code: str, name: str, column: str, old: str) -> None:
        self.erased_count += 1
        if len(self.erased) < ERASED_LIMIT:
            self.erased.append(Erasure(code, name, column, old))

    def as_json(self) -> dict:
        return {
            "keep_blanks": self.keep_blanks,
            "rows": {action: [asdict(r) for r in rows] for action, rows in self.rows.items()},
            "erased": [asdict(e) for e in self.erased],
            "erased_count": self.erased_count,
        }


def shown(value) -> str:
    """A stored or parsed value as the preview shows it: '' for nothing, dd/mm/yyyy, yes / no."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def blank_cell(row, key: str) -> bool:
    """True when the row's cell of that (present) column is empty."""
    return is_empty(row.raw(key))
