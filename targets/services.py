"""Writing aggregate reports, with the additivity rule of indicators.md and the change history.

Reports are summed up the tree, so an agency may not report an indicator that one of its
ancestors or descendants also reports (in any year): the same people would be counted twice.
"""
from __future__ import annotations

import copy
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agencies.access import can_edit_agency_data
from agencies.history import field_changes, record_change
from agencies.models import Agency, ChangeRecord, User

from .models import AggregateReport, Indicator


def paths_overlap(path_a: str, path_b: str) -> bool:
    """True when one agency is the other's ancestor or descendant (but not the same agency)."""
    return path_a != path_b and (path_a.startswith(path_b) or path_b.startswith(path_a))


def additivity_conflicts(
    *, pairs: Iterable[tuple[Indicator, Agency]], exclude_report_ids: Iterable[int] = ()
) -> dict[tuple[int, int], list[Agency]]:
    """For each (indicator, agency) pair, the agencies already reporting it above or below that agency.

    Also checks the pairs against each other. One query whatever the number of pairs.
    Returns {(indicator_id, agency_id): [conflicting agencies]} for the pairs that conflict.
    """
    pairs = list(pairs)
    if not pairs:
        return {}
    indicator_ids = {indicator.pk for indicator, _agency in pairs}
    existing = (
        AggregateReport.objects.filter(indicator_id__in=indicator_ids)
        .exclude(pk__in=list(exclude_report_ids))
        .select_related("agency")
        .order_by()
        .distinct()
    )
    reporters: dict[int, dict[int, Agency]] = {}
    for report in existing:
        reporters.setdefault(report.indicator_id, {})[report.agency_id] = report.agency
    for indicator, agency in pairs:
        reporters.setdefault(indicator.pk, {})[agency.pk] = agency

    conflicts: dict[tuple[int, int], list[Agency]] = {}
    for indicator, agency in pairs:
        others = [
            other for other in reporters[indicator.pk].values() if paths_overlap(agency.path, other.path)
        ]
        if others:
            conflicts[(indicator.pk, agency.pk)] = sorted(others, key=lambda a: a.path)
    return conflicts


KEY_FIELDS = ["indicator", "agency", "year"]
VALUE_FIELDS = ["numerator", "denominator", "note"]


def report_save(
    *, user: User, indicator: Indicator, agency: Agency, year: int, numerator: int, denominator: int, note: str = ""
) -> tuple[AggregateReport, bool]:
    """Create or update the report of (indicator, agency, year); returns it and whether it was created.

    Raises ValidationError when an agency above or below already reports the indicator: reports
    are summed up the tree, so the same people would be counted twice.
    """
    if not can_edit_agency_data(user, agency):
        raise PermissionDenied
    if not indicator.is_reported:
        raise ValidationError({"indicator": _("This indicator is computed from the rosters, not reported.")})
    conflicts = additivity_conflicts(pairs=[(indicator, agency)]).get((indicator.pk, agency.pk))
    if conflicts:
        raise ValidationError({"agency": additivity_message(agency, conflicts)})
    with transaction.atomic():
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


def additivity_message(agency: Agency, conflicts: list[Agency]) -> str:
    return _(
        "%(others)s already report this indicator, above or below %(agency)s. Reports are added up the "
        "agency tree, so the same people would be counted twice: report it at one level only."
    ) % {"others": ", ".join(other.name for other in conflicts), "agency": agency.name}
