"""Opening an uploaded workbook (.xlsx, .xls, .ods) with python-calamine, refusing unusable files.

Every refusal is an UnusableFile whose message is one sentence saying what to do. The cheap checks
run before calamine touches the data, so an oversized upload or a zip bomb is refused at once.
Calamine itself runs in a child process with capped memory and time (sheets/sandbox.py): a small
file that asks for a huge grid kills the child, not the app, and is refused with a message.
"""
from __future__ import annotations

import datetime
import io
import re
import zipfile
from html import unescape
from xml.etree import ElementTree

import python_calamine
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .cells import Uncomputed
from .errors import UnusableFile
from .sandbox import SandboxFailed, run_limited

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"

# A real .xlsx inflates 5 to 20 times; a far higher ratio on a sizeable member is a zip bomb.
MAX_COMPRESSION_RATIO = 200


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _save_again() -> str:
    return _("open it in Excel or LibreOffice, save it as an Excel workbook (.xlsx) and upload it again.")


class Workbook:
    """An opened workbook: its sheet names and, per sheet, its rows at their Excel positions."""

    def __init__(self, sheet_names: list[str], sheets: dict[str, list[list] | tuple], kind: str):
        self.kind = kind  # "xlsx", "ods" or "xls"
        self.sheet_names = sheet_names
        self._sheets = sheets

    def rows(self, sheet_name: str) -> list[list]:
        """Every row from A1 on (row i is Excel row i + 1), merged cells filled from their top-left cell.

        A sheet too large to read is refused here, when it is asked for: a big sheet beside the
        one to import does not stop the import.
        """
        sheet = self._sheets[sheet_name]
        if isinstance(sheet, list):
            return sheet
        if sheet[0] == "rows":
            raise UnusableFile(
                _("The sheet “%(sheet)s” has more than %(count)s rows; split it into smaller files and import each.")
                % {"sheet": sheet_name, "count": f"{sheet[1]:,}"}
            )
        if sheet[0] == "columns":
            raise UnusableFile(
                _("The sheet “%(sheet)s” has more than %(count)s columns; delete the unused columns and upload it again.")
                % {"sheet": sheet_name, "count": sheet[1]}
            )
        raise UnusableFile(_("The file is damaged and cannot be read; %(advice)s") % {"advice": _save_again()})


def check_bytes(data: bytes) -> str:
    """The cheap checks of an upload (size, what the bytes are, the zip's declared sizes): its kind, "xlsx",
    "ods" or "xls", or UnusableFile. Fast enough to run in the upload's request before the parsing is queued.
    """
    max_bytes = _limit("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
    if not data:
        raise UnusableFile(_("The file is empty; choose the workbook you filled in and upload it again."))
    if len(data) > max_bytes:
        raise UnusableFile(
            _("The file is larger than %(size)s; split it into smaller files and import each.")
            % {"size": filesizeformat(max_bytes)}
        )
    if data.startswith(ZIP_MAGIC):
        kind = _check_zip(data)
    elif data.startswith(OLE_MAGIC):
        kind = "xls"
    elif _looks_like_text(data):
        raise UnusableFile(
            _("This is a text file (CSV or web page), not an Excel workbook; %(advice)s") % {"advice": _save_again()}
        )
    else:
        raise UnusableFile(_("This file is not an Excel or LibreOffice workbook; %(advice)s") % {"advice": _save_again()})
    return kind


def open_workbook(data: bytes) -> Workbook:
    """Open the bytes of an uploaded file, or raise UnusableFile with what to do about it.

    The cheap checks (check_bytes) run here; the parsing runs in a child process with capped
    memory and time (sheets/sandbox.py).
    """
    kind = check_bytes(data)
    try:
        opened = run_limited(
            read_sheets, data, kind, _limit("IMPORT_MAX_ROWS", 200_000), _limit("IMPORT_MAX_COLUMNS", 200),
            memory_bytes=_limit("IMPORT_PARSE_MEMORY_BYTES", 1024 * 1024 * 1024),
            seconds=_limit("IMPORT_PARSE_SECONDS", 60),
        )
    except SandboxFailed as failure:
        if failure.reason == "crashed":
            raise UnusableFile(_("The file is damaged and cannot be read; %(advice)s") % {"advice": _save_again()}) from None
        raise UnusableFile(_too_much_data()) from None
    if opened == "password":
        raise UnusableFile(
            _("The workbook is protected by a password; remove the password, save it and upload it again.")
        )
    if opened == "damaged":
        if kind == "xls":
            # An encrypted .xlsx is also an OLE container; calamine cannot tell them apart.
            raise UnusableFile(
                _("The file cannot be read: it is damaged or protected by a password; %(advice)s") % {"advice": _save_again()}
            )
        raise UnusableFile(_("The file is damaged and cannot be read; %(advice)s") % {"advice": _save_again()})
    sheet_names, sheets = opened
    if not sheet_names:
        raise UnusableFile(_("The workbook has no sheet; fill in the template and upload it again."))
    return Workbook(sheet_names, sheets, kind)


def read_sheets(data: bytes, kind: str, max_rows: int, max_columns: int):
    """Every sheet's rows with python-calamine: (names, {name: rows or a refusal}), or "password"/"damaged".

    Runs in the sandbox's child, so it returns plain data and never a translated message. A refusal
    is ("rows", cap), ("columns", cap) or ("damaged",). Calamine builds a sheet as a dense grid from
    its first to its last cell, so a grid past the caps is refused before it is turned into Python
    lists; merged areas and formulas without values are checked against the caps before they
    extend the grid.
    """
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        return "password"
    except python_calamine.CalamineError:
        return "damaged"
    names = list(book.sheet_names)
    sheets: dict[str, list[list] | tuple] = {}
    for name in names:
        try:
            sheet = book.get_sheet_by_name(name)
        except python_calamine.CalamineError:
            sheets[name] = ("damaged",)
            continue
        end = sheet.end or (0, 0)
        merged = sheet.merged_cell_ranges or []
        # Merged areas are filled below: one reaching past the caps would grow the grid as far.
        furthest = (max([end[0], *(bottom_right[0] for _top_left, bottom_right in merged)]),
                    max([end[1], *(bottom_right[1] for _top_left, bottom_right in merged)]))
        if furthest[0] + 1 > max_rows:
            sheets[name] = ("rows", max_rows)
            continue
        if furthest[1] + 1 > max_columns:
            sheets[name] = ("columns", max_columns)
            continue
        rows = sheet.to_python(skip_empty_area=False) or []
        if kind == "xlsx":
            refusal = _fill_uncomputed_formulas(rows, data, name, max_rows, max_columns)
            if refusal:
                sheets[name] = refusal
                continue
        _fill_merged_cells(rows, merged)
        sheets[name] = rows
    return names, sheets


def _too_much_data() -> str:
    return _("The workbook holds far more data than its size suggests; "
             "save only the table to import in a new file and upload that.")


def _check_zip(data: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
        names = {m.filename for m in members}
        mimetype = archive.read("mimetype").strip() if "mimetype" in names else b""
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, KeyError, OSError, ValueError):
        raise UnusableFile(
            _("The file is damaged or was not completely uploaded; %(advice)s") % {"advice": _save_again()}
        ) from None
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        kind = "xlsx"
    elif mimetype == ODS_MIMETYPE:
        kind = "ods"
    else:
        raise UnusableFile(
            _("This zip file holds no spreadsheet (it may be a Word document or an archive); "
              "%(advice)s")
            % {"advice": _save_again()}
        )
    max_total = _limit("IMPORT_MAX_UNCOMPRESSED_BYTES", 300 * 1024 * 1024)
    total = sum(m.file_size for m in members)
    bomb = any(
        m.file_size > 10 * 1024 * 1024 and m.file_size > MAX_COMPRESSION_RATIO * max(m.compress_size, 1)
        for m in members
    )
    if total > max_total or bomb:
        raise UnusableFile(_too_much_data())
    return kind


def _looks_like_text(data: bytes) -> bool:
    head = data[:4096]
    if b"\x00" in head:
        return head.startswith((b"\xff\xfe", b"\xfe\xff"))  # UTF-16 text, as Excel's "Unicode text"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the 4096-byte window is still text.
        return exc.start > len(head) - 4
    return True


def _fill_merged_cells(rows: list[list], ranges) -> None:
    # Merged cells are read by their top-left value (formats.md): fill the whole area with it.
    for (top, left), (bottom, right) in ranges:
        if top >= len(rows) or left >= len(rows[top]) or rows[top][left] == "":
            continue
        value = rows[top][left]
        for r in range(top, bottom + 1):
            _put(rows, r, right, None)
            row = rows[r]
            for c in range(left, right + 1):
                if (r, c) != (top, left) and row[c] == "":
                    row[c] = value


def _put(rows: list[list], r: int, c: int, value) -> None:
    """Grow the grid to hold (r, c), then set it unless `value` is None. Calamine's grid ends at the last value."""
    width = max(len(rows[0]) if rows else 0, c + 1)
    while len(rows) <= r:
        rows.append([""] * width)
    row = rows[r]
    if len(row) <= c:
        row.extend([""] * (c + 1 - len(row)))
    if value is not None:
        row[c] = value


# --- Formulas saved without a value -----------------------------------------------------------
# Excel and LibreOffice save each formula's computed value, which calamine returns. Files written
# by scripts (openpyxl and the like) keep only the formula, which calamine reads as an empty cell.
# The constant formulas people type in yes/no and date columns are evaluated here; any other such
# formula becomes an Uncomputed value, which the cell parsers refuse with advice.

_UNCACHED = re.compile(
    rb'<c r="([A-Z]+)(\d+)"[^>]*>\s*<f(?:\s[^>]*)?>([^<]*)</f>\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>'
)
_DATE_FORMULA = re.compile(r"DATE\((\d{4}),(\d{1,2}),(\d{1,2})\)", re.IGNORECASE)
_NUMBER_FORMULA = re.compile(r"[+-]?\d+(\.\d+)?")


def _fill_uncomputed_formulas(rows: list[list], data: bytes, sheet_name: str, max_rows: int,
                              max_columns: int) -> tuple | None:
    """Put the formulas saved without a value into the grid; a refusal when one lies past the caps."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        xml_path = _sheet_xml_path(archive, sheet_name)
        if xml_path is None:
            return None
        xml = archive.read(xml_path)
    except (zipfile.BadZipFile, KeyError, OSError, ElementTree.ParseError):
        return None
    if b"</f>" not in xml:
        return None
    for match in _UNCACHED.finditer(xml):
        column = 0
        for ch in match[1]:
            column = column * 26 + ch - 64
        r, c = int(match[2]) - 1, column - 1
        if r + 1 > max_rows:
            return ("rows", max_rows)
        if c + 1 > max_columns:
            return ("columns", max_columns)
        if r >= len(rows) or c >= len(rows[r]) or rows[r][c] == "":
            _put(rows, r, c, _constant_formula_value(match[3].decode("utf-8", "replace")))
    return None


def _constant_formula_value(formula: str):
    text = unescape(formula).strip()
    upper = text.upper().replace(" ", "")
    if upper in {"TRUE()", "TRUE"}:
        return True
    if upper in {"FALSE()", "FALSE"}:
        return False
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].replace('""', '"')
    if _NUMBER_FORMULA.fullmatch(text):
        return float(text)
    match = _DATE_FORMULA.fullmatch(upper)
    if match:
        try:
            return datetime.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    return Uncomputed("=" + text)


def _sheet_xml_path(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    ns = {
        "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "p": "http://schemas.openxmlformats.org/package/2006/relationships",
    }
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rel_id = None
    for sheet in book.iterfind("m:sheets/m:sheet", ns):
        if sheet.get("name") == sheet_name:
            rel_id = sheet.get(f"{{{ns['r']}}}id")
    if rel_id is None:
        return None
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.iterfind("p:Relationship", ns):
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None
