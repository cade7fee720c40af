"""The form renderer (FORM_RENDERER): Django's, with its commonest widgets written in Python.

A form page renders one template per widget and per option: a results form of thirty people has over
a hundred widgets, an agency select hundreds of options, and rendering them cost more than the rest of
the page. `<input>` and `<select>` are written here with exactly the markup of Django's templates
(django/forms/widgets/input.html and the templates that only include it, select.html,
select_option.html, attrs.html; tests/portal/test_form_renderer.py holds them equal); every other
widget keeps its template. No app of this project overrides those templates.
"""
from __future__ import annotations

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData, SafeString, mark_safe

WIDGETS = "django/forms/widgets/"
INPUT_TEMPLATES = frozenset(WIDGETS + name for name in (
    "input.html", "text.html", "hidden.html", "number.html", "email.html", "url.html", "password.html",
    "date.html", "datetime.html", "time.html", "search.html", "tel.html", "color.html", "checkbox.html", "file.html",
))
SELECT_TEMPLATE = WIDGETS + "select.html"
OPTION_TEMPLATE = WIDGETS + "select_option.html"


def _shown(value) -> str:
    """{{ value }}: localised, then escaped unless already safe."""
    value = localize(value)
    return conditional_escape(value if isinstance(value, str) else str(value))


def _formatted(value) -> str:
    """{{ value|stringformat:'s' }}: str(value), escaped unless the value was safe."""
    return value if isinstance(value, SafeData) else escape(str(value))


def _attrs(attrs: dict) -> str:
    return "".join(
        f" {_shown(name)}" if value is True else f' {_shown(name)}="{_formatted(value)}"'
        for name, value in attrs.items() if value is not False
    )


def render_input(widget: dict) -> SafeString:
    value = "" if widget["value"] is None else f' value="{_formatted(widget["value"])}"'
    return mark_safe(f'<input type="{_shown(widget["type"])}" name="{_shown(widget["name"])}"{value}'
                     f'{_attrs(widget["attrs"])}>')


def render_select(widget: dict) -> SafeString | None:
    """None when an option has its own template (a subclass's): the template renders it then."""
    parts = [f'<select name="{_shown(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_shown(group_name)}">')
        for option in group_choices:
            if option["template_name"] != OPTION_TEMPLATE:
                return None
            parts.append(f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                         f'{_shown(option["label"])}</option>\n')  # select_option.html's own last line
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts).strip())


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if template_name in INPUT_TEMPLATES:
            return render_input(context["widget"])
        if template_name == SELECT_TEMPLATE:
            rendered = render_select(context["widget"])
            if rendered is not None:
                return rendered
        return super().render(template_name, context, request)
