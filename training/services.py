"""Writes to courses and training records made through the portal's pages.

Every write to TrainingRecord refreshes FirstPass for the people concerned inside the same
transaction, and records the change on each person's history.
"""
from __future__ import annotations

import copy
import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from agencies.access import can_edit_agency_data
from agencies.history import field_changes, record_change
from agencies.models import ChangeRecord, Staff, User
from agencies.versioning import lock_versions

from .models import Course, TrainingRecord
from .passes import refresh_first_passes

COURSE_FIELDS = ["code", "name", "category", "start_date", "end_date", "organiser", "hours", "place", "trainer", "agency"]
RECORD_FIELDS = ["course", "result", "completed_on"]


def can_edit_course(user: User, course: Course) -> bool:
    """Administrators change every course; officers the courses their subtree manages.

    A course with no managing agency came from a province-wide import: only administrators own it.
    """
    if user.is_administrator:
        return True
    return course.agency_id is not None and can_edit_agency_data(user, course.agency)


def course_create(*, user: User, data: Mapping[str, Any]) -> Course:
    course = Course(**{name: data[name] for name in COURSE_FIELDS if name in data})
    if not can_edit_course(user, course):
        raise PermissionDenied
    with transaction.atomic():
        course.full_clean()
        course.save()
        record_change(user=user, instance=course, action=ChangeRecord.Action.CREATE,
                      changes=field_changes(None, course, COURSE_FIELDS), agency=course.agency)
    return course


def course_update(*, user: User, course: Course, data: Mapping[str, Any]) -> dict:
    """Change a course; returns {"field": [old, new]}. A new category re-derives its participants' first passes."""
    before = Course.objects.select_related("agency").get(pk=course.pk)
    if not can_edit_course(user, before):
        raise PermissionDenied
    for name in COURSE_FIELDS:
        if name in data:
            setattr(course, name, data[name])
    if not can_edit_course(user, course):
        raise PermissionDenied
    changes = field_changes(before, course, COURSE_FIELDS)
    if not changes:
        return {}
    with transaction.atomic():
        course.full_clean()
        course.save()
        record_change(user=user, instance=course, action=ChangeRecord.Action.UPDATE, changes=changes,
                      agency=course.agency)
        if "category" in changes:
            # FirstPass is kept per category, so every participant's first pass may move.
            refresh_first_passes(staff_ids=list(course.records.values_list("staff_id", flat=True)))
    return changes


def participants_add(*, user: User, course: Course, staff: Iterable[Staff]) -> list[TrainingRecord]:
    """Put people on a course with no result yet; people already on it are skipped.

    `staff` must come with their agency selected; each must be in the user's editable subtree.
    """
    if not can_edit_course(user, course):
        raise PermissionDenied
    people = {person.pk: person for person in staff}
    if any(not can_edit_agency_data(user, person.agency) for person in people.values()):
        raise PermissionDenied
    with transaction.atomic():
        lock_versions()
        # The course row is locked next: a double click on "add all found" (two requests at once)
        # then runs one after the other, and the second finds everyone already on the course.
        Course.objects.select_for_update().filter(pk=course.pk).first()
        already = set(course.records.filter(staff_id__in=list(people)).values_list("staff_id", flat=True))
        records = [TrainingRecord(staff=person, course=course) for pk, person in sorted(people.items()) if pk not in already]
        for record in records:
            # Uniqueness was checked above in one query (and the constraint backs it up), not once per row.
            record.full_clean(validate_unique=False, validate_constraints=False)
        TrainingRecord.objects.bulk_create(records)
        for record in records:
            record_change(user=user, instance=record, action=ChangeRecord.Action.CREATE,
                          changes=field_changes(None, record, RECORD_FIELDS), staff=record.staff,
                          agency=record.staff.agency)
        refresh_first_passes(staff_ids=[record.staff_id for record in records])
    return records


@dataclass(frozen=True)
class ResultChange:
    """The result and completion date a form asks for one record.

    `version` is the record's updated_at when the person's page showed it: a record changed since
    then is not written over (None: no page was shown, nothing to compare).
    """

    record: TrainingRecord
    result: str
    completed_on: datetime.date | None
    version: datetime.datetime | None = None


@dataclass(frozen=True)
class ResultConflict:
    """A row someone else changed after the page showed it: the record as stored now, and what was asked."""

    current: TrainingRecord
    wanted: ResultChange


@dataclass(frozen=True)
class ResultsSaved:
    changed: list[TrainingRecord]
    conflicts: list[ResultConflict]


def participant_results_set(*, user: User, course: Course, changes: Iterable[ResultChange]) -> ResultsSaved:
    """Write results and completion dates; only the records whose values differ are saved.

    A pending result carries no completion date (the form pre-fills the course's end date).
    Records must be of `course`, with staff and agency selected. A record changed by someone else
    since `version` is left as it is and returned among the conflicts, unless it already holds
    what was asked. The records are locked while they are compared and written.
    """
    if not can_edit_course(user, course):
        raise PermissionDenied
    changes = list(changes)
    changed, conflicts = [], []
    with transaction.atomic():
        lock_versions()
        stored = TrainingRecord.objects.select_for_update().in_bulk([change.record.pk for change in changes])
        for change in changes:
            record = change.record
            if record.course_id != course.pk or not can_edit_agency_data(user, record.staff.agency):
                raise PermissionDenied
            current = stored.get(record.pk)
            if current is None:
                continue  # taken off the course meanwhile
            record.result, record.completed_on, record.updated_at = current.result, current.completed_on, current.updated_at
            before = copy.copy(record)
            record.result = change.result
            record.completed_on = None if change.result == TrainingRecord.Result.PENDING else change.completed_on
            diff = field_changes(before, record, ["result", "completed_on"])
            if not diff:
                continue
            if change.version is not None and current.updated_at != change.version:
                conflicts.append(ResultConflict(current=current, wanted=change))
                continue
            record.full_clean(validate_unique=False, validate_constraints=False)
            record.save(update_fields=["result", "completed_on", "updated_at"])
            record_change(user=user, instance=record, action=ChangeRecord.Action.UPDATE, changes=diff,
                          staff=record.staff, agency=record.staff.agency)
            changed.append(record)
        refresh_first_passes(staff_ids=[record.staff_id for record in changed])
    return ResultsSaved(changed=changed, conflicts=conflicts)


def participant_remove(*, user: User, record: TrainingRecord) -> None:
    """Take a person off a course; their history keeps what the record was."""
    if not can_edit_course(user, record.course) or not can_edit_agency_data(user, record.staff.agency):
        raise PermissionDenied
    with transaction.atomic():
        record_change(user=user, instance=record, action=ChangeRecord.Action.DELETE,
                      changes=field_changes(None, record, RECORD_FIELDS), staff=record.staff,
                      agency=record.staff.agency)
        staff_id = record.staff_id
        record.delete()
        refresh_first_passes(staff_ids=[staff_id])
