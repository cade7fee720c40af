"""The upload form of the import pages."""
from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Workbook"), help_text=_("An Excel (.xlsx, .xls) or LibreOffice (.ods) file."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.ods"}),
    )
    deactivate_missing = forms.BooleanField(
        label=_("Mark staff missing from their agency's roster as left today"), required=False,
        help_text=_("Only staff of the agencies that appear in the file; nobody is deleted. The preview lists them."),
    )

    def __init__(self, *args, with_deactivate: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_deactivate:
            del self.fields["deactivate_missing"]
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.add_input(Submit("submit", _("Check the file")))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(size)s; split it into smaller files and import each.")
                % {"size": filesizeformat(limit)}
            )
        return upload


class ConfirmImportForm(forms.Form):
    """The confirmation of a preview; when empty cells would erase stored values, the person must choose."""

    ERASE, KEEP = "erase", "keep"
    blanks = forms.ChoiceField(
        label=_("Empty cells in the file"),
        choices=[(ERASE, _("Erase the stored values listed above")),
                 (KEEP, _("Keep the stored values where the file is blank"))],
        widget=forms.RadioSelect, required=False,
    )

    def __init__(self, *args, erases: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["blanks"].required = erases
        self.fields["blanks"].widget.attrs["class"] = "form-check-input"

    @property
    def keep_blanks(self) -> bool:
        return self.cleaned_data.get("blanks") == self.KEEP
