"""Training import (formats.md, "Đào tạo"): sheet Khóa học (courses) and sheet Học viên (participants).

One record per staff member and course: upsert by that pair, all or nothing. After writing, the
FirstPass rows of every staff member whose records changed are refreshed (training.passes).
The same reader serves a course page's participant upload, limited to that course.
"""
from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from typing import NamedTuple

from django.utils.translation import gettext as _

from agencies.history import plain_value, record_changes_in_bulk, record_import
from agencies.models import ChangeRecord, Staff
from sheets.cells import DATE_FORMS, Choices, parse_code, parse_date, parse_text, parse_whole_number
from sheets.errors import UnusableFile
from sheets.locking import import_transaction, write_in_bulk
from sheets.plan import FieldChange, Plan, blank_cell, shown
from sheets.progress import COMPARING, WRITING, Progress, report
from sheets.result import ImportResult
from sheets.rows import Row, flag_duplicates, parse_rows
from sheets.table import Column, SheetSpec, Table, find_table
from sheets.text import match_key
from sheets.workbook import open_workbook

from .models import Course, CourseCategory, TrainingRecord
from .passes import refresh_first_passes

BATCH_SIZE = 2000

RESULT = Choices({
    TrainingRecord.Result.PASSED: ["Đạt", "passed", "pass"],
    TrainingRecord.Result.FAILED: ["Không đạt", "failed", "fail"],
    TrainingRecord.Result.ABSENT: ["Vắng", "absent", "Vắng mặt"],
})

COURSE_SHEET = SheetSpec("Khóa học", (
    Column("course_code", "Mã khóa học", True, "unique code", "KH2020-01"),
    Column("name", "Tên khóa học", True, "text", "Bồi dưỡng kỹ năng ứng dụng CNTT cơ bản"),
    Column("category", "Nhóm", True,
           "basic, egov, security, open-source, leadership, or the category's Vietnamese name", "basic"),
    Column("start_date", "Ngày bắt đầu", True, f"date ({DATE_FORMS})", datetime.date(2020, 3, 2)),
    Column("end_date", "Ngày kết thúc", True, f"date ({DATE_FORMS}), not before the start", datetime.date(2020, 3, 6)),
    Column("organiser", "Đơn vị tổ chức", False, "text", "Sở Thông tin và Truyền thông"),
    Column("hours", "Số tiết", False, "whole number", 40),
))
PARTICIPANT_SHEET = SheetSpec("Học viên", (
    Column("staff_code", "Mã cán bộ", True, "a known staff member", "CB0001"),
    Column("course_code", "Mã khóa học", True, "in sheet Khóa học or already known", "KH2020-01"),
    Column("completed_on", "Ngày hoàn thành", False, f"date ({DATE_FORMS}); empty means the course's end date",
           datetime.date(2020, 3, 6)),
    Column("result", "Kết quả", True, "Đạt / Không đạt / Vắng (passed / failed / absent)", "Đạt"),
))
SHEETS = (COURSE_SHEET, PARTICIPANT_SHEET)

COURSE_PARSERS = {
    "course_code": parse_code,
    "name": parse_text,
    "category": parse_text,
    "start_date": parse_date,
    "end_date": parse_date,
    "organiser": parse_text,
    "hours": parse_whole_number,
}
PARTICIPANT_PARSERS = {
    "staff_code": parse_code,
    "course_code": parse_code,
    "completed_on": parse_date,
    "result": RESULT.parse,
}
COURSE_FIELDS = ("name", "category_id", "start_date", "end_date", "organiser", "hours")
# The column each course field comes from, and its header for the preview.
COLUMN_OF = {"name": "name", "category_id": "category", "start_date": "start_date", "end_date": "end_date",
             "organiser": "organiser", "hours": "hours"}
COURSE_HEADER = {c.key: c.header for c in COURSE_SHEET.columns}
PARTICIPANT_HEADER = {c.key: c.header for c in PARTICIPANT_SHEET.columns}


def training_import(
    *, data: bytes, file_name: str = "", user=None, dry_run: bool = False, keep_blanks: bool = False,
    course: Course | None = None, scope_path: str | None = None, progress: Progress | None = None,
) -> ImportResult:
    """Import a training workbook. Raises UnusableFile when the file cannot be used at all.

    With `course`, only the participants sheet is read and every row must be for that course (an
    empty course code means it). With `scope_path`, staff outside that agency subtree are row errors.
    With `keep_blanks`, an empty cell keeps the stored value (an empty completion date keeps the
    stored one rather than taking the course's end date).
    """
    result = ImportResult(kind="training", dry_run=dry_run, plan=Plan(keep_blanks=keep_blanks))
    workbook = open_workbook(data)
    course_table = None if course is not None else find_table(workbook, COURSE_SHEET)
    participant_table = find_table(workbook, _participant_spec(course))
    if course_table is None and participant_table is None:
        headers = ", ".join(c.header for c in PARTICIPANT_SHEET.required)
        if course is None:
            headers = ", ".join(c.header for c in COURSE_SHEET.required) + _(" (sheet Khóa học) or ") + headers
        raise UnusableFile(
            _("No sheet has a header row with the columns %(headers)s; start from the template and upload the file again.")
            % {"headers": headers}
        )
    course_rows = []
    if course_table is not None:
        result.tables.append(course_table)
        course_rows = parse_rows(course_table, COURSE_PARSERS, result, progress)
        _check_course_rows(course_rows, result)
    participant_rows = []
    if participant_table is not None:
        result.tables.append(participant_table)
        participant_rows = parse_rows(participant_table, PARTICIPANT_PARSERS, result, progress)

    report(progress, WRITING if not dry_run else COMPARING)
    with import_transaction(writes=not dry_run):
        course_plan = _plan_courses(course_rows, course_table, result) if course is None else _CoursePlan()
        record_plan = _plan_records(participant_rows, course_plan, result, course=course, scope_path=scope_path)
        if result.errors:
            result.plan = Plan(keep_blanks=keep_blanks)
            return result
        result.parts = {
            "courses": {"created": len(course_plan.creates), "updated": len(course_plan.updates),
                        "unchanged": len(course_rows) - len(course_plan.creates) - len(course_plan.updates)},
            "records": {"created": len(record_plan.creates), "updated": len(record_plan.updates),
                        "unchanged": len(participant_rows) - len(record_plan.creates) - len(record_plan.updates)},
        }
        result.counts = {
            name: result.parts["courses"][name] + result.parts["records"][name]
            for name in ("created", "updated", "unchanged")
        }
        if dry_run:
            return result
        _write(course_plan, record_plan)
        _record_people_history(user, record_plan)
        record_import(user=user, model=TrainingRecord, file_name=file_name,
                      checksum=hashlib.sha256(data).hexdigest(), summary=result.summary_line())
        result.applied = True
    return result


def _participant_spec(course: Course | None) -> SheetSpec:
    if course is None:
        return PARTICIPANT_SHEET
    # On a course's page the course is known: its column may be left out.
    columns = tuple(
        Column(c.key, c.header, False, c.values, c.sample) if c.key == "course_code" else c
        for c in PARTICIPANT_SHEET.columns
    )
    return SheetSpec(PARTICIPANT_SHEET.name, columns)


def _check_course_rows(rows: list[Row], result: ImportResult) -> None:
    flag_duplicates(rows, lambda v: v.get("course_code"), "course_code", result,
                    _("the same course code is also on row %(row)s"))
    for row in rows:
        start, end = row.values.get("start_date"), row.values.get("end_date")
        if start and end and end < start:
            row.error(result, "end_date", _("before the start date"))


class _KnownCourse(NamedTuple):
    id: int | None  # None for a course the file creates
    end_date: datetime.date


@dataclass
class _CoursePlan:
    creates: list[Course] = field(default_factory=list)
    updates: list[Course] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    recategorised: list[int] = field(default_factory=list)
    # Every course code with its end date once the file is applied.
    known: dict[str, _KnownCourse] = field(default_factory=dict)


def _plan_courses(rows: list[Row], table: Table | None, result: ImportResult) -> _CoursePlan:
    """Courses to create and update, described in result.plan; `known` gets every course after the import."""
    plan = _CoursePlan()
    stored = {c.code: c for c in Course.objects.values_list("id", "code", *COURSE_FIELDS, named=True)}
    plan.known = {code: _KnownCourse(c.id, c.end_date) for code, c in stored.items()}
    if table is None:
        return plan
    categories: dict[str, int] = {}
    category_code: dict[int, str] = {}
    for pk, code, name, name_en in CourseCategory.objects.values_list("id", "code", "name", "name_en"):
        category_code[pk] = code
        for label in (code, name, name_en):
            if label:
                categories[match_key(label)] = pk
    plan.fields = [f for f in COURSE_FIELDS if table.has("category" if f == "category_id" else f)]
    expected = {key for key in COURSE_PARSERS if table.has(key)}
    for row in rows:
        values = row.values
        if "category" in values:
            category_id = categories.get(match_key(values["category"]))
            if category_id is None:
                row.error(result, "category", _("not a course category (basic, egov, security, open-source, leadership)"))
                continue
            values["category_id"] = category_id
        if not expected <= values.keys():
            continue
        code = values["course_code"]
        new = {f: values[f] for f in plan.fields}
        old = stored.get(code)
        if old is None:
            plan.creates.append(Course(code=code, **new))
            plan.known[code] = _KnownCourse(None, values["end_date"])
            result.plan.add("courses.created", code, new["name"])
            continue
        plan.known[code] = _KnownCourse(old.id, values["end_date"])
        for name in ("organiser", "hours"):
            if name in new and blank_cell(row, name) and getattr(old, name) != new[name]:
                result.plan.erase(code, old.name, COURSE_HEADER[name], shown(getattr(old, name)))
                if result.plan.keep_blanks:
                    new[name] = getattr(old, name)
        changed = [f for f, v in new.items() if getattr(old, f) != v]
        if changed:
            plan.updates.append(Course(pk=old.id, code=code, **new))
            result.plan.add("courses.updated", code, new["name"], [
                FieldChange(COURSE_HEADER[COLUMN_OF[f]], *(
                    category_code.get(v, "") if f == "category_id" else shown(v) for v in (getattr(old, f), new[f])))
                for f in changed
            ])
            if "category_id" in changed:
                plan.recategorised.append(old.id)
    return plan


@dataclass
class _RecordPlan:
    creates: list[tuple[str, TrainingRecord]] = field(default_factory=list)  # course code, record (course set on write)
    updates: list[TrainingRecord] = field(default_factory=list)
    # record id -> stored (result, completed_on) of the updated ones, for each person's history
    before: dict[int, tuple] = field(default_factory=dict)


def _plan_records(rows: list[Row], courses: _CoursePlan, result: ImportResult, *,
                  course: Course | None, scope_path: str | None) -> _RecordPlan:
    plan = _RecordPlan()
    if not rows:
        return plan
    if course is not None:
        courses.known = {course.code: _KnownCourse(course.pk, course.end_date)}
        for row in rows:
            if not row.values.get("course_code"):
                row.values["course_code"] = course.code
            elif row.values["course_code"] != course.code:
                row.error(result, "course_code", _("not this course (%(code)s)") % {"code": course.code})
                row.values.pop("course_code")
    flag_duplicates(
        rows, lambda v: (v["staff_code"], v["course_code"]) if "staff_code" in v and "course_code" in v else None,
        "staff_code", result, _("the same staff member and course are also on row %(row)s"),
    )
    staff = {s.code: s for s in Staff.objects.values_list("code", "id", "full_name", "agency__path", named=True)}
    course_ids = [known.id for known in courses.known.values() if known.id is not None]
    stored = {
        (r.staff_id, r.course_id): r
        for r in TrainingRecord.objects.filter(course_id__in=course_ids).values_list(
            "id", "staff_id", "course_id", "result", "completed_on", named=True)
    } if course_ids else {}
    unknown_staff = _("not on a roster you manage") if scope_path is not None else _("unknown staff member")
    expected = {key for key in PARTICIPANT_PARSERS if rows[0].table.has(key)} | {"course_code"}
    for row in rows:
        values = row.values
        person = staff.get(values.get("staff_code"))
        outside = person is not None and scope_path is not None and not person.agency__path.startswith(scope_path)
        if "staff_code" in values and (person is None or outside):
            row.error(result, "staff_code", unknown_staff)
            continue
        known = courses.known.get(values.get("course_code"))
        if "course_code" in values and known is None:
            row.error(result, "course_code", _("unknown course"))
            continue
        if not expected <= values.keys() or person is None or known is None:
            continue
        completed_on = values.get("completed_on") or known.end_date
        old = stored.get((person.id, known.id)) if known.id is not None else None
        label = f"{person.code} – {values['course_code']}"
        if old is None:
            plan.creates.append((values["course_code"], TrainingRecord(
                staff_id=person.id, result=values["result"], completed_on=completed_on)))
            result.plan.add("records.created", label, person.full_name)
            continue
        if ("completed_on" in values and blank_cell(row, "completed_on") and old.completed_on is not None
                and old.completed_on != completed_on):
            # An empty date means the course's end date: a different stored date is erased by it.
            result.plan.erase(label, person.full_name, PARTICIPANT_HEADER["completed_on"], shown(old.completed_on))
            if result.plan.keep_blanks:
                completed_on = old.completed_on
        changes = [
            FieldChange(PARTICIPANT_HEADER[key], RESULT.label(before) if key == "result" else shown(before),
                        RESULT.label(after) if key == "result" else shown(after))
            for key, before, after in (("result", old.result, values["result"]),
                                       ("completed_on", old.completed_on, completed_on))
            if before != after
        ]
        if changes:
            plan.updates.append(TrainingRecord(pk=old.id, staff_id=person.id, course_id=known.id,
                                               result=values["result"], completed_on=completed_on))
            plan.before[old.id] = (old.result, old.completed_on)
            result.plan.add("records.updated", label, person.full_name, changes)
    return plan


def _record_people_history(user, records: _RecordPlan) -> None:
    """One change record per person whose training record the file created or changed, for their history page."""
    written = [record for _code, record in records.creates] + records.updates
    if not written:
        return
    agency_of = dict(Staff.objects.filter(pk__in={r.staff_id for r in written}).values_list("pk", "agency_id"))
    entries = []
    for record in written:
        old_result, old_date = records.before.get(record.pk, (None, None))
        created = record.pk not in records.before
        pairs = [("result", old_result, record.result), ("completed_on", old_date, record.completed_on)]
        if created:
            pairs.insert(0, ("course", None, str(record.course_id)))
        changes = {name: [plain_value(old), plain_value(new)] for name, old, new in pairs if old != new}
        action = ChangeRecord.Action.CREATE if created else ChangeRecord.Action.UPDATE
        entries.append((record, action, changes, record.staff_id, agency_of.get(record.staff_id)))
    record_changes_in_bulk(user=user, entries=entries)


def _write(courses: _CoursePlan, records: _RecordPlan) -> None:
    write_in_bulk(Course, creates=courses.creates, updates=courses.updates, fields=courses.fields,
                  batch_size=BATCH_SIZE)
    course_ids = {code: known.id for code, known in courses.known.items()}
    course_ids.update({course.code: course.pk for course in courses.creates})
    new_records = []
    for course_code, record in records.creates:
        record.course_id = course_ids[course_code]
        new_records.append(record)
    write_in_bulk(TrainingRecord, creates=new_records, updates=records.updates, fields=["result", "completed_on"],
                  batch_size=BATCH_SIZE)
    touched = {r.staff_id for r in new_records} | {r.staff_id for r in records.updates}
    if courses.recategorised:
        # A course moved to another category changes the first passes of everyone who took it.
        touched |= set(TrainingRecord.objects.filter(course_id__in=courses.recategorised)
                       .values_list("staff_id", flat=True))
    if touched:
        refresh_first_passes(staff_ids=touched)
