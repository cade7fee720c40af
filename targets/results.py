"""Computed figures cached under the data version, so that a cached result is never stale.

A result is stored under (data version, date, target year, scope, trend) in Django's cache (Redis in
production through REDIS_URL, local memory otherwise). The version is read before computing and is
bumped in the same transaction as every write that can change a figure (`connect_version_bumps`):
a reader that sees the new version also sees the new data, and a result computed from old data can
only be stored under the old version, which nobody asks for again. A cache that fails (Redis down)
is skipped: the figures are computed, never an error page.
"""
from __future__ import annotations

import datetime
import logging

from django.core.cache import cache
from django.db.models.signals import m2m_changed, pre_delete, pre_save

from agencies.models import Agency, Staff
from agencies.versioning import bump_configuration_version, bump_data_version, configuration_version, data_version
from sheets.locking import import_written
from training.models import Course, CourseCategory, PassCutoff, TrainingRecord

from .models import AggregateReport, Indicator, Programme, Target

logger = logging.getLogger(__name__)

# Rows whose saving or deleting can change a figure. FirstPass and FirstPassAny are derived:
# training.passes.refresh_first_passes bumps once for the lot. Bulk writes of the imports bump
# through sheets.locking.import_written. The configuration's rows bump its own version as well.
DATA_MODELS = (Agency, Staff, Course, TrainingRecord, AggregateReport)
CONFIGURATION_MODELS = (CourseCategory, PassCutoff, Programme, Indicator, Target)
FIGURE_MODELS = DATA_MODELS + CONFIGURATION_MODELS
# A day: entries of old versions are never read again, so this only bounds what they occupy.
TIMEOUT = 24 * 3600


def connect_version_bumps() -> None:
    """Bump the data version with every save or delete of FIGURE_MODELS and every import (apps.ready).

    Before the write, not after: a writing transaction then locks the version's row before the rows
    it changes, always in that order, so two of them cannot deadlock (bumping after each save did,
    under bench/run_load.sh, when two results pages saved records of one course).
    """
    for model in FIGURE_MODELS:
        bump = bump_configuration_version if model in CONFIGURATION_MODELS else bump_data_version
        pre_save.connect(bump, sender=model, dispatch_uid=f"data-version-save-{model.__name__}")
        pre_delete.connect(bump, sender=model, dispatch_uid=f"data-version-delete-{model.__name__}")
    m2m_changed.connect(bump_configuration_version, sender=Indicator.categories.through,
                        dispatch_uid="data-version-categories")
    import_written.connect(bump_data_version, dispatch_uid="data-version-imports")


def result_key(*, version: int, kind: str, as_of: datetime.date, target_year: int | None, within: Agency | None,
               trend: bool) -> str:
    scope = f"agency-{within.pk}" if within is not None else "province"
    return f"{kind}:v{version}:{as_of.isoformat()}:{target_year or 'default'}:{scope}:{int(trend)}"


def cached(key_parts: dict, compute):
    """compute()'s result, from the cache when this data version already computed it."""
    return _cached(result_key(version=data_version(), **key_parts), compute)


def cached_configuration(compute):
    """compute()'s reading of the programme's configuration, from the cache when this configuration
    version already read it."""
    return _cached(f"configuration:v{configuration_version()}", compute)


def _cached(key: str, compute):
    try:
        found = cache.get(key)
    except Exception:  # noqa: BLE001 - any cache failure (Redis down, timeout) means: compute
        logger.warning("result cache unavailable for reading; computing", exc_info=True)
        found = None
    if found is not None:
        return found
    result = compute()
    try:
        cache.set(key, result, TIMEOUT)
    except Exception:  # noqa: BLE001
        logger.warning("result cache unavailable for writing", exc_info=True)
    return result
