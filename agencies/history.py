"""Recording who changed what: every write made through the portal's pages calls record_change."""
from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import models
from django.utils import timezone

from .models import Agency, ChangeRecord, Staff


def field_changes(before: models.Model | None, after: models.Model, fields: list[str]) -> dict:
    """{"field": [old, new]} for the fields whose value differs (all of them when `before` is None)."""
    changes = {}
    for name in fields:
        old = plain_value(getattr(before, name)) if before is not None else None
        new = plain_value(getattr(after, name))
        if old != new:
            changes[name] = [old, new]
    return changes


# Derived or secret columns a change record never shows: stamps, tree paths, search copies, password hashes.
NOT_RECORDED = frozenset({"created_at", "updated_at", "path", "depth", "name_folded", "password", "last_login"})


def history_fields(model: type[models.Model]) -> list[str]:
    """The fields of `model` whose changes the history shows (for writers that edit any field, like the admin)."""
    return [field.name for field in model._meta.concrete_fields
            if not field.primary_key and field.name not in NOT_RECORDED]


def concerned(instance: models.Model) -> dict:
    """The person and the agency a change concerns, so their pages can show it: {"staff": ..., "agency": ...}."""
    staff = instance if isinstance(instance, Staff) else getattr(instance, "staff", None)
    if isinstance(instance, Agency):
        agency = instance
    else:
        agency = getattr(instance, "agency", None) or (staff.agency if staff is not None else None)
    return {"staff": staff if isinstance(staff, Staff) else None,
            "agency": agency if isinstance(agency, Agency) else None}


def record_change(
    *, user, instance: models.Model, action: str, changes: dict | None = None,
    staff: Staff | None = None, agency: Agency | None = None,
) -> ChangeRecord:
    return ChangeRecord.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        model=instance._meta.label,
        object_id=str(instance.pk),
        object_repr=str(instance)[:255],
        changes=changes or {},
        staff=staff,
        agency=agency,
    )


def record_changes_in_bulk(*, user, entries: list[tuple[models.Model, str, dict, int | None, int | None]]) -> None:
    """Many records at once, for imports: (instance, action, changes, staff id, agency id) each."""
    by = user if getattr(user, "is_authenticated", False) else None
    now = timezone.now()
    ChangeRecord.objects.bulk_create(
        [
            ChangeRecord(created_at=now, user=by, action=action, model=instance._meta.label, object_id=str(instance.pk),
                         object_repr=str(instance)[:255], changes=changes, staff_id=staff_id, agency_id=agency_id)
            for instance, action, changes, staff_id, agency_id in entries
        ],
        batch_size=2000,
    )


def plain_value(value):
    """A field's value as the history stores it in JSON (dates as ISO text, related objects as their id)."""
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value.pk)
    return value


def record_import(*, user, model: type[models.Model], file_name: str, checksum: str, summary: str) -> ChangeRecord:
    """One record per applied Excel import (command line or web): which file, and what it did."""
    return ChangeRecord.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        action=ChangeRecord.Action.IMPORT,
        model=model._meta.label,
        object_id=checksum[:64],
        object_repr=(file_name or "-")[:255],
        changes={"summary": [None, summary]},
    )
