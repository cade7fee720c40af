"""The data version and the branch versions: read before computing figures, bumped by every write that
can change one.

A bump is an UPDATE ... SET number = number + 1 run in the writer's own transaction: it commits or
rolls back with the write. Writers bump before they write (pre_save signals, imports and
refresh_first_passes first thing), and every writer takes the data version's row first (`bump_data_version`
updates it, `bump_branches` and `lock_versions` lock it), so concurrent writers queue on that one row
instead of deadlocking on the others.

The data version counts the writes that can change any figure (the tree, courses, imports, the
configuration). A branch version counts the writes that change only one branch's figures (a person,
their results, an agency's report): a branch is a top agency's subtree, or a root agency's own staff
(`branch_of`). Figures of a subtree are cached under the data version and the versions of the
branches they cover (targets.results).

A second row counts the writes of the programme's configuration alone (programmes, indicators, their
targets and categories, course categories, pass cutoffs): what every computation reads first, kept
in the cache under its own version so that the many writes of rosters and results do not drop it.
A configuration write bumps both rows, the data's first (the order every writer follows).
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import router, transaction
from django.db.models import F, IntegerField, Q, Value

from .models import Agency, BranchVersion, DataVersion, Staff

ROW = 1
CONFIGURATION_ROW = 2


def branch_of(path: str) -> int:
    """The branch of the agency with this materialised path: its top agency below a root (the path's
    second segment), or the root itself."""
    segments = [segment for segment in path.split("/") if segment]
    return int(segments[1] if len(segments) > 1 else segments[0])


@dataclass(frozen=True)
class Versions:
    """The data version and the versions of some branches (a branch never written is at 0)."""

    data: int
    branches: tuple[tuple[int, int], ...]

    def of(self, branch_id: int) -> int:
        return dict(self.branches).get(branch_id, 0)

    @property
    def stamp(self) -> str:
        """All of it in a few characters, for a cache key."""
        written = ",".join(f"{branch}-{number}" for branch, number in self.branches)
        if len(written) > 40:
            written = hashlib.sha1(written.encode()).hexdigest()[:16]
        return f"{self.data}.{written}"


def versions(branch_ids: Iterable[int] | None = None) -> Versions:
    """The data version with these branches' versions (every branch's when None): one query."""
    data = DataVersion.objects.filter(pk=ROW).annotate(branch=Value(0, output_field=IntegerField()))
    branches = BranchVersion.objects.all()
    if branch_ids is not None:
        branches = branches.filter(branch_id__in=sorted(set(branch_ids)))
    rows = list(data.values_list("branch", "number").union(branches.values_list("branch_id", "number"), all=True))
    data_number = next((number for branch, number in rows if branch == 0), 0)
    return Versions(data=data_number, branches=tuple(sorted((b, n) for b, n in rows if b != 0 and n)))


def data_version() -> int:
    """The current data version (one query); 0 before any write."""
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


def bump_branches(*, agency_ids: Iterable[int] = (), staff_ids: Iterable[int] = (),
                  record_ids: Iterable[int] = ()) -> None:
    """Mark the cached figures of some branches as out of date: those of these agencies, of these
    people's agencies, and of the agencies of these training records' people (as stored).

    Three queries (the lock, the agencies' paths, the bump); two more the first time a branch is
    written.
    """
    agency_ids, staff_ids, record_ids = ([i for i in ids if i] for ids in (agency_ids, staff_ids, record_ids))
    using = router.db_for_write(BranchVersion)
    with transaction.atomic(using=using, savepoint=False):
        lock_versions(using)
        agencies = (
            Q(pk__in=agency_ids)
            | Q(pk__in=Staff.objects.filter(pk__in=staff_ids).values("agency_id"))
            | Q(pk__in=Staff.objects.filter(training_records__pk__in=record_ids).values("agency_id"))
        )
        paths = Agency.objects.filter(agencies).values_list("path", flat=True) if agency_ids or staff_ids or record_ids else []
        branch_ids = sorted({branch_of(path) for path in paths})
        if not branch_ids:
            return
        bumped = BranchVersion.objects.filter(branch_id__in=branch_ids).update(number=F("number") + 1)
        if bumped < len(branch_ids):
            existing = set(BranchVersion.objects.filter(branch_id__in=branch_ids).values_list("branch_id", flat=True))
            BranchVersion.objects.bulk_create(
                [BranchVersion(branch_id=branch_id, number=1) for branch_id in branch_ids if branch_id not in existing])


def lock_versions(using: str = "default") -> None:
    """Take the data version's row for the rest of the transaction without moving it. Every writer
    takes this row before any other: a service that locks rows of its own before writing (select_for_update)
    calls this first. (SQLite, where a writer takes the whole database, reads it without FOR UPDATE.)"""
    if not list(DataVersion.objects.using(using).select_for_update().filter(pk=ROW).values_list("pk", flat=True)):
        DataVersion.objects.using(using).get_or_create(pk=ROW, defaults={"number": 0})


def _read(row: int) -> int:
    return DataVersion.objects.filter(pk=row).values_list("number", flat=True).first() or 0


def _bump(row: int) -> None:
    if not DataVersion.objects.filter(pk=row).update(number=F("number") + 1):
        DataVersion.objects.get_or_create(pk=row, defaults={"number": 1})
