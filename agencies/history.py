"""Recording who changed what: every write made through the portal's pages calls record_change."""
from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import models

from .models import Agency, ChangeRecord, Staff


def field_changes(before: models.Model | None, after: models.Model, fields: list[str]) -> dict:
    """{"field": [old, new]} for the fields whose value differs (all of them when `before` is None)."""
    changes = {}
    for name in fields:
        old = _plain(getattr(before, name)) if before is not None else None
        new = _plain(getattr(after, name))
        if old != new:
            changes[name] = [old, new]
    return changes


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


def _plain(value):
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
