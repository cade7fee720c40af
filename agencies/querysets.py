"""Chainable filters for agencies and staff, starting with what a user may see.

The one scope rule: a user's rows are those whose agency path starts with `scope_path(user)`.
Every model scoped by agency (Agency, Staff, Course, TrainingRecord, AggregateReport) has a
`ScopedQuerySet` naming the path field, and every view, form, download and check goes through it
(as NetBox's RestrictedQuerySet.restrict does for its models).
"""
from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q

from sheets.text import fold

VIEW = "view"
CHANGE = "change"
EVERYTHING = ""


def scope_path(user, action: str = VIEW) -> str | None:
    """The agency path prefix of the rows `user` may see (VIEW) or change (CHANGE).

    EVERYTHING ("", the prefix of every path) for leaders reading and administrators; an officer's
    own agency path; None (no rows at all) for anonymous or inactive users, officers without an
    agency, and leaders asking to change anything.
    """
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_administrator or (action == VIEW and user.sees_everything):
        return EVERYTHING
    if user.is_officer and user.agency_id is not None:
        return user.agency.path
    return None


def in_scope(user, path: str, action: str = VIEW) -> bool:
    """True when the agency at `path` is within what `user` may see (or change)."""
    prefix = scope_path(user, action)
    return prefix is not None and path.startswith(prefix)


def scope_q(user, field: str, action: str = VIEW) -> Q:
    """The scope rule as a Q on `field` (an agency path), for filtered aggregates such as Count(filter=...)."""
    prefix = scope_path(user, action)
    if prefix is None:
        return Q(pk__in=[])
    if prefix == EVERYTHING:
        return Q()
    return Q(**{f"{field}__startswith": prefix})


class ScopedQuerySet(models.QuerySet):
    """A queryset restricted by the one scope rule; subclasses name the agency path field of their rows."""

    scope_field = "agency__path"

    def _within(self, prefix: str | None) -> models.QuerySet:
        if prefix is None:
            return self.none()
        if prefix == EVERYTHING:
            return self.all()
        return self.filter(**{f"{self.scope_field}__startswith": prefix})

    def in_subtree(self, agency) -> models.QuerySet:
        """Rows of the agency and all its descendants: one indexed prefix match on the materialised path."""
        return self.filter(**{f"{self.scope_field}__startswith": agency.path})

    def visible_to(self, user) -> models.QuerySet:
        """The rows `user` may read: out-of-scope rows are 404, never 403."""
        return self._within(scope_path(user, VIEW))

    def editable_by(self, user) -> models.QuerySet:
        """The rows `user` may change: administrators everything, officers their subtree, leaders nothing."""
        return self._within(scope_path(user, CHANGE))


class AgencyQuerySet(ScopedQuerySet):
    scope_field = "path"

    def ancestors_of(self, agency) -> AgencyQuerySet:
        """The agency's ancestors, root first: the breadcrumb (chain after visible_to to keep it in scope)."""
        return self.filter(pk__in=agency.ancestor_ids).order_by("depth")


class StaffQuerySet(ScopedQuerySet):
    def active_on(self, day: datetime.date) -> StaffQuerySet:
        """On the roster on `day`: joined on or before it, and not yet left (left_on is the first day away)."""
        return self.filter(
            Q(joined_on__isnull=True) | Q(joined_on__lte=day),
            Q(left_on__isnull=True) | Q(left_on__gt=day),
        )

    def civil_servants(self) -> StaffQuerySet:
        """CBCCVC: contract workers are kept on the roster but count in no indicator."""
        return self.filter(category__in=self.model.CIVIL_SERVANT_CATEGORIES)

    def search(self, text: str) -> StaffQuerySet:
        """Name or code matches: every word of `text`, accents optional, in the folded name; or the code."""
        words = fold(text).split()
        if not words:
            return self
        by_name = Q()
        for word in words:
            by_name &= Q(name_folded__contains=word)
        return self.filter(by_name | Q(code__icontains=text.strip()))
