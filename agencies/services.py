"""Writes to the roster made through the portal's pages, each recorded in the change history."""
from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from .access import can_edit_agency_data
from .history import field_changes, record_change
from .models import ChangeRecord, Staff, User
from .versioning import lock_versions

# The fields an IT officer keeps up to date by hand; the rest comes from the roster import.
STAFF_IT_FIELDS = ["position", "category", "it_qualification", "is_it_staff", "is_cio", "is_leader", "joined_on", "left_on"]
STAFF_NEW_FIELDS = ["code", "full_name", "agency", "category", "gender", "birth_date", "position",
                    "it_qualification", "is_it_staff", "is_cio", "is_leader", "joined_on"]


def staff_create(*, user: User, data: Mapping[str, Any]) -> Staff:
    """Add a newcomer by hand in an agency the user may edit."""
    staff = Staff(**{name: data[name] for name in STAFF_NEW_FIELDS if name in data})
    if not can_edit_agency_data(user, staff.agency):
        raise PermissionDenied
    with transaction.atomic():
        staff.full_clean()
        staff.save()
        record_change(
            user=user, instance=staff, action=ChangeRecord.Action.CREATE,
            changes=field_changes(None, staff, STAFF_NEW_FIELDS), staff=staff, agency=staff.agency,
        )
    return staff


class StaleEdit(Exception):
    """A form's version is older than the stored row: someone else saved it after the form was opened.

    `current` is the row as stored now, for the message and the fresh form.
    """

    def __init__(self, current):
        super().__init__(f"{current._meta.label} {current.pk} changed since the form was opened")
        self.current = current


def staff_update(*, user: User, staff: Staff, data: Mapping[str, Any], version: datetime.datetime | None = None) -> dict:
    """Change the IT fields of a person; returns {"field": [old, new]} (empty when nothing changed).

    With `version` (the updated_at the form was opened with), raises StaleEdit when the person was
    changed since, by another officer or an import, rather than silently undo that change.
    """
    if not can_edit_agency_data(user, staff.agency):
        raise PermissionDenied
    with transaction.atomic():
        lock_versions()
        # The stored row, not the instance: a ModelForm has already written the new values onto it.
        # Locked, so that two saves cannot both pass the version check.
        before = Staff.objects.select_for_update().get(pk=staff.pk)
        for name in STAFF_IT_FIELDS:
            if name in data:
                setattr(staff, name, data[name])
        changes = field_changes(before, staff, STAFF_IT_FIELDS)
        if not changes:
            return {}
        if version is not None and before.updated_at != version:
            raise StaleEdit(before)
        staff.full_clean()
        staff.save()
        record_change(user=user, instance=staff, action=ChangeRecord.Action.UPDATE, changes=changes,
                      staff=staff, agency=staff.agency)
    return changes


def staff_mark_left(*, user: User, staff: Staff, left_on: datetime.date) -> dict:
    """Record the first day away. Nobody is deleted: earlier dates keep counting them."""
    return staff_update(user=user, staff=staff, data={"left_on": left_on})
