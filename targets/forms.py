"""Forms of the aggregate reports an agency enters by hand."""
from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.forms import AgencyChoiceField, editable_agencies
from agencies.models import Agency, User

from .models import AggregateReport, Indicator

FIRST_REPORT_YEAR = 2016


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

    def __init__(self, *args, user: User, report: AggregateReport | None = None, **kwargs):
        if report is not None:
            kwargs.setdefault("initial", {
                "indicator": report.indicator_id, "agency": report.agency_id, "year": report.year,
                "numerator": report.numerator, "denominator": report.denominator, "note": report.note,
            })
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = reported_indicators()
        self.fields["agency"].queryset = editable_agencies(user).only("pk", "name", "code", "depth", "path")
        self.fields["year"].choices = [(year, str(year)) for year in report_years()]
        if report is not None:
            for name in ("indicator", "agency", "year"):
                self.fields[name].disabled = True
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
        self.fields["agency"].queryset = Agency.objects.visible_to(user).only("pk", "name", "code", "depth", "path")
        self.fields["indicator"].queryset = reported_indicators()
        self.fields["year"].choices = [("", _("All years")), *[(year, str(year)) for year in report_years()]]
