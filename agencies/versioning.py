"""The data version: read before computing figures, bumped by every write that can change one.

The bump is a single-row UPDATE ... SET number = number + 1 run in the writer's own transaction: it
commits or rolls back with the write. Writers bump before they write (pre_save signals, imports and
refresh_first_passes first thing), so each locks the version's row before any other and concurrent
writers queue on it instead of deadlocking.

A second row counts the writes of the programme's configuration alone (programmes, indicators, their
targets and categories, course categories, pass cutoffs): what every computation reads first, kept
in the cache under its own version so that the many writes of rosters and results do not drop it.
A configuration write bumps both rows, the data's first (the order every writer follows).
"""
from __future__ import annotations

from django.db.models import F

from .models import DataVersion

ROW = 1
CONFIGURATION_ROW = 2


def data_version() -> int:
    """The current version (one query); 0 before any write."""
    return _read(ROW)


def configuration_version() -> int:
    """The configuration's current version (one query); 0 before any configuration write."""
    return _read(CONFIGURATION_ROW)


def bump_data_version(**_signal_arguments) -> None:
    """Mark every cached figure as out of date (also usable as a signal receiver)."""
    _bump(ROW)


def bump_configuration_version(**_signal_arguments) -> None:
    """Mark every cached figure and the cached configuration as out of date (also a signal receiver)."""
    _bump(ROW)
    _bump(CONFIGURATION_ROW)


def _read(row: int) -> int:
    return DataVersion.objects.filter(pk=row).values_list("number", flat=True).first() or 0


def _bump(row: int) -> None:
    if not DataVersion.objects.filter(pk=row).update(number=F("number") + 1):
        DataVersion.objects.get_or_create(pk=row, defaults={"number": 1})
