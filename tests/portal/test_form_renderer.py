"""portal.form_renderer writes inputs and selects exactly as Django's widget templates do."""
import datetime

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from portal.form_renderer import FormRenderer

ATTRS = {"class": "form-control <x>", "id": "id_f", "required": True, "disabled": False, "data-n": 3,
         "placeholder": "dd/mm/yyyy", "title": mark_safe("<b>safe</b>"), "maxlength": None}

WIDGETS = [
    forms.TextInput(), forms.TextInput(attrs=ATTRS), forms.HiddenInput(), forms.NumberInput(attrs={"step": 0.5}),
    forms.EmailInput(), forms.URLInput(), forms.PasswordInput(render_value=True), forms.DateInput(format="%d/%m/%Y"),
    forms.DateTimeInput(), forms.TimeInput(), forms.SearchInput(), forms.TelInput(), forms.ColorInput(),
    forms.CheckboxInput(), forms.FileInput(),
    forms.Select(choices=[("", "—"), ("a", "A & <b>"), (1, 1.5), ("Nhóm", [("x", "Một"), ("y", "Hai")])],
                 attrs=ATTRS),
    forms.SelectMultiple(choices=[("a", "A"), ("b", "B")]),
    forms.NullBooleanSelect(),
    # Kept on their templates: the renderer must hand them over unchanged.
    forms.RadioSelect(choices=[("a", "A")]), forms.Textarea(), forms.CheckboxSelectMultiple(choices=[("a", "A")]),
]
VALUES = [None, "", "a", "1", 1, 1.5, "x", ["a", "b"], "O'Reilly \"&\" <tag>", mark_safe("<i>ok</i>"),
          datetime.date(2020, 12, 31), True, False]


@pytest.mark.parametrize("widget", WIDGETS, ids=lambda w: type(w).__name__)
@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_widget_renders_as_with_the_templates(widget, language):
    from django.utils import translation

    with translation.override(language):
        for value in VALUES:
            try:
                theirs = widget.render("field", value, attrs={"id": "id_field"}, renderer=DjangoTemplates())
            except TypeError:  # a value this widget cannot take (a list for a yes/no select)
                with pytest.raises(TypeError):
                    widget.render("field", value, attrs={"id": "id_field"}, renderer=FormRenderer())
                continue
            ours = widget.render("field", value, attrs={"id": "id_field"}, renderer=FormRenderer())
            assert ours == theirs, (value, ours, theirs)


def test_the_project_renders_its_forms_with_it():
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FormRenderer)
