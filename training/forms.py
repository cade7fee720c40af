"""Forms of the course catalogue and of a course's participants."""
from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from agencies.forms import AgencyChoiceField, DayMonthYearInput, VersionField
from agencies.models import Agency, User

from .models import Course, CourseCategory, TrainingRecord
from .needs import need_choices
from .selectors import NEEDED, UNTRAINED


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: CourseCategory) -> str:
        return obj.localized_name


class CourseFilterForm(forms.Form):
    """Search and filters of the catalogue; the year and organiser choices come from the visible courses."""

    q = forms.CharField(label=_("Search"), required=False, help_text=_("Code, name, place or trainer."))
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)
    category = CategoryChoiceField(label=pgettext_lazy("course", "Category"), queryset=CourseCategory.objects.all(),
                                   required=False, empty_label=_("All categories"))
    organiser = forms.ChoiceField(label=_("Organiser"), required=False)

    def __init__(self, *args, years: list[int], organisers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All years")), *[(year, str(year)) for year in years]]
        self.fields["organiser"].choices = [("", _("All organisers")), *[(name, name) for name in organisers]]


class CourseForm(forms.ModelForm):
    """A course, managed by one of the agencies the user may edit."""

    category = CategoryChoiceField(label=pgettext_lazy("course", "Category"), queryset=CourseCategory.objects.all())
    agency = AgencyChoiceField(label=_("Managing agency"), queryset=Agency.objects.none(),
                               help_text=_("Its IT officers (and those above it) manage the course and its participants."))

    class Meta:
        model = Course
        fields = ["code", "name", "category", "start_date", "end_date", "organiser", "hours", "place", "trainer", "agency"]
        widgets = {"start_date": DayMonthYearInput(), "end_date": DayMonthYearInput()}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.editable_by(user)
        # Administrators may keep province-wide courses with no managing agency; officers may not.
        self.fields["agency"].required = not user.is_administrator
        if not self.instance.pk and user.is_officer:
            self.fields["agency"].initial = user.agency_id
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save")))

    def clean_code(self) -> str:
        # Upper-cased here so that the uniqueness check sees the code as it will be stored.
        return self.cleaned_data["code"].strip().upper()


class ParticipantSearchForm(forms.Form):
    """Finding people to put on a course, within the user's editable subtree."""

    q = forms.CharField(label=_("Name or code"), required=False,
                        help_text=_("Accents are optional: “tran thi” finds “Trần Thị”."))
    unit = AgencyChoiceField(label=_("Unit"), queryset=Agency.objects.none(), required=False,
                             empty_label=_("All my units"), help_text=_("Includes its subordinate units."))
    include_left = forms.BooleanField(label=_("Include staff who have left"), required=False)
    need = forms.ChoiceField(
        label=_("Show"), required=False,
        choices=[("", _("Everyone")), (NEEDED, _("Still needed: not yet counted for this course's category")),
                 (UNTRAINED, _("In no course yet"))],
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Agency.objects.editable_by(user)
        # "Still needed for indicator X", from the indicators of the current programme (training.needs).
        self.fields["need"].choices = [*self.fields["need"].choices, *need_choices()]

    @property
    def has_criteria(self) -> bool:
        data = self.cleaned_data if self.is_valid() else {}
        return bool(data) and bool(data["q"].strip() or data["unit"] or data["need"])


class PasteForm(forms.Form):
    """A column copied from an attendance sheet: staff codes or full names, one a line."""

    pasted = forms.CharField(
        label=_("Paste staff codes or full names, one a line"), widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Accents are optional. Names shared by several people are not guessed: use their codes."),
    )


class ParticipantResultForm(forms.Form):
    """One participant's row of the results formset.

    The page carries, hidden, the values it showed (show_hidden_initial) and the record's version
    (its updated_at): only rows the person changed are written, and not over someone else's change.
    """

    record = forms.IntegerField(widget=forms.HiddenInput)
    version = VersionField()
    result = forms.ChoiceField(label=_("Result"), choices=TrainingRecord.Result.choices, show_hidden_initial=True,
                               widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    completed_on = forms.DateField(label=_("Completed on"), required=False, show_hidden_initial=True,
                                   widget=DayMonthYearInput(attrs={"class": "form-control form-control-sm"}))

    @property
    def changed_by_user(self) -> bool:
        """True when the person changed the result or the date the page showed them."""
        return bool({"result", "completed_on"} & set(self.changed_data))

    def clean(self):
        data = super().clean()
        if data.get("result") == TrainingRecord.Result.PASSED and not data.get("completed_on"):
            self.add_error("completed_on", _("A passed result needs its completion date."))
        return data


class BaseResultFormSet(forms.BaseFormSet):
    def __init__(self, *args, records: dict[int, TrainingRecord], **kwargs):
        self.records = records
        super().__init__(*args, **kwargs)

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            record_id = form.cleaned_data.get("record")
            # Hidden ids come back from the browser: only this page's records may be written.
            if record_id not in self.records or record_id in seen:
                raise forms.ValidationError(_("The list of participants changed meanwhile; please reload the page."))
            seen.add(record_id)


ResultFormSet = forms.formset_factory(ParticipantResultForm, formset=BaseResultFormSet, extra=0)
