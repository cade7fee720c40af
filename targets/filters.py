"""The date and target-year chooser shared by the pages, the API and the command."""
from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .attainment import DEFAULT_TARGET_YEARS, default_target_year

PAGE_DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


class BadParameter(ValueError):
    """A parameter that cannot be used; the message is shown as it is."""


def parse_iso_date(value: str, name: str = "as_of") -> datetime.date:
    """YYYY-MM-DD only, as interfaces.md gives it for scripts."""
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        raise BadParameter(f"{name} must be a date written YYYY-MM-DD, not {value!r}.") from None


def parse_target_year(value: str | int | None, years=DEFAULT_TARGET_YEARS) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        year = int(str(value).strip())
    except ValueError:
        raise BadParameter(f"target_year must be one of {', '.join(map(str, years))}, not {value!r}.") from None
    if year not in years:
        raise BadParameter(f"target_year must be one of {', '.join(map(str, years))}, not {year}.")
    return year


class AttainmentChooserForm(forms.Form):
    """GET form on every dashboard page; its values stay in the URL so a view can be shared."""

    as_of = forms.DateField(label=_("As of"), required=False, input_formats=PAGE_DATE_FORMATS,
                            widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"}))
    target_year = forms.TypedChoiceField(label=_("Target year"), required=False, coerce=int, empty_value=None,
                                         choices=[])

    def __init__(self, data=None, *, years=DEFAULT_TARGET_YEARS):
        super().__init__(data)
        self.fields["target_year"].choices = [("", _("By date"))] + [(y, str(y)) for y in years]

    def chosen(self) -> tuple[datetime.date, int | None]:
        """The date (today when empty) and the target year (None: the default of indicators.md)."""
        if not self.is_bound:
            return timezone.localdate(), None
        # is_valid() keeps the good fields in cleaned_data: a bad one falls back alone to its default.
        self.is_valid()
        data = self.cleaned_data
        return data.get("as_of") or timezone.localdate(), data.get("target_year")


def chooser_query(as_of: datetime.date, target_year: int | None) -> str:
    """The query string that carries the chooser to the next page."""
    params = {"as_of": as_of.isoformat()}
    if target_year:
        params["target_year"] = target_year
    return urlencode(params)


def effective_target_year(as_of: datetime.date, target_year: int | None) -> int:
    return target_year or default_target_year(as_of)
