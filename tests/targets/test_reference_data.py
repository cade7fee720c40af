import pytest

from targets.models import Indicator, Programme, Target
from training.models import CourseCategory, PassCutoff

pytestmark = pytest.mark.django_db

EXPECTED_CODES = [
    "staff-prov-district", "staff-commune", "agency-cio", "agency-it-degree", "it-staff-degree",
    "it-staff-security", "it-staff-open-source", "leaders-trained", "teachers-it", "vocational-students-it",
    "secondary-students-informatics", "enterprises-trained", "citizens-trained",
]


def test_migrate_creates_the_decision_1965_programme():
    programme = Programme.objects.get(is_current=True)
    assert programme.start_date.isoformat() == "2016-11-16"
    assert PassCutoff.objects.filter(counted_from=programme.start_date).exists()


def test_the_thirteen_indicators_in_spec_order():
    assert list(Indicator.objects.order_by("order").values_list("code", flat=True)) == EXPECTED_CODES


def test_five_course_categories():
    assert list(CourseCategory.objects.values_list("code", flat=True)) == [
        "basic", "egov", "security", "open-source", "leadership"
    ]


@pytest.mark.parametrize(
    "code, year, op, percent",
    [
        ("staff-prov-district", 2020, ">", 90), ("staff-prov-district", 2025, ">=", 100),
        ("staff-commune", 2020, ">=", 60), ("enterprises-trained", 2020, ">", 50),
        ("citizens-trained", 2020, ">", 40), ("it-staff-degree", 2025, ">=", 100),
    ],
)
def test_targets_as_the_decision_gives_them(code, year, op, percent):
    target = Target.objects.get(indicator__code=code, year=year)
    assert (target.op, target.percent) == (op, percent)


def test_tracked_indicators_have_no_numeric_target():
    assert not Target.objects.filter(indicator__code__in=["it-staff-security", "it-staff-open-source"]).exists()


def test_security_counts_security_courses_only():
    indicator = Indicator.objects.get(code="it-staff-security")
    assert list(indicator.categories.values_list("code", flat=True)) == ["security"]
    assert indicator.key_agencies_only and indicator.staff_flag == "is_it_staff"
