"""Every file the portal sends (attainment tables, templates, bad rows, stored uploads) as an HTTP download.

Names keep their Vietnamese letters: Django's content_disposition_header writes RFC 6266's
`filename*=utf-8''…` when a name is not plain ASCII, and quotes or escapes it otherwise.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from sheets.writer import OutSheet, write_workbook

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Long enough for an agency code, a date and an uploaded file's own name; short for every file system.
MAX_NAME_LENGTH = 120
# Folder separators, and what Windows refuses in a file name.
UNSAFE_IN_NAMES = frozenset('/\\<>:"|?*')


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


def download_name(name: str) -> str:
    """`name` fit to save anywhere: NFC, none of the characters a file system refuses, not hidden, not too long.

    Names are built from agency codes and uploaded file names, both taken as typed.
    """
    name = unicodedata.normalize("NFC", name)
    name = "".join("-" if ch in UNSAFE_IN_NAMES or unicodedata.category(ch).startswith("C") else ch for ch in name)
    name = name.strip(" -.") or "file"
    if len(name) > MAX_NAME_LENGTH:
        suffix = PurePosixPath(name).suffix[:10]
        name = name[: MAX_NAME_LENGTH - len(suffix)] + suffix
    return name


def file_response(content: bytes, filename: str, content_type: str = XLSX_CONTENT_TYPE) -> HttpResponse:
    """A download of `content` saved as `filename` (Vietnamese letters kept, see the module's docstring)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, download_name(filename))
    return response


def xlsx_response(filename: str, tables: Sequence[Table]) -> HttpResponse:
    """The tables as one .xlsx download."""
    return file_response(workbook_bytes(tables), filename)
