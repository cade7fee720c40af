"""Forms of the targets app: the date and target-year chooser shared by the pages, the API and the
command, and the aggregate report forms."""
from __future__ import annotations

import datetime
from urllib.parse import urlencode

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import BadRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.forms import AgencyChoiceField, VersionField
from agencies.models import Agency, User

from .models import FIRST_REPORT_YEAR, YEARS_PAST_LAST_TARGET, AggregateReport, Indicator, Programme

PAGE_DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


class BadParameter(BadRequest, ValueError):
    """A parameter that cannot be used; the message is shown as it is.

    Raised out of a view, it is a 400 whose page shows the message (portal.views.bad_request).
    """


def date_window() -> tuple[datetime.date, datetime.date]:
    """The dates figures may be asked for: the current programme's window (Programme.date_window).

    With no current programme, from the first report year to a few years past this one.
    """
    programme = Programme.objects.filter(is_current=True).first()
    if programme is None:
        return datetime.date(FIRST_REPORT_YEAR, 1, 1), Programme.deadline(timezone.localdate().year + YEARS_PAST_LAST_TARGET)
    return programme.date_window()


def check_in_window(day: datetime.date, *, iso: bool = False) -> datetime.date:
    """`day` itself when figures may be asked for it; BadParameter otherwise.

    The one check of every date a person or a script types for figures: the pages' chooser, the API
    and the command. Outside the window nothing is recorded, and a far date would make a trend of
    thousands of year ends. `iso` writes the dates of the message as scripts give them.
    """
    first, last = date_window()
    if first <= day <= last:
        return day
    shown = (lambda d: d.isoformat()) if iso else (lambda d: date_format(d, "SHORT_DATE_FORMAT"))
    raise BadParameter(
        gettext("%(date)s is outside the programme's dates: choose a date from %(first)s to %(last)s.")
        % {"date": shown(day), "first": shown(first), "last": shown(last)}
    )


def parse_iso_date(value: str, name: str = "as_of") -> datetime.date:
    """YYYY-MM-DD only, as interfaces.md gives it for scripts, within the programme's window."""
    try:
        day = datetime.date.fromisoformat(value.strip())
    except ValueError:
        raise BadParameter(f"{name} must be a date written YYYY-MM-DD, not {value!r}.") from None
    return check_in_window(day, iso=True)


def programme_years() -> list[int]:
    """The current programme's target years (none without a current programme)."""
    programme = Programme.objects.filter(is_current=True).first()
    return programme.target_years() if programme else []


def parse_target_year(value: str | int | None, years: list[int] | None = None) -> int | None:
    """A target year of the current programme (or of `years`); None when not given."""
    if value is None or str(value).strip() == "":
        return None
    years = programme_years() if years is None else years
    try:
        year = int(str(value).strip())
    except ValueError:
        raise BadParameter(f"target_year must be one of {', '.join(map(str, years))}, not {value!r}.") from None
    if year not in years:
        raise BadParameter(f"target_year must be one of {', '.join(map(str, years))}, not {year}.")
    return year


class AttainmentChooserForm(forms.Form):
    """GET form on every dashboard page; its values stay in the URL so a view can be shared.

    The target years are the programme's (data). The dashboards read them with the figures, in the
    engine's own queries, so a page parses the chooser first and gives the form its years afterwards
    (`set_years`): a year that is not one of them is then reported, and the engine has used the
    default year instead.
    """

    as_of = forms.DateField(label=_("As of"), required=False, input_formats=PAGE_DATE_FORMATS,
                            widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"}))
    target_year = forms.IntegerField(label=_("Target year"), required=False, min_value=1, max_value=9999)

    def __init__(self, data=None, *, years: list[int] | None = None):
        super().__init__(data)
        self.years: list[int] = []
        if years is not None:
            self.set_years(years)

    def set_years(self, years) -> None:
        """The programme's target years: the choices shown, and the only years accepted."""
        self.years = list(years)
        if self.is_bound:
            self.is_valid()
            year = self.cleaned_data.get("target_year")
            if year is not None and year not in self.years and "target_year" not in self.errors:
                self.add_error("target_year", _("Choose one of the programme's target years: %(years)s.")
                               % {"years": ", ".join(map(str, self.years))})

    @property
    def year_choices(self) -> list[tuple[str, str]]:
        return [("", str(_("By date")))] + [(str(y), str(y)) for y in self.years]

    def clean_as_of(self) -> datetime.date | None:
        day = self.cleaned_data["as_of"]
        if day is not None:
            try:
                check_in_window(day)
            except BadParameter as error:
                raise forms.ValidationError(str(error)) from None
        return day

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


def reported_indicators():
    """The indicators of the current programme that agencies report as counts."""
    return Indicator.objects.filter(programme__is_current=True, source=Indicator.Source.REPORTS).order_by("order", "code")


def report_years() -> list[int]:
    """2016, the programme's first year, to the current year (formats.md), latest first."""
    return list(range(timezone.localdate().year, FIRST_REPORT_YEAR - 1, -1))


class IndicatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Indicator) -> str:
        return obj.localized_name


class ReportForm(forms.Form):
    """One yearly count. On an existing report the indicator, agency and year are fixed."""

    indicator = IndicatorChoiceField(label=_("Indicator"), queryset=Indicator.objects.none())
    agency = AgencyChoiceField(label=_("Reporting agency"), queryset=Agency.objects.none())
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    numerator = forms.IntegerField(label=_("Numerator"), min_value=0,
                                   help_text=_("How many are trained or able (the counted ones)."))
    denominator = forms.IntegerField(label=_("Denominator"), min_value=0,
                                     help_text=_("How many there are in all."))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    # A correction carries the report's updated_at: a save based on an older one is refused.
    version = VersionField()

    def __init__(self, *args, user: User, report: AggregateReport | None = None, **kwargs):
        if report is not None:
            kwargs.setdefault("initial", {
                "indicator": report.indicator_id, "agency": report.agency_id, "year": report.year,
                "numerator": report.numerator, "denominator": report.denominator, "note": report.note,
            })
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = reported_indicators()
        self.fields["agency"].queryset = Agency.objects.editable_by(user)
        self.fields["year"].choices = [(year, str(year)) for year in report_years()]
        if report is not None:
            for name in ("indicator", "agency", "year"):
                self.fields[name].disabled = True
            self.fields["version"].initial = report.updated_at.isoformat()
        else:
            del self.fields["version"]
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save")))

    def clean(self):
        data = super().clean()
        numerator, denominator = data.get("numerator"), data.get("denominator")
        if numerator is not None and denominator is not None and numerator > denominator:
            self.add_error("numerator", _("The numerator cannot exceed the denominator."))
        return data


class ReportFilterForm(forms.Form):
    agency = AgencyChoiceField(label=_("Agency"), queryset=Agency.objects.none(), required=False,
                               empty_label=_("All agencies"), help_text=_("Includes its subordinate units."))
    indicator = IndicatorChoiceField(label=_("Indicator"), queryset=Indicator.objects.none(), required=False,
                                     empty_label=_("All indicators"))
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.visible_to(user)
        self.fields["indicator"].queryset = reported_indicators()
        self.fields["year"].choices = [("", _("All years")), *[(year, str(year)) for year in report_years()]]
