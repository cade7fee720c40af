"""Agency import (formats.md, "Đơn vị"): upsert by agency code, parents by code, all or nothing.

New agencies are inserted in one batch, their parents set in a second, and every materialised path
recomputed once by rebuild_agency_paths: a fixed number of queries whatever the size of the file.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from sheets.cells import Choices, parse_code, parse_text
from sheets.locking import import_transaction
from sheets.plan import FieldChange, Plan, blank_cell
from sheets.progress import COMPARING, WRITING, Progress, report
from sheets.result import ImportResult
from sheets.rows import Row, flag_duplicates, parse_rows
from sheets.table import Column, SheetSpec, read_table
from sheets.workbook import open_workbook

from .history import record_import
from .models import Agency, Level, rebuild_agency_paths

BATCH_SIZE = 1000

LEVEL = Choices({
    Level.PROVINCE: ["Tỉnh", "province", "Cấp tỉnh"],
    Level.DISTRICT: ["Huyện", "district", "Cấp huyện"],
    Level.COMMUNE: ["Xã", "commune", "Cấp xã"],
})
KIND = Choices({
    Agency.Kind.PROVINCE_COMMITTEE: ["UBND tỉnh", "province_committee"],
    Agency.Kind.DEPARTMENT: ["Sở-Ban-Ngành", "department", "Sở, Ban, Ngành"],
    Agency.Kind.DISTRICT_COMMITTEE: ["UBND huyện", "district_committee", "UBND thị xã", "UBND thành phố"],
    Agency.Kind.COMMUNE_COMMITTEE: ["UBND xã", "commune_committee", "UBND phường", "UBND thị trấn"],
    Agency.Kind.UNIT: ["Đơn vị trực thuộc", "unit"],
    Agency.Kind.SCHOOL: ["Trường học", "school"],
})

SHEET = SheetSpec("Đơn vị", (
    Column("agency_code", "Mã đơn vị", True, "unique code", "SNV"),
    Column("name", "Tên đơn vị", True, "text", "Sở Nội vụ"),
    Column("level", "Cấp", True, "Tỉnh / Huyện / Xã (province / district / commune)", "Tỉnh"),
    Column("kind", "Loại", True,
           "UBND tỉnh, Sở-Ban-Ngành, UBND huyện, UBND xã, Đơn vị trực thuộc, Trường học "
           "(province_committee, department, district_committee, commune_committee, unit, school)", "Sở-Ban-Ngành"),
    Column("parent_code", "Mã đơn vị cấp trên", False,
           "code of an agency in the file or already known; empty only for the UBND tỉnh", "UBND-T"),
))
SHEETS = (SHEET,)
HEADER = {c.key: c.header for c in SHEET.columns}

PARSERS = {
    "agency_code": parse_code,
    "name": parse_text,
    "level": LEVEL.parse,
    "kind": KIND.parse,
    "parent_code": parse_code,
}


def agency_import(*, data: bytes, file_name: str = "", user=None, dry_run: bool = False,
                  keep_blanks: bool = False, progress: Progress | None = None) -> ImportResult:
    """Import an agencies workbook. Raises UnusableFile when the file cannot be used at all.

    With `keep_blanks`, an empty parent cell keeps a known agency's stored parent.
    """
    result = ImportResult(kind="agencies", dry_run=dry_run, plan=Plan(keep_blanks=keep_blanks))
    table = read_table(open_workbook(data), SHEET)
    result.tables.append(table)
    rows = parse_rows(table, PARSERS, result, progress)
    duplicated = flag_duplicates(rows, lambda v: v.get("agency_code"), "agency_code", result,
                                 _("the same agency code is also on row %(row)s"))

    report(progress, WRITING if not dry_run else COMPARING)
    with import_transaction(writes=not dry_run):
        stored = {a.code: a for a in Agency.objects.values_list("id", "code", "name", "level", "kind", "parent_id",
                                                                named=True)}
        plan = _plan(rows, duplicated, stored, table.has("parent_code"), result)
        if result.errors:
            result.plan = Plan(keep_blanks=keep_blanks)
            return result
        result.counts = {"created": len(plan.creates), "updated": len(plan.updates),
                         "unchanged": len(rows) - len(plan.creates) - len(plan.updates)}
        if dry_run:
            return result
        _write(plan, stored)
        record_import(user=user, model=Agency, file_name=file_name, checksum=hashlib.sha256(data).hexdigest(),
                      summary=result.summary_line())
        result.applied = True
    return result


@dataclass
class _AgencyPlan:
    creates: list[Row] = field(default_factory=list)
    updates: list[Row] = field(default_factory=list)
    # Every agency's parent code once the file is applied.
    parent_code: dict[str, str | None] = field(default_factory=dict)
    has_parent_column: bool = True


def _plan(rows: list[Row], duplicated: set[int], stored: dict, has_parent_column: bool,
          result: ImportResult) -> _AgencyPlan:
    """The agencies to create and update, checked for unknown parents and cycles, described in result.plan."""
    code_of = {a.id: a.code for a in stored.values()}
    file_codes = {row.values["agency_code"] for row in rows if "agency_code" in row.values}
    plan = _AgencyPlan(parent_code={code: code_of.get(a.parent_id) for code, a in stored.items()},
                       has_parent_column=has_parent_column)
    valid = [row for row in rows if row.values.get("agency_code") is not None and row.number not in duplicated]
    for row in valid:
        values = row.values
        code = values["agency_code"]
        old = stored.get(code)
        if not has_parent_column or "parent_code" not in values:
            if old is None and not has_parent_column:
                plan.parent_code[code] = None
            continue
        parent = values["parent_code"] or None
        if parent is None and old is not None and old.parent_id is not None and blank_cell(row, "parent_code"):
            result.plan.erase(code, old.name, HEADER["parent_code"], code_of[old.parent_id])
            if result.plan.keep_blanks:
                continue
        if parent is not None and parent not in stored and parent not in file_codes:
            row.error(result, "parent_code", _("unknown agency"))
            values.pop("parent_code")
            continue
        plan.parent_code[code] = parent
    for row in valid:
        values = row.values
        code = values["agency_code"]
        if len(values) < len(PARSERS) - (not has_parent_column):
            continue
        parent = plan.parent_code.get(code)
        if parent is None and values["kind"] != Agency.Kind.PROVINCE_COMMITTEE:
            row.error(result, "parent_code", _("required for every agency but the UBND tỉnh"))
            continue
        if parent is not None and _in_cycle(code, plan.parent_code):
            row.error(result, "parent_code", _("this parent would make a cycle"))
            continue
        old = stored.get(code)
        if old is None:
            plan.creates.append(row)
            result.plan.add("created", code, values["name"])
            continue
        changes = [
            FieldChange(HEADER[key], LABELS[key].label(getattr(old, key)) if key in LABELS else getattr(old, key),
                        LABELS[key].label(values[key]) if key in LABELS else values[key])
            for key in ("name", "level", "kind")
            if getattr(old, key) != values[key]
        ]
        old_parent = code_of.get(old.parent_id)
        if has_parent_column and old_parent != parent:
            changes.append(FieldChange(HEADER["parent_code"], old_parent or "", parent or ""))
        if changes:
            plan.updates.append(row)
            result.plan.add("updated", code, values["name"], changes)
    return plan


def _in_cycle(code: str, parent_code: dict[str, str | None]) -> bool:
    """True when following parents from `code` comes back to it (a loop above it is its members' error)."""
    seen = {code}
    current = parent_code.get(code)
    while current is not None:
        if current in seen:
            return current == code
        seen.add(current)
        current = parent_code.get(current)
    return False


def _write(plan: _AgencyPlan, stored: dict) -> None:
    now = timezone.now()
    new = [Agency(code=row.values["agency_code"], name=row.values["name"], level=row.values["level"],
                  kind=row.values["kind"]) for row in plan.creates]
    # Parents may be new too: insert without them, then link every parent in one batch.
    Agency.objects.bulk_create(new, batch_size=BATCH_SIZE)
    ids = {code: a.id for code, a in stored.items()}
    ids.update({agency.code: agency.pk for agency in new})
    changed = []
    for row in plan.updates + plan.creates:
        code = row.values["agency_code"]
        # Without the parent column existing agencies keep theirs; new ones get none.
        parent_id = (ids.get(plan.parent_code.get(code)) if plan.has_parent_column or code not in stored
                     else stored[code].parent_id)
        changed.append(Agency(pk=ids[code], code=code, name=row.values["name"], level=row.values["level"],
                              kind=row.values["kind"], updated_at=now, parent_id=parent_id))
    fields = ["name", "level", "kind", "updated_at"]
    if plan.has_parent_column or plan.creates:
        fields.append("parent_id")
    Agency.objects.bulk_update(changed, fields, batch_size=BATCH_SIZE)
    rebuild_agency_paths()


LABELS = {"level": LEVEL, "kind": KIND}
