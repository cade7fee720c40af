"""The attainment engine: its row helpers, then selectors on hand-built provinces (the pure rules: test_rules.py)."""
import datetime
from decimal import Decimal

import pytest

from agencies.models import Agency, Level, Staff
from targets import attainment as att
from targets import rules
from targets.models import AggregateReport, Indicator
from tests.conftest import make_agency, make_course, make_record, make_staff
from training.models import CourseCategory, PassCutoff, TrainingRecord
from training.passes import refresh_first_passes

GT90 = rules.TargetSpec(year=2020, op=">", percent=Decimal("90"))


# --- rows ----------------------------------------------------------------------------------------

def test_row_json_has_integers_and_one_decimal():
    judgement = att.Judgement(target=GT90, year=2020, on=datetime.date(2020, 6, 1))
    row = att.make_row(scope="level", level="district", numerator=600, denominator=650, judgement=judgement)
    assert row.as_json() == {"scope": "level", "agency": None, "level": "district", "numerator": 600,
                             "denominator": 650, "percent": 92.3, "met": True}


# --- selectors on hand-built provinces ---------------------------------------------------------

D2020 = datetime.date(2020, 6, 30)


def category(code: str) -> CourseCategory:
    return CourseCategory.objects.get(code=code)


def trained(staff: Staff, on: datetime.date, code: str = "basic", result=TrainingRecord.Result.PASSED) -> None:
    course = make_course(category=category(code), start_date=on, end_date=on)
    make_record(staff=staff, course=course, result=result,
                completed_on=on if result == TrainingRecord.Result.PASSED else None)


def compute(day=D2020, **kwargs) -> att.Attainment:
    refresh_first_passes()
    return att.attainment(as_of=day, **kwargs)


def figures(result: att.Attainment, code: str) -> dict:
    """{"province": (n, d), "level:district": (n, d), "H-A": (n, d), ...} for one indicator."""
    out = {}
    for row in result.indicator(code).rows:
        key = {"province": "province", "level": f"level:{row.level}"}.get(row.scope, row.agency_code)
        out[key] = (row.numerator, row.denominator)
    return out


@pytest.fixture
def offices(tree):
    """An office of the department (province level) and one of district A (district level)."""
    tree.dept_office = make_agency(code="SNV-P1", name="Phòng 1 SNV", kind=Agency.Kind.UNIT, parent=tree.department)
    tree.district_office = make_agency(code="H-A-P1", name="Phòng Nội vụ huyện A", level=Level.DISTRICT,
                                       kind=Agency.Kind.UNIT, parent=tree.district_a)
    return tree


@pytest.mark.django_db
def test_staff_prov_district_applies_every_counting_rule(offices):
    t = offices
    counted = make_staff(agency=t.department, category=Staff.Category.CC)
    trained(counted, datetime.date(2018, 5, 1))
    make_staff(agency=t.department, category=Staff.Category.VC)                        # not trained
    trained(make_staff(agency=t.department, category=Staff.Category.HD), datetime.date(2018, 5, 1))  # HĐ: out
    late = make_staff(agency=t.department, joined_on=datetime.date(2020, 7, 1))         # joins after D: out
    trained(late, datetime.date(2018, 5, 1))
    gone = make_staff(agency=t.department, left_on=D2020)                               # left on D: out
    trained(gone, datetime.date(2018, 5, 1))
    early = make_staff(agency=t.dept_office)                                            # before programme start
    trained(early, datetime.date(2016, 11, 15))
    trained(make_staff(agency=t.dept_office), datetime.date(2018, 5, 1), result=TrainingRecord.Result.FAILED)
    trained(make_staff(agency=t.dept_office), datetime.date(2018, 5, 1), result=TrainingRecord.Result.ABSENT)
    on_start = make_staff(agency=t.district_office, category=Staff.Category.CB)         # on the start day: in
    trained(on_start, datetime.date(2016, 11, 16), "egov")
    after_d = make_staff(agency=t.district_office)                                      # trained after D: out
    trained(after_d, datetime.date(2020, 7, 1))
    trained(make_staff(agency=t.commune_a1), datetime.date(2018, 5, 1))                 # commune: other indicator

    result = compute()
    assert figures(result, "staff-prov-district") == {
        "province": (2, 7), "level:province": (1, 5), "level:district": (1, 2),
        "UBND-T": (2, 7), "SNV": (1, 5), "SNV-P1": (0, 3), "H-A": (1, 2), "H-A-P1": (1, 2),
    }
    province = result.indicator("staff-prov-district").province
    assert province.percent == Decimal("28.6") and province.met is False
    assert [r.scope for r in result.indicator("staff-prov-district").rows][:3] == ["province", "level", "level"]


@pytest.mark.django_db
def test_staff_commune_counts_any_category_and_rounds(tree):
    trained(make_staff(agency=tree.commune_a1), datetime.date(2019, 1, 1), "basic")
    make_staff(agency=tree.commune_a1)
    trained(make_staff(agency=tree.commune_b1), datetime.date(2019, 1, 1), "leadership")
    indicator = compute().indicator("staff-commune")
    assert figures(compute(), "staff-commune") == {
        "province": (2, 3), "level:commune": (2, 3),
        "UBND-T": (2, 3), "H-A": (1, 2), "X-A1": (1, 2), "H-B": (1, 1), "X-B1": (1, 1),
    }
    assert indicator.province.percent == Decimal("66.7")
    assert indicator.province.met is True   # >= 60
    assert indicator.target == rules.TargetSpec(2020, ">=", Decimal("60.00"))


@pytest.mark.django_db
def test_agency_cio_looks_at_the_same_level_subtree_only(offices):
    t = offices
    make_staff(agency=t.dept_office, is_cio=True)                                     # same level as SNV: counts
    make_staff(agency=t.commune_a1, is_cio=True)                                      # commune: not H-A's level
    make_staff(agency=t.district_b, is_cio=True, category=Staff.Category.HD)          # HĐ: does not count
    make_staff(agency=t.district_b, is_cio=True, left_on=datetime.date(2020, 1, 1))   # left before D
    result = compute()
    assert figures(result, "agency-cio") == {
        "province": (1, 3), "level:province": (1, 1), "level:district": (0, 2),
        "SNV": (1, 1), "H-A": (0, 1), "H-B": (0, 1),
    }
    assert result.indicator("agency-cio").province.percent == Decimal("33.3")


@pytest.mark.django_db
def test_agency_it_degree_needs_university_it_staff_at_the_same_level(offices):
    t = offices
    make_staff(agency=t.district_office, is_it_staff=True, it_qualification="university")   # H-A: yes
    make_staff(agency=t.department, is_it_staff=True, it_qualification="college")           # SNV: too low
    make_staff(agency=t.department, is_it_staff=False, it_qualification="master")           # not IT staff
    make_staff(agency=t.commune_b1, is_it_staff=True, it_qualification="doctorate")         # H-B: wrong level
    assert figures(compute(), "agency-it-degree") == {
        "province": (1, 3), "level:province": (0, 1), "level:district": (1, 2),
        "SNV": (0, 1), "H-A": (1, 1), "H-B": (0, 1),
    }


@pytest.mark.django_db
def test_it_staff_security_only_in_key_agencies_same_level_subtrees(offices):
    t = offices
    trained(make_staff(agency=t.province, is_it_staff=True), datetime.date(2018, 1, 1), "security")  # not key
    trained(make_staff(agency=t.dept_office, is_it_staff=True), datetime.date(2018, 1, 1), "security")
    trained(make_staff(agency=t.commune_a1, is_it_staff=True), datetime.date(2018, 1, 1), "security")  # commune
    trained(make_staff(agency=t.district_office, is_it_staff=True), datetime.date(2018, 1, 1), "basic")  # wrong cat
    result = compute()
    assert figures(result, "it-staff-security") == {
        "province": (1, 2), "level:province": (1, 1), "level:district": (0, 1),
        "UBND-T": (1, 2), "SNV": (1, 1), "SNV-P1": (1, 1), "H-A": (0, 1), "H-A-P1": (0, 1),
    }
    indicator = result.indicator("it-staff-security")
    assert indicator.target is None and indicator.province.met is None
    # it-staff-degree counts dedicated IT staff everywhere, whatever their training.
    assert figures(result, "it-staff-degree")["province"] == (0, 4)


@pytest.mark.django_db
def test_leaders_trained_counts_leadership_courses_only(tree):
    trained(make_staff(agency=tree.department, is_leader=True), datetime.date(2019, 1, 1), "leadership")
    trained(make_staff(agency=tree.commune_b1, is_leader=True), datetime.date(2019, 1, 1), "basic")
    assert figures(compute(), "leaders-trained") == {
        "province": (1, 2), "level:province": (1, 1), "level:commune": (0, 1),
        "UBND-T": (1, 2), "SNV": (1, 1), "H-B": (0, 1), "X-B1": (0, 1),
    }


@pytest.mark.django_db
def test_reports_take_each_agencys_latest_year_and_sum(tree):
    teachers = Indicator.objects.get(code="teachers-it")
    education = make_agency(code="SGD", name="Sở Giáo dục", parent=tree.province)
    for year, num in [(2018, 50), (2019, 80), (2021, 100)]:
        AggregateReport.objects.create(indicator=teachers, agency=education, year=year, numerator=num, denominator=100)
    AggregateReport.objects.create(indicator=teachers, agency=tree.commune_a1, year=2019, numerator=10, denominator=20)
    assert figures(compute(), "teachers-it") == {
        "province": (90, 120), "level:province": (80, 100), "level:commune": (10, 20),
        "UBND-T": (90, 120), "SGD": (80, 100), "H-A": (10, 20), "X-A1": (10, 20),
    }
    later = compute(datetime.date(2021, 12, 31))
    assert figures(later, "teachers-it")["province"] == (110, 120)
    assert figures(compute(datetime.date(2017, 12, 31)), "teachers-it") == {"province": (0, 0)}


@pytest.mark.django_db
def test_transferred_staff_count_in_their_current_agency_for_every_date(tree):
    person = make_staff(agency=tree.commune_a1)
    trained(person, datetime.date(2018, 1, 1))
    person.agency = tree.commune_b1
    person.save()
    result = compute(datetime.date(2018, 6, 1))
    assert figures(result, "staff-commune") == {
        "province": (1, 1), "level:commune": (1, 1), "UBND-T": (1, 1), "H-B": (1, 1), "X-B1": (1, 1),
    }


@pytest.mark.django_db
def test_target_year_falls_back_to_the_latest_earlier_target(tree):
    make_staff(agency=tree.department, is_cio=True)
    result = compute(target_year=2025)
    assert result.indicator("agency-cio").target == rules.TargetSpec(2020, ">=", Decimal("100.00"))
    assert compute(target_year=2020).indicator("it-staff-degree").target is None
    assert result.indicator("staff-prov-district").target.op == ">="


@pytest.mark.django_db
def test_records_path_gives_the_same_answers_as_first_pass(offices):
    t = offices
    trained(make_staff(agency=t.department), datetime.date(2018, 1, 1), "egov")
    trained(make_staff(agency=t.dept_office, is_it_staff=True), datetime.date(2019, 1, 1), "security")
    trained(make_staff(agency=t.commune_a1), datetime.date(2016, 1, 1))
    make_staff(agency=t.district_office)
    with_first_pass = compute(trend=True)
    PassCutoff.objects.all().delete()
    without = att.attainment(as_of=D2020, trend=True)
    assert with_first_pass == without


@pytest.mark.django_db
def test_trend_gives_year_end_values_and_a_projection(tree):
    for year in (2017, 2018, 2019):
        trained(make_staff(agency=tree.department), datetime.date(year, 6, 1))
    make_staff(agency=tree.department)
    indicator = compute(datetime.date(2020, 6, 30), trend=True).indicator("staff-prov-district")
    assert [(p.on.year, p.numerator, p.denominator) for p in indicator.trend] == [
        (2017, 1, 4), (2018, 2, 4), (2019, 3, 4), (2020, 3, 4)
    ]
    assert indicator.projection is not None


@pytest.mark.django_db
def test_within_an_agency_only_its_subtree_is_counted(tree):
    trained(make_staff(agency=tree.commune_a1), datetime.date(2019, 1, 1))
    make_staff(agency=tree.commune_b1)
    make_staff(agency=tree.department, is_cio=True)
    result = compute(within=tree.district_a)
    assert figures(result, "staff-commune") == {"level:commune": (1, 1), "H-A": (1, 1), "X-A1": (1, 1)}
    assert figures(result, "agency-cio") == {"level:district": (0, 1), "H-A": (0, 1)}


@pytest.mark.django_db
def test_not_counted_lists_exactly_the_remainder(offices):
    t = offices
    trained(make_staff(agency=t.commune_a1, full_name="Đã học"), datetime.date(2019, 1, 1))
    waiting = make_staff(agency=t.commune_a2, full_name="Chưa học")
    make_staff(agency=t.commune_b1)
    refresh_first_passes()
    definition = att.indicator_definition("staff-commune")
    qs = att.not_counted_staff(definition=definition, agency=t.district_a, as_of=D2020)
    assert list(qs) == [waiting]
    cio = att.indicator_definition("agency-cio")
    assert [row.agency_code for row in att.not_counted_agencies(definition=cio, agency=t.province, as_of=D2020)] == [
        "SNV", "H-A", "H-B"
    ]


def _grow(tree, n: int) -> None:
    """n agencies' worth of data: staff, records and reports spread over the tree."""
    teachers = Indicator.objects.get(code="teachers-it")
    for i in range(n):
        commune = make_agency(level=Level.COMMUNE, kind=Agency.Kind.COMMUNE_COMMITTEE,
                              parent=tree.district_a if i % 2 else tree.district_b)
        office = make_agency(kind=Agency.Kind.UNIT, parent=tree.department)
        for agency in (commune, office):
            for j in range(3):
                person = make_staff(agency=agency, is_it_staff=j == 0, is_leader=j == 1, is_cio=j == 2)
                trained(person, datetime.date(2017 + j, 3, 1), ["basic", "security", "leadership"][j])
        AggregateReport.objects.create(indicator=teachers, agency=commune, year=2019, numerator=1, denominator=2)


@pytest.mark.django_db
def test_query_count_does_not_grow_with_the_data(tree, django_assert_num_queries):
    _grow(tree, 2)
    refresh_first_passes()
    # 9 = the configuration (its version, then 4 with the tests' dummy cache) + the counting's 4.
    with django_assert_num_queries(9):
        small = att.attainment(as_of=D2020, trend=True)
    _grow(tree, 6)
    refresh_first_passes()
    with django_assert_num_queries(9):
        large = att.attainment(as_of=D2020, trend=True)
    assert len(large.indicator("staff-commune").agencies) > len(small.indicator("staff-commune").agencies)
