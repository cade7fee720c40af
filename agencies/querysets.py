"""Chainable filters for agencies and staff, starting with what a user may see."""
from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q

from sheets.text import fold


class AgencyQuerySet(models.QuerySet):
    def in_subtree(self, agency) -> AgencyQuerySet:
        """The agency and all its descendants: one indexed prefix match on the materialised path."""
        return self.filter(path__startswith=agency.path)

    def same_level_subtree(self, agency) -> AgencyQuerySet:
        return self.in_subtree(agency).filter(level=agency.level)

    def key_agencies(self) -> AgencyQuerySet:
        return self.filter(kind__in=self.model.KEY_KINDS)

    def visible_to(self, user) -> AgencyQuerySet:
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.sees_everything:
            return self.all()
        if user.agency_id is None:
            return self.none()
        return self.filter(path__startswith=user.agency.path)


class StaffQuerySet(models.QuerySet):
    def active_on(self, day: datetime.date) -> StaffQuerySet:
        """On the roster on `day`: joined on or before it, and not yet left (left_on is the first day away)."""
        return self.filter(
            Q(joined_on__isnull=True) | Q(joined_on__lte=day),
            Q(left_on__isnull=True) | Q(left_on__gt=day),
        )

    def civil_servants(self) -> StaffQuerySet:
        """CBCCVC: contract workers are kept on the roster but count in no indicator."""
        return self.filter(category__in=self.model.CIVIL_SERVANT_CATEGORIES)

    def in_subtree(self, agency) -> StaffQuerySet:
        return self.filter(agency__path__startswith=agency.path)

    def visible_to(self, user) -> StaffQuerySet:
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.sees_everything:
            return self.all()
        if user.agency_id is None:
            return self.none()
        return self.filter(agency__path__startswith=user.agency.path)

    def search(self, text: str) -> StaffQuerySet:
        """Name or code matches: every word of `text`, accents optional, in the folded name; or the code."""
        words = fold(text).split()
        if not words:
            return self
        by_name = Q()
        for word in words:
            by_name &= Q(name_folded__contains=word)
        return self.filter(by_name | Q(code__icontains=text.strip()))
