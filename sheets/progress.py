"""How far a reader has got, for whoever waits on it: a callable taking (stage, rows done, rows total).

The web import runs the readers in a task worker and stores each report on its ImportRun, which
the progress page reads. Readers report only outside their import transaction: inside it the
report would be invisible to other connections until the commit (PostgreSQL) or would wait on
the transaction's own write lock (SQLite).
"""
from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]

# Rows parsed between two reports: about fifty reports for a 50,000-row file.
EVERY = 1000

READING, CHECKING, COMPARING, WRITING = "reading", "checking", "comparing", "writing"


def report(progress: Progress | None, stage: str, done: int = 0, total: int = 0) -> None:
    if progress is not None:
        progress(stage, done, total)
