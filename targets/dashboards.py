"""Dashboard contexts: the province overview, an agency's page, their .xlsx tables, and which agencies are silent."""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import Agency, Level, Staff, path_ids
from agencies.querysets import in_scope
from sheets.responses import Table
from targets.attainment import (
    Attainment,
    AttainmentRow,
    IndicatorAttainment,
    attainment,
)
from targets.forms import AttainmentChooserForm, BadParameter, chooser_query
from training.models import TrainingRecord

from .models import AggregateReport

LEVEL_LABELS = dict(Level.choices)
STATUS_LABELS = {
    "met": gettext_lazy("met"),
    "on_track": gettext_lazy("on track"),
    "at_risk": gettext_lazy("at risk"),
    "behind": gettext_lazy("behind"),
}
RANK_KINDS = (Agency.Kind.DEPARTMENT, Agency.Kind.DISTRICT_COMMITTEE)


def chooser(request) -> tuple[AttainmentChooserForm, datetime.date, int | None]:
    """The chooser read from the query string. A page shows a refused value's message in the form and
    its default; a download cannot, so a refused value there is a 400 with the message."""
    form = AttainmentChooserForm(request.GET or None)
    as_of, target_year = form.chosen()
    if form.errors and request.GET.get("format") == "xlsx":
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


def ranking(indicator: IndicatorAttainment, user, worst_first: bool = False) -> list[AttainmentRow]:
    """Districts and departments, best first (or worst first), on the exact fraction."""
    rows = [r for r in indicator.agencies if r.agency_kind in RANK_KINDS and r.denominator and can_see_row(user, r)]
    rows.sort(key=lambda r: (fraction(r), r.denominator), reverse=not worst_first)
    return rows


def overview_context(request) -> dict:
    user = request.user
    form, as_of, target_year = chooser(request)
    result = attainment(as_of=as_of, target_year=target_year, trend=True, agency_kinds=RANK_KINDS)
    rankable = [i for i in result.indicators if any(r.agency_kind in RANK_KINDS for r in i.agencies)]
    rank_code = request.GET.get("rank")
    rank_indicator = next((i for i in rankable if i.code == rank_code), rankable[0] if rankable else None)
    worst_first = request.GET.get("order") == "worst"
    names = _agency_names(result)
    key_ids = sorted(
        (pk for pk, (path, _name, kind) in names.items()
         if kind in RANK_KINDS and in_scope(user, path)),
        key=lambda pk: names[pk][0],
    )
    return {
        **_chooser_context(form, as_of, target_year, result),
        "programme_name": result.programme_name,
        "indicators": result.indicators,
        "level_lines": level_lines(result),
        "scorecard": agency_lines(result, key_ids, {pk: names[pk][1] for pk in key_ids}),
        "rankable": rankable,
        "rank_indicator": rank_indicator,
        "ranking": ranking(rank_indicator, user, worst_first) if rank_indicator else [],
        "worst_first": worst_first,
        "own_agency": user.agency if user.is_officer else None,
    }


def agency_context(request, agency: Agency) -> dict:
    form, as_of, target_year = chooser(request)
    result = attainment(as_of=as_of, target_year=target_year, within=agency, trend=True)
    names = _agency_names(result)
    child_ids = sorted(
        {row.agency_id for i in result.indicators for row in i.agencies if row.parent_id == agency.pk},
        key=lambda pk: names[pk][0],
    )
    own = [(i, i.agency_row(agency.pk)) for i in result.indicators]
    return {
        **_chooser_context(form, as_of, target_year, result),
        "agency": agency,
        "own": own,
        "level_lines": [line for line in level_lines(result) if any(c.row for c in line.cells)],
        "children": agency_lines(result, child_ids, {pk: names[pk][1] for pk in child_ids}),
    }


# --- spreadsheets -------------------------------------------------------------------------------

def _chooser_context(form, as_of: datetime.date, target_year: int | None, result: Attainment) -> dict:
    """What every dashboard page needs for its date and target-year chooser and its links."""
    return {
        "form": form,
        "as_of": as_of,
        "target_year": result.target_year,
        "query": chooser_query(as_of, target_year),
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


def indicator_table(indicators, rows_of, title: str) -> Table:
    header = [_("Code"), _("Indicator"), _("Counted"), _("Population"), _("Percent"), _("Met"), _("Status"),
              _("Gap"), _("Target %(year)s") % {"year": 2020}, _("Target %(year)s") % {"year": 2025}]
    lines = []
    for indicator in indicators:
        row = rows_of(indicator)
        lines.append([indicator.code, indicator.name, *_row_cells(row), row.gap if row else None,
                      _target_text(indicator, 2020), _target_text(indicator, 2025)])
    return Table(title=title, header=header, rows=lines)


def scorecard_table(lines: list[ScorecardLine], indicators, title: str) -> Table:
    header = [_("Name")] + [i.code for i in indicators]
    rows = [[line.label] + [None if c.row is None or c.row.percent is None else float(c.row.percent) for c in line.cells]
            for line in lines]
    return Table(title=title, header=header, rows=rows)


def ranking_table(rows: list[AttainmentRow], title: str) -> Table:
    header = [_("Rank"), _("Code"), _("Agency"), _("Counted"), _("Population"), _("Percent"), _("Met"), _("Status")]
    return Table(title=title, header=header,
                 rows=[[n, r.agency_code, r.agency_name, *_row_cells(r)] for n, r in enumerate(rows, start=1)])


def overview_tables(ctx: dict) -> list[Table]:
    return [
        indicator_table(ctx["indicators"], lambda i: i.province, _("Whole province")),
        scorecard_table(ctx["level_lines"], ctx["indicators"], _("By level")),
        ranking_table(ctx["ranking"], _("Ranking")),
        scorecard_table(ctx["scorecard"], ctx["indicators"], _("Scorecard")),
    ]


def agency_tables(ctx: dict) -> list[Table]:
    agency = ctx["agency"]
    return [
        indicator_table(ctx["result"].indicators, lambda i: i.agency_row(agency.pk), agency.code),
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
    reports = AggregateReport.objects.filter(agency_id__in=list(by_id), year__lte=as_of.year)
    for agency_id, code, year in reports.values_list("agency_id", "indicator__code", "year"):
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
            ))
    return silent
