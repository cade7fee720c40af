"""The fields of the lists' GET filter forms, in Bootstrap's markup without crispy's field template
(which cost more than the rest of a list page). Forms that save data keep crispy."""
from __future__ import annotations

from django import forms, template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def control(field: BoundField) -> SafeString:
    """The field's widget with Bootstrap's class: form-select for a select, form-control otherwise,
    is-invalid with errors. Django ties the help text to it (aria-describedby)."""
    css = "form-select" if isinstance(field.field.widget, forms.Select) else "form-control"
    if field.errors:
        css += " is-invalid"
    return field.as_widget(attrs={"class": css})
