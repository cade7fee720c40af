"""Filters of the add-participants search supplied by another app: "still needed for indicator X".

Which people an indicator still needs is a rule of `targets`, and `targets` builds on `training`, so
training cannot ask it directly. Instead `targets` registers a provider here when the apps are ready
(targets/apps.py). Each provider has a name; its filters are offered as "<name>:<key>" beside the
search's own NEEDED and UNTRAINED, and an unregistered name or unknown key is simply not a choice.
"""
from __future__ import annotations

import datetime
from typing import Protocol

from django.db.models import QuerySet

from agencies.models import Agency


class NeedProvider(Protocol):
    """Narrows the people of a search to those a rule outside training still needs."""

    name: str

    def choices(self) -> list[tuple[str, str]]:
        """(key, label) of each filter offered now, in the order shown."""

    def narrow(self, qs: QuerySet, key: str, *, on: datetime.date, within: Agency | None) -> QuerySet:
        """`qs` (Staff) narrowed by the filter `key` on `on`; `within` is the subtree searched (None: every agency)."""


_providers: dict[str, NeedProvider] = {}


def register(provider: NeedProvider) -> None:
    """Offer a provider's filters (again on each call: the last registration of a name wins)."""
    _providers[provider.name] = provider


def need_choices() -> list[tuple[str, str]]:
    """The filters of every registered provider, as ("<name>:<key>", label)."""
    return [(f"{name}:{key}", label) for name, provider in _providers.items() for key, label in provider.choices()]


def is_provided(value: str) -> bool:
    """True when `value` names a registered provider ("<name>:..."); whether the key exists is the form's check."""
    name, sep, _key = value.partition(":")
    return bool(sep) and name in _providers


def narrow(qs: QuerySet, value: str, *, on: datetime.date, within: Agency | None) -> QuerySet:
    """`qs` narrowed by the provided filter `value` ("<name>:<key>"), which the form has checked."""
    name, _sep, key = value.partition(":")
    return _providers[name].narrow(qs, key, on=on, within=within)
