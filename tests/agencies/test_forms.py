"""AgencySelect writes the same markup as Django's Select, without a template per option."""
import re

import pytest
from django import forms

from agencies.forms import AgencyChoiceField, AgencySelect
from agencies.models import Agency, Level
from tests.conftest import make_agency

pytestmark = pytest.mark.django_db


def _tags(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


def test_agency_select_renders_as_django_select_does():
    province = make_agency(code="T", name="Tỉnh <Đắk Nông>", level=Level.PROVINCE,
                           kind=Agency.Kind.PROVINCE_COMMITTEE)
    district = make_agency(code="H1", name="Huyện \"A\" & B", level=Level.DISTRICT,
                           kind=Agency.Kind.DISTRICT_COMMITTEE, parent=province)
    field = AgencyChoiceField(queryset=Agency.objects.order_by("path"), required=False)
    attrs = {"class": "form-select", "id": "id_unit", "required": False, "disabled": True}
    ours = field.widget.render("unit", district.pk, attrs=attrs)
    django_select = forms.Select(choices=field.choices).render("unit", district.pk, attrs=attrs)
    assert isinstance(field.widget, AgencySelect)
    assert _tags(ours) == _tags(django_select)
    assert f'<option value="{district.pk}" selected>— Huyện &quot;A&quot; &amp; B (H1)</option>' in ours
    assert "Tỉnh &lt;Đắk Nông&gt; (T)" in ours and " disabled" in ours and "required" not in ours


def test_grouped_choices_keep_their_groups():
    widget = AgencySelect(choices=[("", "—"), ("Huyện", [("1", "Một"), ("2", "Hai")])])
    assert _tags(widget.render("x", "2")) == _tags(forms.Select(choices=widget.choices).render("x", "2"))
