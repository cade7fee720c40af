"""The data version: read before computing figures, bumped by every write that can change one.

The bump is a single-row UPDATE ... SET number = number + 1 run in the writer's own transaction: it
commits or rolls back with the write, and concurrent writers queue on the row for the rest of their
transaction only (imports bump once, at the end of their work, not per row).
"""
from __future__ import annotations

from django.db.models import F

from .models import DataVersion

ROW = 1


def data_version() -> int:
    """The current version (one query); 0 before any write."""
    return DataVersion.objects.filter(pk=ROW).values_list("number", flat=True).first() or 0


def bump_data_version(**_signal_arguments) -> None:
    """Mark every cached figure as out of date (also usable as a signal receiver)."""
    if not DataVersion.objects.filter(pk=ROW).update(number=F("number") + 1):
        DataVersion.objects.get_or_create(pk=ROW, defaults={"number": 1})
