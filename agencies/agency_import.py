"""Agency import (formats.md, "Đơn vị"): upsert by agency code, parents by code, all or nothing.

New agencies are inserted in one batch, their parents set in a second, and every materialised path
recomputed once by rebuild_agency_paths: a fixed number of queries whatever the size of the file.
"""
from __future__ import annotations

import hashlib

from django.utils import timezone
from django.utils.translation import gettext as _

from sheets.cells import Choices, parse_code, parse_text
from sheets.locking import import_transaction
from sheets.result import ImportResult
from sheets.rows import flag_duplicates, parse_rows
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

PARSERS = {
    "agency_code": parse_code,
    "name": parse_text,
    "level": LEVEL.parse,
    "kind": KIND.parse,
    "parent_code": parse_code,
}


def agency_import(*, data: bytes, file_name: str = "", user=None, dry_run: bool = False) -> ImportResult:
    """Import an agencies workbook. Raises UnusableFile when the file cannot be used at all."""
    result = ImportResult(kind="agencies", dry_run=dry_run)
    table = read_table(open_workbook(data), SHEET)
    result.tables.append(table)
    rows = parse_rows(table, PARSERS, result)
    duplicated = flag_duplicates(rows, lambda v: v.get("agency_code"), "agency_code", result,
                                 _("the same agency code is also on row %(row)s"))
    has_parent_column = table.has("parent_code")

    with import_transaction():
        stored = {a[1]: a for a in Agency.objects.values_list("id", "code", "name", "level", "kind", "parent_id")}
        code_of = {a[0]: a[1] for a in stored.values()}
        file_codes = {row.values["agency_code"] for row in rows if "agency_code" in row.values}
        # Every agency's parent once the file is applied, by code, to find cycles before writing.
        parent_code = {code: code_of.get(a[5]) for code, a in stored.items()}
        for row in rows:
            values = row.values
            code = values.get("agency_code")
            if code is None or row.number in duplicated:
                continue
            if not has_parent_column or "parent_code" not in values:
                if code not in stored and not has_parent_column:
                    parent_code[code] = None
                continue
            parent = values["parent_code"] or None
            if parent is not None and parent not in stored and parent not in file_codes:
                row.error(result, "parent_code", _("unknown agency"))
                values.pop("parent_code")
                continue
            parent_code[code] = parent
        creates, updates = [], []
        for row in rows:
            values = row.values
            code = values.get("agency_code")
            if code is None or row.number in duplicated or len(values) < len(PARSERS) - (not has_parent_column):
                continue
            parent = parent_code.get(code)
            if parent is None and values["kind"] != Agency.Kind.PROVINCE_COMMITTEE:
                row.error(result, "parent_code", _("required for every agency but the UBND tỉnh"))
                continue
            if parent is not None and _in_cycle(code, parent_code):
                row.error(result, "parent_code", _("this parent would make a cycle"))
                continue
            old = stored.get(code)
            if old is None:
                creates.append((code, values))
            elif (old[2], old[3], old[4]) != (values["name"], values["level"], values["kind"]) or (
                has_parent_column and code_of.get(old[5]) != parent
            ):
                updates.append((code, values))
        if result.errors:
            return result
        for code, _values in creates:
            result.note("created", code)
        for code, _values in updates:
            result.note("updated", code)
        result.counts = {"created": len(creates), "updated": len(updates),
                         "unchanged": len(rows) - len(creates) - len(updates)}
        if dry_run:
            return result
        _write(creates, updates, stored, parent_code, has_parent_column)
        record_import(user=user, model=Agency, file_name=file_name, checksum=hashlib.sha256(data).hexdigest(),
                      summary=result.summary_line())
        result.applied = True
    return result


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


def _write(creates, updates, stored, parent_code, has_parent_column) -> None:
    now = timezone.now()
    new = [Agency(code=code, name=v["name"], level=v["level"], kind=v["kind"]) for code, v in creates]
    # Parents may be new too: insert without them, then link every parent in one batch.
    Agency.objects.bulk_create(new, batch_size=BATCH_SIZE)
    ids = {code: a[0] for code, a in stored.items()}
    ids.update({agency.code: agency.pk for agency in new})
    changed = [
        Agency(pk=ids[code], code=code, name=v["name"], level=v["level"], kind=v["kind"], updated_at=now,
               parent_id=ids.get(parent_code.get(code)))
        for code, v in updates + creates
    ]
    fields = ["name", "level", "kind", "updated_at"]
    if has_parent_column or creates:
        fields.append("parent_id")
    if not has_parent_column:
        # Without the parent column existing agencies keep theirs; new ones get none.
        for agency in changed:
            if agency.code in stored:
                agency.parent_id = stored[agency.code][5]
    Agency.objects.bulk_update(changed, fields, batch_size=BATCH_SIZE)
    rebuild_agency_paths()
