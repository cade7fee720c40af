"""What an import did, or would do: counts, ignored columns, skipped rows and every row error."""
from __future__ import annotations

from dataclasses import dataclass, field

from .errors import RowError, display_value
from .plan import Plan
from .table import Table


@dataclass
class ImportResult:
    """The outcome of one import. `counts` is ordered as the one-line summary prints it.

    `parts` breaks the counts down for formats with several sheets (training: courses, records).
    `plan` names every row that changes, with its old and new values, and the stored values
    that empty cells erase (or keep, with keep_blanks).
    """

    kind: str
    counts: dict[str, int] = field(default_factory=dict)
    parts: dict[str, dict[str, int]] = field(default_factory=dict)
    plan: Plan = field(default_factory=Plan)
    errors: list[RowError] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    dry_run: bool = False
    applied: bool = False

    @property
    def ignored_columns(self) -> list[str]:
        return [f"{t.sheet}: {h}" if len(self.tables) > 1 else h for t in self.tables for h in t.ignored]

    @property
    def skipped_rows(self) -> list[str]:
        return [f"{t.sheet}: {r}" if len(self.tables) > 1 else str(r) for t in self.tables for r in t.skipped]

    @property
    def ok(self) -> bool:
        return not self.errors

    def add_error(self, table: Table, row: int, key: str, value, reason: str) -> None:
        self.errors.append(
            RowError(row=row, column=table.headers.get(key) or _header_of(table, key), value=display_value(value),
                     reason=reason, sheet=table.sheet, position=table.positions.get(key, 999))
        )

    def sorted_errors(self) -> list[RowError]:
        order = {t.sheet: i for i, t in enumerate(self.tables)}
        return sorted(self.errors, key=lambda e: (order.get(e.sheet, 99), e.row, e.position))

    def summary_line(self) -> str:
        """'created 3, updated 1, unchanged 40, left 0' (and the per-sheet counts for training)."""
        line = ", ".join(f"{name} {count}" for name, count in self.counts.items())
        for part, counts in self.parts.items():
            line += f"; {part}: " + ", ".join(f"{name} {count}" for name, count in counts.items())
        if self.plan.erased_count:
            verb = "kept" if self.plan.keep_blanks else "erased"
            line += f"; stored values {verb} where the file is blank: {self.plan.erased_count}"
        if self.dry_run:
            line += " (dry run: nothing written)"
        return line

    def as_json(self, *, error_limit: int = 1000) -> dict:
        """What ImportRun.summary keeps: every count, the first `error_limit` errors."""
        errors = self.sorted_errors()
        return {
            "counts": self.counts,
            "parts": self.parts,
            "plan": self.plan.as_json(),
            "ignored_columns": self.ignored_columns,
            "skipped_rows": self.skipped_rows,
            "errors": [e.as_dict() for e in errors[:error_limit]],
            "error_count": len(errors),
            "sheets": [t.sheet for t in self.tables],
        }


def _header_of(table: Table, key: str) -> str:
    for column in table.spec.columns:
        if column.key == key:
            return column.header
    return key
