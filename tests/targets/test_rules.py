"""The pure rules of targets/rules.py: fractions, rounding, verdicts, gaps and projections, with no database."""
import datetime
from decimal import Decimal

import pytest

from targets import rules

GT90 = rules.TargetSpec(year=2020, op=">", percent=Decimal("90"))
GTE60 = rules.TargetSpec(year=2020, op=">=", percent=Decimal("60"))
GTE100 = rules.TargetSpec(year=2025, op=">=", percent=Decimal("100"))
ZERO = rules.TargetSpec(year=2020, op=">=", percent=Decimal("0"))


@pytest.mark.parametrize("num, den, expected", [
    (2, 3, Decimal("66.7")), (1, 8, Decimal("12.5")), (1, 3, Decimal("33.3")), (1, 16, Decimal("6.3")),
    (3, 16, Decimal("18.8")), (9, 10, Decimal("90.0")), (0, 5, Decimal("0.0")), (5, 5, Decimal("100.0")),
    (7, 5, Decimal("140.0")), (0, 0, None), (3, 0, None), (1, 2000, Decimal("0.1")), (1, 2001, Decimal("0.0")),
])
def test_percent_is_rounded_half_up_to_one_decimal(num, den, expected):
    assert rules.percent_of(num, den) == expected


@pytest.mark.parametrize("num, den, target, expected", [
    (9, 10, GT90, False),          # exactly 90.0 does not meet "> 90"
    (9001, 10000, GT90, True),
    (8999, 10000, GT90, False),    # shows as 90.0 but the fraction is below
    (90001, 100000, GT90, True),   # shows as 90.0 and does meet it
    (6, 10, GTE60, True),          # exactly 60 meets ">= 60"
    (5999, 10000, GTE60, False),   # shows as 60.0 yet is below
    (12, 10, GTE100, True),        # over 100 %
    (0, 10, ZERO, True),           # a zero target is met by nobody counted
    (0, 0, GT90, None),            # no denominator: no verdict
    (5, 10, None, None),           # no target: no verdict
])
def test_met_is_decided_on_the_exact_fraction(num, den, target, expected):
    assert rules.is_met(num, den, target) is expected


@pytest.mark.parametrize("day, year", [
    (datetime.date(2017, 1, 1), 2020), (datetime.date(2020, 12, 31), 2020), (datetime.date(2021, 1, 1), 2025),
    (datetime.date(2030, 6, 1), 2025),
])
def test_default_target_year(day, year):
    assert rules.default_target_year(day, [2025, 2020]) == year


@pytest.mark.parametrize("targets, year, expected", [
    ([GT90, GTE100], 2020, GT90),
    ([GT90, GTE100], 2025, GTE100),
    ([GTE60], 2025, GTE60),        # latest earlier target: the 2020 level is maintained
    ([GTE100], 2020, None),        # none for the year nor before it
    ([], 2025, None),
])
def test_target_for_year_takes_the_latest_earlier(targets, year, expected):
    assert rules.target_for_year(targets, year) == expected


@pytest.mark.parametrize("num, den, target, gap", [
    (1234, 1301, GT90, 0),
    (900, 1000, GT90, 1),          # 901 are needed for "> 90"
    (0, 1000, GT90, 901),
    (599, 1000, GTE60, 1),
    (10, 10, GTE100, 0),
    (7, 10, GTE100, 3),
    (5, 10, rules.TargetSpec(2020, ">", Decimal("100")), 5),   # unreachable: capped at the remainder
    (0, 0, GT90, None),
    (5, 10, None, None),
])
def test_gap_in_people(num, den, target, gap):
    assert rules.gap_to_target(num, den, target) == gap


@pytest.mark.parametrize("num, den, target, status", [
    (10, 10, GTE100, rules.MET),
    (91, 100, GT90, rules.MET),
    (90, 100, GT90, rules.ON_TRACK),  # 100 % of the target, but "> 90" is not met
    (81, 100, GT90, rules.ON_TRACK),
    (80, 100, GT90, rules.AT_RISK),
    (63, 100, GT90, rules.AT_RISK),
    (62, 100, GT90, rules.BEHIND),
    (0, 0, GT90, None),
    (5, 10, None, None),
    (0, 10, ZERO, rules.MET),
])
def test_scorecard_status(num, den, target, status):
    assert rules.status_of(num, den, target) == status


def test_projection_follows_the_average_pace():
    points = [
        rules.TrendPoint(datetime.date(2021, 12, 31), 10, 100, Decimal("10.0")),
        rules.TrendPoint(datetime.date(2023, 12, 31), 30, 100, Decimal("30.0")),
    ]
    # 10 points a year (counted by the day): 30 % at the end of 2023, two years later 50 %.
    assert rules.projected_percent(points, datetime.date(2025, 12, 31)) == Decimal("50.0")
    assert rules.projected_percent(points[:1], datetime.date(2025, 12, 31)) is None


def test_projection_is_capped_at_100():
    points = [rules.TrendPoint(datetime.date(2017, 12, 31), 0, 10, Decimal("0.0")),
              rules.TrendPoint(datetime.date(2018, 12, 31), 8, 10, Decimal("80.0"))]
    assert rules.projected_percent(points, datetime.date(2025, 12, 31)) == Decimal("100.0")


def test_trend_dates_run_from_the_first_whole_year_end_to_the_date():
    start = datetime.date(2016, 11, 16)
    assert rules.trend_dates(start, datetime.date(2020, 3, 1)) == [
        datetime.date(2017, 12, 31), datetime.date(2018, 12, 31), datetime.date(2019, 12, 31), datetime.date(2020, 3, 1)
    ]
    assert rules.trend_dates(start, datetime.date(2017, 6, 1)) == [datetime.date(2017, 6, 1)]
    assert rules.trend_dates(datetime.date(2026, 1, 1), datetime.date(2027, 3, 1))[0] == datetime.date(2026, 12, 31)
