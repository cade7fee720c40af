"""get_FOO_display without rebuilding the field's choices on every call.

Django's builds a dictionary of all the field's choices for each call; a list page calls it for
every row and column (half the CPU of the agency list went there). The labels stay lazy: each call
still gives the active language's.
"""
from __future__ import annotations

from functools import cache

from django.db import models
from django.utils.encoding import force_str


@cache
def _labels(field: models.Field) -> dict:
    return dict(field.flatchoices)


class ChoiceLabels(models.Model):
    """Abstract base of the models whose lists show choice labels row after row."""

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        try:
            label = _labels(field).get(value, value)
        except TypeError:  # an unhashable value: Django's own way
            return super()._get_FIELD_display(field)
        return force_str(label, strings_only=True)
