"""Dashboard contexts: the province overview, an agency's page, their .xlsx tables, and which agencies are silent."""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import Agency, Level, Staff, path_ids
from agencies.querysets import in_scope, scope_path
from sheets.responses import Table
from targets.attainment import (
    Attainment,
    AttainmentRow,
    DeadlineResult,
    IndicatorAttainment,
    attainment,
)
from targets.forms import AttainmentChooserForm, BadParameter, chooser_query
from training.models import Course, TrainingRecord, localized

from .models import AggregateReport
from .rules import AT_RISK, BEHIND, MET, NOT_MET, ON_TRACK, TargetSpec, is_met, is_past_deadline, target_for_year

LEVEL_LABELS = dict(Level.choices)
STATUS_LABELS = {
    MET: gettext_lazy("met"),
    NOT_MET: gettext_lazy("not met"),
    ON_TRACK: gettext_lazy("on track"),
    AT_RISK: gettext_lazy("at risk"),
    BEHIND: gettext_lazy("behind"),
}
RANK_KINDS = (Agency.Kind.DEPARTMENT, Agency.Kind.DISTRICT_COMMITTEE)


DOWNLOAD_FORMATS = ("xlsx", "docx")


def chooser(request, years: list[int] | None = None) -> tuple[AttainmentChooserForm, datetime.date, int | None]:
    """The chooser read from the query string, once per view; the view then calls the dashboard
    functions with the typed date and year. A page shows a refused value's message in the form and
    its default; a download cannot, so a refused value there is a 400 with the message. The target
    years, when not given, come with the figures (the page calls form.set_years)."""
    form = AttainmentChooserForm(request.GET or None, years=years)
    as_of, target_year = form.chosen()
    if form.errors and request.GET.get("format") in DOWNLOAD_FORMATS:
        raise BadParameter(" ".join(str(error) for errors in form.errors.values() for error in errors))
    return form, as_of, target_year


def can_see_row(user, row: AttainmentRow) -> bool:
    """Officers read the province and level totals, but agency rows only inside their own subtree."""
    return row.scope != "agency" or in_scope(user, row.agency_path)


def fraction(row: AttainmentRow | None) -> Fraction:
    """Exact value for sorting: rounding would make ties of 90.04 % and 89.96 %."""
    if row is None or not row.denominator:
        return Fraction(-1)
    return Fraction(row.numerator, row.denominator)


@dataclass(frozen=True)
class Cell:
    """One scorecard cell: the row (None where the agency holds none of the population)."""

    indicator: IndicatorAttainment
    row: AttainmentRow | None


@dataclass(frozen=True)
class ScorecardLine:
    label: str
    agency_id: int | None
    cells: list[Cell]


@dataclass(frozen=True)
class ScorecardPart:
    """A readable slice of a scorecard: a few indicators' columns for every line (one table each)."""

    indicators: list[IndicatorAttainment]
    lines: list[ScorecardLine]


# On paper a scorecard wider than this is split: on A4 landscape each column keeps a readable name heading.
PART_COLUMNS = 7


@dataclass(frozen=True)
class Scorecard:
    """A scorecard whole (for the screen, where it scrolls) and in parts of at most PART_COLUMNS
    indicators of balanced widths (for paper)."""

    whole: ScorecardPart
    parts: list[ScorecardPart]


def scorecard(lines: list[ScorecardLine], indicators) -> Scorecard | None:
    """None when there is no line; a part leaves out the lines that hold none of its populations."""
    if not lines:
        return None
    indicators = list(indicators)
    count = -(-len(indicators) // PART_COLUMNS)  # parts needed
    size = -(-len(indicators) // count) if count else 0  # balanced: 13 columns are 7 + 6, not 7 + 6 + 0
    parts = []
    for start in range(0, len(indicators), size or 1):
        positions = range(start, min(start + size, len(indicators)))
        part_lines = [ScorecardLine(line.label, line.agency_id, [line.cells[n] for n in positions]) for line in lines]
        part_lines = [line for line in part_lines if any(c.row for c in line.cells)]
        if part_lines:
            parts.append(ScorecardPart([indicators[n] for n in positions], part_lines))
    return Scorecard(whole=ScorecardPart(indicators, lines), parts=parts)


def level_lines(result: Attainment) -> list[ScorecardLine]:
    lines = []
    for level, label in Level.choices:
        cells = [Cell(i, next((r for r in i.levels if r.level == level), None)) for i in result.indicators]
        lines.append(ScorecardLine(label=str(label), agency_id=None, cells=cells))
    return lines


def agency_lines(result: Attainment, agency_ids: list[int], names: dict[int, str]) -> list[ScorecardLine]:
    by_indicator = [{row.agency_id: row for row in i.agencies} for i in result.indicators]
    return [
        ScorecardLine(label=names[pk], agency_id=pk,
                      cells=[Cell(i, rows.get(pk)) for i, rows in zip(result.indicators, by_indicator, strict=True)])
        for pk in agency_ids
    ]


def _agency_names(result: Attainment) -> dict[int, tuple[str, str, str]]:
    """{agency_id: (path, name, kind)} of every agency that has a row in any indicator."""
    names = {}
    for indicator in result.indicators:
        for row in indicator.agencies:
            names[row.agency_id] = (row.agency_path, row.agency_name, row.agency_kind)
    return names


def ranking(indicator: IndicatorAttainment, user, worst_first: bool = True) -> list[AttainmentRow]:
    """Districts and departments, worst first (where leaders look for shortfalls) or best first,
    on the exact fraction."""
    rows = [r for r in indicator.agencies if r.agency_kind in RANK_KINDS and r.denominator and can_see_row(user, r)]
    rows.sort(key=lambda r: (fraction(r), -r.denominator), reverse=not worst_first)
    return rows


# --- the programme's results -----------------------------------------------------------------------

@dataclass(frozen=True)
class YearCount:
    """How many indicators met one target year's targets: final on the figure at its deadline once
    that has passed, else so far (today's figure against that year's target)."""

    year: int
    final: bool
    met: int
    judged: int
    not_met: tuple[IndicatorAttainment, ...]


def year_counts(result: Attainment) -> list[YearCount]:
    """One count per target year of the programme, in order (the headline of the results and the overview).

    An indicator is judged for a year when it has a target for it (set that year or kept from an
    earlier one) and a figure; "tracked, no number" indicators are not counted in either part.
    """
    counts = []
    for year in result.target_years:
        final = is_past_deadline(year, result.as_of)
        met, not_met = 0, []
        for indicator in result.indicators:
            outcome = _met_in(indicator, year, final)
            if outcome is None:
                continue
            if outcome:
                met += 1
            else:
                not_met.append(indicator)
        counts.append(YearCount(year=year, final=final, met=met, judged=met + len(not_met), not_met=tuple(not_met)))
    return counts


def _met_in(indicator: IndicatorAttainment, year: int, final: bool) -> bool | None:
    if final:
        at_deadline = indicator.deadline_result(year)
        return at_deadline.met if at_deadline else None
    row = indicator.province or (indicator.agencies[0] if indicator.agencies else None)
    if row is None:
        return None
    return is_met(row.numerator, row.denominator, target_for_year(indicator.targets, year))


@dataclass(frozen=True)
class ResultLine:
    """One indicator of the results page: its outcome for each target year, and its value today."""

    indicator: IndicatorAttainment
    outcomes: list[tuple[int, bool | None, DeadlineResult | None, TargetSpec | None]]
    today: AttainmentRow | None

    @property
    def missed(self) -> bool:
        return any(met is False for _year, met, _result, _target in self.outcomes)


def result_lines(result: Attainment) -> list[ResultLine]:
    """Every indicator with its outcome per target year; the ones that missed a target first."""
    lines = []
    for indicator in result.indicators:
        outcomes = []
        for year in result.target_years:
            final = is_past_deadline(year, result.as_of)
            outcomes.append((year, _met_in(indicator, year, final), indicator.deadline_result(year),
                             target_for_year(indicator.targets, year)))
        lines.append(ResultLine(indicator=indicator, outcomes=outcomes, today=indicator.province))
    return sorted(lines, key=lambda line: not line.missed)  # stable: the programme's order within each part


def results(user, *, as_of: datetime.date) -> dict:
    """The programme's results ("tổng kết") on `as_of`: per indicator the figure on each deadline, the
    target, met or not, and the figure on `as_of`; the counts per target year on top."""
    result = attainment(as_of=as_of, trend=True, agency_kinds=RANK_KINDS)
    return {
        "result": result,
        "as_of": as_of,
        "counts": year_counts(result),
        "lines": result_lines(result),
        "root": Agency.objects.filter(parent__isnull=True).order_by("path").first(),
    }


# --- pages --------------------------------------------------------------------------------------

def overview(user, *, as_of: datetime.date, target_year: int | None, rank: str | None = None,
             worst_first: bool = True) -> dict:
    """The province overview on `as_of` against `target_year` (None: the default of indicators.md)."""
    result = attainment(as_of=as_of, target_year=target_year, trend=True, agency_kinds=RANK_KINDS)
    rankable = [i for i in result.indicators if any(r.agency_kind in RANK_KINDS for r in i.agencies)]
    rank_indicator = next((i for i in rankable if i.code == rank), rankable[0] if rankable else None)
    names = _agency_names(result)
    key_ids = sorted(
        (pk for pk, (path, _name, kind) in names.items()
         if kind in RANK_KINDS and in_scope(user, path)),
        key=lambda pk: names[pk][0],
    )
    levels = level_lines(result)
    key_lines = agency_lines(result, key_ids, {pk: names[pk][1] for pk in key_ids})
    return {
        **_chooser_context(as_of, target_year, result),
        "programme_name": result.localized_programme_name,
        "indicators": result.indicators,
        "items": [(i, i.province) for i in result.indicators],
        "counts": year_counts(result),
        "level_lines": levels,
        "level_card": scorecard(levels, result.indicators),
        "scorecard": key_lines,
        "scorecard_card": scorecard(key_lines, result.indicators),
        "rankable": rankable,
        "rank_indicator": rank_indicator,
        "ranking": ranking(rank_indicator, user, worst_first) if rank_indicator else [],
        "worst_first": worst_first,
        "own_agency": user.agency if user.is_officer else None,
        "scope": scope_path(user),  # what the scorecard may list: part of its fragment's key
    }


def agency_page(user, agency: Agency, *, as_of: datetime.date, target_year: int | None) -> dict:
    """One agency's subtree on `as_of` against `target_year`: its indicators, levels and subordinate units."""
    result = attainment(as_of=as_of, target_year=target_year, within=agency, trend=True)
    names = _agency_names(result)
    child_ids = sorted(
        {row.agency_id for i in result.indicators for row in i.agencies if row.parent_id == agency.pk},
        key=lambda pk: names[pk][0],
    )
    own = [(i, i.agency_row(agency.pk)) for i in result.indicators]
    levels = [line for line in level_lines(result) if any(c.row for c in line.cells)]
    children = agency_lines(result, child_ids, {pk: names[pk][1] for pk in child_ids})
    return {
        **_chooser_context(as_of, target_year, result),
        "agency": agency,
        "own": own,
        "level_lines": levels,
        "level_card": scorecard(levels, result.indicators),
        "children": children,
        "children_card": scorecard(children, result.indicators),
    }


@dataclass(frozen=True)
class PendingCourse:
    course: Course
    pending: int
    total: int


def pending_courses(user, *, as_of: datetime.date) -> list[PendingCourse]:
    """Courses the officer's subtree manages that ended before `as_of` with results still empty: one query."""
    pending = Count("records", filter=Q(records__result=TrainingRecord.Result.PENDING))
    courses = (
        Course.objects.filter(agency__path__startswith=user.agency.path, end_date__lt=as_of)
        .annotate(pending=pending, total=Count("records")).filter(pending__gt=0)
        .select_related("agency").order_by("end_date", "code")
    )
    return [PendingCourse(course=c, pending=c.pending, total=c.total) for c in courses]


def officer_home(user, *, as_of: datetime.date, target_year: int | None) -> dict:
    """An officer's own world: their agency subtree's figures and their next tasks (people not counted
    yet, silent units of theirs, courses whose results are still empty), no province rankings."""
    agency = user.agency
    ctx = agency_page(user, agency, as_of=as_of, target_year=target_year)
    to_count = [(i, row) for i, row in ctx["own"] if row and not i.is_reported and row.numerator < row.denominator]
    return {
        **ctx,
        "to_count": to_count,
        "silent": silent_agencies(as_of=as_of, user=user),
        "pending_courses": pending_courses(user, as_of=as_of),
    }


# --- spreadsheets -------------------------------------------------------------------------------

def _chooser_context(as_of: datetime.date, target_year: int | None, result: Attainment) -> dict:
    """What every dashboard page needs for its date and target-year links (the view adds the form)."""
    return {
        "as_of": as_of,
        "target_year": result.target_year,
        "query": chooser_query(as_of, target_year if target_year in result.target_years else None),
        "result": result,
    }


def _target_text(indicator: IndicatorAttainment, year: int) -> str:
    target = indicator.target_in(year)
    return f"{target.op} {target.as_json()['percent']}" if target else ""


def _row_cells(row: AttainmentRow | None) -> list:
    if row is None:
        return ["", "", "", "", ""]
    met = {True: _("yes"), False: _("no"), None: ""}[row.met]
    return [row.numerator, row.denominator, float(row.percent) if row.percent is not None else None, met,
            str(STATUS_LABELS.get(row.status, ""))]


def indicator_table(result: Attainment, rows_of, title: str) -> Table:
    years = result.target_years
    header = [_("Code"), _("Indicator"), _("Counted"), _("Population"), _("Percent"), _("Met"), _("Status"),
              _("Gap"), *(_("Target %(year)s") % {"year": year} for year in years)]
    lines = []
    for indicator in result.indicators:
        row = rows_of(indicator)
        lines.append([indicator.code, indicator.localized_name, *_row_cells(row), row.gap if row else None,
                      *(_target_text(indicator, year) for year in years)])
    return Table(title=title, header=header, rows=lines)


def scorecard_table(lines: list[ScorecardLine], indicators, title: str) -> Table:
    header = [_("Name")] + [i.localized_name for i in indicators]
    rows = [[line.label] + [None if c.row is None or c.row.percent is None else float(c.row.percent) for c in line.cells]
            for line in lines]
    return Table(title=title, header=header, rows=rows)


def ranking_table(rows: list[AttainmentRow], title: str) -> Table:
    header = [_("Rank"), _("Code"), _("Agency"), _("Counted"), _("Population"), _("Percent"), _("Met"), _("Status")]
    return Table(title=title, header=header,
                 rows=[[n, r.agency_code, r.agency_name, *_row_cells(r)] for n, r in enumerate(rows, start=1)])


def overview_tables(ctx: dict) -> list[Table]:
    return [
        indicator_table(ctx["result"], lambda i: i.province, _("Whole province")),
        scorecard_table(ctx["level_lines"], ctx["indicators"], _("By level")),
        ranking_table(ctx["ranking"], _("Ranking")),
        scorecard_table(ctx["scorecard"], ctx["indicators"], _("Scorecard")),
    ]


def agency_tables(ctx: dict) -> list[Table]:
    agency = ctx["agency"]
    return [
        indicator_table(ctx["result"], lambda i: i.agency_row(agency.pk), agency.code),
        scorecard_table(ctx["level_lines"], ctx["result"].indicators, _("By level")),
        scorecard_table(ctx["children"], ctx["result"].indicators, _("Subordinate agencies")),
    ]


# Agencies that keep a roster for their own same-level subtree (a district committee for its offices
# and schools, a commune for itself): the natural unit to chase when data stops coming.
WATCHED_KINDS = (Agency.Kind.DEPARTMENT, Agency.Kind.DISTRICT_COMMITTEE, Agency.Kind.COMMUNE_COMMITTEE)
QUIET_DAYS = 365


@dataclass(frozen=True)
class SilentAgency:
    agency_id: int
    code: str
    name: str
    path: str
    last_roster_update: datetime.datetime | None
    no_roster_update: bool
    no_training: bool
    missing_reports: tuple[str, ...]
    missing_report_names: tuple[str, ...] = ()


def silent_agencies(*, as_of: datetime.date, user) -> list[SilentAgency]:
    """Watched agencies visible to `user` with at least one silence in the twelve months before `as_of`.

    Four queries whatever the number of agencies: roster and training activity are grouped by
    agency in the database and credited in Python to the watched agency that owns each roster.
    """
    nodes = list(Agency.objects.visible_to(user).order_by("path").values("id", "code", "name", "level", "kind", "path"))
    by_id = {n["id"]: n for n in nodes}
    until = timezone.make_aware(datetime.datetime.combine(as_of + datetime.timedelta(days=1), datetime.time()))
    since = until - datetime.timedelta(days=QUIET_DAYS + 1)

    def owner(agency_id: int) -> int | None:
        node = by_id.get(agency_id)
        if node is None:
            return None
        for pk in reversed(path_ids(node["path"])):
            candidate = by_id.get(pk)
            if candidate and candidate["kind"] in WATCHED_KINDS and candidate["level"] == node["level"]:
                return pk
        return None

    staff = Staff.objects.visible_to(user).filter(updated_at__lt=until)
    last_update: dict[int, datetime.datetime] = {}
    for row in staff.order_by().values("agency_id").annotate(last=Max("updated_at")):
        pk = owner(row["agency_id"])
        if pk is not None and (pk not in last_update or row["last"] > last_update[pk]):
            last_update[pk] = row["last"]
    records = TrainingRecord.objects.visible_to(user).filter(created_at__gte=since, created_at__lt=until)
    trained = {owner(pk) for pk in records.order_by().values_list("staff__agency_id", flat=True).distinct()}

    reported: dict[int, set[str]] = {}
    this_year: dict[int, set[str]] = {}
    names: dict[str, str] = {}
    reports = AggregateReport.objects.filter(agency_id__in=list(by_id), year__lte=as_of.year)
    rows = reports.values_list("agency_id", "indicator__code", "indicator__name", "indicator__name_en", "year")
    for agency_id, code, name, name_en, year in rows:
        names[code] = localized(name, name_en)
        reported.setdefault(agency_id, set()).add(code)
        if year == as_of.year:
            this_year.setdefault(agency_id, set()).add(code)

    silent = []
    for node in nodes:
        watched = node["kind"] in WATCHED_KINDS
        if not watched and node["id"] not in reported:
            continue
        last = last_update.get(node["id"])
        no_roster = watched and (last is None or last < since)
        no_training = watched and node["id"] not in trained
        missing = tuple(sorted(reported.get(node["id"], set()) - this_year.get(node["id"], set())))
        if no_roster or no_training or missing:
            silent.append(SilentAgency(
                agency_id=node["id"], code=node["code"], name=node["name"], path=node["path"],
                last_roster_update=last, no_roster_update=no_roster, no_training=no_training, missing_reports=missing,
                missing_report_names=tuple(names[code] for code in missing),
            ))
    return silent
