"""The engine's ways of reading "trained by D" agree: FirstPassAny for indicators of every category,
FirstPass for the others, and the records themselves when the programme's start has no PassCutoff
(chosen from the data, never by a switch)."""
import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from agencies.models import Agency, Level, Staff
from targets import attainment as att
from targets.models import Indicator
from tests.conftest import make_agency, make_course, make_record, make_staff
from training.models import CourseCategory, PassCutoff, TrainingRecord
from training.passes import refresh_first_passes, register_cutoff

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2020, 6, 30)


def passed(person: Staff, on: datetime.date, code: str = "basic", result=TrainingRecord.Result.PASSED) -> None:
    course = make_course(category=CourseCategory.objects.get(code=code), start_date=on, end_date=on)
    make_record(staff=person, course=course, result=result,
                completed_on=on if result == TrainingRecord.Result.PASSED else None)


def figures(result: att.Attainment, code: str) -> dict:
    """{"province": (n, d), "level:district": (n, d), "H-A": (n, d), ...} for one indicator."""
    out = {}
    for row in result.indicator(code).rows:
        key = {"province": "province", "level": f"level:{row.level}"}.get(row.scope, row.agency_code)
        out[key] = (row.numerator, row.denominator)
    return out


def trend(result: att.Attainment, code: str) -> list[tuple[int, int]]:
    return [(p.numerator, p.denominator) for p in result.indicator(code).trend]


def every_way(monkeypatch, **kwargs) -> dict[str, att.Attainment]:
    """The same attainment read through FirstPassAny, through FirstPass only (a category outside
    every indicator makes no indicator count every category), and from the records (no cutoff)."""
    refresh_first_passes()
    out = {"any": att.attainment(**kwargs)}
    with transaction.atomic():
        extra = CourseCategory.objects.create(code="zz-unused", name="Unused", order=99)
        out["first_pass"] = att.attainment(**kwargs)
        extra.delete()
    start = att.current_programme().start_date
    PassCutoff.objects.filter(counted_from=start).delete()
    out["records"] = att.attainment(**kwargs)
    register_cutoff(start)
    return out


@pytest.fixture
def province(tree):
    """People whose figures are worked out by hand in the tests below."""
    t = tree
    t.dept_office = make_agency(code="SNV-P1", name="Phòng 1 SNV", kind=Agency.Kind.UNIT, parent=t.department)
    t.district_office = make_agency(code="H-A-P1", name="Phòng Nội vụ huyện A", level=Level.DISTRICT,
                                    kind=Agency.Kind.UNIT, parent=t.district_a)
    passed(make_staff(agency=t.department), datetime.date(2017, 6, 1))
    it_security = make_staff(agency=t.department, is_it_staff=True, it_qualification="university",
                             category=Staff.Category.VC)
    passed(it_security, datetime.date(2018, 3, 1), "egov", result=TrainingRecord.Result.FAILED)
    passed(it_security, datetime.date(2019, 2, 1), "security")
    leaver = make_staff(agency=t.department, is_leader=True, category=Staff.Category.CB,
                        left_on=datetime.date(2020, 1, 1))
    passed(leaver, datetime.date(2018, 5, 5), "leadership")
    passed(make_staff(agency=t.department, category=Staff.Category.HD), datetime.date(2018, 1, 1))  # contract
    joiner = make_staff(agency=t.department, is_it_staff=True, joined_on=datetime.date(2019, 7, 1))
    passed(joiner, datetime.date(2019, 8, 1), "open-source")
    passed(make_staff(agency=t.dept_office), datetime.date(2016, 1, 1))  # before the programme
    twice = make_staff(agency=t.dept_office)
    passed(twice, datetime.date(2018, 4, 1))
    passed(twice, datetime.date(2020, 2, 1), "egov")
    make_staff(agency=t.district_office, is_leader=True)
    passed(make_staff(agency=t.commune_a1), datetime.date(2020, 3, 1))
    make_staff(agency=t.commune_a1)
    commune_it = make_staff(agency=t.commune_b1, is_it_staff=True)  # outside every key agency's level
    passed(commune_it, datetime.date(2018, 1, 1), "security")
    passed(commune_it, datetime.date(2018, 2, 1), "open-source")
    return t


def test_every_way_gives_the_hand_worked_figures(province, monkeypatch):
    results = every_way(monkeypatch, as_of=AS_OF, trend=True)
    for way, result in results.items():
        # Year ends 2017-2019 and the date: the joiner arrives in 2019, the leaver goes on 1 January 2020.
        assert trend(result, "staff-prov-district") == [(1, 6), (3, 6), (5, 7), (4, 6)], way
        # The department's subtree: its three counted people, and its office's two (one trained before 2016).
        assert figures(result, "staff-prov-district")["SNV"] == (4, 5), way
        assert figures(result, "staff-commune") == {
            "province": (2, 3), "level:commune": (2, 3), "UBND-T": (2, 3), "H-A": (1, 2), "X-A1": (1, 2),
            "H-B": (1, 1), "X-B1": (1, 1),
        }, way
        assert trend(result, "leaders-trained") == [(0, 2), (1, 2), (1, 2), (0, 1)], way
        assert figures(result, "it-staff-security")["province"] == (1, 2), way
        assert figures(result, "it-staff-open-source")["province"] == (1, 2), way
    assert results["any"] == results["first_pass"] == results["records"]


def test_every_way_agrees_within_a_district_and_a_department(province, monkeypatch):
    for agency in (province.district_a, province.department):
        results = every_way(monkeypatch, as_of=AS_OF, within=agency, trend=True)
        assert results["any"] == results["first_pass"] == results["records"], agency.code


def _sql_of(**kwargs) -> str:
    with CaptureQueriesContext(connection) as captured:
        att.attainment(**kwargs)
    return "\n".join(q["sql"] for q in captured.captured_queries)


def test_indicators_of_every_category_read_first_pass_any_in_nine_queries(province, django_assert_num_queries):
    refresh_first_passes()
    with django_assert_num_queries(9):
        sql = _sql_of(as_of=AS_OF, trend=True)
    assert "training_firstpassany" in sql
    CourseCategory.objects.create(code="zz-unused", name="Unused", order=99)
    with django_assert_num_queries(9):
        sql = _sql_of(as_of=AS_OF, trend=True)
    assert "training_firstpassany" not in sql


def test_a_new_category_outside_the_staff_indicators_turns_the_shortcut_off(province, monkeypatch):
    """Whether an indicator counts every category is read from the data, not assumed."""
    ai = CourseCategory.objects.create(code="ai", name="Trí tuệ nhân tạo", order=9)
    newcomer = make_staff(agency=province.district_office)  # on the roster from the start
    passed(newcomer, datetime.date(2019, 9, 9), "ai")  # a pass in no category of staff-prov-district
    refresh_first_passes()
    assert "training_firstpassany" not in _sql_of(as_of=AS_OF)
    results = every_way(monkeypatch, as_of=AS_OF, trend=True)
    for way, result in results.items():
        assert trend(result, "staff-prov-district") == [(1, 7), (3, 7), (5, 8), (4, 7)], way
    assert results["any"] == results["first_pass"] == results["records"]

    # Once the staff indicators count the new category too, they cover every category again.
    for code in ("staff-prov-district", "staff-commune"):
        Indicator.objects.get(code=code).categories.add(ai)
    assert "training_firstpassany" in _sql_of(as_of=AS_OF)
    results = every_way(monkeypatch, as_of=AS_OF, trend=True)
    assert trend(results["any"], "staff-prov-district") == [(1, 7), (3, 7), (6, 8), (5, 7)]
    assert results["any"] == results["first_pass"] == results["records"]


def test_a_person_passing_several_categories_of_an_indicator_counts_once(province, monkeypatch):
    both = make_staff(agency=province.department, is_it_staff=True)
    passed(both, datetime.date(2018, 6, 1), "security")
    passed(both, datetime.date(2019, 6, 1), "open-source")
    security = Indicator.objects.get(code="it-staff-security")
    security.categories.add(CourseCategory.objects.get(code="open-source"))
    results = every_way(monkeypatch, as_of=AS_OF, trend=True)
    # Dedicated IT staff of key agencies: the security pass, the joiner's open-source pass, and `both`.
    assert trend(results["any"], "it-staff-security") == [(0, 2), (1, 2), (3, 3), (3, 3)]
    assert results["any"] == results["first_pass"] == results["records"]


def test_a_trained_indicator_listing_no_category_counts_nobody(province):
    Indicator.objects.get(code="leaders-trained").categories.clear()
    refresh_first_passes()
    assert figures(att.attainment(as_of=AS_OF), "leaders-trained")["province"] == (0, 1)
