"""Every query of the attainment engine, and each counting rule of indicators.md written once.

The rules are Q builders and expressions on Staff: "active on D" (`active_on`), "a civil servant"
(`civil_servant`), "in an indicator's population" (`population`), and "qualifying by D", read from one
expression, the date a person first qualified for a set of categories (`first_qualified`): a person
counts on D when that date is on or before D. The engine (`staff_counts`), the not-counted lists
(`not_counted_staff`, with the reason of each person) and the person page (`person_facts`) all build
on them; targets/attainment.py turns the counts into results, roll-ups and rows.

Counting is by events: a person's figure on any date follows from when they joined, left and first
qualified. `staff_counts` groups the people of each agency by the *bucket* of each event (the first
chosen date on or after it) in one query, and running sums over the buckets give every trend date at
once. A dated change of agency would be one more event column (the bucket from which a person counts
elsewhere); the portal keeps no such history yet (indicators.md, "Transfers").
"""
from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from itertools import accumulate
from operator import itemgetter
from types import MappingProxyType
from typing import NamedTuple

from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextChoices,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Staff
from training.models import CourseCategory, FirstPass, PassCutoff, TrainingRecord, localized

from .expressions import Bucket, Packed, packs, unpack
from .models import AggregateReport, Indicator, Programme
from .results import cached_configuration
from .rules import TargetSpec


class NoProgramme(Exception):
    """No programme is marked current: nothing to measure."""


class UnknownIndicator(Exception):
    """No indicator of the current programme has this code."""


# --- what is counted ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CountingBasis:
    """The current programme with what "qualifying" reads: its start, the PassCutoff kept for that
    start (None: read the records), and how many course categories exist (an indicator listing that
    many counts every category, and reads the one-row-per-person FirstPassAny)."""

    programme: Programme
    start: datetime.date
    cutoff_id: int | None
    category_total: int

    def counts_every_category(self, category_ids: Sequence[int]) -> bool:
        # Data-driven: categories are unique per indicator, so as many as exist means all of them.
        return self.cutoff_id is not None and bool(category_ids) and len(category_ids) == self.category_total


@dataclass(frozen=True)
class IndicatorDefinition:
    """An Indicator row read with its categories and targets (two prefetch queries in all)."""

    id: int
    code: str
    name: str
    source: str
    rule: str
    levels: tuple[str, ...]
    staff_flag: str
    key_agencies_only: bool
    category_ids: tuple[int, ...]
    qualifications: tuple[str, ...]
    targets: tuple[TargetSpec, ...]
    name_en: str = ""

    @property
    def localized_name(self) -> str:
        return localized(self.name, self.name_en)

    @property
    def counts_people(self) -> bool:
        return self.source == Indicator.Source.STAFF


def current_programme() -> Programme:
    programme = Programme.objects.filter(is_current=True).first()
    if programme is None:
        raise NoProgramme
    return programme


@dataclass(frozen=True)
class Configuration:
    """What every computation reads first: the counting basis and the indicators' definitions."""

    basis: CountingBasis
    definitions: tuple[IndicatorDefinition, ...]


def configuration() -> Configuration:
    """The current programme's configuration, cached under its own version (targets.results): one query
    when already read, however many rosters and results were saved since. NoProgramme without one."""
    return cached_configuration(_read_configuration)


def _read_configuration() -> Configuration:
    basis = _read_basis()
    return Configuration(basis=basis, definitions=tuple(indicator_definitions(basis.programme)))


def counting_basis() -> CountingBasis:
    return configuration().basis


def current_definitions() -> list[IndicatorDefinition]:
    """The current programme's indicators in their order (NoProgramme without one)."""
    return list(configuration().definitions)


def _read_basis() -> CountingBasis:
    """The current programme and what its counting reads, in one query."""
    cutoff = PassCutoff.objects.filter(counted_from=OuterRef("start_date")).values("pk")[:1]
    category_total = CourseCategory.objects.order_by().annotate(total=Func(F("pk"), function="COUNT")).values("total")
    programme = (
        Programme.objects.filter(is_current=True)
        .annotate(cutoff_pk=Subquery(cutoff), category_total=Subquery(category_total))
        .first()
    )
    if programme is None:
        raise NoProgramme
    return CountingBasis(programme=programme, start=programme.start_date, cutoff_id=programme.cutoff_pk,
                         category_total=programme.category_total)


def indicator_definitions(programme: Programme) -> list[IndicatorDefinition]:
    """The programme's indicators in their order: 3 queries."""
    indicators = (
        Indicator.objects.filter(programme=programme).order_by("order", "code").prefetch_related("categories", "targets")
    )
    return [
        IndicatorDefinition(
            id=i.pk, code=i.code, name=i.name, source=i.source, rule=i.rule,
            levels=tuple(i.levels or ()), staff_flag=i.staff_flag or "", key_agencies_only=i.key_agencies_only,
            category_ids=tuple(sorted(c.pk for c in i.categories.all())),
            qualifications=tuple(sorted(i.qualifications or ())),
            targets=tuple(TargetSpec(year=t.year, op=t.op, percent=t.percent) for t in i.targets.all()),
            name_en=i.name_en,
        )
        for i in indicators
    ]


def indicator_definition(code: str) -> IndicatorDefinition:
    for definition in current_definitions():
        if definition.code == code:
            return definition
    raise UnknownIndicator(code)


# --- the agency tree ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AgencyNode:
    """The fields of an agency the computation needs, read once per call."""

    id: int
    code: str
    name: str
    level: str
    kind: str
    path: str
    parent_id: int | None
    depth: int

    @property
    def is_key(self) -> bool:
        return self.kind in Agency.KEY_KINDS

    @cached_property
    def lineage_ids(self) -> list[int]:
        """Ancestors and self, root first: the path segments are the zero-padded primary keys."""
        return [int(segment) for segment in self.path.split("/") if segment]


NODE_FIELDS = ("id", "code", "name", "level", "kind", "path", "parent_id", "depth")


def agency_nodes(within: Agency | None, *, whole_branch: bool = False) -> dict[int, AgencyNode]:
    """Every agency (or the subtree of `within` and its ancestors, which decide key-agency membership;
    with `whole_branch`, the whole branch holding `within`, agencies.versioning.branch_of)."""
    qs = Agency.objects.all()
    if within is not None:
        segments = [s for s in within.path.split("/") if s]
        ancestor_ids = [int(s) for s in segments]
        prefix = "".join(f"{s}/" for s in segments[:2]) if whole_branch else within.path
        qs = qs.filter(Q(path__startswith=prefix) | Q(pk__in=ancestor_ids))
    return {row[0]: AgencyNode(*row) for row in qs.order_by("path").values_list(*NODE_FIELDS)}


def key_owners(nodes: dict[int, AgencyNode]) -> dict[int, list[int]]:
    """For each agency, the key agencies whose same-level subtree holds it (itself included).

    The rule of "key agencies' same-level subtrees" (indicators.md), for the engine, the lists and the
    person page: levels only go down the tree, so a same-level key ancestor's subtree holds the agency.
    """
    return {
        node.id: [pk for pk in node.lineage_ids if pk in nodes and nodes[pk].is_key and nodes[pk].level == node.level]
        for node in nodes.values()
    }


def key_agency_of(agency: Agency) -> AgencyNode | None:
    """The nearest key agency whose same-level subtree holds `agency`, if any (one query)."""
    ids = [int(s) for s in agency.path.split("/") if s]
    nodes = {row["id"]: AgencyNode(**row) for row in Agency.objects.filter(pk__in=ids).values(*NODE_FIELDS)}
    owners = key_owners(nodes).get(agency.pk, [])
    return nodes[owners[-1]] if owners else None


# --- the rules, once ---------------------------------------------------------------------------


def active_on(day: datetime.date, prefix: str = "") -> Q:
    """On the roster on `day`: joined on or before it, and not yet left (left_on is the first day away)."""
    return (
        (Q(**{f"{prefix}joined_on__isnull": True}) | Q(**{f"{prefix}joined_on__lte": day}))
        & (Q(**{f"{prefix}left_on__isnull": True}) | Q(**{f"{prefix}left_on__gt": day}))
    )


def civil_servant(prefix: str = "") -> Q:
    """CBCCVC: contract workers are kept on the roster but count in no indicator."""
    return Q(**{f"{prefix}category__in": Staff.CIVIL_SERVANT_CATEGORIES})


def flagged(flag: str, prefix: str = "") -> Q:
    return Q(**{f"{prefix}{flag}": True}) if flag else Q()


def holds_qualification(qualifications: Iterable[str]) -> Q:
    return Q(it_qualification__in=list(qualifications))


def population(definition: IndicatorDefinition, key_member_ids: Iterable[int] | None = None) -> Q:
    """Who an indicator of people counts among, apart from the date: CBCCVC, at its levels, with its flag,
    in key agencies' same-level subtrees when it says so (`key_member_ids`: those agencies)."""
    q = civil_servant() & flagged(definition.staff_flag)
    if definition.levels:
        q &= Q(agency__level__in=definition.levels)
    if definition.key_agencies_only:
        q &= Q(agency_id__in=list(key_member_ids or ()))
    return q


def qualifying_records(category_ids: Iterable[int], basis: CountingBasis) -> QuerySet:
    """Passed records in these categories completed from the programme start on: by D, those up to D."""
    return TrainingRecord.objects.passed().filter(
        completed_on__gte=basis.start, course__category_id__in=list(category_ids),
    )


def _firsts(category_ids: Sequence[int], basis: CountingBasis) -> QuerySet:
    """The outer Staff row's first qualifying date in these categories, as `first` (no row: never)."""
    if basis.cutoff_id is not None:
        qs = FirstPass.objects.filter(staff_id=OuterRef("pk"), cutoff_id=basis.cutoff_id,
                                      category_id__in=list(category_ids))
    else:
        qs = qualifying_records(category_ids, basis).filter(staff_id=OuterRef("pk"))
    return qs.order_by().values("staff_id").annotate(first=Min(_first_field(basis)))


def _first_field(basis: CountingBasis) -> str:
    return "first_on" if basis.cutoff_id is not None else "completed_on"


def first_qualified(category_ids: Sequence[int], basis: CountingBasis) -> Subquery:
    """The date a person (the outer Staff row) first qualified in these categories, or NULL.

    "Qualifying by D" is this date ≤ D. Read from FirstPass (kept from the records by
    training.passes for the programme's start) when the programme has its cutoff, else from the records.
    """
    return Subquery(_firsts(category_ids, basis).values("first")[:1])


def counted_by(definition: IndicatorDefinition, day: datetime.date, basis: CountingBasis) -> Q:
    """An indicator's counting rule for one person of its population on `day`."""
    if definition.rule == Indicator.Rule.QUALIFIED:
        return holds_qualification(definition.qualifications)
    if definition.rule == Indicator.Rule.HAS_QUALIFIED_IT_STAFF:
        return flagged(Indicator.StaffFlag.IT_STAFF.value) & holds_qualification(definition.qualifications)
    if definition.rule == Indicator.Rule.HAS_CIO:
        return Q(is_cio=True)
    if not definition.category_ids:
        return Q(pk__in=[])  # a trained indicator listing no category counts nobody
    if basis.cutoff_id is not None:
        passes = FirstPass.objects.filter(staff_id=OuterRef("pk"), cutoff_id=basis.cutoff_id,
                                          category_id__in=definition.category_ids, first_on__lte=day)
    else:
        passes = qualifying_records(definition.category_ids, basis).filter(staff_id=OuterRef("pk"),
                                                                            completed_on__lte=day)
    return Q(Exists(passes))


# --- the engine's counts -----------------------------------------------------------------------


class Measure(NamedTuple):
    """One count per agency and date; indicators sharing a measure share its column.

    POPULATION counts the active CBCCVC with the flag; TRAINED and QUALIFIED the part of that
    population that first qualified in `category_ids` by the date, or holds one of `qualifications`.
    (A NamedTuple rather than a dataclass: it is a dictionary key hashed thousands of times a page.)
    """

    kind: str
    flag: str
    category_ids: tuple[int, ...] = ()
    qualifications: tuple[str, ...] = ()


POPULATION, TRAINED, QUALIFIED = "population", "trained", "qualified"


def population_measure(definition: IndicatorDefinition) -> Measure:
    return Measure(POPULATION, definition.staff_flag)


def counted_measure(definition: IndicatorDefinition) -> Measure:
    if definition.rule == Indicator.Rule.TRAINED:
        return Measure(TRAINED, definition.staff_flag, category_ids=definition.category_ids)
    if definition.rule == Indicator.Rule.QUALIFIED:
        return Measure(QUALIFIED, definition.staff_flag, qualifications=definition.qualifications)
    if definition.rule == Indicator.Rule.HAS_CIO:
        return Measure(POPULATION, Indicator.StaffFlag.CIO.value)
    if definition.rule == Indicator.Rule.HAS_QUALIFIED_IT_STAFF:
        return Measure(QUALIFIED, Indicator.StaffFlag.IT_STAFF.value, qualifications=definition.qualifications)
    raise ValueError(f"Unknown rule {definition.rule!r} for a counted indicator")


# counts[agency_id][measure][i]: how many people of the agency itself (not its subtree) on dates[i].
Counts = dict[int, dict[Measure, list[int]]]


def _first_qualified_bucket(category_ids: Sequence[int], basis: CountingBasis, dates: Sequence[datetime.date]):
    """The bucket of `first_qualified`, computed inside its subquery so that the lookup runs once a person."""
    firsts = _firsts(category_ids, basis).annotate(bucket=Bucket(Min(_first_field(basis)), dates, when_null=len(dates)))
    return Coalesce(Subquery(firsts.values("bucket")[:1]), Value(len(dates)))


def _as_int(q: Q) -> Case:
    return Case(When(q, then=Value(1)), default=Value(0), output_field=IntegerField())


def staff_counts(
    *, measures: Sequence[Measure], dates: Sequence[datetime.date], basis: CountingBasis, within: Agency | None,
    agency_ids: Sequence[int] | None = None,
) -> Counts:
    """For each agency, each measure counted on each date, from one grouped query over the events.

    Each person lands in one group of (agency, the buckets of joining, leaving and first qualifying
    in each measure's categories, the flags and qualifications the measures test), those parts packed
    into one number; a measure counts a group from its start bucket (joined, and qualified for
    TRAINED) until its leaving bucket, added up as running sums over the dates. Rows grow with
    agencies × distinct bucket combinations, not with people.
    """
    if not measures:
        return {}
    days = tuple(dates)
    if list(days) != sorted(set(days)):
        raise ValueError("staff_counts needs distinct dates in order")
    n = len(days)
    query = _grouping_query(tuple(measures), days, basis, within.path if within is not None else None,
                            tuple(agency_ids) if agency_ids is not None else None, Staff.objects.db)
    # Read with a plain cursor: Django's per-row converters cost more than the query at 7,000 groups.
    with connections[Staff.objects.db].cursor() as cursor:
        cursor.execute(query.sql, query.params)
        rows = cursor.fetchall()
    at, packing, radices = query.at, query.packing, query.radices
    qualification_sets, category_sets = query.qualification_sets, query.category_sets

    plans = [_MeasurePlan(
        flag=at[m.flag] if m.flag else None,
        qualified=at[f"q{qualification_sets.index(m.qualifications)}"] if m.kind == QUALIFIED else None,
        first=at[f"f{category_sets.index(m.category_ids)}"] if m.kind == TRAINED and m.category_ids else None,
        nobody=m.kind == TRAINED and not m.category_ids,  # a trained measure of no category counts nobody
    ) for m in measures]
    joined_at, left_at = at["joined"], at["left"]

    def moves(key: tuple[int, ...]) -> list[tuple[int, int, int]]:
        """What a group of this packed key adds: (measure, the bucket it starts counting, the bucket it stops)."""
        group = unpack(key, packing, radices)
        joined, left = group[joined_at], group[left_at]
        found = []
        for k, plan in enumerate(plans):
            if plan.nobody or (plan.flag is not None and not group[plan.flag]) or (
                    plan.qualified is not None and not group[plan.qualified]):
                continue
            start = joined if plan.first is None else max(joined, group[plan.first])
            if start < left:
                found.append((k, start, left))
        return found

    # Many agencies share each key: what a key adds is worked out once.
    moves_of: dict[tuple[int, ...], list[tuple[int, int, int]]] = {}
    key_of = itemgetter(*range(1, len(packing) + 1))
    single_key = len(packing) == 1
    # steps[agency_id][k]: +people at the bucket where a group starts counting for measure k, -people
    # where it stops; the running sum gives each date's count.
    steps: dict[int, list[list[int] | None]] = {}
    for row in rows:
        key = (key_of(row),) if single_key else key_of(row)
        todo = moves_of.get(key)
        if todo is None:
            todo = moves_of[key] = moves(key)
        if not todo:
            continue
        per_measure = steps.get(row[0])
        if per_measure is None:
            per_measure = steps[row[0]] = [None] * len(measures)
        people = row[-1]
        for k, start, left in todo:
            measure_steps = per_measure[k]
            if measure_steps is None:
                measure_steps = per_measure[k] = [0] * (n + 1)
            measure_steps[start] += people
            measure_steps[left] -= people

    zeros = [0] * n
    return {
        agency_id: {m: (list(accumulate(s[:n])) if s is not None else zeros) for m, s in zip(measures, per_measure, strict=True)}
        for agency_id, per_measure in steps.items()
    }


class _GroupingQuery(NamedTuple):
    """staff_counts' SQL, and where each part of a group sits in its packed key (shared by every call
    with the same arguments, so nothing in it can be changed)."""

    sql: str
    params: tuple
    at: Mapping[str, int]
    packing: tuple[tuple[int, ...], ...]
    radices: tuple[int, ...]
    qualification_sets: tuple[tuple[str, ...], ...]
    category_sets: tuple[tuple[int, ...], ...]


@lru_cache(maxsize=128)
def _grouping_query(measures: tuple[Measure, ...], days: tuple[datetime.date, ...], basis: CountingBasis,
                    within_path: str | None, agency_ids: tuple[int, ...] | None, db: str) -> _GroupingQuery:
    """The grouped query of staff_counts, a pure function of its arguments, so kept per process: building
    and compiling its dozens of CASE branches takes about 4 ms of CPU, where PostgreSQL counts a
    district of the demo province again after a save in 3 ms."""
    n = len(days)
    flags = sorted({m.flag for m in measures if m.flag})
    qualification_sets = sorted({m.qualifications for m in measures if m.kind == QUALIFIED})
    category_sets = sorted({m.category_ids for m in measures if m.kind == TRAINED and m.category_ids})

    qs = Staff.objects.using(db).filter(civil_servant()).filter(
        # Nobody who left by the first date or joined after the last can count on any of them.
        Q(left_on__isnull=True) | Q(left_on__gt=days[0]), Q(joined_on__isnull=True) | Q(joined_on__lte=days[-1]),
    )
    if within_path is not None:
        qs = qs.filter(agency__path__startswith=within_path)
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=list(agency_ids))
    # The parts of a group, each a whole number below its radix.
    parts: dict[str, tuple[object, int]] = {
        "joined": (Bucket("joined_on", days, when_null=0), n + 1),
        "left": (Bucket("left_on", days, when_null=n), n + 1),
    }
    for flag in flags:
        parts[flag] = (_as_int(flagged(flag)), 2)
    for number, qualifications in enumerate(qualification_sets):
        parts[f"q{number}"] = (_as_int(holds_qualification(qualifications)), 2)
    for number, category_ids in enumerate(category_sets):
        if basis.counts_every_category(category_ids):
            # Everyone's first pass in any category: one row per person, joined rather than looked up.
            qs = qs.annotate(first_any=FilteredRelation(
                "first_passes_any", condition=Q(first_passes_any__cutoff_id=basis.cutoff_id)))
            bucket = Bucket("first_any__first_on", days, when_null=n)
        else:
            bucket = _first_qualified_bucket(category_ids, basis, days)
        # Only the people a measure of these categories looks at (dedicated IT staff, leaders: a tenth
        # of a roster) need their passes looked up; the others wait in the last bucket.
        measure_flags = {m.flag for m in measures if m.kind == TRAINED and m.category_ids == category_ids}
        if "" not in measure_flags:
            looked_at = Q()
            for flag in sorted(measure_flags):
                looked_at |= flagged(flag)
            bucket = Case(When(looked_at, then=bucket), default=Value(n), output_field=IntegerField())
        parts[f"f{number}"] = (bucket, n + 1)

    at = {name: i for i, name in enumerate(parts)}
    radices = [radix for _expression, radix in parts.values()]
    packing = packs(radices)
    expressions = list(parts.values())
    keys = {f"key{i}": Packed([expressions[p] for p in positions]) for i, positions in enumerate(packing)}
    groups = qs.annotate(**keys).order_by().values("agency_id", *keys).annotate(people=Count("id"))
    groups = groups.values_list("agency_id", *keys, "people")
    sql, params = groups.query.sql_with_params()
    return _GroupingQuery(sql=sql, params=tuple(params), at=MappingProxyType(at),
                          packing=tuple(tuple(positions) for positions in packing), radices=tuple(radices),
                          qualification_sets=tuple(qualification_sets), category_sets=tuple(category_sets))


class _MeasurePlan(NamedTuple):
    """Where staff_counts finds a measure's tests in a group row (positions, or None: no such test)."""

    flag: int | None
    qualified: int | None
    first: int | None
    nobody: bool


def report_rows(definitions: Sequence[IndicatorDefinition], last_year: int, within: Agency | None) -> list[dict]:
    """The reported indicators' reports up to `last_year` (in `within`'s subtree), oldest first: one query."""
    ids = [d.id for d in definitions if d.source == Indicator.Source.REPORTS]
    if not ids:
        return []
    qs = AggregateReport.objects.filter(indicator_id__in=ids, year__lte=last_year)
    if within is not None:
        qs = qs.filter(agency__path__startswith=within.path)
    return list(qs.order_by("year").values("indicator_id", "agency_id", "year", "numerator", "denominator"))


# --- who is not counted, and why ---------------------------------------------------------------


class Reason(TextChoices):
    """Why a person of an indicator's population does not count yet on a date (the first that applies)."""

    TRAINED_AFTER = "trained_after", _("passed after this date")
    OTHER_CATEGORY = "other_category", _("passed a course of a category that does not count")
    BEFORE_START = "before_start", _("passed before the programme start")
    FAILED = "failed", _("failed")
    ABSENT = "absent", _("absent")
    PENDING = "pending", _("result not entered yet")
    NEVER_TRAINED = "never_trained", _("never trained")
    NOT_QUALIFIED = "not_qualified", _("IT qualification does not count")


def _reason(definition: IndicatorDefinition, day: datetime.date, basis: CountingBasis) -> Case:
    """The Reason of each not-counted person, from the same records the counting rule reads."""
    if definition.rule != Indicator.Rule.TRAINED:
        return Case(default=Value(Reason.NOT_QUALIFIED.value))
    own = TrainingRecord.objects.filter(staff_id=OuterRef("pk"))
    in_categories = own.filter(course__category_id__in=list(definition.category_ids))
    passed = in_categories.filter(result=TrainingRecord.Result.PASSED)
    return Case(
        When(Exists(passed.filter(completed_on__gt=day)), then=Value(Reason.TRAINED_AFTER.value)),
        When(Exists(own.passed().filter(completed_on__gte=basis.start, completed_on__lte=day)),
             then=Value(Reason.OTHER_CATEGORY.value)),
        When(Exists(passed.filter(completed_on__lt=basis.start)), then=Value(Reason.BEFORE_START.value)),
        When(Exists(in_categories.filter(result=TrainingRecord.Result.FAILED)), then=Value(Reason.FAILED.value)),
        When(Exists(in_categories.filter(result=TrainingRecord.Result.ABSENT)), then=Value(Reason.ABSENT.value)),
        When(Exists(in_categories.filter(result=TrainingRecord.Result.PENDING)), then=Value(Reason.PENDING.value)),
        default=Value(Reason.NEVER_TRAINED.value),
    )


def key_member_ids(agency: Agency | None) -> list[int]:
    """The agencies of `agency`'s subtree (None: of the whole tree) inside some key agency's same-level
    subtree (one query)."""
    nodes = agency_nodes(agency)
    owners = key_owners(nodes)
    prefix = agency.path if agency is not None else ""
    return [pk for pk, keys in owners.items() if keys and nodes[pk].path.startswith(prefix)]


def not_counted_among(qs: QuerySet, *, definition: IndicatorDefinition, as_of: datetime.date, basis: CountingBasis,
                      members: Iterable[int] | None) -> QuerySet:
    """The people of `qs` in an indicator's population on `as_of` who do not count for it yet: the rule of
    the not-counted lists and of the add-participants filter (`members`: key_member_ids of the subtree
    searched, for an indicator of key agencies only)."""
    return qs.filter(population(definition, members) & active_on(as_of)).exclude(counted_by(definition, as_of, basis))


def not_counted_staff(*, definition: IndicatorDefinition, agency: Agency, as_of: datetime.date) -> QuerySet:
    """The people of an indicator's population in `agency`'s subtree who do not count yet on `as_of`,
    each annotated with `reason` (a Reason value).

    Its size is the subtree's denominator minus its numerator. A queryset, so that the page can
    paginate and filter it; it runs as one query (plus one for the programme and one for the
    key-agency membership).
    """
    if not definition.counts_people:
        raise ValueError("Only staff indicators list people.")
    basis = counting_basis()
    members = key_member_ids(agency) if definition.key_agencies_only else None
    qs = not_counted_among(Staff.objects.in_subtree(agency), definition=definition, as_of=as_of, basis=basis,
                           members=members)
    return qs.annotate(reason=_reason(definition, as_of, basis))


# --- one person --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonStanding:
    """One indicator seen from one person on a date, by the rules above."""

    definition: IndicatorDefinition
    active: bool
    in_population: bool
    counted: bool
    reason: str  # a Reason value when in the population and not counted, else ""


def person_standings(*, staff: Staff, on: datetime.date) -> list[PersonStanding]:
    """For every staff and key-agency indicator of the current programme, where `staff` stands on `on`:
    the same population, counting and reason expressions the engine and the lists use, evaluated for
    this one person (plus the programme, the definitions and the key agency): one query for the
    populations and counting, and one for the reasons of the indicators that do not count the person.
    Indicators sharing a rule and categories share its expressions, each evaluated once."""
    config = configuration()
    basis = config.basis
    definitions = tuple(d for d in config.definitions if d.source != Indicator.Source.REPORTS)
    in_key_agency = key_agency_of(staff.agency) is not None
    query, names = _standings_query(definitions, on, basis, in_key_agency, Staff.objects.db)
    facts = query.run(staff)

    standings = []
    unexplained: list[tuple[int, IndicatorDefinition]] = []  # (position in standings, definition)
    for definition, (in_name, counted_name) in zip(definitions, names, strict=True):
        in_population = bool(facts["active"] and facts[in_name])
        counted = in_population and bool(facts[counted_name])
        if definition.counts_people and in_population and not counted:
            unexplained.append((len(standings), definition))
        standings.append(PersonStanding(definition=definition, active=bool(facts["active"]),
                                        in_population=in_population, counted=counted, reason=""))
    if unexplained:
        query, reason_names = _reasons_query(tuple(d for _position, d in unexplained), on, basis, Staff.objects.db)
        found = query.run(staff)
        for (position, _definition), name in zip(unexplained, reason_names, strict=True):
            standings[position] = replace(standings[position], reason=found[name])
    return standings


# The one-person queries are built for a stand-in person and kept per process, then run for each person
# with the stand-in's ids replaced by theirs: building and compiling their dozens of rule expressions
# took about 7 ms of CPU, half of the person page. No real id is negative.
STAND_IN_STAFF, STAND_IN_AGENCY = -19651, -19652


class _PersonQuery(NamedTuple):
    sql: str
    params: tuple
    columns: tuple[str, ...]
    db: str

    @classmethod
    def of(cls, annotations: dict, db: str) -> _PersonQuery:
        """The stand-in's row with these annotations as its columns."""
        qs = Staff.objects.using(db).filter(pk=STAND_IN_STAFF).annotate(**annotations).values(*annotations)
        sql, params = qs.query.sql_with_params()
        return cls(sql=sql, params=tuple(params), columns=tuple(qs.query.annotation_select), db=db)

    def run(self, staff: Staff) -> dict[str, object]:
        """The query's one row for `staff`, by column name."""
        params = [staff.pk if p == STAND_IN_STAFF else staff.agency_id if p == STAND_IN_AGENCY else p
                  for p in self.params]
        with connections[self.db].cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        if row is None:
            raise Staff.DoesNotExist
        return dict(zip(self.columns, row, strict=True))


class _SharedColumns:
    """A one-person query's annotations, one per rule: indicators sharing a rule (and its categories)
    share its column, so each expression is evaluated once."""

    def __init__(self, **annotations):
        self.annotations = dict(annotations)
        self._names: dict[tuple, str] = {}

    def name(self, prefix: str, rule_key: tuple, build) -> str:
        if rule_key not in self._names:
            self._names[rule_key] = f"{prefix}{len(self._names)}"
            self.annotations[self._names[rule_key]] = build()
        return self._names[rule_key]


def _as_bool(q: Q) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())


@lru_cache(maxsize=64)
def _standings_query(definitions: tuple[IndicatorDefinition, ...], on: datetime.date, basis: CountingBasis,
                     in_key_agency: bool, db: str) -> tuple[_PersonQuery, tuple[tuple[str, str], ...]]:
    """Whether the stand-in is active, and for each definition the columns saying whether they are in its
    population and whether they count."""
    members = [STAND_IN_AGENCY] if in_key_agency else []
    columns = _SharedColumns(active=_as_bool(active_on(on)))
    names = []
    for definition in definitions:
        if definition.counts_people:
            in_population = columns.name("in", ("population", definition.staff_flag, definition.levels,
                                                definition.key_agencies_only),
                                         lambda d=definition: _as_bool(population(d, members)))
        else:
            in_population = columns.name("in", ("key agency",), lambda: _as_bool(
                civil_servant() & Q(pk__in=[STAND_IN_STAFF] if in_key_agency else [])))
        counted = columns.name("counted", ("counted", definition.rule, definition.qualifications,
                                           definition.category_ids),
                               lambda d=definition: _as_bool(counted_by(d, on, basis)))
        names.append((in_population, counted))
    return _PersonQuery.of(columns.annotations, db), tuple(names)


@lru_cache(maxsize=256)
def _reasons_query(definitions: tuple[IndicatorDefinition, ...], on: datetime.date, basis: CountingBasis,
                   db: str) -> tuple[_PersonQuery, tuple[str, ...]]:
    """For each definition, the column with the stand-in's Reason."""
    columns = _SharedColumns()
    names = tuple(columns.name("reason", (d.rule, d.category_ids), lambda d=d: _reason(d, on, basis))
                  for d in definitions)
    return _PersonQuery.of(columns.annotations, db), names
