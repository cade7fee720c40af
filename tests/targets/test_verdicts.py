"""Deadlines and verdicts (indicators.md): before a target year's deadline a figure gets a scorecard
band and may be forecast; from the deadline day on, the verdict is final (met / not met) on the figure
at the deadline, and nothing is forecast. Pure rules of targets/rules.py, on hand-made dates."""
import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from targets import attainment as att
from targets import rules
from tests.conftest import make_course, make_record, make_staff
from training.models import CourseCategory
from training.passes import refresh_first_passes

GT90 = rules.TargetSpec(year=2020, op=">", percent=Decimal(90))
DEADLINE = datetime.date(2020, 12, 31)
DAY_BEFORE = datetime.date(2020, 12, 30)
DAY_AFTER = datetime.date(2021, 1, 1)


def test_the_deadline_is_the_31st_of_december_of_the_target_year():
    assert rules.deadline(2020) == DEADLINE
    assert rules.deadline(2030) == datetime.date(2030, 12, 31)


@pytest.mark.parametrize("on, final", [(DAY_BEFORE, False), (DEADLINE, True), (DAY_AFTER, True)])
def test_a_verdict_is_final_from_the_deadline_day_itself(on, final):
    assert rules.is_past_deadline(2020, on) is final


def test_the_day_before_the_deadline_a_shortfall_is_a_band():
    # 85 of 100 is 85 %, 94 % of "> 90": on track; no figure at the deadline is needed yet.
    assert rules.verdict(85, 100, GT90, year=2020, on=DAY_BEFORE) == rules.ON_TRACK
    assert rules.verdict(70, 100, GT90, year=2020, on=DAY_BEFORE) == rules.AT_RISK
    assert rules.verdict(50, 100, GT90, year=2020, on=DAY_BEFORE) == rules.BEHIND
    assert rules.verdict(91, 100, GT90, year=2020, on=DAY_BEFORE) == rules.MET


@pytest.mark.parametrize("on", [DEADLINE, DAY_AFTER])
def test_on_and_after_the_deadline_a_shortfall_is_not_met(on):
    assert rules.verdict(85, 100, GT90, year=2020, on=on, at_deadline=(85, 100)) == rules.NOT_MET
    assert rules.verdict(91, 100, GT90, year=2020, on=on, at_deadline=(91, 100)) == rules.MET


def test_after_the_deadline_the_verdict_is_read_at_the_deadline_not_today():
    later = datetime.date(2026, 12, 2)
    # Met today, missed at the deadline: not met. Missed today (people joined), met at the deadline: met.
    assert rules.verdict(99, 100, GT90, year=2020, on=later, at_deadline=(80, 100)) == rules.NOT_MET
    assert rules.verdict(80, 100, GT90, year=2020, on=later, at_deadline=(95, 100)) == rules.MET


def test_a_final_verdict_needs_the_figure_at_the_deadline():
    with pytest.raises(ValueError):
        rules.verdict(85, 100, GT90, year=2020, on=DEADLINE)


def test_no_population_at_the_deadline_gives_no_verdict():
    assert rules.verdict(5, 10, GT90, year=2020, on=DAY_AFTER, at_deadline=(0, 0)) is None


POINTS = [rules.TrendPoint(datetime.date(2017, 12, 31), 2, 10, Decimal("20.0")),
          rules.TrendPoint(datetime.date(2018, 12, 31), 4, 10, Decimal("40.0"))]


@pytest.mark.parametrize("on, forecast", [(DAY_BEFORE, True), (DEADLINE, False), (DAY_AFTER, False)])
def test_a_forecast_only_for_a_deadline_still_ahead(on, forecast):
    assert (rules.forecast(POINTS, 2020, on) is not None) is forecast


def test_the_forecast_reaches_the_target_years_deadline():
    assert rules.forecast(POINTS, 2020, DAY_BEFORE) == rules.projected_percent(POINTS, DEADLINE)


@pytest.mark.parametrize("day, year", [
    (DAY_BEFORE, 2020), (DEADLINE, 2020), (DAY_AFTER, 2025), (datetime.date(2025, 12, 31), 2025),
    (datetime.date(2026, 12, 2), 2025), (datetime.date(2026, 12, 2), 2030),
])
def test_the_default_target_year_is_the_next_deadline_then_the_last(day, year):
    years = [2020, 2025, 2030] if year == 2030 else [2020, 2025]
    assert rules.default_target_year(day, years) == year


def test_no_target_year_without_targets():
    assert rules.default_target_year(DEADLINE, []) is None


# --- the engine reads the verdict at the deadline ------------------------------------------------

def _trained(staff, on):
    course = make_course(category=CourseCategory.objects.get(code="basic"), start_date=on, end_date=on)
    make_record(staff=staff, course=course, completed_on=on)


@pytest.fixture
def province_below_2020_then_above(tree):
    """Two of three people trained by 31/12/2020 (66.7 %, not "> 90"), the third in 2021 (100 %)."""
    for on in (datetime.date(2018, 5, 1), datetime.date(2019, 5, 1), datetime.date(2021, 5, 1)):
        _trained(make_staff(agency=tree.department), on)
    refresh_first_passes()
    return tree


@pytest.mark.django_db
@pytest.mark.parametrize("on, status, final", [
    (DAY_BEFORE, rules.AT_RISK, False), (DEADLINE, rules.NOT_MET, True), (DAY_AFTER, rules.NOT_MET, True),
    (datetime.date(2026, 12, 2), rules.NOT_MET, True),
])
def test_rows_are_judged_at_the_2020_deadline(province_below_2020_then_above, on, status, final):
    result = att.attainment(as_of=on, target_year=2020)
    indicator = result.indicator("staff-prov-district")
    row = indicator.province
    assert (row.status, row.final) == (status, final)
    assert row.deadline_percent == (Decimal("66.7") if final else None)
    assert indicator.agency_row(province_below_2020_then_above.department.pk).status == status
    if on.year == 2026:
        assert row.percent == Decimal("100.0")  # today's figure stays beside the verdict
        assert row.met is True  # the JSON's `met` compares the figure on as_of (interfaces.md)


@pytest.mark.django_db
def test_the_trend_gives_every_past_deadline_and_no_forecast_to_it(province_below_2020_then_above):
    result = att.attainment(as_of=datetime.date(2026, 12, 2), trend=True)
    indicator = result.indicator("staff-prov-district")
    assert result.target_year == 2025 and result.final
    assert [(d.year, d.numerator, d.denominator, d.met) for d in indicator.deadlines] == [
        (2020, 2, 3, False), (2025, 3, 3, True)
    ]
    assert indicator.projection is None
    before = att.attainment(as_of=datetime.date(2025, 6, 30), trend=True).indicator("staff-prov-district")
    assert [d.year for d in before.deadlines] == [2020] and before.projection is not None


@pytest.mark.django_db
def test_a_final_verdict_costs_no_extra_query(province_below_2020_then_above, django_assert_num_queries):
    with CaptureQueriesContext(connection) as before:
        att.attainment(as_of=datetime.date(2020, 6, 1), target_year=2020)
    with django_assert_num_queries(len(before.captured_queries)):
        att.attainment(as_of=datetime.date(2026, 6, 1), target_year=2020)
