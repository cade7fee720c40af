"""Computed figures cached under the data and branch versions, so that a cached result is never stale.

A result is stored under (versions, date, target year, scope, trend) in Django's cache (Redis in
production through REDIS_URL, local memory otherwise). The versions of its scope (the data version
and the versions of the branches it covers, agencies.versioning) are read before computing and are
bumped in the same transaction as every write that can change a figure (`connect_version_bumps`):
a reader that sees the new versions also sees the new data, and a result computed from old data can
only be stored under the old versions, which nobody asks for again. A page of one branch stays cached
while other branches write. The counts of a scope that covers several branches are kept per branch
as well (`cached_by_branch`), so after a write only the branch written is counted again. A cache that
fails (Redis down) is skipped: the figures are computed, never an error page.
"""
from __future__ import annotations

import datetime
import logging
from collections.abc import Callable

from django.core.cache import cache
from django.db.models.signals import m2m_changed, pre_delete, pre_save

from agencies.models import Agency, Staff
from agencies.versioning import (
    Versions,
    branch_of,
    bump_branches,
    bump_configuration_version,
    bump_data_version,
    configuration_version,
    versions,
)
from sheets.locking import import_written
from training.models import Course, CourseCategory, PassCutoff, TrainingRecord

from .models import AggregateReport, Indicator, Programme, Target

logger = logging.getLogger(__name__)

# Rows whose saving or deleting can change any figure. FirstPass and FirstPassAny are derived:
# training.passes.refresh_first_passes bumps once for the lot. Bulk writes of the imports bump
# through sheets.locking.import_written. The configuration's rows bump its own version as well.
DATA_MODELS = (Agency, Course)
# Rows whose writes change only the figures of their own branch (or two, when one moves).
BRANCH_MODELS = (Staff, TrainingRecord, AggregateReport)
CONFIGURATION_MODELS = (CourseCategory, PassCutoff, Programme, Indicator, Target)
FIGURE_MODELS = DATA_MODELS + BRANCH_MODELS + CONFIGURATION_MODELS
# A day: entries of old versions are never read again, so this only bounds what they occupy.
TIMEOUT = 24 * 3600


def _may_move(instance, field: str, update_fields) -> bool:
    """Whether the stored row may hold another value of `field` than the instance (then both count)."""
    return not instance._state.adding and (update_fields is None or field in update_fields)


def _staff_written(sender, instance: Staff, update_fields=None, **_signal_arguments) -> None:
    bump_branches(agency_ids=[instance.agency_id],
                  staff_ids=[instance.pk] if _may_move(instance, "agency", update_fields) else [])


def _record_written(sender, instance: TrainingRecord, update_fields=None, **_signal_arguments) -> None:
    bump_branches(staff_ids=[instance.staff_id],
                  record_ids=[instance.pk] if _may_move(instance, "staff", update_fields) else [])


def _report_written(sender, instance: AggregateReport, update_fields=None, **_signal_arguments) -> None:
    agency_ids = [instance.agency_id]
    if _may_move(instance, "agency", update_fields):
        agency_ids += AggregateReport.objects.filter(pk=instance.pk).values_list("agency_id", flat=True)
    bump_branches(agency_ids=agency_ids)


BRANCH_BUMPS = {Staff: _staff_written, TrainingRecord: _record_written, AggregateReport: _report_written}


def connect_version_bumps() -> None:
    """Bump the versions with every save or delete of FIGURE_MODELS and every import (apps.ready).

    Before the write, not after: a writing transaction then locks the data version's row before the
    rows it changes, always in that order, so two of them cannot deadlock (bumping after each save did,
    under bench/run_load.sh, when two results pages saved records of one course).
    """
    for model in FIGURE_MODELS:
        if model in CONFIGURATION_MODELS:
            bump = bump_configuration_version
        else:
            bump = BRANCH_BUMPS.get(model, bump_data_version)
        pre_save.connect(bump, sender=model, dispatch_uid=f"data-version-save-{model.__name__}")
        pre_delete.connect(bump, sender=model, dispatch_uid=f"data-version-delete-{model.__name__}")
    m2m_changed.connect(bump_configuration_version, sender=Indicator.categories.through,
                        dispatch_uid="data-version-categories")
    import_written.connect(bump_data_version, dispatch_uid="data-version-imports")


def scope_versions(within: Agency | None) -> Versions:
    """The versions a result of `within`'s subtree (None: the province) depends on: one query."""
    if within is None or within.depth == 0:
        return versions()
    return versions([branch_of(within.path)])


def result_key(*, versions: Versions, kind: str, as_of: datetime.date, target_year: int | None, within: Agency | None,
               trend: bool) -> str:
    scope = f"agency-{within.pk}" if within is not None else "province"
    return f"{kind}:v{versions.stamp}:{as_of.isoformat()}:{target_year or 'default'}:{scope}:{int(trend)}"


def cached(key_parts: dict, compute: Callable[[Versions, str], object]):
    """compute(versions, key)'s result, from the cache when these versions already computed it; `key`
    is the one it is stored under."""
    stamp = scope_versions(key_parts["within"])
    key = result_key(versions=stamp, **key_parts)
    return _cached(key, lambda: compute(stamp, key))


def cached_fragment(key: str, render: Callable[[], str]) -> str:
    """render()'s HTML, from the cache when it was rendered under this key. The key must name all that
    the HTML shows: a result's own key and what else the page put in (attainment_tags.figures_fragment)."""
    return _cached(f"fragment:{key}", render)


def cached_by_branch(*, versions: Versions, branch_ids: list[int], token: str,
                     compute: Callable[[list[int]], dict[int, object]]) -> dict[int, object]:
    """Each branch's part of a computation named by `token`: from the cache when the data version and
    the branch's version already computed it, the others from one compute(missing branch ids)."""
    keys = {branch: f"branch:{token}:v{versions.data}:b{branch}-{versions.of(branch)}" for branch in branch_ids}
    found = _read(list(keys.values()))
    parts = {branch: found[key] for branch, key in keys.items() if key in found}
    missing = [branch for branch in branch_ids if branch not in parts]
    if missing:
        computed = compute(missing)
        parts.update(computed)
        _write({keys[branch]: computed[branch] for branch in missing})
    return parts


def cached_configuration(compute):
    """compute()'s reading of the programme's configuration, from the cache when this configuration
    version already read it."""
    return _cached(f"configuration:v{configuration_version()}", compute)


def _cached(key: str, compute):
    found = _read([key]).get(key)
    if found is not None:
        return found
    result = compute()
    _write({key: result})
    return result


def _read(keys: list[str]) -> dict:
    """The cached values of these keys that exist; none when the cache fails (Redis down, a timeout):
    the caller computes, never an error page."""
    try:
        return cache.get_many(keys)
    except Exception:  # noqa: BLE001 - any cache failure means: compute
        logger.warning("result cache unavailable for reading; computing", exc_info=True)
        return {}


def _write(values: dict) -> None:
    try:
        cache.set_many(values, TIMEOUT)
    except Exception:  # noqa: BLE001
        logger.warning("result cache unavailable for writing", exc_info=True)
