"""Staff roster import (formats.md, "Danh sách cán bộ"): upsert by staff code, all or nothing.

Parsing needs no database. Look-ups (every agency, every staff member) are then loaded once inside
the import transaction, every row is checked, and only a file without errors is written, in bulk.
"""
from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from functools import partial

from django.utils import timezone
from django.utils.translation import gettext as _

from sheets.cells import DATE_FORMS, Choices, parse_code, parse_date, parse_text, parse_yes_no
from sheets.locking import import_transaction, write_in_bulk
from sheets.plan import FieldChange, Plan, blank_cell, shown
from sheets.progress import COMPARING, WRITING, Progress, report
from sheets.result import ImportResult
from sheets.rows import Row, flag_duplicates, parse_rows
from sheets.table import Column, SheetSpec, read_table
from sheets.text import fold
from sheets.workbook import open_workbook

from .history import plain_value, record_changes_in_bulk, record_import
from .models import Agency, ChangeRecord, Staff

BATCH_SIZE = 2000

CATEGORY = Choices({
    Staff.Category.CB: ["CB", "Cán bộ", "official"],
    Staff.Category.CC: ["CC", "Công chức", "civil servant"],
    Staff.Category.VC: ["VC", "Viên chức", "public employee"],
    Staff.Category.HD: ["HĐ", "Hợp đồng", "HD", "contract", "contract worker"],
})
GENDER = Choices({
    Staff.Gender.MALE: ["Nam", "male", "M"],
    Staff.Gender.FEMALE: ["Nữ", "female", "F"],
}, empty="")
QUALIFICATION = Choices({
    Staff.Qualification.NONE: ["Không", "none"],
    Staff.Qualification.CERTIFICATE: ["Chứng chỉ", "certificate"],
    Staff.Qualification.INTERMEDIATE: ["Trung cấp", "intermediate"],
    Staff.Qualification.COLLEGE: ["Cao đẳng", "college"],
    Staff.Qualification.UNIVERSITY: ["Đại học", "university"],
    Staff.Qualification.MASTER: ["Thạc sĩ", "master", "Thạc sỹ"],
    Staff.Qualification.DOCTORATE: ["Tiến sĩ", "doctorate", "Tiến sỹ"],
}, empty=Staff.Qualification.NONE)

YES_NO = "x, có, yes, 1, true, ✓ / không, no, 0, false"

SHEET = SheetSpec("Danh sách cán bộ", (
    Column("staff_code", "Mã cán bộ", True, "unique in the province", "CB0001"),
    Column("full_name", "Họ và tên", True, "text", "Nguyễn Văn An"),
    Column("agency_code", "Mã đơn vị", True, "a known agency", "SNV"),
    Column("category", "Loại", True, "CB / CC / VC / HĐ (Cán bộ / Công chức / Viên chức / Hợp đồng)", "CC"),
    Column("birth_date", "Ngày sinh", False, f"date ({DATE_FORMS}) or a year alone", datetime.date(1985, 3, 5)),
    Column("gender", "Giới tính", False, "Nam / Nữ", "Nam"),
    Column("position", "Chức vụ", False, "text", "Chuyên viên"),
    Column("is_leader", "Lãnh đạo", False, YES_NO, "không"),
    Column("is_cio", "CIO", False, YES_NO, ""),
    Column("is_it_staff", "Chuyên trách CNTT", False, YES_NO, "x"),
    Column("it_qualification", "Trình độ CNTT", False, ", ".join(["(empty)", *QUALIFICATION.shown]), "Đại học"),
    Column("joined_on", "Ngày vào cơ quan", False, f"date ({DATE_FORMS})", datetime.date(2010, 9, 1)),
    Column("left_on", "Ngày nghỉ", False, f"date ({DATE_FORMS})", ""),
))
SHEETS = (SHEET,)

PARSERS = {
    "staff_code": parse_code,
    "full_name": parse_text,
    "agency_code": parse_code,
    "category": CATEGORY.parse,
    "birth_date": partial(parse_date, year_alone=True),
    "gender": GENDER.parse,
    "position": parse_text,
    "is_leader": parse_yes_no,
    "is_cio": parse_yes_no,
    "is_it_staff": parse_yes_no,
    "it_qualification": QUALIFICATION.parse,
    "joined_on": parse_date,
    "left_on": parse_date,
}

# Model fields written from each column (the birth column sets two).
FIELDS_OF = {
    "full_name": ("full_name", "name_folded"),
    "agency_code": ("agency_id",),
    "category": ("category",),
    "birth_date": ("birth_date", "birth_year"),
    "gender": ("gender",),
    "position": ("position",),
    "is_leader": ("is_leader",),
    "is_cio": ("is_cio",),
    "is_it_staff": ("is_it_staff",),
    "it_qualification": ("it_qualification",),
    "joined_on": ("joined_on",),
    "left_on": ("left_on",),
}
HEADER = {c.key: c.header for c in SHEET.columns}
STORED = ("id", "code", "full_name", "name_folded", "agency_id", "category", "birth_date", "birth_year", "gender",
          "position", "is_leader", "is_cio", "is_it_staff", "it_qualification", "joined_on", "left_on")


def roster_import(
    *, data: bytes, file_name: str = "", user=None, dry_run: bool = False, deactivate_missing: bool = False,
    keep_blanks: bool = False, progress: Progress | None = None, today: datetime.date | None = None,
) -> ImportResult:
    """Import a staff roster workbook. Raises UnusableFile when the file cannot be used at all.

    With `deactivate_missing`, staff of the agencies in the file who are missing from it are marked
    as left on `today` (the import date); nobody is ever deleted. With `keep_blanks`, an empty cell
    keeps the stored value instead of clearing it.
    """
    today = today or timezone.localdate()
    result = ImportResult(kind="roster", dry_run=dry_run, plan=Plan(keep_blanks=keep_blanks))
    table = read_table(open_workbook(data), SHEET)
    result.tables.append(table)
    rows = parse_rows(table, PARSERS, result, progress)
    flag_duplicates(rows, lambda v: v.get("staff_code"), "staff_code", result,
                    _("the same staff code is also on row %(row)s"))
    present = [key for key in FIELDS_OF if table.has(key)]
    fields = [f for key in present for f in FIELDS_OF[key]]

    report(progress, WRITING if not dry_run else COMPARING)
    with import_transaction(writes=not dry_run):
        agency_ids = dict(Agency.objects.values_list("code", "id"))
        stored = {staff.code: staff for staff in Staff.objects.values_list(*STORED, named=True)}
        plan = _plan(rows, present, agency_ids, stored, result)
        if deactivate_missing and not result.errors:
            in_file = {row.values["staff_code"] for row in rows}
            plan.left = _missing(stored, in_file, plan.file_agencies, today)
        if result.errors:
            result.plan = Plan(keep_blanks=keep_blanks)
            return result
        for staff in plan.left:
            old = stored[staff.code]
            result.plan.add("left", staff.code, old.full_name,
                            [FieldChange(HEADER["left_on"], shown(old.left_on), shown(staff.left_on))])
        result.counts = {
            "created": len(plan.creates), "updated": len(plan.updates),
            "unchanged": len(rows) - len(plan.creates) - len(plan.updates),
            "left": len(plan.left), "transferred": plan.transferred,
        }
        if dry_run:
            return result
        write_in_bulk(Staff, creates=plan.creates, updates=plan.updates, fields=fields, batch_size=BATCH_SIZE)
        write_in_bulk(Staff, updates=plan.left, fields=["left_on"], batch_size=BATCH_SIZE)
        _record_people_history(user, plan, stored, fields)
        record_import(user=user, model=Staff, file_name=file_name, checksum=hashlib.sha256(data).hexdigest(),
                      summary=result.summary_line())
        result.applied = True
    return result


@dataclass
class _RosterPlan:
    creates: list[Staff] = field(default_factory=list)
    updates: list[Staff] = field(default_factory=list)
    left: list[Staff] = field(default_factory=list)
    transferred: int = 0
    file_agencies: set[int] = field(default_factory=set)


# Columns the history shows by their field (agency_id as "agency"); derived search and year columns are left out.
HISTORY_NAMES = {"agency_id": "agency", "name_folded": None, "birth_year": None}


def _record_people_history(user, plan: _RosterPlan, stored: dict, fields: list[str]) -> None:
    """One change record per person the file created, changed or marked as left, for their history page."""
    entries = []
    for staff in plan.creates:
        changes = {name: [None, _plain(attname, getattr(staff, attname))]
                   for attname, name in _history_names(["code", *fields]) if getattr(staff, attname) not in (None, "")}
        entries.append((staff, ChangeRecord.Action.CREATE, changes, staff.pk, staff.agency_id))
    for staff, written in [(s, fields) for s in plan.updates] + [(s, ["left_on"]) for s in plan.left]:
        old = stored[staff.code]
        changes = {name: [_plain(attname, getattr(old, attname)), _plain(attname, getattr(staff, attname))]
                   for attname, name in _history_names(written) if getattr(old, attname) != getattr(staff, attname)}
        staff.full_name = staff.full_name or old.full_name  # the record's label when the file had no name column
        entries.append((staff, ChangeRecord.Action.UPDATE, changes, staff.pk, staff.agency_id or old.agency_id))
    record_changes_in_bulk(user=user, entries=entries)


def _plain(attname: str, value):
    # Related objects are stored by their id as text, as field_changes() stores them.
    return str(value) if attname == "agency_id" and value is not None else plain_value(value)


def _history_names(attnames: list[str]) -> list[tuple[str, str]]:
    return [(attname, HISTORY_NAMES.get(attname, attname)) for attname in attnames if HISTORY_NAMES.get(attname, attname)]


def _new_values(row: Row, present: list[str], agency_ids: dict, result: ImportResult) -> dict | None:
    """The model fields a valid row sets, or None when the row has an error."""
    values = row.values
    new = {}
    complete = values.get("staff_code") is not None
    for key in present:
        if key not in values:
            complete = False
            continue
        value = values[key]
        if key == "agency_code":
            agency_id = agency_ids.get(value)
            if agency_id is None:
                row.error(result, key, _("unknown agency"))
                complete = False
                continue
            new["agency_id"] = agency_id
        elif key == "full_name":
            new["full_name"] = value
            new["name_folded"] = fold(value)
        elif key == "birth_date":
            new["birth_date"] = value if isinstance(value, datetime.date) else None
            new["birth_year"] = value.year if isinstance(value, datetime.date) else value
        else:
            new[FIELDS_OF[key][0]] = value
    return new if complete else None


def _plan(rows: list[Row], present: list[str], agency_ids: dict, stored: dict, result: ImportResult) -> _RosterPlan:
    """The Staff rows to create and update, each described in result.plan with what changes."""
    plan = _RosterPlan()
    code_of_agency = {pk: code for code, pk in agency_ids.items()}
    for row in rows:
        new = _new_values(row, present, agency_ids, result)
        if new is None:
            continue  # the row has errors already; nothing to compare
        code = row.values["staff_code"]
        plan.file_agencies.add(new["agency_id"])
        old = stored.get(code)
        if old is not None:
            _apply_blanks(row, present, new, old, result.plan)
        joined = new["joined_on"] if "joined_on" in new else (old.joined_on if old else None)
        left_on = new["left_on"] if "left_on" in new else (old.left_on if old else None)
        if joined and left_on and left_on < joined:
            row.error(result, "left_on" if "left_on" in new else "joined_on",
                      _("the leaving date is before the joining date"))
            continue
        if old is None:
            plan.creates.append(Staff(code=code, **new))
            result.plan.add("created", code, new["full_name"])
            continue
        changes = [
            FieldChange(HEADER[key], _shown(key, old, code_of_agency), _shown(key, new, code_of_agency))
            for key in present
            if any(getattr(old, name) != new[name] for name in FIELDS_OF[key])
        ]
        if not changes:
            continue
        plan.updates.append(Staff(pk=old.id, code=code, **new))
        moved = new["agency_id"] != old.agency_id
        plan.transferred += moved
        result.plan.add("transferred" if moved else "updated", code, new.get("full_name", old.full_name), changes)
    return plan


def _apply_blanks(row: Row, present: list[str], new: dict, old, plan: Plan) -> None:
    """Note every stored value an empty cell erases; with keep_blanks, keep it instead."""
    for key in present:
        names = FIELDS_OF[key]
        if not blank_cell(row, key) or all(getattr(old, name) == new[name] for name in names):
            continue
        plan.erase(old.code, old.full_name, HEADER[key], _shown(key, old, {}))
        if plan.keep_blanks:
            new.update({name: getattr(old, name) for name in names})


def _shown(key: str, values, code_of_agency: dict) -> str:
    """The value of a column as the file writes it, from a stored row or a dict of new fields."""
    def get(name):
        return values[name] if isinstance(values, dict) else getattr(values, name)

    if key == "agency_code":
        return code_of_agency.get(get("agency_id"), "")
    if key == "birth_date":
        return shown(get("birth_date") or get("birth_year"))
    if key == "full_name":
        return get("full_name")
    value = get(FIELDS_OF[key][0])
    if key in _CHOICES:
        return _CHOICES[key].label(value)
    return shown(value)


def _missing(stored: dict, in_file: set[str], agencies: set[int], today: datetime.date) -> list[Staff]:
    """Staff of the file's agencies who are not in it and have not left by `today`."""
    left = []
    for code, old in stored.items():
        if code in in_file or old.agency_id not in agencies:
            continue
        if old.left_on is not None and old.left_on <= today:
            continue
        # Someone due to join later who is not on the roster never started: leave on that day.
        day = max(today, old.joined_on) if old.joined_on else today
        left.append(Staff(pk=old.id, code=code, left_on=day))
    return left


_CHOICES = {"category": CATEGORY, "gender": GENDER, "it_qualification": QUALIFICATION}
