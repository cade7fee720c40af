"""Which indicators one person counts for on a date: the "counts for" panel of the person page.

Plain querysets on the person's own records and flags (a handful of queries for one person):
the province-wide figures are the attainment engine's job, not this module's.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from agencies.models import Agency, Staff
from training.models import TrainingRecord

from .models import Indicator, Programme


@dataclass(frozen=True)
class PersonIndicator:
    """One indicator seen from one person: in its population or not, counted or not, and why."""

    indicator: Indicator
    in_population: bool
    counted: bool
    reason: str
    record: TrainingRecord | None = None


def person_indicators(
    *, staff: Staff, on: datetime.date, programme: Programme | None, records: list[TrainingRecord]
) -> list[PersonIndicator]:
    """The current programme's staff and key-agency indicators for `staff` on `on`.

    `records` are the person's training records with course and category selected (the page
    already shows them), so counting them costs no query.
    """
    if programme is None:
        return []
    indicators = list(
        Indicator.objects.filter(programme=programme)
        .exclude(source=Indicator.Source.REPORTS)
        .prefetch_related("categories")
        .order_by("order", "code")
    )
    key_agency = _key_agency_above(staff.agency)
    rows = []
    for indicator in indicators:
        if indicator.source == Indicator.Source.KEY_AGENCIES:
            rows.append(_key_agency_row(indicator, staff, on, key_agency))
        else:
            rows.append(_staff_row(indicator, staff, on, programme, key_agency, records))
    return rows


def _staff_row(indicator, staff, on, programme, key_agency, records) -> PersonIndicator:
    excluded = _population_exclusion(indicator, staff, on, key_agency)
    if excluded:
        return PersonIndicator(indicator, in_population=False, counted=False, reason=excluded)
    if indicator.rule == Indicator.Rule.QUALIFIED:
        if staff.it_qualification in indicator.qualifications:
            return PersonIndicator(indicator, True, True, _("IT qualification: %(q)s.") % {
                "q": staff.get_it_qualification_display()})
        return PersonIndicator(indicator, True, False, _("The IT qualification is not one that counts."))
    record = _first_qualifying_record(indicator, records, programme.start_date, on)
    if record is not None:
        return PersonIndicator(indicator, True, True, _("Passed %(course)s.") % {"course": record.course.name}, record)
    return PersonIndicator(indicator, True, False, _("No passed course of a counting category since the programme start."))


def _population_exclusion(indicator: Indicator, staff: Staff, on: datetime.date, key_agency: Agency | None) -> str:
    """Why the person is outside the indicator's population on `on` ("" when inside)."""
    if not _active_on(staff, on):
        return _("Not on the roster on this date.")
    if not staff.is_civil_servant:
        return _("Contract workers count in no indicator.")
    if indicator.levels and staff.agency.level not in indicator.levels:
        return _("Another level of government.")
    if indicator.staff_flag and not getattr(staff, indicator.staff_flag):
        return _("Only for: %(who)s.") % {"who": indicator.get_staff_flag_display()}
    if indicator.key_agencies_only and key_agency is None:
        return _("Only for staff of departments and district committees (same level).")
    return ""


def _key_agency_row(indicator, staff, on, key_agency) -> PersonIndicator:
    """Key-agency indicators count agencies; say whether this person is what makes theirs count."""
    if key_agency is None or not _active_on(staff, on) or not staff.is_civil_servant:
        return PersonIndicator(indicator, False, False, _("Counts agencies, not people."))
    if indicator.rule == Indicator.Rule.HAS_CIO:
        makes_count = staff.is_cio
    else:
        makes_count = staff.is_it_staff and staff.it_qualification in indicator.qualifications
    if makes_count:
        return PersonIndicator(indicator, True, True, _("Makes %(agency)s count.") % {"agency": key_agency.name})
    return PersonIndicator(indicator, False, False, _("Counts agencies, not people."))


def _first_qualifying_record(indicator, records, start: datetime.date, on: datetime.date) -> TrainingRecord | None:
    category_ids = {category.pk for category in indicator.categories.all()}
    qualifying = [
        record for record in records
        if record.result == TrainingRecord.Result.PASSED and record.completed_on
        and start <= record.completed_on <= on and record.course.category_id in category_ids
    ]
    return min(qualifying, key=lambda record: record.completed_on, default=None)


def _key_agency_above(agency: Agency) -> Agency | None:
    """The key agency whose same-level subtree holds `agency` (itself included), if any."""
    paths = [*agency.ancestor_paths, agency.path]
    candidates = Agency.objects.filter(path__in=paths, kind__in=Agency.KEY_KINDS, level=agency.level)
    # The nearest one: levels only go down the tree, so any same-level key ancestor is in the subtree.
    return candidates.order_by("-depth").first()


def _active_on(staff: Staff, on: datetime.date) -> bool:
    """Staff.objects.active_on() for one person already loaded."""
    return (staff.joined_on is None or staff.joined_on <= on) and (staff.left_on is None or staff.left_on > on)
