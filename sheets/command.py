"""The shared shape of the import commands (interfaces.md): exit 0, 1 or 2, output in English.

exit 0: the file was applied (or would be, with --dry-run); one summary line on stdout.
exit 1: the data is invalid and nothing was written; every row error on stderr, one a line.
exit 2: the file cannot be used at all; one sentence on stderr.
"""
from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import translation

from .errors import UnusableFile
from .result import ImportResult


class ImportCommand(BaseCommand):
    """Subclasses set `help` and implement `run_import(data, file_name, options)`."""

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="the workbook to import (.xlsx, .xls or .ods)")
        parser.add_argument("--dry-run", action="store_true", help="check the file and report; write nothing")
        parser.add_argument(
            "--keep-blanks", action="store_true",
            help="keep stored values where a cell of a present column is empty (by default an empty cell clears)",
        )

    def run_import(self, *, data: bytes, file_name: str, options: dict) -> ImportResult:
        raise NotImplementedError

    def execute(self, *args, **options):
        # Django would print "CommandError: ..." before the message; scripts get the bare lines.
        try:
            return super().execute(*args, **options)
        except _CleanExit as exc:
            if exc.printed:
                self.stderr.write(exc.printed)
            if getattr(self, "_called_from_command_line", False):
                sys.exit(exc.returncode)
            raise CommandError(exc.message, returncode=exc.returncode) from None

    def handle(self, *args, **options):
        # The command line is an interface for scripts: always English, whatever LANGUAGE_CODE says.
        with translation.override("en"):
            path = Path(options["file"])
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise _CleanExit(f"Cannot read {path}: {exc.strerror or exc}.", 2) from None
            try:
                result = self.run_import(data=data, file_name=path.name, options=options)
            except UnusableFile as exc:
                raise _CleanExit(str(exc), 2) from None
            except DatabaseError:
                raise _CleanExit(
                    "The database changed while the file was being imported; nothing was written. Run the import again.", 1
                ) from None
            for note in _notes(result):
                self.stderr.write(note)
            if result.errors:
                for error in result.sorted_errors():
                    self.stderr.write(str(error))
                raise _CleanExit(f"{len(result.errors)} errors; nothing was written.", 1, printed="")
            self.stdout.write(result.summary_line())


class _CleanExit(Exception):
    def __init__(self, message: str, returncode: int, *, printed: str | None = None):
        super().__init__(message)
        self.message = message
        self.returncode = returncode
        self.printed = message if printed is None else printed


def _notes(result: ImportResult) -> list[str]:
    notes = []
    if result.ignored_columns:
        notes.append("ignored columns: " + ", ".join(result.ignored_columns))
    if result.skipped_rows:
        notes.append("skipped rows (blank or notes): " + ", ".join(result.skipped_rows))
    return notes
