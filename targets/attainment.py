"""How far the province is from its programme's targets, and where (indicators.md).

The pure rules (fraction, rounding, comparison, target year, status, gap, projection) are in
targets/rules.py. Here: selectors that compute every indicator of the current programme for a date and a target year
   with a fixed number of SQL queries, whatever the number of agencies, staff and records: counts
   are grouped by agency in the database and rolled up to the ancestors in Python using the
   materialised paths.
"""
from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache

from agencies.models import Agency
from agencies.versioning import Versions, branch_of
from training.models import localized

from .counting import (
    POPULATION,
    AgencyNode,
    CountingBasis,
    Counts,
    IndicatorDefinition,
    Measure,
    NoProgramme,
    UnknownIndicator,
    agency_nodes,
    configuration,
    counted_measure,
    current_definitions,
    current_programme,
    indicator_definition,
    key_owners,
    not_counted_staff,
    population_measure,
    report_rows,
    staff_counts,
)
from .models import Indicator
from .results import cached, cached_by_branch
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

# Callers read these from here as well as from targets.counting.
__all__ = ["NoProgramme", "UnknownIndicator", "current_definitions", "current_programme", "indicator_definition",
           "not_counted_staff"]


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
    percent, met, status, gap, deadline_percent = _judged(numerator, denominator, judgement, at_deadline)
    return AttainmentRow(
        scope=scope,
        level=level if agency is None else agency.level,
        agency_id=agency.id if agency else None,
        agency_code=agency.code if agency else None,
        agency_name=agency.name if agency else name,
        numerator=numerator,
        denominator=denominator,
        percent=percent,
        met=met,
        status=status,
        gap=gap,
        agency_path=agency.path if agency else "",
        agency_kind=agency.kind if agency else "",
        parent_id=agency.parent_id if agency else None,
        final=judgement.final,
        deadline_percent=deadline_percent,
    )


@lru_cache(maxsize=4096)
def _judged(numerator: int, denominator: int, judgement: Judgement,
            at_deadline: tuple[int, int] | None) -> tuple[Decimal | None, bool | None, str | None, int | None,
                                                          Decimal | None]:
    """A row's percent, met, status, gap and percent at the deadline. The rules are pure, and many rows
    share their figures (small agencies: 0 of 0, 1 of 1), so each combination is judged once."""
    target = judgement.target
    if judgement.final:
        at_deadline = at_deadline or (0, 0)
    return (
        percent_of(numerator, denominator),
        is_met(numerator, denominator, target),
        verdict(numerator, denominator, target, year=judgement.year, on=judgement.on, at_deadline=at_deadline),
        gap_to_target(numerator, denominator, target),
        percent_of(*at_deadline) if judgement.final else None,
    )


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
    # The key this result is cached under (targets.results), which changes whenever its figures may:
    # what is derived from the result alone, a page's fragment say, may be cached under it. Empty when
    # computed outside the cache.
    cache_key: str = field(default="", compare=False)

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


def _latest_reports(reports: list[dict], indicator_id: int, year: int) -> dict[int, tuple[int, int]]:
    """Each reporting agency's report for the latest year ≤ `year`: {agency_id: (numerator, denominator)}."""
    latest: dict[int, tuple[int, int]] = {}
    for report in reports:  # ordered by year, so later years overwrite earlier ones
        if report["indicator_id"] == indicator_id and report["year"] <= year:
            latest[report["agency_id"]] = (report["numerator"], report["denominator"])
    return latest


def attainment(
    *, as_of: datetime.date, target_year: int | None = None, within: Agency | None = None, trend: bool = False,
    agency_kinds: tuple[str, ...] | None = None,
) -> Attainment:
    """compute_attainment()'s result, cached under the versions of its scope (targets.results): one
    query (the versions) when this data was already computed for these arguments."""
    kind = "attainment" if agency_kinds is None else "attainment-" + "-".join(sorted(agency_kinds))
    return cached(
        {"kind": kind, "as_of": as_of, "target_year": target_year, "within": within, "trend": trend},
        lambda versions, key: replace(
            compute_attainment(as_of=as_of, target_year=target_year, within=within, trend=trend,
                               agency_kinds=agency_kinds, versions=versions),
            cache_key=key),
    )


def compute_attainment(
    *, as_of: datetime.date, target_year: int | None = None, within: Agency | None = None, trend: bool = False,
    agency_kinds: tuple[str, ...] | None = None, versions: Versions | None = None,
) -> Attainment:
    """Every indicator of the current programme on `as_of`, against `target_year` (default: indicators.md).

    With `agency_kinds`, agency rows only for agencies of those kinds (the overview shows departments
    and districts: about 30 of 742 rows); the province, level and trend figures are unchanged.

    With `within`, only that agency's subtree is counted: no province row, level rows for the subtree,
    agency rows for the subtree. With `trend`, each indicator also carries its year-end values from
    the programme's first whole year (of the province, or of `within`), its figure on every deadline
    already past, and the projection to the target year's deadline while it is ahead.
    When the target year's deadline has passed, every row's verdict is read on its figure at that
    deadline, counted in the same queries (one more date).

    With `versions` (those the caller read for its scope), the counts come from those kept in the cache
    for each branch the scope covers, and only the branches written since they were kept are counted.

    Runs 4 queries whatever the data size with the configuration cached (targets.counting.configuration),
    8 when it is read as well (fewer when the programme has no staff or reported indicators, or when
    every branch's counts are cached).
    """
    config = configuration()
    basis, definitions = config.basis, config.definitions
    programme = basis.programme
    years = tuple(sorted({t.year for d in definitions for t in d.targets}))
    # A year the programme has no target for (a stale link) falls back to the default; the page says so.
    year = target_year if target_year in years else (default_target_year(as_of, years) or as_of.year)
    nodes = agency_nodes(within, whole_branch=versions is not None)
    owners = key_owners(nodes)

    # The chosen year's deadline when past (the verdicts are read there), and with the trend every
    # past deadline (the programme's results): more dates of the same queries.
    wanted = [y for y in years if is_past_deadline(y, as_of)] if trend else [year]
    dates = trend_dates(programme.start_date, as_of) if trend else [as_of]
    dates = sorted({*dates, *(deadline(y) for y in wanted if is_past_deadline(y, as_of))})
    measures: list[Measure] = []
    for definition in definitions:
        if definition.source == Indicator.Source.REPORTS:
            continue
        for measure in (population_measure(definition), counted_measure(definition)):
            if (definition.source == Indicator.Source.KEY_AGENCIES and measure.kind == POPULATION
                    and not measure.flag):
                continue  # the population of key-agency indicators is agencies, read from `nodes`
            if measure not in measures:
                measures.append(measure)
    counts = _counts(measures=measures, dates=dates, basis=basis, within=within, nodes=nodes, versions=versions)
    reports = report_rows(definitions, as_of.year, within)

    rows_of = _rows_of(nodes, within, agency_kinds)
    keys = {pk for pk, node in nodes.items() if node.is_key and (within is None or node.path.startswith(within.path))}
    results = []
    for definition in definitions:
        judgement = Judgement(target=target_for_year(definition.targets, year), year=year, on=as_of)
        if definition.source == Indicator.Source.STAFF:
            series = _StaffSeries(_taking_part(definition, counts, nodes, owners), len(dates))
        elif definition.source == Indicator.Source.KEY_AGENCIES:
            series = _Series([_key_agency_indicator(definition, counts, owners, i, keys) for i in range(len(dates))])
        else:
            series = _Series([_reported_indicator(definition, reports, nodes, day) for day in dates])
        at_deadline = series.on(dates.index(deadline(year))) if judgement.final else None
        results.append(_indicator_result(definition, judgement, series.on(len(dates) - 1), at_deadline, nodes, rows_of,
                                         within, series.totals() if trend else None, dates, years, agency_kinds))
    return Attainment(
        as_of=as_of, target_year=year, programme_name=programme.name, indicators=tuple(results),
        target_years=years, programme_name_en=programme.name_en, programme_start=programme.start_date,
    )


def _counts(*, measures: list[Measure], dates: list[datetime.date], basis: CountingBasis, within: Agency | None,
            nodes: dict[int, AgencyNode], versions: Versions | None) -> Counts:
    """staff_counts() of the scope. When the versions are known, from the counts of each branch the
    scope covers, kept in the cache: only the branches written since are counted again, and a page
    of one agency takes its subtree from its branch's counts, which any page of that branch, or the
    province's, may have counted (`nodes` then holds the whole branch)."""
    if versions is None:
        return staff_counts(measures=measures, dates=dates, basis=basis, within=within)
    branch_of_agency = {pk: branch_of(node.path) for pk, node in nodes.items()}
    branch_ids = sorted({branch_of_agency[pk] for pk, node in nodes.items()
                         if within is None or node.path.startswith(within.path)})

    def count(missing: list[int]) -> dict[int, Counts]:
        wanted = set(missing)
        if within is None and wanted == set(branch_ids):
            found = staff_counts(measures=measures, dates=dates, basis=basis, within=None)
        else:
            found = staff_counts(measures=measures, dates=dates, basis=basis, within=None,
                                 agency_ids=[pk for pk, branch_id in branch_of_agency.items() if branch_id in wanted])
        parts: dict[int, Counts] = {branch_id: {} for branch_id in missing}
        for agency_id, values in found.items():
            parts[branch_of_agency[agency_id]][agency_id] = values
        return parts

    # What the counts depend on besides the data: the measures, the dates and what "qualifying" reads.
    token = hashlib.sha1(repr((measures, dates, basis.cutoff_id, basis.start)).encode()).hexdigest()[:20]
    counts: Counts = {}
    for part in cached_by_branch(versions=versions, branch_ids=branch_ids, token=token, compute=count).values():
        counts.update(part)
    if within is not None:
        counts = {pk: values for pk, values in counts.items() if nodes[pk].path.startswith(within.path)}
    return counts


# Per-date figures before they become rows: own[agency_id] = (num, den) of the agency itself (not its
# subtree), and for key-agency indicators the agencies that form the population.
@dataclass
class _Figures:
    own: dict[int, tuple[int, int]]
    population_agencies: set[int] | None = None  # key agencies, for agency-valued indicators


def _taking_part(definition: IndicatorDefinition, counts: Counts, nodes, owners) -> list[tuple[int, list[int], list[int]]]:
    """The agencies whose own people a staff indicator counts, each with its population and counted
    figures on every date: which agencies take part does not depend on the date, so it is decided once."""
    population = population_measure(definition)
    counted = counted_measure(definition)
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
        taking_part.append((agency_id, values[population], values[counted]))
    return taking_part


class _Series:
    """An indicator's _Figures on each date."""

    def __init__(self, per_date: list[_Figures]):
        self.per_date = per_date

    def on(self, index: int) -> _Figures:
        return self.per_date[index]

    def totals(self) -> list[tuple[int, int]]:
        """(numerator, denominator) of the whole scope on each date: the trend."""
        return [_sum(figures.own.values()) for figures in self.per_date]


class _StaffSeries(_Series):
    """A staff indicator's figures: an agency's (num, den) are built only for the dates that show rows
    (the chosen date, a deadline); the trend needs only the sums of the scope."""

    def __init__(self, taking_part: list[tuple[int, list[int], list[int]]], size: int):
        self.taking_part = taking_part
        self.size = size

    def on(self, index: int) -> _Figures:
        return _Figures(own={agency_id: (counted[index], population[index])
                             for agency_id, population, counted in self.taking_part if population[index]})

    def totals(self) -> list[tuple[int, int]]:
        if not self.taking_part:
            return [(0, 0)] * self.size
        populations = [sum(column) for column in zip(*(population for _pk, population, _c in self.taking_part), strict=True)]
        counted = [sum(column) for column in zip(*(counted for _pk, _p, counted in self.taking_part), strict=True)]
        return list(zip(counted, populations, strict=True))


def _key_agency_indicator(definition, counts: Counts, owners, date_index: int, keys: set[int]) -> _Figures:
    """One date's figures of an indicator of key agencies (`keys`: those of the scope)."""
    counted = counted_measure(definition)
    found: set[int] = set()
    for agency_id, values in counts.items():
        if values[counted][date_index] and agency_id in owners:
            found.update(owners[agency_id])
    return _Figures(own={pk: (1 if pk in found else 0, 1) for pk in keys}, population_agencies=keys)


def _reported_indicator(definition, reports, nodes, day) -> _Figures:
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


def _tally(figures: _Figures, nodes, rows_of: dict[int, list[int]], within,
           agency_kinds: tuple[str, ...] | None) -> _Tally:
    """The figures come from the scope alone (the counts, the reports and the key agencies are read for
    it), so they are summed as they are."""
    own = figures.own
    by_level: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for pk, value in own.items():
        by_level[nodes[pk].level].append(value)
    if figures.population_agencies is not None:
        # Agency-valued indicators: the rows are exactly the key agencies, 1 or 0 of 1.
        subtree = {pk: value for pk, value in own.items() if agency_kinds is None or nodes[pk].kind in agency_kinds}
    else:
        subtree = _roll_up(own, rows_of)
    return _Tally(
        levels={level: _sum(by_level[level]) for level in LEVEL_ORDER if by_level.get(level)},
        agencies=subtree,
        province=_sum(own.values()) if within is None else None,
    )


def _indicator_result(definition, judgement: Judgement, figures: _Figures, deadline_figures: _Figures | None, nodes,
                      rows_of, within, trend_totals: list[tuple[int, int]] | None, dates, years,
                      agency_kinds: tuple[str, ...] | None) -> IndicatorAttainment:
    now = _tally(figures, nodes, rows_of, within, agency_kinds)
    then = _tally(deadline_figures, nodes, rows_of, within, agency_kinds) if deadline_figures is not None else None
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
    if trend_totals is not None:
        trend = tuple(TrendPoint(on=day, numerator=num, denominator=den, percent=percent_of(num, den))
                      for day, (num, den) in zip(dates, trend_totals, strict=True))
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


def _rows_of(nodes: dict[int, AgencyNode], within: Agency | None,
             agency_kinds: tuple[str, ...] | None) -> dict[int, list[int]]:
    """For each agency, the agencies whose subtree rows its own figures add to: itself and its ancestors
    within the scope, of the kinds shown (decided once per computation, not per indicator and date)."""
    shown = {pk for pk, node in nodes.items()
             if (within is None or node.path.startswith(within.path))
             and (agency_kinds is None or node.kind in agency_kinds)}
    return {pk: [a for a in node.lineage_ids if a in shown] for pk, node in nodes.items()}


def _roll_up(own: dict[int, tuple[int, int]], rows_of: dict[int, list[int]]) -> dict[int, tuple[int, int]]:
    """Each agency's own figures added to every row above it (`_rows_of`): subtree totals."""
    totals: dict[int, list[int]] = {}
    for pk, (num, den) in own.items():
        for row_id in rows_of[pk]:
            total = totals.get(row_id)
            if total is None:
                totals[row_id] = [num, den]
            else:
                total[0] += num
                total[1] += den
    return {pk: (num, den) for pk, (num, den) in totals.items()}


def not_counted_agencies(*, definition: IndicatorDefinition, agency: Agency, as_of: datetime.date) -> list[AttainmentRow]:
    """The key agencies in `agency`'s subtree that do not count yet (agency-valued indicators)."""
    result = attainment(as_of=as_of, within=agency)
    indicator = result.indicator(definition.code)
    return [row for row in indicator.agencies if row.numerator < row.denominator] if indicator else []
