"""Finding people to put on a course: who may be added, who still needs the course, and pasted lists.

Every function runs a fixed number of queries whatever the number of people.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from agencies.models import Agency, Staff, User
from sheets.text import fold

from . import needs
from .models import Course, FirstPass, PassCutoff, TrainingRecord

NEEDED, UNTRAINED = "needed", "untrained"
# A pasted column longer than this is cut: a class list, not a roster.
PASTE_LIMIT = 500


def editable_courses(*, user: User) -> QuerySet:
    """The courses this user may put people on: every course for administrators, their subtree's for officers."""
    return Course.objects.editable_by(user)


def candidate_base(*, user: User, course: Course) -> QuerySet:
    """People the user may put on this course: their editable subtree, not already on it."""
    return Staff.objects.editable_by(user).select_related("agency").exclude(training_records__course=course)


def with_standing(qs: QuerySet, *, course: Course) -> QuerySet:
    """Annotate `counted` (already passed a course of this category, from the start of the programme
    the course belongs to) and `trained` (on any course at all)."""
    cutoff = PassCutoff.objects.filter(counted_from__lte=course.start_date).order_by("-counted_from").first()
    counted = FirstPass.objects.filter(staff_id=OuterRef("pk"), category_id=course.category_id, cutoff=cutoff)
    return qs.annotate(counted=Exists(counted) if cutoff is not None else Value(False, output_field=BooleanField()),
                       trained=Exists(TrainingRecord.objects.filter(staff_id=OuterRef("pk"))))


def candidates(*, user: User, course: Course, q: str = "", unit: Agency | None = None, include_left: bool = False,
               need: str = "") -> QuerySet:
    """The people matching a search, each with their standing for the course (with_standing).

    `need` narrows them to NEEDED (counted in some indicator's population, CBCCVC, and not yet
    counted for this course's category), UNTRAINED (on no course yet), or a filter of training.needs
    ("indicator:<code>": in that indicator's population today and not counted for it).
    """
    qs = with_standing(candidate_base(user=user, course=course).search(q), course=course)
    if unit is not None:
        qs = qs.in_subtree(unit)
    if not include_left:
        qs = qs.filter(Q(left_on__isnull=True) | Q(left_on__gt=timezone.localdate()))
    if need == NEEDED:
        qs = qs.civil_servants().filter(counted=False)
    elif need == UNTRAINED:
        qs = qs.filter(trained=False)
    elif need:
        if not needs.is_provided(need):
            raise ValueError(f"Unknown filter {need!r}")
        # The subtree searched: the unit chosen, else the officer's own (administrators: everything).
        within = unit if unit is not None else (None if user.is_administrator else user.agency)
        qs = needs.narrow(qs, need, on=timezone.localdate(), within=within)
    return qs.order_by("agency__path", "name_folded", "pk")


@dataclass
class PastedMatch:
    """A pasted column of codes or names, matched: the people found, and each line not matched with why."""

    people: list[Staff] = field(default_factory=list)
    already_on_course: list[Staff] = field(default_factory=list)
    unmatched: list[tuple[str, str]] = field(default_factory=list)  # (line, reason key: "unknown" or "ambiguous")
    cut: bool = False


def match_pasted(*, user: User, course: Course, text: str) -> PastedMatch:
    """Match each line (a staff code, or a full name typed with or without accents) to one person of the
    user's editable subtree. A name shared by several people is not guessed: its line is listed."""
    lines = list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))
    result = PastedMatch(cut=len(lines) > PASTE_LIMIT)
    lines = lines[:PASTE_LIMIT]
    scope = Staff.objects.select_related("agency")
    if not user.is_administrator:
        scope = scope.in_subtree(user.agency)
    scope = with_standing(scope, course=course).annotate(
        on_course=Exists(TrainingRecord.objects.filter(staff_id=OuterRef("pk"), course=course)))
    codes = {line.upper() for line in lines}
    names = {fold(line) for line in lines}
    found = list(scope.filter(Q(code__in=codes) | Q(name_folded__in=names)))
    by_code = {person.code: person for person in found}
    by_name: dict[str, list[Staff]] = {}
    for person in found:
        by_name.setdefault(person.name_folded, []).append(person)
    chosen: dict[int, Staff] = {}
    for line in lines:
        person = by_code.get(line.upper())
        if person is None:
            namesakes = by_name.get(fold(line), [])
            if len(namesakes) > 1:
                result.unmatched.append((line, "ambiguous"))
                continue
            person = namesakes[0] if namesakes else None
        if person is None:
            result.unmatched.append((line, "unknown"))
        elif person.on_course:
            result.already_on_course.append(person)
        else:
            chosen.setdefault(person.pk, person)
    result.people = list(chosen.values())
    return result
