"""Forms of the staff directory: filters, IT fields, newcomers and leaving."""
from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone
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


class AgencyChoiceField(forms.ModelChoiceField):
    """Agencies indented by depth, so a long tree reads as a tree in a select box."""

    def label_from_instance(self, obj: Agency) -> str:
        return f"{'— ' * obj.depth}{obj.name} ({obj.code})"


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
        self.fields["unit"].queryset = Agency.objects.visible_to(user).only("pk", "name", "code", "depth", "path")
        self.fields["category"].choices = [("", _("All categories")), *Staff.Category.choices]


class StaffITForm(forms.ModelForm):
    """The IT fields an officer keeps up to date; names and codes come from the roster import."""

    class Meta:
        model = Staff
        fields = ["position", "category", "it_qualification", "is_it_staff", "is_cio", "is_leader", "joined_on", "left_on"]
        widgets = {"joined_on": DayMonthYearInput(), "left_on": DayMonthYearInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save")))


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
        self.fields["agency"].queryset = Agency.objects.editable_by(user).only("pk", "name", "code", "depth", "path")
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
