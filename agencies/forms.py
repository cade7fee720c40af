"""Forms of the staff directory: filters, IT fields, newcomers and leaving."""
from __future__ import annotations

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.db import models
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Agency, Level, Staff, User


class DayMonthYearInput(forms.DateInput):
    """A text box showing dd/mm/yyyy; what may be typed comes from the format module (DATE_INPUT_FORMATS)."""

    input_type = "text"

    def __init__(self, attrs=None):
        super().__init__(
            attrs={"placeholder": _("dd/mm/yyyy"), "autocomplete": "off", "inputmode": "numeric", **(attrs or {})},
            format="%d/%m/%Y",
        )


def parse_version(value: str) -> datetime.datetime:
    """The hidden version of a row (its updated_at in ISO form, microseconds included) read back from a form.

    Forms that edit shared rows carry it, so that a save based on what someone else has changed since is refused.
    """
    try:
        version = datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        version = None
    if version is None or version.tzinfo is None:
        raise forms.ValidationError(_("This form is out of date; please reload the page."))
    return version


class AgencyChoiceIterator(ModelChoiceIterator):
    """Options read as plain values: a select of hundreds of agencies builds no model per option."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for pk, name, code, depth in self.queryset.values_list("pk", "name", "code", "depth"):
            yield (pk, f"{'— ' * depth}{name} ({code})")


class AgencyChoiceField(forms.ModelChoiceField):
    """Agencies indented by depth, so a long tree reads as a tree in a select box."""

    iterator = AgencyChoiceIterator


class AgencyFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    level = forms.ChoiceField(label=_("Level"), required=False, choices=[("", _("All levels")), *Level.choices])
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *Agency.Kind.choices])


class StaffFilterForm(forms.Form):
    """The directory's search box and filters; every field is optional and read from GET."""

    class Status:
        ACTIVE = "active"
        LEFT = "left"
        ALL = "all"

    STATUS_CHOICES = [(Status.ACTIVE, _("On the roster")), (Status.LEFT, _("Left")), (Status.ALL, _("Everyone"))]
    FLAG_CHOICES = [
        ("", _("Any")),
        ("is_it_staff", _("Dedicated IT staff")),
        ("is_cio", _("CIO")),
        ("is_leader", _("Leader")),
        ("university", _("University IT degree or higher")),
    ]

    q = forms.CharField(label=_("Name or code"), required=False,
                        help_text=_("Accents are optional: “nguyen van” finds “Nguyễn Văn”."))
    unit = AgencyChoiceField(label=_("Unit"), queryset=Agency.objects.none(), required=False,
                             empty_label=_("All units"), help_text=_("Includes its subordinate units."))
    category = forms.ChoiceField(label=_("Category"), required=False)
    flag = forms.ChoiceField(label=_("Flag"), required=False, choices=FLAG_CHOICES)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Agency.objects.visible_to(user)
        self.fields["category"].choices = [("", _("All categories")), *Staff.Category.choices]


class VersionField(forms.CharField):
    """The hidden version (updated_at) of the row a form edits, as it was when the form was opened."""

    widget = forms.HiddenInput

    def clean(self, value) -> datetime.datetime:
        return parse_version(super().clean(value))


class StaffITForm(forms.ModelForm):
    """The IT fields an officer keeps up to date; names and codes come from the roster import."""

    version = VersionField()

    class Meta:
        model = Staff
        fields = ["position", "category", "it_qualification", "is_it_staff", "is_cio", "is_leader", "joined_on", "left_on"]
        widgets = {"joined_on": DayMonthYearInput(), "left_on": DayMonthYearInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.updated_at.isoformat()
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save")))


def stale_message(current: models.Model, entered: dict, fields: list[str]) -> str:
    """What to tell someone whose save was refused: the stored values that differ from what they entered."""
    differences = []
    for name in fields:
        field = current._meta.get_field(name)
        now, theirs = getattr(current, field.attname), entered.get(name)
        if isinstance(theirs, models.Model):
            theirs = theirs.pk
        if name in entered and now != theirs:
            differences.append(gettext("%(field)s “%(now)s” (you entered “%(yours)s”)") % {
                "field": capfirst(field.verbose_name), "now": _shown(field, now), "yours": _shown(field, theirs)})
    return gettext("Someone else saved this record after you opened the form, so your changes were not saved. "
                   "The stored values that differ from what you entered: %(differences)s. Check the form, which "
                   "now shows the stored values, and save again.") % {"differences": "; ".join(differences) or "—"}


def _shown(field, value) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


class StaffCreateForm(forms.ModelForm):
    """A newcomer typed by hand, in one of the agencies the user may edit."""

    agency = AgencyChoiceField(label=_("Agency"), queryset=Agency.objects.none())

    class Meta:
        model = Staff
        fields = ["code", "full_name", "agency", "category", "gender", "birth_date", "position",
                  "it_qualification", "is_it_staff", "is_cio", "is_leader", "joined_on"]
        widgets = {"birth_date": DayMonthYearInput(), "joined_on": DayMonthYearInput()}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.editable_by(user)
        self.fields["joined_on"].initial = timezone.localdate()
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Add")))

    def clean_code(self) -> str:
        # Upper-cased here so that the uniqueness check sees the code as it will be stored.
        return self.cleaned_data["code"].strip().upper()

    def clean_full_name(self) -> str:
        return " ".join(self.cleaned_data["full_name"].split())


class StaffLeaveForm(forms.Form):
    left_on = forms.DateField(label=_("Left on"), widget=DayMonthYearInput(),
                              help_text=_("The first day away. The person stays in the history; nothing is deleted."))

    def __init__(self, *args, staff: Staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.staff = staff
        self.fields["left_on"].initial = timezone.localdate()
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Mark as left"), css_class="btn-warning"))

    def clean_left_on(self):
        left_on = self.cleaned_data["left_on"]
        if self.staff.joined_on and left_on < self.staff.joined_on:
            raise forms.ValidationError(_("The leaving date cannot be before the joining date."))
        return left_on
