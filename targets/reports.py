"""The additivity rule of aggregate reports (indicators.md).

Reports are summed up the tree, so an agency may not report an indicator that one of its
ancestors or descendants also reports (in any year): the same people would be counted twice.
"""
from __future__ import annotations

from collections.abc import Iterable

from agencies.models import Agency

from .models import AggregateReport, Indicator


def ancestor_paths(path: str) -> list[str]:
    """Paths of the strict ancestors encoded in a materialised path, root first."""
    segments = [s for s in path.split("/") if s]
    return ["".join(f"{s}/" for s in segments[: i + 1]) for i in range(len(segments) - 1)]


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
