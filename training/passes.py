"""Keeps FirstPass in step with TrainingRecord. Every write path that touches records calls this."""
from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Min

from .models import FirstPass, PassCutoff, TrainingRecord

ID_CHUNK = 5000


def refresh_first_passes(*, staff_ids: Iterable[int] | None = None) -> int:
    """Recompute FirstPass for these staff (all staff when None) and every cutoff.

    Runs a fixed number of queries per chunk of staff and cutoff, never one per person.
    """
    if staff_ids is None:
        with transaction.atomic():
            return _refresh(None)
    ids = sorted(set(staff_ids))
    written = 0
    with transaction.atomic():
        # Chunks keep `IN (...)` under SQLite's limit on bound parameters.
        for start in range(0, len(ids), ID_CHUNK):
            written += _refresh(ids[start:start + ID_CHUNK])
    return written


def _refresh(ids: list[int] | None) -> int:
    stale = FirstPass.objects.all()
    if ids is not None:
        stale = stale.filter(staff_id__in=ids)
    stale.delete()
    written = 0
    for cutoff in PassCutoff.objects.all():
        passed = TrainingRecord.objects.passed().filter(completed_on__gte=cutoff.counted_from)
        if ids is not None:
            passed = passed.filter(staff_id__in=ids)
        firsts = passed.values("staff_id", "course__category_id").annotate(first_on=Min("completed_on"))
        rows = [
            FirstPass(cutoff=cutoff, staff_id=row["staff_id"], category_id=row["course__category_id"],
                      first_on=row["first_on"])
            for row in firsts.iterator(chunk_size=5000)
        ]
        FirstPass.objects.bulk_create(rows, batch_size=5000)
        written += len(rows)
    return written


def register_cutoff(counted_from) -> PassCutoff:
    """Make sure FirstPass rows exist from this date on (called when a programme is added or moved)."""
    cutoff, created = PassCutoff.objects.get_or_create(counted_from=counted_from)
    if created:
        refresh_first_passes()
    return cutoff
