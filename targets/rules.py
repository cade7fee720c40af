"""The pure rules of indicators.md, no ORM: the fraction, the rounding (half-up, one decimal), the
comparison with a target on the exact fraction, the target year and its deadline, the verdict (a
scorecard band before the deadline, final from it on), the gap and the projection.

The programme's years are data (its targets and start date), passed in: nothing here names a year.
"""
from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cached_property

from agencies.models import Level

from .models import Target

LEVEL_ORDER = [Level.PROVINCE.value, Level.DISTRICT.value, Level.COMMUNE.value]

ONE_DECIMAL = Decimal("0.1")

MET = "met"
ON_TRACK = "on_track"
AT_RISK = "at_risk"
BEHIND = "behind"
# From the deadline on, a target that was not met stays not met: no band softens it.
NOT_MET = "not_met"

# Scorecard bands, as a share of the target reached (not of 100 %). A unit within a tenth of its
# target closes the gap with one ordinary training round (a class is ~30 people for a unit of a few
# hundred), so it is "on track"; below seven tenths it needs more than a year at the pace the
# province kept in 2017-2020, so it is "behind"; in between it is "at risk".
ON_TRACK_SHARE = Fraction(9, 10)
AT_RISK_SHARE = Fraction(7, 10)


@dataclass(frozen=True)
class TargetSpec:
    """A target percent for one year, with its comparator (">" for "trên", ">=" for "đạt")."""

    year: int
    op: str
    percent: Decimal

    @cached_property
    def fraction(self) -> Fraction:
        """The percent as an exact fraction, converted once: a page compares thousands of rows with it."""
        return Fraction(self.percent)

    def as_json(self) -> dict:
        return {"op": self.op, "percent": json_number(self.percent)}


def json_number(value: Decimal) -> int | float:
    """Targets are whole percents in practice; keep 90 as 90 and 62.5 as 62.5."""
    return int(value) if value == value.to_integral_value() else float(value)


def percent_of(numerator: int, denominator: int) -> Decimal | None:
    """100 × numerator / denominator rounded half-up to one decimal; None when there is no denominator."""
    if not denominator:
        return None
    return (Decimal(100 * numerator) / Decimal(denominator)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def is_met(numerator: int, denominator: int, target: TargetSpec | None) -> bool | None:
    """Decided on the exact fraction, never the rounded percent: 899/1000 is 89.9 but 8999/10000 is 90.0
    and neither is "> 90". None when the target or the denominator is missing."""
    if target is None or not denominator:
        return None
    # numerator × 100 against percent × denominator, both sides multiplied by the percent's
    # denominator: integers only, exact.
    left = numerator * 100 * target.fraction.denominator
    right = target.fraction.numerator * denominator
    if target.op == Target.Op.GT:
        return left > right
    return left >= right


def deadline(year: int) -> datetime.date:
    """A target year's deadline: 31 December of that year (indicators.md, "Deadlines and verdicts")."""
    return datetime.date(year, 12, 31)


def is_past_deadline(year: int, on: datetime.date) -> bool:
    """Whether the verdict for `year` is final on `on`: from the deadline day itself on."""
    return deadline(year) <= on


def default_target_year(day: datetime.date, years: Sequence[int]) -> int | None:
    """The first target year whose deadline is on or after `day`; after the last deadline, the last year.

    None when the programme has no target at all.
    """
    ordered = sorted(years)
    if not ordered:
        return None
    return next((year for year in ordered if day <= deadline(year)), ordered[-1])


def first_trend_year(start: datetime.date) -> int:
    """The first whole calendar year of a programme: its year end is the trend's first point."""
    return start.year if (start.month, start.day) == (1, 1) else start.year + 1


def trend_dates(start: datetime.date, as_of: datetime.date) -> list[datetime.date]:
    """The year ends of the programme's whole years before `as_of`'s year, then `as_of` itself."""
    return [*(deadline(year) for year in range(first_trend_year(start), as_of.year)), as_of]


def target_for_year(targets: Iterable[TargetSpec], year: int) -> TargetSpec | None:
    """The target set for `year`, else the latest earlier one (the 2020 level is to be maintained)."""
    earlier = [t for t in targets if t.year <= year]
    return max(earlier, key=lambda t: t.year) if earlier else None


def gap_to_target(numerator: int, denominator: int, target: TargetSpec | None) -> int | None:
    """How many more people (or agencies) must be counted to meet the target; 0 when met.

    Capped at the uncounted remainder: "> 100 %" can never be met, and asking for more people than
    there are would mislead.
    """
    if target is None or not denominator:
        return None
    # needed = percent × denominator / 100, kept as the integer quotient needed_num / needed_den
    # (Fraction arithmetic here was a tenth of a dashboard's Python time).
    needed_num = target.fraction.numerator * denominator
    needed_den = target.fraction.denominator * 100
    least = -(-needed_num // needed_den)  # the smallest whole number ≥ needed
    if target.op == Target.Op.GT and needed_num % needed_den == 0:
        least += 1  # "trên": exactly the percent is not enough
    return max(0, min(least, denominator) - numerator)


def verdict(
    numerator: int, denominator: int, target: TargetSpec | None, *, year: int, on: datetime.date,
    at_deadline: tuple[int, int] | None = None,
) -> str | None:
    """The word a page shows for a figure measured against `year`'s target on `on`.

    Before the deadline: the scorecard band of the figure on `on` (met, on track, at risk, behind).
    On and after it: final, met or not met, judged on the figure at the deadline (`at_deadline`,
    numerator and denominator on 31 December of `year`), whatever the figure is today.
    None without a target or without data (at the deadline, for a final verdict).
    """
    if not is_past_deadline(year, on):
        return status_of(numerator, denominator, target)
    if at_deadline is None:
        raise ValueError(f"The verdict on {on} for {year} is final: it needs the figure at {deadline(year)}.")
    met = is_met(*at_deadline, target)
    if met is None:
        return None
    return MET if met else NOT_MET


def status_of(numerator: int, denominator: int, target: TargetSpec | None) -> str | None:
    """met / on track / at risk / behind, for the scorecard; None without a target or data."""
    met = is_met(numerator, denominator, target)
    if met is None:
        return None
    if met:
        return MET
    if target.percent == 0:
        return MET
    # share = (numerator × 100 / denominator) / target ≥ band, cross-multiplied into integers.
    reached = numerator * 100 * target.fraction.denominator
    wanted = target.fraction.numerator * denominator
    if reached * ON_TRACK_SHARE.denominator >= wanted * ON_TRACK_SHARE.numerator:
        return ON_TRACK
    if reached * AT_RISK_SHARE.denominator >= wanted * AT_RISK_SHARE.numerator:
        return AT_RISK
    return BEHIND


def projected_percent(points: Sequence[TrendPoint], until: datetime.date) -> Decimal | None:
    """Where the average pace since the first trend point leads by `until`, capped to 0..100.

    The average over the whole trend rather than the last months: a year's training comes in a few
    courses, so the pace between two close dates is mostly noise.
    """
    known = [p for p in points if p.percent is not None]
    if len(known) < 2:
        return None
    first, last = known[0], known[-1]
    days = (last.on - first.on).days
    if days <= 0:
        return None
    per_day = Fraction(last.percent - first.percent) / days
    value = Fraction(last.percent) + per_day * max(0, (until - last.on).days)
    value = min(Fraction(100), max(Fraction(0), value))
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def forecast(points: Sequence[TrendPoint], year: int, on: datetime.date) -> Decimal | None:
    """The projection to `year`'s deadline, only while that deadline is still ahead of `on`:
    a forecast to a past date is meaningless (the figure at the deadline is known)."""
    if is_past_deadline(year, on):
        return None
    return projected_percent(points, deadline(year))


def point_on(points: Sequence[TrendPoint], day: datetime.date) -> TrendPoint | None:
    return next((p for p in points if p.on == day), None)


@dataclass(frozen=True)
class TrendPoint:
    on: datetime.date
    numerator: int
    denominator: int
    percent: Decimal | None
