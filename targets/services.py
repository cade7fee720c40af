"""Writing aggregate reports, with the additivity rule of indicators.md and the change history.

Reports are summed up the tree, so an agency may not report an indicator that one of its
ancestors or descendants also reports (in any year): the same people would be counted twice.
"""
from __future__ import annotations

import copy
import datetime
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from agencies.access import can_edit_agency_data
from agencies.history import field_changes, record_change
from agencies.models import Agency, ChangeRecord, User
from agencies.services import StaleEdit
from agencies.versioning import lock_versions

from .models import AggregateReport, Indicator

# Namespace of the per-indicator advisory locks (PostgreSQL's two-key form: this, the indicator's id).
ADDITIVITY_LOCK = zlib.crc32(b"portal-report-additivity") & 0x7FFFFFFF


def paths_overlap(path_a: str, path_b: str) -> bool:
    """True when one agency is the other's ancestor or descendant (but not the same agency)."""
    return path_a != path_b and (path_a.startswith(path_b) or path_b.startswith(path_a))


@dataclass(frozen=True)
class Conflict:
    """An agency above or below that reports the same indicator: its stored reports' years, none if only new."""

    agency: Agency
    years: tuple[int, ...] = ()


def lock_additivity(indicator_ids: Iterable[int]) -> None:
    """Serialise the writes that could break the additivity rule, one indicator at a time.

    Call inside the transaction that checks and writes: on PostgreSQL a transaction-level advisory
    lock per indicator makes a second writer of the same indicator wait until the first commits, so
    its check sees the first's report (a district and one of its communes sent at the same moment
    can no longer both be saved). Locks are taken in id order, so two writers never deadlock.
    SQLite lets one transaction write at a time, so there the writes are serialised already.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for pk in sorted(set(indicator_ids)):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ADDITIVITY_LOCK, pk & 0x7FFFFFFF])


def additivity_conflicts(
    *, pairs: Iterable[tuple[Indicator, Agency]], exclude_report_ids: Iterable[int] = ()
) -> dict[tuple[int, int], list[Conflict]]:
    """For each (indicator, agency) pair, the agencies reporting it above or below that agency.

    A new pair (its agency reports none of the indicator yet) is checked against the stored reports
    and the other new pairs; a pair already stored only against the stored reports: when a new one
    overlaps it, the new one is the report to change. One query whatever the number of pairs.
    Returns {(indicator_id, agency_id): [conflicts, nearest the root first]} for the pairs that conflict.
    """
    pairs = list(dict.fromkeys(pairs))
    if not pairs:
        return {}
    existing = (
        AggregateReport.objects.filter(indicator_id__in={indicator.pk for indicator, _agency in pairs})
        .exclude(pk__in=list(exclude_report_ids))
        .select_related("agency")
        .order_by("year")
    )
    stored: dict[int, dict[int, Conflict]] = {}
    for report in existing:
        reporters = stored.setdefault(report.indicator_id, {})
        known = reporters.get(report.agency_id)
        years = (*known.years, report.year) if known else (report.year,)
        reporters[report.agency_id] = Conflict(report.agency, tuple(sorted(set(years))))
    new: dict[int, dict[int, Conflict]] = {}
    for indicator, agency in pairs:
        if agency.pk not in stored.get(indicator.pk, {}):
            new.setdefault(indicator.pk, {})[agency.pk] = Conflict(agency)

    conflicts: dict[tuple[int, int], list[Conflict]] = {}
    for indicator, agency in pairs:
        candidates = list(stored.get(indicator.pk, {}).values())
        if agency.pk in new.get(indicator.pk, {}):
            candidates += new[indicator.pk].values()
        others = [c for c in candidates if paths_overlap(agency.path, c.agency.path)]
        if others:
            conflicts[(indicator.pk, agency.pk)] = sorted(others, key=lambda c: c.agency.path)
    return conflicts


KEY_FIELDS = ["indicator", "agency", "year"]
VALUE_FIELDS = ["numerator", "denominator", "note"]


def report_save(
    *, user: User, indicator: Indicator, agency: Agency, year: int, numerator: int, denominator: int, note: str = "",
    version: datetime.datetime | None = None,
) -> tuple[AggregateReport, bool]:
    """Create or update the report of (indicator, agency, year); returns it and whether it was created.

    Raises ValidationError when an agency above or below already reports the indicator: reports
    are summed up the tree, so the same people would be counted twice. The check and the write run
    under the indicator's lock (lock_additivity), so two reports sent at once cannot both pass it.
    With `version` (the updated_at the correction form was opened with), raises StaleEdit when the
    report was changed since, rather than silently undo that change.
    """
    if not can_edit_agency_data(user, agency):
        raise PermissionDenied
    if not indicator.is_reported:
        raise ValidationError({"indicator": _("This indicator is computed from the rosters, not reported.")})
    with transaction.atomic():
        lock_versions()
        lock_additivity([indicator.pk])
        conflicts = additivity_conflicts(pairs=[(indicator, agency)]).get((indicator.pk, agency.pk))
        if conflicts:
            raise ValidationError({"agency": additivity_message(agency, conflicts)})
        report = AggregateReport.objects.select_for_update().filter(indicator=indicator, agency=agency, year=year).first()
        created = report is None
        if created:
            report = AggregateReport(indicator=indicator, agency=agency, year=year)
        else:
            report.indicator, report.agency = indicator, agency
        before = None if created else copy.copy(report)
        report.numerator, report.denominator, report.note = numerator, denominator, note
        report.full_clean()
        changes = field_changes(before, report, KEY_FIELDS + VALUE_FIELDS if created else VALUE_FIELDS)
        if not changes:
            return report, False
        if version is not None and before is not None and before.updated_at != version:
            raise StaleEdit(before)
        report.save()
        record_change(
            user=user, instance=report,
            action=ChangeRecord.Action.CREATE if created else ChangeRecord.Action.UPDATE,
            changes=changes, agency=agency,
        )
    return report, created


def report_delete(*, user: User, report: AggregateReport) -> None:
    if not can_edit_agency_data(user, report.agency):
        raise PermissionDenied
    with transaction.atomic():
        changes = field_changes(None, report, KEY_FIELDS + VALUE_FIELDS)
        record_change(user=user, instance=report, action=ChangeRecord.Action.DELETE, changes=changes,
                      agency=report.agency)
        report.delete()


def additivity_message(agency: Agency, conflicts: list[Conflict]) -> str:
    return _(
        "%(others)s already report this indicator, above or below %(agency)s. Reports are added up the "
        "agency tree, so the same people would be counted twice: report it at one level only."
    ) % {"others": ", ".join(conflict.agency.name for conflict in conflicts), "agency": agency.name}
