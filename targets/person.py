"""Which indicators one person counts for on a date: the "counts for" panel of the person page.

Whether the person is in each population and counted comes from targets.counting, the rules the
engine and the not-counted lists use (one query for the person); this module only words it.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from agencies.models import Staff
from training.models import TrainingRecord

from .counting import IndicatorDefinition, NoProgramme, PersonStanding, Reason, key_agency_of, person_standings
from .models import Indicator, Programme


@dataclass(frozen=True)
class PersonIndicator:
    """One indicator seen from one person: in its population or not, counted or not, and why."""

    definition: IndicatorDefinition
    in_population: bool
    counted: bool
    reason: str
    record: TrainingRecord | None = None


def person_indicators(
    *, staff: Staff, on: datetime.date, programme: Programme | None, records: list[TrainingRecord]
) -> list[PersonIndicator]:
    """The current programme's staff and key-agency indicators for `staff` on `on`.

    `records` are the person's training records with course and category selected (the page
    already shows them): the passed course that makes the person count is named from them.
    """
    if programme is None:
        return []
    try:
        standings = person_standings(staff=staff, on=on)
    except NoProgramme:
        return []
    return [_staff_row(standing, staff, on, programme, records) if standing.definition.counts_people
            else _key_agency_row(standing, staff) for standing in standings]


def _staff_row(standing: PersonStanding, staff, on, programme, records) -> PersonIndicator:
    definition = standing.definition
    if not standing.in_population:
        return PersonIndicator(definition, False, False, _population_exclusion(definition, staff, standing))
    if not standing.counted:
        return PersonIndicator(definition, True, False, str(Reason(standing.reason).label).capitalize() + ".")
    if definition.rule == Indicator.Rule.QUALIFIED:
        return PersonIndicator(definition, True, True, _("IT qualification: %(q)s.") % {
            "q": staff.get_it_qualification_display()})
    record = _first_qualifying_record(definition, records, programme.start_date, on)
    course = record.course.name if record else ""
    return PersonIndicator(definition, True, True, _("Passed %(course)s.") % {"course": course}, record)


def _population_exclusion(definition: IndicatorDefinition, staff: Staff, standing: PersonStanding) -> str:
    """Words for why the person is outside the indicator's population (counting.population decided it)."""
    if not standing.active:
        return _("Not on the roster on this date.")
    if not staff.is_civil_servant:
        return _("Contract workers count in no indicator.")
    if definition.levels and staff.agency.level not in definition.levels:
        return _("Another level of government.")
    if definition.staff_flag and not getattr(staff, definition.staff_flag):
        return _("Only for: %(who)s.") % {"who": Indicator.StaffFlag(definition.staff_flag).label}
    return _("Only for staff of departments and district committees (same level).")


def _key_agency_row(standing: PersonStanding, staff) -> PersonIndicator:
    """Key-agency indicators count agencies; say whether this person is what makes theirs count."""
    definition = standing.definition
    if standing.in_population and standing.counted:
        key = key_agency_of(staff.agency)
        return PersonIndicator(definition, True, True, _("Makes %(agency)s count.") % {"agency": key.name if key else ""})
    return PersonIndicator(definition, False, False, _("Counts agencies, not people."))


def _first_qualifying_record(definition: IndicatorDefinition, records, start: datetime.date,
                             on: datetime.date) -> TrainingRecord | None:
    """The record to name beside "counts" (the counting itself was decided by targets.counting)."""
    category_ids = set(definition.category_ids)
    qualifying = [
        record for record in records
        if record.result == TrainingRecord.Result.PASSED and record.completed_on
        and start <= record.completed_on <= on and record.course.category_id in category_ids
    ]
    return min(qualifying, key=lambda record: record.completed_on, default=None)
