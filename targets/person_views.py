"""The person page and an agency's "who still needs training" menu.

They live in `targets` because they read rosters, training records and indicators together,
and only this app may import all three (agencies and training import nothing above them).
"""
from __future__ import annotations

import datetime

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format

from agencies.access import can_edit_agency_data, get_visible_agency, get_visible_staff
from agencies.listing import paginate
from agencies.models import ChangeRecord
from training.models import Course, TrainingRecord

from .models import Indicator
from .person import current_programme, person_indicators


@login_required
def staff_detail(request, pk):
    staff = get_visible_staff(request.user, pk)
    today = timezone.localdate()
    programme = current_programme()
    records = list(
        TrainingRecord.objects.filter(staff=staff)
        .select_related("course__category")
        .order_by("-course__start_date", "course__code")
    )
    history = paginate(request, ChangeRecord.objects.filter(staff=staff).select_related("user"), per_page=25)
    rows = person_indicators(staff=staff, on=today, programme=programme, records=records)
    ctx = {
        "staff": staff,
        "today": today,
        "programme": programme,
        "records": records,
        "indicator_rows": [(row, _not_counted_url(staff.agency_id, row)) for row in rows],
        "history": history,
        "history_rows": _describe_history(history.object_list, records),
        "can_edit": can_edit_agency_data(request.user, staff.agency),
    }
    return render(request, "targets/staff_detail.html", ctx)


@login_required
def training_needs(request, pk):
    """Links to the list of staff not yet counted, per staff indicator, for one agency's subtree."""
    agency = get_visible_agency(request.user, pk)
    programme = current_programme()
    indicators = (
        list(Indicator.objects.filter(programme=programme, source=Indicator.Source.STAFF).order_by("order", "code"))
        if programme else []
    )
    ctx = {
        "agency": agency,
        "programme": programme,
        "rows": [(indicator, _reverse_or_none("targets:not-counted", agency.pk, indicator.code)) for indicator in indicators],
    }
    return render(request, "targets/training_needs.html", ctx)


def _not_counted_url(agency_id: int, row) -> str | None:
    if row.indicator.source != Indicator.Source.STAFF or not row.in_population or row.counted:
        return None
    return _reverse_or_none("targets:not-counted", agency_id, row.indicator.code)


def _reverse_or_none(name: str, *args) -> str | None:
    # The not-counted page is built on another branch; until it is merged the link is left out.
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _describe_history(
    changes: list[ChangeRecord], records: list[TrainingRecord]
) -> list[tuple[ChangeRecord, str, list[tuple[str, str, str]]]]:
    """Each change with a readable object label and (field label, old, new) rows.

    Stored values are raw (codes, ISO dates, primary keys): choices become their labels, dates
    dd/mm/yyyy, and foreign keys the object's name, looked up in one query per related model.
    """
    fields_of = {change.model: _model_fields(change.model) for change in changes}
    wanted: dict = {}
    for change in changes:
        for name, pair in (change.changes or {}).items():
            field = fields_of[change.model].get(name)
            if field is not None and field.many_to_one:
                wanted.setdefault(field.related_model, set()).update(v for v in _pair(pair) if v is not None)
    names = {
        model: {str(pk): str(obj) for pk, obj in model._base_manager.in_bulk(list(pks)).items()}
        for model, pks in wanted.items()
    }
    courses = {str(record.pk): str(record.course) for record in records}
    rows = []
    for change in changes:
        described = []
        for name, pair in (change.changes or {}).items():
            field = fields_of[change.model].get(name)
            lookup = names.get(field.related_model, {}) if field is not None and field.many_to_one else {}
            old, new = _pair(pair)
            described.append((str(getattr(field, "verbose_name", name)),
                              lookup.get(str(old)) or _display(field, old), lookup.get(str(new)) or _display(field, new)))
        rows.append((change, _object_label(change, courses, names), described))
    return rows


def _object_label(change: ChangeRecord, courses: dict[str, str], names: dict) -> str:
    # A training record's own text is ids ("12 @ 5: passed"): name its course instead, from the
    # person's records, or from the change itself once the record is gone.
    if change.model != TrainingRecord._meta.label:
        return change.object_repr
    course = courses.get(change.object_id)
    if course is None:
        course_id = _pair((change.changes or {}).get("course"))[1]
        course = names.get(Course, {}).get(str(course_id), "")
    return f"{TrainingRecord._meta.verbose_name}: {course}" if course else str(TrainingRecord._meta.verbose_name)


def _model_fields(label: str) -> dict:
    try:
        return {field.name: field for field in apps.get_model(label)._meta.get_fields()}
    except (LookupError, ValueError):
        return {}


def _pair(pair) -> tuple:
    return tuple(pair) if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair)


def _display(field, value) -> str:
    if value is None or value == "":
        return "—"
    choices = dict(getattr(field, "flatchoices", None) or [])
    if isinstance(value, str) and value in choices:
        return str(choices[value])
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, str) and len(value) == 10:
        try:
            return date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")
        except ValueError:
            pass
    return str(value)
