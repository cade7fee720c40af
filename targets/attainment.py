"""How far the province is from its programme's targets, and where (indicators.md).

The pure rules (fraction, rounding, comparison, target year, status, gap, projection) are in
targets/rules.py. Here: selectors that compute every indicator of the current programme for a date and a target year
   with a fixed number of SQL queries, whatever the number of agencies, staff and records: counts
   are grouped by agency in the database and rolled up to the ancestors in Python using the
   materialised paths.
"""
from __future__ import annotations

import datetime
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, connections
from django.db.models import Count, Exists, F, FilteredRelation, Func, OuterRef, Q, QuerySet, Subquery

from agencies.models import Agency, Staff
from training.models import CourseCategory, FirstPass, PassCutoff, TrainingRecord, localized

from .models import AggregateReport, Indicator, Programme
from .rules import (
    LEVEL_ORDER,
    TargetSpec,
    TrendPoint,
    deadline,
    default_target_year,
    forecast,
    gap_to_target,
    is_met,
    is_past_deadline,
    percent_of,
    point_on,
    target_for_year,
    trend_dates,
    verdict,
)

# "Trained by D" is read from the kept first passes (training.passes), never from the records, when
# the programme's start has a PassCutoff; the records shape (EXISTS as a semi-join) stays as the
# fallback for a programme whose start has none yet. Measured by bench/dashboard_bench.py at 300,000
# staff and 3,000,000 records (two shared cores, medians of interleaved rounds):
# - the staff-* indicators count every category: one LEFT JOIN to FirstPassAny (one row per person)
#   replaced one FirstPass join per category, each hashing ~225,000 rows; the staff query went from
#   1.5-2.4 s to 0.3-0.5 s;
# - the indicators of some categories (security, open source, leadership) count small flagged
#   populations: a second query goes from those people into FirstPass's covering index (0.06-0.16 s),
#   where per-category joins cost ~0.4 s even restricted to them. The same query serves an indicator
#   of some categories over everyone, slowly (count DISTINCT over every pass): ~2 s, like the joins.
USE_FIRST_PASS = True
# Whether an indicator counting every category reads FirstPassAny (False sends it through the
# per-category FirstPass query like the others: the same numbers, slower; tests compare the two).
USE_ANY_CATEGORY = True

@dataclass(frozen=True)
class AttainmentRow:
    """One figure of one indicator: for the province, a level, or an agency's subtree."""

    scope: str  # "province", "level" or "agency"
    level: str | None
    agency_id: int | None
    agency_code: str | None
    agency_name: str
    numerator: int
    denominator: int
    percent: Decimal | None
    met: bool | None
    status: str | None
    gap: int | None
    agency_path: str = ""
    agency_kind: str = ""
    parent_id: int | None = None
    # Whether the target year's deadline has passed (`status` is then the final met / not met), and
    # the figure it was judged on: the value at the deadline.
    final: bool = False
    deadline_percent: Decimal | None = None

    def as_json(self) -> dict:
        return {
            "scope": self.scope,
            "agency": self.agency_code,
            "level": self.level,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "percent": float(self.percent) if self.percent is not None else None,
            "met": self.met,
        }


@dataclass(frozen=True)
class Judgement:
    """What a row is judged against: the target, its year, the date of the page, and whether final."""

    target: TargetSpec | None
    year: int
    on: datetime.date

    @property
    def final(self) -> bool:
        return is_past_deadline(self.year, self.on)


def make_row(*, scope: str, numerator: int, denominator: int, judgement: Judgement,
             at_deadline: tuple[int, int] | None = None, level: str | None = None,
             agency: AgencyNode | None = None, name: str = "") -> AttainmentRow:
    target = judgement.target
    if judgement.final:
        at_deadline = at_deadline or (0, 0)
    return AttainmentRow(
        scope=scope,
        level=level if agency is None else agency.level,
        agency_id=agency.id if agency else None,
        agency_code=agency.code if agency else None,
        agency_name=agency.name if agency else name,
        numerator=numerator,
        denominator=denominator,
        percent=percent_of(numerator, denominator),
        met=is_met(numerator, denominator, target),
        status=verdict(numerator, denominator, target, year=judgement.year, on=judgement.on, at_deadline=at_deadline),
        gap=gap_to_target(numerator, denominator, target),
        agency_path=agency.path if agency else "",
        agency_kind=agency.kind if agency else "",
        parent_id=agency.parent_id if agency else None,
        final=judgement.final,
        deadline_percent=percent_of(*at_deadline) if judgement.final else None,
    )


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

    @property
    def lineage_ids(self) -> list[int]:
        """Ancestors and self, root first: the path segments are the zero-padded primary keys."""
        return [int(segment) for segment in self.path.split("/") if segment]


@dataclass(frozen=True)
class DeadlineResult:
    """An indicator's figure (of the province, or of the page's agency) on a deadline that has passed,
    and its final verdict against that year's target."""

    year: int
    target: TargetSpec | None
    numerator: int
    denominator: int
    percent: Decimal | None
    met: bool | None

    @property
    def on(self) -> datetime.date:
        return deadline(self.year)


@dataclass(frozen=True)
class IndicatorAttainment:
    """Every figure of one indicator on one date."""

    code: str
    name: str
    source: str
    target: TargetSpec | None
    targets: tuple[TargetSpec, ...]
    province: AttainmentRow | None
    levels: tuple[AttainmentRow, ...]
    agencies: tuple[AttainmentRow, ...]
    trend: tuple[TrendPoint, ...] = ()
    projection: Decimal | None = None
    name_en: str = ""
    # With the trend: the figure on each deadline of the programme already past, oldest first.
    deadlines: tuple[DeadlineResult, ...] = ()

    @property
    def localized_name(self) -> str:
        return localized(self.name, self.name_en)

    def deadline_result(self, year: int) -> DeadlineResult | None:
        return next((d for d in self.deadlines if d.year == year), None)

    @property
    def rows(self) -> list[AttainmentRow]:
        return ([self.province] if self.province else []) + list(self.levels) + list(self.agencies)

    @property
    def counts_agencies(self) -> bool:
        return self.source == Indicator.Source.KEY_AGENCIES

    @property
    def is_reported(self) -> bool:
        return self.source == Indicator.Source.REPORTS

    def target_in(self, year: int) -> TargetSpec | None:
        """The target set for exactly that year (for the 2020 and 2025 columns)."""
        return next((t for t in self.targets if t.year == year), None)

    def agency_row(self, agency_id: int) -> AttainmentRow | None:
        return next((row for row in self.agencies if row.agency_id == agency_id), None)

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "target": self.target.as_json() if self.target else None,
            "rows": [row.as_json() for row in self.rows],
        }


@dataclass(frozen=True)
class Attainment:
    """Every indicator of the programme on one date, against one target year."""

    as_of: datetime.date
    target_year: int
    programme_name: str
    indicators: tuple[IndicatorAttainment, ...]
    target_years: tuple[int, ...] = ()
    programme_name_en: str = ""
    programme_start: datetime.date | None = None

    @property
    def deadline(self) -> datetime.date:
        return deadline(self.target_year)

    @property
    def final(self) -> bool:
        """Whether the chosen target year's deadline has passed on `as_of`: verdicts are final."""
        return is_past_deadline(self.target_year, self.as_of)

    @property
    def past_years(self) -> tuple[int, ...]:
        """The target years whose deadline has passed on `as_of`."""
        return tuple(year for year in self.target_years if is_past_deadline(year, self.as_of))

    @property
    def localized_programme_name(self) -> str:
        return localized(self.programme_name, self.programme_name_en)

    def as_json(self) -> dict:
        """The document of interfaces.md ("Attainment JSON"), shared by the command and the API."""
        return {
            "as_of": self.as_of.isoformat(),
            "target_year": self.target_year,
            "indicators": [indicator.as_json() for indicator in self.indicators],
        }

    def indicator(self, code: str) -> IndicatorAttainment | None:
        return next((i for i in self.indicators if i.code == code), None)


# ---------------------------------------------------------------------------------------------
# Selectors
# ---------------------------------------------------------------------------------------------


class NoProgramme(Exception):
    """No programme is marked current: nothing to measure."""


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


def current_programme() -> Programme:
    programme = Programme.objects.filter(is_current=True).first()
    if programme is None:
        raise NoProgramme
    return programme


def _current_programme_for_counts() -> Programme:
    """The current programme annotated with `cutoff_pk` (its start's PassCutoff, or None) and
    `category_total` (how many course categories exist), in one query.

    The category total tells, as data, whether an indicator counts every category (FirstPassAny
    applies) without a query of its own, so the engine's query count stays fixed.
    """
    cutoff = PassCutoff.objects.filter(counted_from=OuterRef("start_date")).values("pk")[:1]
    category_total = CourseCategory.objects.order_by().annotate(total=Func(F("pk"), function="COUNT")).values("total")
    programme = (
        Programme.objects.filter(is_current=True)
        .annotate(cutoff_pk=Subquery(cutoff), category_total=Subquery(category_total))
        .first()
    )
    if programme is None:
        raise NoProgramme
    return programme


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


def _agency_nodes(within: Agency | None) -> dict[int, AgencyNode]:
    """Every agency (or the subtree of `within` and its ancestors, which decide key-agency membership)."""
    qs = Agency.objects.all()
    if within is not None:
        ancestor_ids = [int(s) for s in within.path.split("/") if s]
        qs = qs.filter(Q(path__startswith=within.path) | Q(pk__in=ancestor_ids))
    fields = ("id", "code", "name", "level", "kind", "path", "parent_id", "depth")
    return {row["id"]: AgencyNode(**row) for row in qs.order_by("path").values(*fields)}


def _key_owners(nodes: dict[int, AgencyNode]) -> dict[int, list[int]]:
    """For each agency, the key agencies whose same-level subtree holds it (itself included)."""
    owners: dict[int, list[int]] = {}
    for node in nodes.values():
        owners[node.id] = [
            pk for pk in node.lineage_ids
            if pk in nodes and nodes[pk].is_key and nodes[pk].level == node.level
        ]
    return owners


# A measure is one count per agency and date; indicators sharing a measure share its column.
# ("population", flag) counts the active CBCCVC with the flag; ("trained", flag, categories)
# and ("qualified", flag, qualifications) count the part of that population that is counted.
Measure = tuple


def _population_measure(definition: IndicatorDefinition) -> Measure:
    return ("population", definition.staff_flag)


def _counted_measure(definition: IndicatorDefinition) -> Measure:
    if definition.rule == Indicator.Rule.TRAINED:
        return ("trained", definition.staff_flag, definition.category_ids)
    if definition.rule == Indicator.Rule.QUALIFIED:
        return ("qualified", definition.staff_flag, definition.qualifications)
    if definition.rule == Indicator.Rule.HAS_CIO:
        return ("population", Indicator.StaffFlag.CIO.value)
    if definition.rule == Indicator.Rule.HAS_QUALIFIED_IT_STAFF:
        return ("qualified", Indicator.StaffFlag.IT_STAFF.value, definition.qualifications)
    raise ValueError(f"Unknown rule {definition.rule!r} for a counted indicator")


def _active_q(day: datetime.date, prefix: str = "") -> Q:
    return (
        (Q(**{f"{prefix}joined_on__isnull": True}) | Q(**{f"{prefix}joined_on__lte": day}))
        & (Q(**{f"{prefix}left_on__isnull": True}) | Q(**{f"{prefix}left_on__gt": day}))
    )


def _flag_q(flag: str, prefix: str = "") -> Q:
    return Q(**{f"{prefix}{flag}": True}) if flag else Q()


def _window_q(dates: list[datetime.date], prefix: str = "") -> Q:
    """Nobody who left before the first date or joined after the last can count on any of them."""
    return (
        (Q(**{f"{prefix}left_on__isnull": True}) | Q(**{f"{prefix}left_on__gt": min(dates)}))
        & (Q(**{f"{prefix}joined_on__isnull": True}) | Q(**{f"{prefix}joined_on__lte": max(dates)}))
    )


ANY_ALIAS = "first_any"


def _counts_every_category(measure: Measure, category_total: int) -> bool:
    """Data-driven: categories are unique per indicator, so as many as exist means all of them."""
    return USE_ANY_CATEGORY and measure[0] == "trained" and bool(measure[2]) and len(measure[2]) == category_total


def _measure_q(measure: Measure, day: datetime.date, *, read_any: bool, cutoff_from: datetime.date) -> Q:
    """The staff query's test for one measure on one day: trained measures here read FirstPassAny
    (`read_any`) or, without a cutoff, the records."""
    kind, flag = measure[0], measure[1]
    # The flag first: a FILTER condition stops at its first false test, and most people have no flag.
    q = _flag_q(flag) & _active_q(day)
    if kind == "qualified":
        return q & Q(it_qualification__in=measure[2])
    if kind == "trained" and read_any:
        return q & Q(**{f"{ANY_ALIAS}__first_on__lte": day})
    if kind == "trained":
        return q & Q(Exists(_qualifying_records(measure[2], cutoff_from, day).filter(staff_id=OuterRef("pk"))))
    return q


def _qualifying_records(category_ids: Iterable[int], start: datetime.date, day: datetime.date) -> QuerySet:
    return TrainingRecord.objects.passed().completed_between(start, day).filter(course__category_id__in=list(category_ids))


# Building and compiling the counting queries (hundreds of filtered aggregates) cost more Python time
# than PostgreSQL takes to run them (about 60 ms of a 130 ms overview at 10,000 staff), and they
# depend only on the arguments in the key, never on the data: so each process compiles a query once
# and reruns its SQL. The subtree's path is compiled as a stand-in and swapped for the real one, so
# one entry serves every agency page. Still one query per call: the counts tests assert are unchanged.
_SQL_CACHE: dict[tuple, tuple[str, str, tuple]] = {}
_SQL_CACHE_SIZE = 64
_SQL_CACHE_LOCK = threading.Lock()
_WITHIN_STAND_IN = "WITHINPATH"


def _cached_rows(key: tuple, build: Callable[[str | None], QuerySet], within: Agency | None) -> list[tuple]:
    """The rows of build(path)'s queryset, from SQL compiled once per key (and database).

    build() filters on `path` as the subtree's path prefix (None for the whole province).
    """
    full_key = (*key, within is not None, connection.alias, connection.vendor, connection.settings_dict["NAME"])
    compiled = _SQL_CACHE.get(full_key)
    if compiled is None:
        qs = build(_WITHIN_STAND_IN if within is not None else None)
        sql, params = qs.query.get_compiler(using=qs.db).as_sql()
        compiled = (qs.db, sql, tuple(params))
        if within is not None and _WITHIN_STAND_IN + "%" not in params:
            # The path did not reach the SQL as the prefix parameter expected: do not reuse it.
            qs = build(within.path)
            return list(qs)
        with _SQL_CACHE_LOCK:  # threaded servers (runserver) must not evict the same entry twice
            if len(_SQL_CACHE) >= _SQL_CACHE_SIZE:
                _SQL_CACHE.pop(next(iter(_SQL_CACHE)), None)
            _SQL_CACHE[full_key] = compiled
    alias, sql, params = compiled
    if within is not None:
        prefix = connections[alias].ops.prep_for_like_query(within.path) + "%"
        params = tuple(prefix if param == _WITHIN_STAND_IN + "%" else param for param in params)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _staff_counts(
    *, measures: list[Measure], dates: list[datetime.date], programme: Programme, within: Agency | None,
) -> dict[int, dict[tuple[Measure, datetime.date], int]]:
    """For each agency, each measure counted on each date: {agency_id: {(measure, date): n}}.

    One query on the staff, plus one on FirstPass when a trained measure counts only some
    categories and the programme has a cutoff.
    """
    if not measures:
        return {}
    cutoff_id = programme.cutoff_pk if USE_FIRST_PASS else None
    if cutoff_id is None:
        read_any, by_first_pass = [], []
    else:
        read_any = [m for m in measures if _counts_every_category(m, programme.category_total)]
        by_first_pass = [m for m in measures if m[0] == "trained" and m not in read_any]
    on_staff = [m for m in measures if m not in by_first_pass]

    columns = [(measure, day) for measure in on_staff for day in dates]

    def build(path: str | None) -> QuerySet:
        qs = Staff.objects.civil_servants().filter(_window_q(dates))
        if path is not None:
            qs = qs.filter(agency__path__startswith=path)
        if read_any:
            qs = qs.annotate(**{ANY_ALIAS: FilteredRelation(
                "first_passes_any", condition=Q(first_passes_any__cutoff_id=cutoff_id),
            )})
        aggregates = {
            f"c{n}": Count("id", filter=_measure_q(measure, day, read_any=measure in read_any,
                                                    cutoff_from=programme.start_date))
            for n, (measure, day) in enumerate(columns)
        }
        return qs.order_by().values("agency_id").annotate(**aggregates).values_list("agency_id", *aggregates)

    key = ("staff", tuple(measures), tuple(dates), cutoff_id, programme.start_date, programme.category_total,
           USE_ANY_CATEGORY)
    result: dict[int, dict] = {}
    for agency_id, *counts in _cached_rows(key, build, within):
        result[agency_id] = dict(zip(columns, counts, strict=True))
    if by_first_pass:
        _first_pass_counts(result, measures=by_first_pass, dates=dates, cutoff_id=cutoff_id, within=within)
    return result


def _first_pass_counts(
    result: dict[int, dict], *, measures: list[Measure], dates: list[datetime.date], cutoff_id: int,
    within: Agency | None,
) -> None:
    """Adds to `result` the trained measures that count only some categories, in one query.

    Driven from FirstPass and joined to the measures' people only (dedicated IT staff and leaders
    are a tenth of a roster): a person is counted once per measure however many of its categories
    they passed, hence DISTINCT when a measure has several.
    """
    zeros = {(measure, day): 0 for measure in measures for day in dates}
    for values in result.values():
        values.update(zeros)
    categories = sorted({c for m in measures for c in m[2]})
    if not categories:
        return
    # No category listed: nobody counts, and the zeros above stand.
    columns = [(measure, day) for measure in measures if measure[2] for day in dates]
    if not columns:
        return

    def build(path: str | None) -> QuerySet:
        qs = FirstPass.objects.filter(
            _window_q(dates, "staff__"), cutoff_id=cutoff_id, category_id__in=categories,
            staff__category__in=Staff.CIVIL_SERVANT_CATEGORIES,
        )
        if path is not None:
            qs = qs.filter(staff__agency__path__startswith=path)
        flags = {m[1] for m in measures}
        if "" not in flags:
            people = Q()
            for flag in sorted(flags):
                people |= _flag_q(flag, "staff__")
            qs = qs.filter(people)
        aggregates = {}
        for n, (measure, day) in enumerate(columns):
            # Cheapest tests first: PostgreSQL stops at the first false one, and most rows lack the flag.
            counted = (
                _flag_q(measure[1], "staff__") & Q(category_id__in=measure[2], first_on__lte=day)
                & _active_q(day, "staff__")
            )
            aggregates[f"c{n}"] = Count("staff_id", distinct=len(measure[2]) > 1, filter=counted)
        return (qs.order_by().values("staff__agency_id").annotate(**aggregates)
                .values_list("staff__agency_id", *aggregates))

    key = ("first_pass", tuple(measures), tuple(dates), cutoff_id)
    for agency_id, *counts in _cached_rows(key, build, within):
        values = result.setdefault(agency_id, {})
        values.update(zip(columns, counts, strict=True))


def _report_rows(definitions: list[IndicatorDefinition], last_year: int, within: Agency | None) -> list[dict]:
    ids = [d.id for d in definitions if d.source == Indicator.Source.REPORTS]
    if not ids:
        return []
    qs = AggregateReport.objects.filter(indicator_id__in=ids, year__lte=last_year)
    if within is not None:
        qs = qs.filter(agency__path__startswith=within.path)
    return list(qs.order_by("year").values("indicator_id", "agency_id", "year", "numerator", "denominator"))


def _latest_reports(reports: list[dict], indicator_id: int, year: int) -> dict[int, tuple[int, int]]:
    """Each reporting agency's report for the latest year ≤ `year`: {agency_id: (numerator, denominator)}."""
    latest: dict[int, tuple[int, int]] = {}
    for report in reports:  # ordered by year, so later years overwrite earlier ones
        if report["indicator_id"] == indicator_id and report["year"] <= year:
            latest[report["agency_id"]] = (report["numerator"], report["denominator"])
    return latest


def attainment(
    *, as_of: datetime.date, target_year: int | None = None, within: Agency | None = None, trend: bool = False,
) -> Attainment:
    """Every indicator of the current programme on `as_of`, against `target_year` (default: indicators.md).

    With `within`, only that agency's subtree is counted: no province row, level rows for the subtree,
    agency rows for the subtree. With `trend`, each indicator also carries its year-end values from
    the programme's first whole year (of the province, or of `within`), its figure on every deadline
    already past, and the projection to the target year's deadline while it is ahead.
    When the target year's deadline has passed, every row's verdict is read on its figure at that
    deadline, counted in the same queries (one more date).

    Runs 8 queries whatever the data size (fewer when the programme has no staff or reported indicators,
    no indicator of only some categories, or no PassCutoff for its start).
    """
    programme = _current_programme_for_counts()
    definitions = indicator_definitions(programme)
    years = tuple(sorted({t.year for d in definitions for t in d.targets}))
    # A year the programme has no target for (a stale link) falls back to the default; the page says so.
    year = target_year if target_year in years else (default_target_year(as_of, years) or as_of.year)
    nodes = _agency_nodes(within)
    owners = _key_owners(nodes)

    # The chosen year's deadline when past (the verdicts are read there), and with the trend every
    # past deadline (the programme's results): more columns of the same queries.
    wanted = [y for y in years if is_past_deadline(y, as_of)] if trend else [year]
    dates = trend_dates(programme.start_date, as_of) if trend else [as_of]
    dates = sorted({*dates, *(deadline(y) for y in wanted if is_past_deadline(y, as_of))})
    measures: list[Measure] = []
    for definition in definitions:
        if definition.source == Indicator.Source.REPORTS:
            continue
        for measure in (_population_measure(definition), _counted_measure(definition)):
            if definition.source == Indicator.Source.KEY_AGENCIES and measure[0] == "population" and measure[1] == "":
                continue  # the population of key-agency indicators is agencies, read from `nodes`
            if measure not in measures:
                measures.append(measure)
    counts = _staff_counts(measures=measures, dates=dates, programme=programme, within=within)
    reports = _report_rows(definitions, as_of.year, within)

    results = []
    for definition in definitions:
        judgement = Judgement(target=target_for_year(definition.targets, year), year=year, on=as_of)
        if definition.source == Indicator.Source.STAFF:
            per_date = _staff_indicator(definition, counts, nodes, owners, dates)
        elif definition.source == Indicator.Source.KEY_AGENCIES:
            per_date = [_key_agency_indicator(definition, counts, nodes, owners, day, within) for day in dates]
        else:
            per_date = [_reported_indicator(definition, reports, nodes, day, within) for day in dates]
        by_date = dict(zip(dates, per_date, strict=True))
        at_deadline = by_date[deadline(year)] if judgement.final else None
        results.append(_indicator_result(definition, judgement, per_date[-1], at_deadline, nodes, within,
                                         per_date if trend else None, dates, years))
    return Attainment(
        as_of=as_of, target_year=year, programme_name=programme.name, indicators=tuple(results),
        target_years=years, programme_name_en=programme.name_en, programme_start=programme.start_date,
    )


# Per-date figures before they become rows: own[agency_id] = (num, den) of the agency itself (not its
# subtree), and for key-agency indicators the agencies that form the population.
@dataclass
class _Figures:
    own: dict[int, tuple[int, int]]
    population_agencies: set[int] | None = None  # key agencies, for agency-valued indicators


def _staff_indicator(definition, counts, nodes, owners, dates) -> list[_Figures]:
    """One _Figures per date; which agencies take part does not depend on the date, so it is decided once."""
    population = _population_measure(definition)
    counted = _counted_measure(definition)
    levels = set(definition.levels)
    taking_part = []
    for agency_id, values in counts.items():
        node = nodes.get(agency_id)
        if node is None:
            continue
        if levels and node.level not in levels:
            continue
        if definition.key_agencies_only and not owners[agency_id]:
            continue
        taking_part.append((agency_id, values))
    per_date = []
    for day in dates:
        population_key, counted_key = (population, day), (counted, day)
        own = {}
        for agency_id, values in taking_part:
            den = values[population_key]
            if den:
                own[agency_id] = (values[counted_key], den)
        per_date.append(_Figures(own=own))
    return per_date


def _key_agency_indicator(definition, counts, nodes, owners, day, within) -> _Figures:
    counted = _counted_measure(definition)
    found: dict[int, int] = defaultdict(int)
    for agency_id, values in counts.items():
        if values[(counted, day)] and agency_id in owners:
            for key_id in owners[agency_id]:
                found[key_id] += 1
    keys = {
        node.id for node in nodes.values()
        if node.is_key and (within is None or node.path.startswith(within.path))
    }
    return _Figures(own={pk: (1 if found.get(pk) else 0, 1) for pk in keys}, population_agencies=keys)


def _reported_indicator(definition, reports, nodes, day, within) -> _Figures:
    latest = _latest_reports(reports, definition.id, day.year)
    return _Figures(own={pk: value for pk, value in latest.items() if pk in nodes})


def _sum(values: Iterable[tuple[int, int]]) -> tuple[int, int]:
    num = den = 0
    for n, d in values:
        num += n
        den += d
    return num, den


@dataclass(frozen=True)
class _Tally:
    """One date's figures of an indicator summed for every row of the page: by level, by agency subtree,
    and for the province (None with `within`)."""

    levels: dict[str, tuple[int, int]]
    agencies: dict[int, tuple[int, int]]
    province: tuple[int, int] | None


def _tally(figures: _Figures, nodes, within) -> _Tally:
    own = figures.own
    in_scope = {pk: v for pk, v in own.items() if within is None or nodes[pk].path.startswith(within.path)}
    by_level: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for pk, value in in_scope.items():
        by_level[nodes[pk].level].append(value)
    if figures.population_agencies is not None:
        # Agency-valued indicators: the rows are exactly the key agencies, 1 or 0 of 1.
        subtree = dict(in_scope)
    else:
        subtree = _roll_up(in_scope, nodes, within)
    return _Tally(
        levels={level: _sum(by_level[level]) for level in LEVEL_ORDER if by_level.get(level)},
        agencies=subtree,
        province=_sum(in_scope.values()) if within is None else None,
    )


def _indicator_result(definition, judgement: Judgement, figures: _Figures, deadline_figures: _Figures | None, nodes,
                      within, trend_figures, dates, years) -> IndicatorAttainment:
    now = _tally(figures, nodes, within)
    then = _tally(deadline_figures, nodes, within) if deadline_figures is not None else None
    level_rows = [
        make_row(scope="level", level=level, numerator=num, denominator=den, judgement=judgement,
                 at_deadline=then.levels.get(level) if then else None)
        for level, (num, den) in now.levels.items()
    ]
    agency_rows = [
        make_row(scope="agency", agency=nodes[pk], numerator=num, denominator=den, judgement=judgement,
                 at_deadline=then.agencies.get(pk) if then else None)
        for pk, (num, den) in sorted(now.agencies.items(), key=lambda item: nodes[item[0]].path)
    ]
    province = None
    if now.province is not None:
        province = make_row(scope="province", numerator=now.province[0], denominator=now.province[1],
                            judgement=judgement, at_deadline=then.province if then else None)

    trend: tuple[TrendPoint, ...] = ()
    projection = None
    deadlines: tuple[DeadlineResult, ...] = ()
    if trend_figures is not None:
        points = []
        for day, day_figures in zip(dates, trend_figures, strict=True):
            values = [v for pk, v in day_figures.own.items() if within is None or nodes[pk].path.startswith(within.path)]
            num, den = _sum(values)
            points.append(TrendPoint(on=day, numerator=num, denominator=den, percent=percent_of(num, den)))
        trend = tuple(points)
        projection = forecast(trend, judgement.year, judgement.on)
        deadlines = tuple(_deadline_result(definition, year, point_on(trend, deadline(year)))
                          for year in years if is_past_deadline(year, judgement.on))

    return IndicatorAttainment(
        code=definition.code, name=definition.name, source=definition.source, target=judgement.target,
        targets=tuple(sorted(definition.targets, key=lambda t: t.year)),
        province=province, levels=tuple(level_rows), agencies=tuple(agency_rows), trend=trend, projection=projection,
        name_en=definition.name_en, deadlines=deadlines,
    )


def _deadline_result(definition, year: int, point: TrendPoint | None) -> DeadlineResult:
    target = target_for_year(definition.targets, year)
    num, den = (point.numerator, point.denominator) if point else (0, 0)
    return DeadlineResult(year=year, target=target, numerator=num, denominator=den, percent=percent_of(num, den),
                          met=is_met(num, den, target))


def _roll_up(own: dict[int, tuple[int, int]], nodes: dict[int, AgencyNode], within: Agency | None) -> dict[int, tuple[int, int]]:
    """Each agency's own figures added to every ancestor (within the scope): subtree totals."""
    totals: dict[int, list[int]] = {}
    for pk, (num, den) in own.items():
        for ancestor_id in nodes[pk].lineage_ids:
            ancestor = nodes.get(ancestor_id)
            if ancestor is None or (within is not None and not ancestor.path.startswith(within.path)):
                continue
            total = totals.setdefault(ancestor_id, [0, 0])
            total[0] += num
            total[1] += den
    return {pk: (num, den) for pk, (num, den) in totals.items()}


class UnknownIndicator(Exception):
    """No indicator of the current programme has this code."""


def indicator_definition(code: str) -> IndicatorDefinition:
    for definition in indicator_definitions(current_programme()):
        if definition.code == code:
            return definition
    raise UnknownIndicator(code)


def not_counted_staff(*, definition: IndicatorDefinition, agency: Agency, as_of: datetime.date) -> QuerySet:
    """The people of an indicator's population in `agency`'s subtree who do not count yet on `as_of`.

    Its size is the subtree's denominator minus its numerator. A queryset, so that the page can
    paginate and filter it; it runs as one query (plus one for the key-agency membership).
    """
    if definition.source != Indicator.Source.STAFF:
        raise ValueError("Only staff indicators list people.")
    programme = current_programme()
    qs = Staff.objects.in_subtree(agency).civil_servants().active_on(as_of).filter(_flag_q(definition.staff_flag))
    if definition.levels:
        qs = qs.filter(agency__level__in=definition.levels)
    if definition.key_agencies_only:
        nodes = _agency_nodes(agency)
        owners = _key_owners(nodes)
        qs = qs.filter(agency_id__in=[pk for pk, keys in owners.items() if keys and nodes[pk].path.startswith(agency.path)])
    if definition.rule == Indicator.Rule.QUALIFIED:
        return qs.exclude(it_qualification__in=definition.qualifications)
    cutoff_id = PassCutoff.objects.filter(counted_from=programme.start_date).values_list("pk", flat=True).first()
    if cutoff_id is not None:
        counted = FirstPass.objects.filter(
            staff_id=OuterRef("pk"), cutoff_id=cutoff_id, category_id__in=definition.category_ids, first_on__lte=as_of
        )
    else:
        counted = _qualifying_records(definition.category_ids, programme.start_date, as_of).filter(staff_id=OuterRef("pk"))
    return qs.filter(~Exists(counted))


def not_counted_agencies(*, definition: IndicatorDefinition, agency: Agency, as_of: datetime.date) -> list[AttainmentRow]:
    """The key agencies in `agency`'s subtree that do not count yet (agency-valued indicators)."""
    result = attainment(as_of=as_of, within=agency)
    indicator = result.indicator(definition.code)
    return [row for row in indicator.agencies if row.numerator < row.denominator] if indicator else []
