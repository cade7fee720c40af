"""The add-participants filter "still needed for indicator X", registered with training.needs (targets/apps.py).

Every rule comes from targets.counting: the population, "counted by D" and the key-agency
membership are the ones the engine and the not-counted lists use (`not_counted_among`).
"""
from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from agencies.models import Agency

from .counting import (
    IndicatorDefinition,
    NoProgramme,
    configuration,
    current_definitions,
    key_member_ids,
    not_counted_among,
)
from .models import Indicator


def _offered(definition: IndicatorDefinition) -> bool:
    # Only indicators a course can move: people counted by their training. The people an indicator
    # of qualifications (a university degree) still needs would not count for it after any course,
    # and indicators of key agencies count agencies, not people.
    return definition.counts_people and definition.rule == Indicator.Rule.TRAINED


class IndicatorNeeds:
    """Filters "indicator:<code>": people of the indicator's population, active and not counted on the day."""

    name = "indicator"

    def choices(self) -> list[tuple[str, str]]:
        try:
            definitions = current_definitions()
        except NoProgramme:
            return []
        return [(d.code, _("Still needed for %(indicator)s") % {"indicator": d.localized_name})
                for d in definitions if _offered(d)]

    def narrow(self, qs: QuerySet, key: str, *, on: datetime.date, within: Agency | None) -> QuerySet:
        try:
            config = configuration()
        except NoProgramme:
            return qs.none()
        basis = config.basis
        definition = next((d for d in config.definitions if d.code == key and _offered(d)), None)
        if definition is None:
            return qs.none()  # the indicator went away between the form's check and the search
        # Key-agency membership depends on the ancestors of the subtree searched, so it is worked out
        # for that subtree (one query), as the not-counted list does for its agency.
        members = key_member_ids(within) if definition.key_agencies_only else None
        return not_counted_among(qs, definition=definition, as_of=on, basis=basis, members=members)
