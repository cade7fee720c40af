"""The pure rules of indicators.md, no ORM: the fraction, the rounding (half-up, one decimal), the
comparison with a target on the exact fraction, the target year, the scorecard status, the gap and the
projection.
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
FIRST_TREND_YEAR = 2017
# The Decision's two checkpoints; dates after the first one are measured against the second.
FIRST_CHECKPOINT = datetime.date(2020, 12, 31)
DEFAULT_TARGET_YEARS = (2020, 2025)
PROJECTION_YEAR = 2025

ONE_DECIMAL = Decimal("0.1")

MET = "met"
ON_TRACK = "on_track"
AT_RISK = "at_risk"
BEHIND = "behind"

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


def default_target_year(day: datetime.date) -> int:
    return DEFAULT_TARGET_YEARS[0] if day <= FIRST_CHECKPOINT else DEFAULT_TARGET_YEARS[1]


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


@dataclass(frozen=True)
class TrendPoint:
    on: datetime.date
    numerator: int
    denominator: int
    percent: Decimal | None
