"""Tolerant cell parsers: plain functions, fast enough for 50,000 rows (no Form per row).

Each takes a raw value as python-calamine returns it (str, float, int, bool, date, datetime,
'' for an empty cell) and returns the clean value, or raises CellError with a short reason.
Reasons are translated when raised: English on the command line, the person's language on the web.
"""
from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping

from django.utils.translation import gettext as _

from .errors import CellError
from .text import clean_text, fold, match_key

# Excel's day 0 in the 1900 date system (the 1900 leap-year bug makes 30 Dec 1899 the right base
# for every serial from 1 March 1900 on).
EXCEL_EPOCH = datetime.date(1899, 12, 30)
MIN_YEAR, MAX_YEAR = 1900, 2100
_MAX_SERIAL = (datetime.date(MAX_YEAR, 12, 31) - EXCEL_EPOCH).days

_DAY_FIRST = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_YEAR = re.compile(r"\d{4}")
_WHOLE = re.compile(r"[+-]?\d+(?:\.0*)?")

# What parse_date accepts, as the templates' "what to write" row tells it.
DATE_FORMS = "dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, yyyy-mm-dd"

YES_WORDS = frozenset({"x", "co", "yes", "1", "true", "✓", "✔"})
NO_WORDS = frozenset({"", "khong", "no", "0", "false"})


class Uncomputed(str):
    """A formula saved without its computed value (files written by scripts, not by Excel)."""


def is_empty(value) -> bool:
    return value is None or value == "" or (isinstance(value, str) and not value.strip())


def _check_formula(value) -> None:
    if isinstance(value, Uncomputed):
        raise CellError(_("a formula with no saved value (open the file in Excel or LibreOffice and save it again)"))


def number_text(value: float) -> str:
    """1024.0 -> '1024': codes typed as numbers come back from Excel as floats."""
    return str(int(value)) if value.is_integer() else repr(value)


def parse_text(value, *, max_length: int = 255) -> str:
    """NFC text, trimmed, runs of spaces collapsed; '' for an empty cell."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        _check_formula(value)
        text = clean_text(value)
    elif isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, float):
        text = number_text(value)
    elif isinstance(value, datetime.datetime | datetime.date):
        text = value.strftime("%d/%m/%Y")
    else:
        text = clean_text(str(value))
    if len(text) > max_length:
        raise CellError(_("too long (at most %(count)d characters)") % {"count": max_length})
    return text


def parse_code(value, *, max_length: int = 32) -> str:
    """An upper-case code; a number typed in a code cell (1024, read as 1024.0) is the text '1024'."""
    if isinstance(value, bool) or isinstance(value, datetime.date):
        raise CellError(_("not a code"))
    if isinstance(value, float):
        text = number_text(value)
    elif isinstance(value, int):
        text = str(value)
    elif value is None:
        return ""
    else:
        _check_formula(value)
        text = clean_text(str(value)).upper()
    if len(text) > max_length:
        raise CellError(_("too long (at most %(count)d characters)") % {"count": max_length})
    return text


def _checked_date(year: int, month: int, day: int) -> datetime.date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise CellError(_("not a date"))
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise CellError(_("not a date")) from None


def parse_date(value, *, year_alone: bool = False) -> datetime.date | int | None:
    """A date cell, an Excel serial, or text dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, yyyy-mm-dd.

    Day first, as Vietnam writes dates. With `year_alone` (Ngày sinh), a whole number or text from
    1900 to 2100 is a year and is returned as an int; None for an empty cell.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError(_("not a date"))
    if isinstance(value, datetime.datetime):
        return _checked_date(value.year, value.month, value.day)
    if isinstance(value, datetime.date):
        return _checked_date(value.year, value.month, value.day)
    if isinstance(value, int | float):
        if year_alone and float(value).is_integer() and MIN_YEAR <= value <= MAX_YEAR:
            return int(value)
        # Any other number is an Excel serial; its fraction is a time of day, which a date drops.
        if not 1 <= value <= _MAX_SERIAL:
            raise CellError(_("not a date"))
        return EXCEL_EPOCH + datetime.timedelta(days=int(value))
    if not isinstance(value, str):
        raise CellError(_("not a date"))
    _check_formula(value)
    text = value.strip()
    if not text:
        return None
    match = _DAY_FIRST.fullmatch(text)
    if match:
        return _checked_date(int(match[4]), int(match[3]), int(match[1]))
    match = _ISO.fullmatch(text)
    if match:
        return _checked_date(int(match[1]), int(match[2]), int(match[3]))
    if year_alone and _YEAR.fullmatch(text) and MIN_YEAR <= int(text) <= MAX_YEAR:
        return int(text)
    raise CellError(_("not a date"))


def parse_yes_no(value) -> bool:
    """x, có, yes, 1, true, ✓ or a TRUE cell are yes; empty, không, no, 0, false or FALSE are no."""
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        # LibreOffice keeps =TRUE() in an .ods as the number 1.
        if value == 1:
            return True
        if value == 0:
            return False
        raise CellError(_("not yes or no"))
    if isinstance(value, str):
        _check_formula(value)
        word = fold(value)
        if word in YES_WORDS:
            return True
        if word in NO_WORDS:
            return False
    raise CellError(_("not yes or no"))


def parse_whole_number(value, *, minimum: int | None = 0) -> int | None:
    """A whole number (12, 12.0, '12'); None for an empty cell."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or isinstance(value, datetime.date):
        raise CellError(_("not a whole number"))
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(_("not a whole number"))
        number = int(value)
    elif isinstance(value, int):
        number = value
    else:
        _check_formula(value)
        text = str(value).strip()
        if not text:
            return None
        if not _WHOLE.fullmatch(text):
            raise CellError(_("not a whole number"))
        number = int(float(text)) if "." in text else int(text)
    if minimum is not None and number < minimum:
        raise CellError(_("must be at least %(minimum)d") % {"minimum": minimum})
    return number


class Choices:
    """A fixed list of values, each accepted under several labels (Vietnamese, English, codes).

    `labels` maps each stored value to the labels people write; the first label is the one shown
    in templates and error messages.
    """

    def __init__(self, labels: Mapping[str, Iterable[str]], *, empty: str | None = None):
        self.labels = {value: list(names) for value, names in labels.items()}
        self.empty = empty
        self._by_key: dict[str, str] = {}
        for value, names in self.labels.items():
            for name in [value, *names]:
                self._by_key[match_key(name)] = value

    @property
    def shown(self) -> list[str]:
        return [names[0] for names in self.labels.values()]

    def label(self, value) -> str:
        """The label shown for a stored value ('HĐ' for 'HD'); '' for the empty value."""
        if value is None or value == "":
            return ""
        return self.labels.get(value, [value])[0]

    def parse(self, value) -> str | None:
        """The stored value for a label; `empty` (None unless given) for an empty cell."""
        if is_empty(value):
            return self.empty
        _check_formula(value)
        text = number_text(value) if isinstance(value, float) else str(value)
        found = self._by_key.get(match_key(text))
        if found is None:
            raise CellError(_("not one of: %(values)s") % {"values": ", ".join(self.shown)})
        return found
