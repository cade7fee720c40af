"""manage.py attainment: table, JSON (interfaces.md) and xlsx output."""
import datetime
import json

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from targets.models import Indicator
from tests.conftest import make_course, make_record, make_staff
from training.passes import refresh_first_passes

pytestmark = pytest.mark.django_db

SPEC_ORDER = [
    "staff-prov-district", "staff-commune", "agency-cio", "agency-it-degree", "it-staff-degree",
    "it-staff-security", "it-staff-open-source", "leaders-trained", "teachers-it", "vocational-students-it",
    "secondary-students-informatics", "enterprises-trained", "citizens-trained",
]


@pytest.fixture
def province(tree):
    course = make_course(start_date=datetime.date(2019, 3, 1), end_date=datetime.date(2019, 3, 5))
    for _ in range(9):
        make_record(staff=make_staff(agency=tree.department), course=course)
    make_staff(agency=tree.department)
    make_record(staff=make_staff(agency=tree.commune_a1), course=course)
    refresh_first_passes()
    return tree


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("attainment", *args, stdout=out)
    return out.getvalue()


def test_json_is_the_document_of_interfaces_md(province):
    doc = json.loads(run("--as-of", "2020-12-31", "--format", "json"))
    assert doc["as_of"] == "2020-12-31" and doc["target_year"] == 2020
    assert [i["code"] for i in doc["indicators"]] == SPEC_ORDER
    first = doc["indicators"][0]
    assert first["name"] == Indicator.objects.get(code="staff-prov-district").name
    assert first["target"] == {"op": ">", "percent": 90}
    # 9 of 10 is exactly 90.0 %: "> 90" is not met.
    assert first["rows"][0] == {"scope": "province", "agency": None, "level": None, "numerator": 9,
                                "denominator": 10, "percent": 90.0, "met": False}
    assert first["rows"][1] == {"scope": "level", "agency": None, "level": "province", "numerator": 9,
                                "denominator": 10, "percent": 90.0, "met": False}
    assert [r["agency"] for r in first["rows"][2:]] == ["UBND-T", "SNV"]
    security = doc["indicators"][SPEC_ORDER.index("it-staff-security")]
    assert security["target"] is None
    assert security["rows"] == [{"scope": "province", "agency": None, "level": None, "numerator": 0,
                                 "denominator": 0, "percent": None, "met": None}]
    assert doc["indicators"][SPEC_ORDER.index("it-staff-degree")]["target"] is None   # 2025 only


def test_json_numbers_are_integers_and_percent_one_decimal(province):
    doc = json.loads(run("--as-of", "2020-12-31", "--format", "json"))
    for indicator in doc["indicators"]:
        for row in indicator["rows"]:
            assert isinstance(row["numerator"], int) and isinstance(row["denominator"], int)
            assert row["percent"] is None or round(row["percent"], 1) == row["percent"]
            assert set(row) == {"scope", "agency", "level", "numerator", "denominator", "percent", "met"}


def test_target_year_defaults_by_date_and_can_be_chosen(province):
    assert json.loads(run("--as-of", "2021-01-01", "--format", "json"))["target_year"] == 2025
    doc = json.loads(run("--as-of", "2021-01-01", "--target-year", "2020", "--format", "json"))
    assert doc["target_year"] == 2020
    doc = json.loads(run("--as-of", "2021-01-01", "--format", "json"))
    cio = doc["indicators"][SPEC_ORDER.index("agency-cio")]
    assert cio["target"] == {"op": ">=", "percent": 100}   # the 2020 level, maintained


def test_table_lists_every_indicator_with_its_rows(province):
    out = run("--as-of", "2020-12-31")
    for code in SPEC_ORDER:
        assert code in out
    assert "90.0" in out and "UBND-T" in out


def test_xlsx_output_opens_with_openpyxl(province, tmp_path):
    path = tmp_path / "attainment.xlsx"
    run("--as-of", "2020-12-31", "--format", "xlsx", "--output", str(path))
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("indicator", "scope", "agency", "level", "numerator", "denominator", "percent", "met")
    assert rows[1] == ("staff-prov-district", "province", None, None, 9, 10, 90.0, "no")


def test_json_to_a_file(province, tmp_path):
    path = tmp_path / "a.json"
    run("--as-of", "2020-12-31", "--format", "json", "--output", str(path))
    assert json.loads(path.read_text(encoding="utf-8"))["as_of"] == "2020-12-31"


@pytest.mark.parametrize("args, message", [
    (["--as-of", "31/12/2020"], "YYYY-MM-DD"),
    (["--as-of", "2020-02-30"], "YYYY-MM-DD"),
    (["--target-year", "2030"], "--target-year"),
    (["--format", "xlsx"], "--output"),
])
def test_bad_arguments_give_a_clear_error(tree, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
