"""Aggregate report import (formats.md, "Báo cáo số liệu"): upsert by (indicator, agency, year).

Every row must keep reports additive (targets.reports): an agency may not report an indicator
that an agency above or below it reports too, whether in the database or elsewhere in the file.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.history import record_import
from agencies.models import Agency
from sheets.cells import parse_code, parse_text, parse_whole_number
from sheets.locking import import_transaction, write_in_bulk
from sheets.plan import FieldChange, Plan, blank_cell, shown
from sheets.progress import COMPARING, WRITING, Progress, report
from sheets.result import ImportResult
from sheets.rows import Row, flag_duplicates, parse_rows
from sheets.table import Column, SheetSpec, read_table
from sheets.workbook import open_workbook

from .models import FIRST_REPORT_YEAR, AggregateReport, Indicator
from .services import Conflict, additivity_conflicts, lock_additivity

BATCH_SIZE = 2000


def _indicator_code(value) -> str:
    # Indicator codes are lower-case slugs ("teachers-it"), unlike agency and staff codes.
    return parse_text(value, max_length=64).lower()


SHEET = SheetSpec("Báo cáo số liệu", (
    Column("indicator_code", "Mã chỉ tiêu", True,
           "teachers-it, vocational-students-it, secondary-students-informatics, enterprises-trained, citizens-trained",
           "teachers-it"),
    Column("agency_code", "Mã đơn vị", True, "the reporting agency", "SGDDT"),
    Column("year", "Năm", True, f"{FIRST_REPORT_YEAR} to the current year", 2020),
    Column("numerator", "Tử số", True, "whole number ≥ 0", 1180),
    Column("denominator", "Mẫu số", True, "whole number ≥ Tử số", 1200),
    Column("note", "Ghi chú", False, "text", ""),
))
SHEETS = (SHEET,)
HEADER = {c.key: c.header for c in SHEET.columns}

PARSERS = {
    "indicator_code": _indicator_code,
    "agency_code": parse_code,
    "year": parse_whole_number,
    "numerator": parse_whole_number,
    "denominator": parse_whole_number,
    "note": lambda value: parse_text(value, max_length=2000),
}


def report_import(*, data: bytes, file_name: str = "", user=None, dry_run: bool = False,
                  keep_blanks: bool = False, progress: Progress | None = None) -> ImportResult:
    """Import an aggregate reports workbook. Raises UnusableFile when the file cannot be used at all.

    With `keep_blanks`, an empty note keeps the stored one.
    """
    result = ImportResult(kind="reports", dry_run=dry_run, plan=Plan(keep_blanks=keep_blanks))
    table = read_table(open_workbook(data), SHEET)
    result.tables.append(table)
    rows = parse_rows(table, PARSERS, result, progress)
    this_year = timezone.localdate().year
    for row in rows:
        values = row.values
        year = values.get("year")
        if year is not None and not FIRST_REPORT_YEAR <= year <= this_year:
            row.error(result, "year",
                      _("not a year from %(first)d to %(last)d") % {"first": FIRST_REPORT_YEAR, "last": this_year})
            values.pop("year")
        numerator, denominator = values.get("numerator"), values.get("denominator")
        if numerator is not None and denominator is not None and denominator < numerator:
            row.error(result, "denominator", _("smaller than the numerator"))
    duplicated = flag_duplicates(
        rows, lambda v: (v.get("indicator_code"), v.get("agency_code"), v.get("year")) if len(v) >= 3 else None,
        "indicator_code", result, _("the same indicator, agency and year are also on row %(row)s"),
    )

    report(progress, WRITING if not dry_run else COMPARING)
    with import_transaction(writes=not dry_run):
        plan = _plan(rows, duplicated, table.has("note"), {key for key in PARSERS if table.has(key)}, result)
        if result.errors:
            result.plan = Plan(keep_blanks=keep_blanks)
            return result
        result.counts = {"created": len(plan.creates), "updated": len(plan.updates),
                         "unchanged": len(rows) - len(plan.creates) - len(plan.updates)}
        if dry_run:
            return result
        write_in_bulk(AggregateReport, creates=plan.creates, updates=plan.updates, fields=plan.fields,
                      batch_size=BATCH_SIZE)
        record_import(user=user, model=AggregateReport, file_name=file_name,
                      checksum=hashlib.sha256(data).hexdigest(), summary=result.summary_line())
        result.applied = True
    return result


@dataclass
class _ReportPlan:
    creates: list[AggregateReport] = field(default_factory=list)
    updates: list[AggregateReport] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)


def _plan(rows: list[Row], duplicated: set[int], has_note: bool, expected: set[str],
          result: ImportResult) -> _ReportPlan:
    """The reports to create and update, checked for additivity, described in result.plan."""
    plan = _ReportPlan(fields=["numerator", "denominator"] + (["note"] if has_note else []))
    indicators: dict[str, Indicator] = {}
    # The current programme's indicator wins when several programmes use one code.
    for indicator in Indicator.objects.filter(source=Indicator.Source.REPORTS).order_by(
        "programme__is_current", "programme__start_date"
    ):
        indicators[indicator.code] = indicator
    agencies = {agency.code: agency for agency in Agency.objects.all()}
    stored = {
        (r.indicator_id, r.agency_id, r.year): r
        for r in AggregateReport.objects.filter(indicator__in=list(indicators.values())).values_list(
            "id", "indicator_id", "agency_id", "year", "numerator", "denominator", "note", named=True)
    }
    valid = []
    for row in rows:
        values = row.values
        indicator = indicators.get(values.get("indicator_code"))
        agency = agencies.get(values.get("agency_code"))
        if "indicator_code" in values and indicator is None:
            row.error(result, "indicator_code", _("not an aggregate indicator code"))
        if "agency_code" in values and agency is None:
            row.error(result, "agency_code", _("unknown agency"))
        if indicator and agency and expected <= values.keys() and row.number not in duplicated:
            valid.append((row, indicator, agency))
    # Held to the end of the import's transaction: a report typed in a form meanwhile waits, then sees these.
    lock_additivity(indicator.pk for indicator in indicators.values())
    conflicts = additivity_conflicts(pairs={(i, a) for _row, i, a in valid})
    rows_of = {}
    for row, indicator, agency in valid:
        rows_of.setdefault((indicator.pk, agency.pk), row.number)
    for row, indicator, agency in valid:
        others = conflicts.get((indicator.pk, agency.pk))
        if others:
            # Only the row to change is flagged: a stored report it overlaps is named, not marked wrong.
            row.error(result, "agency_code", "; ".join(
                _additivity_reason(conflict, rows_of.get((indicator.pk, conflict.agency.pk))) for conflict in others))
            continue
        values = row.values
        new = {name: values[name] for name in plan.fields}
        old = stored.get((indicator.pk, agency.pk, values["year"]))
        code = f"{indicator.code} {agency.code} {values['year']}"
        if old is None:
            plan.creates.append(AggregateReport(indicator=indicator, agency=agency, year=values["year"], **new))
            result.plan.add("created", code, agency.name)
            continue
        if has_note and blank_cell(row, "note") and old.note:
            result.plan.erase(code, agency.name, HEADER["note"], old.note)
            if result.plan.keep_blanks:
                new["note"] = old.note
        changes = [FieldChange(HEADER[name], shown(getattr(old, name)), shown(value))
                   for name, value in new.items() if getattr(old, name) != value]
        if changes:
            plan.updates.append(AggregateReport(pk=old.id, **new))
            result.plan.add("updated", code, agency.name, changes)
    return plan


def _additivity_reason(conflict: Conflict, row_number: int | None) -> str:
    names = {"code": conflict.agency.code, "name": conflict.agency.name}
    if conflict.years:
        return _("%(code)s (%(name)s), above or below this agency, already has a stored report of this indicator "
                 "for %(years)s; reports are added up the tree, so report it at one level only: change this "
                 "row's agency or leave the row out") % {**names, "years": ", ".join(map(str, conflict.years))}
    return _("row %(row)s of this file reports this indicator for %(code)s (%(name)s), above or below this agency; "
             "reports are added up the tree, so keep only one of the two rows") % {**names, "row": row_number}
