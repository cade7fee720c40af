"""An agency select, written by the project's form renderer, has the markup of Django's templates."""
import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from agencies.forms import AgencyChoiceField
from agencies.models import Agency, Level
from portal.form_renderer import FormRenderer
from tests.conftest import make_agency

pytestmark = pytest.mark.django_db


def _tags(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


def test_an_agency_select_renders_as_django_templates_do():
    province = make_agency(code="T", name="Tỉnh <Đắk Nông>", level=Level.PROVINCE,
                           kind=Agency.Kind.PROVINCE_COMMITTEE)
    district = make_agency(code="H1", name="Huyện \"A\" & B", level=Level.DISTRICT,
                           kind=Agency.Kind.DISTRICT_COMMITTEE, parent=province)
    field = AgencyChoiceField(queryset=Agency.objects.order_by("path"), required=False)
    attrs = {"class": "form-select", "id": "id_unit", "required": False, "disabled": True}
    ours = field.widget.render("unit", district.pk, attrs=attrs, renderer=FormRenderer())
    django_select = field.widget.render("unit", district.pk, attrs=attrs, renderer=DjangoTemplates())
    assert ours == django_select
    assert f'<option value="{district.pk}" selected>— Huyện &quot;A&quot; &amp; B (H1)</option>' in ours
    assert "Tỉnh &lt;Đắk Nông&gt; (T)" in ours and " disabled" in ours and "required" not in ours


def test_grouped_choices_keep_their_groups():
    widget = forms.Select(choices=[("", "—"), ("Huyện", [("1", "Một"), ("2", "Hai")])])
    ours = widget.render("x", "2", renderer=FormRenderer())
    assert _tags(ours) == _tags(widget.render("x", "2", renderer=DjangoTemplates()))
    assert '<optgroup label="Huyện">' in ours
