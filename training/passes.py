"""Keeps FirstPass and FirstPassAny in step with TrainingRecord. Every write path that touches records calls this."""
from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Min

from agencies.versioning import bump_branches, bump_data_version

from .models import FirstPass, FirstPassAny, PassCutoff, TrainingRecord

ID_CHUNK = 5000


def refresh_first_passes(*, staff_ids: Iterable[int] | None = None) -> int:
    """Recompute FirstPass and FirstPassAny for these staff (all staff when None) and every cutoff.

    Runs a fixed number of queries per chunk of staff and cutoff, never one per person. Returns the
    number of FirstPass rows written.
    """
    if staff_ids is None:
        with transaction.atomic():
            bump_data_version()
            return _refresh(None)
    ids = sorted(set(staff_ids))
    written = 0
    with transaction.atomic():
        # First: the data version's row is locked before the rows written (agencies.versioning). These
        # people's branches only, unless they are too many to look up in one query.
        if len(ids) <= ID_CHUNK:
            bump_branches(staff_ids=ids)
        else:
            bump_data_version()
        # Chunks keep `IN (...)` under SQLite's limit on bound parameters.
        for start in range(0, len(ids), ID_CHUNK):
            written += _refresh(ids[start:start + ID_CHUNK])
    return written


def _refresh(ids: list[int] | None) -> int:
    stale = FirstPass.objects.all()
    stale_any = FirstPassAny.objects.all()
    if ids is not None:
        stale = stale.filter(staff_id__in=ids)
        stale_any = stale_any.filter(staff_id__in=ids)
    stale.delete()
    stale_any.delete()
    written = 0
    for cutoff in PassCutoff.objects.all():
        passed = TrainingRecord.objects.passed().filter(completed_on__gte=cutoff.counted_from)
        if ids is not None:
            passed = passed.filter(staff_id__in=ids)
        firsts = passed.values("staff_id", "course__category_id").annotate(first_on=Min("completed_on"))
        rows = []
        # The first pass in any category is the earliest of the per-category ones: derived here from
        # the same grouped rows rather than by a second scan of the records.
        any_first: dict[int, datetime.date] = {}
        for row in firsts.iterator(chunk_size=5000):
            staff_id, first_on = row["staff_id"], row["first_on"]
            rows.append(FirstPass(cutoff=cutoff, staff_id=staff_id, category_id=row["course__category_id"],
                                  first_on=first_on))
            if staff_id not in any_first or first_on < any_first[staff_id]:
                any_first[staff_id] = first_on
        FirstPass.objects.bulk_create(rows, batch_size=5000)
        FirstPassAny.objects.bulk_create(
            [FirstPassAny(cutoff=cutoff, staff_id=staff_id, first_on=first_on) for staff_id, first_on in any_first.items()],
            batch_size=5000,
        )
        written += len(rows)
    return written


def register_cutoff(counted_from) -> PassCutoff:
    """Make sure FirstPass and FirstPassAny rows exist from this date on (called when a programme is added or moved)."""
    cutoff, created = PassCutoff.objects.get_or_create(counted_from=counted_from)
    if created:
        refresh_first_passes()
    return cutoff
