import datetime
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.models import ChangeRecord, Staff
from agencies.roster_import import roster_import
from sheets.errors import UnusableFile
from tests.conftest import make_record, make_staff
from tests.workbooks import ROSTER_HEADERS, xlsx
from training.models import TrainingRecord

FILES = Path(__file__).resolve().parent.parent / "files"
TODAY = datetime.date(2024, 6, 1)


def run(data, **kwargs):
    kwargs.setdefault("today", TODAY)
    return roster_import(data=data, file_name="roster.xlsx", **kwargs)


def errors(result):
    return [str(e) for e in result.sorted_errors()]


def test_happy_path_creates_staff_with_every_field(tree):
    headers = ROSTER_HEADERS + ["Ngày sinh", "Giới tính", "Chức vụ", "Lãnh đạo", "CIO", "Chuyên trách CNTT",
                                "Trình độ CNTT", "Ngày vào cơ quan", "Ngày nghỉ"]
    data = xlsx(["UBND TỈNH ĐẮK NÔNG"], [], headers,
                [1024, "Nguyễn  Văn An", "snv", "Công chức", "05/03/1985", "Nam", "Chuyên viên", "x", "không", "có",
                 "Đại học", "01/09/2010", ""],
                ["cb2", "Trần Thị Bình", "H-A", "VC", 1990, "Nữ", "", "", "", "", "", "", ""])
    result = run(data)
    assert result.ok, errors(result)
    assert result.counts == {"created": 2, "updated": 0, "unchanged": 0, "left": 0, "transferred": 0}
    an = Staff.objects.get(code="1024")
    assert (an.full_name, an.name_folded, an.agency, an.category) == ("Nguyễn Văn An", "nguyen van an", tree.department, "CC")
    assert (an.birth_date, an.birth_year, an.gender, an.is_leader, an.is_cio, an.is_it_staff) == (
        datetime.date(1985, 3, 5), 1985, "male", True, False, True)
    assert (an.it_qualification, an.joined_on, an.left_on) == ("university", datetime.date(2010, 9, 1), None)
    binh = Staff.objects.get(code="CB2")
    assert (binh.birth_date, binh.birth_year, binh.it_qualification, binh.gender) == (None, 1990, "none", "female")
    assert ChangeRecord.objects.filter(action="import", model="agencies.Staff").count() == 1


def test_every_bad_row_is_reported_and_nothing_written(tree):
    data = xlsx(ROSTER_HEADERS + ["Ngày sinh", "Lãnh đạo"],
                ["CB1", "An", "SNV", "CC", "31/02/1990", "x"],
                ["CB2", "", "XX", "ZZ", "", "maybe"],
                ["CB3", "Cường", "SNV", "CC", "", ""])
    result = run(data)
    assert errors(result) == [
        "row 2, Ngày sinh, '31/02/1990': not a date",
        "row 3, Họ và tên, '': required",
        "row 3, Mã đơn vị, 'XX': unknown agency",
        "row 3, Loại, 'ZZ': not one of: CB, CC, VC, HĐ",
        "row 3, Lãnh đạo, 'maybe': not yes or no",
    ]
    assert not result.applied
    assert Staff.objects.count() == 0


def test_same_code_twice_is_an_error_on_both_rows(tree):
    result = run(xlsx(ROSTER_HEADERS, ["CB1", "An", "SNV", "CC"], ["CB2", "Bình", "SNV", "CC"], ["cb1", "Ân", "H-A", "CC"]))
    assert errors(result) == [
        "row 2, Mã cán bộ, 'CB1': the same staff code is also on row 4",
        "row 4, Mã cán bộ, 'cb1': the same staff code is also on row 2",
    ]
    assert Staff.objects.count() == 0


def test_reimporting_the_same_file_changes_nothing(tree):
    data = xlsx(ROSTER_HEADERS + ["Ngày sinh", "CIO"], ["CB1", "An", "SNV", "CC", "1980", "x"],
                ["CB2", "Bình", "H-A", "VC", "", ""])
    assert run(data).counts["created"] == 2
    before = list(Staff.objects.values_list("code", "updated_at"))
    result = run(data)
    assert result.counts == {"created": 0, "updated": 0, "unchanged": 2, "left": 0, "transferred": 0}
    assert list(Staff.objects.values_list("code", "updated_at")) == before


def test_absent_column_leaves_values_alone_and_empty_cell_clears(tree):
    staff = make_staff(code="CB1", agency=tree.department, position="Trưởng phòng", is_cio=True,
                       birth_date=datetime.date(1980, 1, 2))
    result = run(xlsx(ROSTER_HEADERS + ["Chức vụ"], ["CB1", "An", "SNV", "CC", ""]))
    assert result.counts["updated"] == 1
    staff.refresh_from_db()
    assert staff.position == ""
    assert staff.is_cio is True and staff.birth_date == datetime.date(1980, 1, 2)


def test_a_code_under_another_agency_is_a_transfer_keeping_training(tree):
    staff = make_staff(code="CB1", agency=tree.department)
    make_record(staff=staff)
    result = run(xlsx(ROSTER_HEADERS, ["CB1", staff.full_name, "X-A1", "CC"]))
    assert result.counts["transferred"] == 1 and result.counts["updated"] == 1
    (moved,) = result.plan.rows["transferred"]
    assert (moved.code, moved.name) == ("CB1", staff.full_name)
    assert [(c.column, c.old, c.new) for c in moved.changes] == [("Mã đơn vị", "SNV", "X-A1")]
    staff.refresh_from_db()
    assert staff.agency == tree.commune_a1
    assert TrainingRecord.objects.filter(staff=staff).count() == 1
    assert Staff.objects.count() == 1


def test_deactivate_missing_marks_only_the_files_agencies_staff_as_left(tree):
    make_staff(code="KEEP", agency=tree.department)
    make_staff(code="GONE", agency=tree.department)
    make_staff(code="LEFT", agency=tree.department, left_on=datetime.date(2020, 1, 1))
    make_staff(code="OTHER", agency=tree.district_a)
    data = xlsx(ROSTER_HEADERS, ["KEEP", "Giữ", "SNV", "CC"])
    assert run(data).counts["left"] == 0  # not asked for
    result = run(data, deactivate_missing=True)
    assert result.counts["left"] == 1 and [r.code for r in result.plan.rows["left"]] == ["GONE"]
    left = dict(Staff.objects.values_list("code", "left_on"))
    assert left == {"KEEP": None, "GONE": TODAY, "LEFT": datetime.date(2020, 1, 1), "OTHER": None}
    assert Staff.objects.count() == 4


def test_deactivate_missing_dry_run_writes_nothing(tree):
    make_staff(code="GONE", agency=tree.department)
    result = run(xlsx(ROSTER_HEADERS, ["NEW", "Mới", "SNV", "CC"]), deactivate_missing=True, dry_run=True)
    assert result.counts["left"] == 1 and result.counts["created"] == 1
    assert Staff.objects.get().left_on is None


def test_leaving_before_joining_is_an_error(tree):
    make_staff(code="CB1", agency=tree.department, joined_on=datetime.date(2015, 1, 1))
    result = run(xlsx(ROSTER_HEADERS + ["Ngày nghỉ"], ["CB1", "An", "SNV", "CC", "01/01/2010"]))
    assert errors(result) == ["row 2, Ngày nghỉ, '01/01/2010': the leaving date is before the joining date"]


def test_unusable_file_raises():
    with pytest.raises(UnusableFile):
        run(b"a,b,c\n")
    with pytest.raises(UnusableFile, match="No sheet"):
        run(xlsx(["Mã cán bộ", "Tên"]))


@pytest.mark.parametrize("extension", ["ods", "xls", "xlsx"])
def test_files_written_by_libreoffice(tree, extension):
    result = run((FILES / f"roster-libreoffice.{extension}").read_bytes())
    assert result.ok, errors(result)
    assert result.counts["created"] == 2
    assert result.ignored_columns == ["STT"]
    an, binh = Staff.objects.order_by("code")
    assert (an.code, an.is_leader, an.is_cio, an.birth_date) == ("1024", True, False, datetime.date(1985, 3, 5))
    assert (binh.code, binh.agency, binh.category, binh.birth_year, binh.is_cio) == ("CB-2", tree.department, "VC", 1990, True)


def _query_count(data) -> int:
    with CaptureQueriesContext(connection) as ctx:
        result = run(data, deactivate_missing=True)
    assert result.applied
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_rows(tree):
    # Both sizes fit one INSERT batch (SQLite allows 999 parameters: 58 staff rows); the bench
    # shows the look-ups stay constant at 50,000 rows, where only the INSERT batches grow.
    make_staff(code="OLD1", agency=tree.department)
    make_staff(code="OLD2", agency=tree.district_a)
    make_staff(code="GONE1", agency=tree.department)
    make_staff(code="GONE2", agency=tree.commune_a1)
    small = xlsx(ROSTER_HEADERS, *([f"A{i}", "An", "SNV", "CC"] for i in range(3)), ["OLD1", "Cũ", "H-A", "VC"])
    large = xlsx(ROSTER_HEADERS, *([f"B{i}", "An", "X-A1", "CC"] for i in range(50)), ["OLD2", "Cũ", "H-B", "CC"])
    assert _query_count(small) == _query_count(large)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_imports_at_once_never_create_duplicates():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has a single writer; the advisory lock is PostgreSQL's")
    import threading

    from tests.conftest import Tree

    Tree()
    data = xlsx(ROSTER_HEADERS, *([f"P{i}", "An", "SNV", "CC"] for i in range(200)))
    results, failures = [], []

    def worker():
        try:
            results.append(run(data))
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert sorted(r.counts["created"] for r in results) == [0, 200]
    assert Staff.objects.count() == 200


def test_the_plan_names_each_person_and_shows_old_and_new_values(tree):
    make_staff(code="CB1", full_name="Lê Văn Cũ", agency=tree.department, category="CC", position="Chuyên viên")
    make_staff(code="CB2", full_name="Hà Thị Hai", agency=tree.department, category="HD")
    data = xlsx(ROSTER_HEADERS + ["Chức vụ"],
                ["CB1", "Lê Văn Cũ", "SNV", "VC", "Trưởng phòng"],
                ["CB2", "Hà Thị Hai", "SNV", "HĐ", ""],
                ["CB3", "Phạm Mới", "SNV", "CB", ""])
    result = run(data, dry_run=True)
    (created,) = result.plan.rows["created"]
    assert (created.code, created.name, created.changes) == ("CB3", "Phạm Mới", ())
    (updated,) = result.plan.rows["updated"]
    assert (updated.code, updated.name) == ("CB1", "Lê Văn Cũ")
    assert [(c.column, c.old, c.new) for c in updated.changes] == [
        ("Loại", "CC", "VC"), ("Chức vụ", "Chuyên viên", "Trưởng phòng")]
    assert result.plan.erased_count == 0 and result.counts["unchanged"] == 1


def _new_position_only_row(tree):
    make_staff(code="CB1", full_name="Lê Văn An", agency=tree.department, position="Chuyên viên",
               birth_date=datetime.date(1980, 1, 2), gender="male", is_leader=True, it_qualification="university",
               joined_on=datetime.date(2005, 1, 1))
    headers = ROSTER_HEADERS + ["Ngày sinh", "Giới tính", "Chức vụ", "Lãnh đạo", "Trình độ CNTT", "Ngày vào cơ quan"]
    return xlsx(headers, ["CB1", "Lê Văn An", "SNV", "CC", "", "", "Phó phòng", "", "", ""])


def test_blank_cells_that_would_erase_stored_values_are_listed_and_counted(tree):
    result = run(_new_position_only_row(tree), dry_run=True)
    assert result.plan.erased_count == 5
    assert [(e.code, e.name, e.column, e.old) for e in result.plan.erased] == [
        ("CB1", "Lê Văn An", "Ngày sinh", "02/01/1980"), ("CB1", "Lê Văn An", "Giới tính", "Nam"),
        ("CB1", "Lê Văn An", "Lãnh đạo", "yes"), ("CB1", "Lê Văn An", "Trình độ CNTT", "Đại học"),
        ("CB1", "Lê Văn An", "Ngày vào cơ quan", "01/01/2005"),
    ]
    assert "stored values erased where the file is blank: 5" in result.summary_line()


def test_by_default_an_empty_cell_clears_the_stored_value(tree):
    result = run(_new_position_only_row(tree))
    assert result.applied
    staff = Staff.objects.get(code="CB1")
    assert (staff.position, staff.birth_date, staff.birth_year, staff.gender, staff.is_leader) == (
        "Phó phòng", None, None, "", False)
    assert (staff.it_qualification, staff.joined_on) == ("none", None)


def test_keep_blanks_keeps_stored_values_where_the_file_is_blank(tree):
    result = run(_new_position_only_row(tree), keep_blanks=True)
    assert result.applied and result.plan.erased_count == 5
    (updated,) = result.plan.rows["updated"]
    assert [(c.column, c.old, c.new) for c in updated.changes] == [("Chức vụ", "Chuyên viên", "Phó phòng")]
    assert "stored values kept where the file is blank: 5" in result.summary_line()
    staff = Staff.objects.get(code="CB1")
    assert (staff.position, staff.birth_date, staff.birth_year, staff.gender, staff.is_leader) == (
        "Phó phòng", datetime.date(1980, 1, 2), 1980, "male", True)
    assert (staff.it_qualification, staff.joined_on) == ("university", datetime.date(2005, 1, 1))


def test_keep_blanks_leaves_a_row_whose_only_changes_were_blanks_unchanged(tree):
    make_staff(code="CB1", full_name="An", agency=tree.department, position="Chuyên viên")
    result = run(xlsx(ROSTER_HEADERS + ["Chức vụ"], ["CB1", "An", "SNV", "CC", ""]), keep_blanks=True)
    assert result.counts["updated"] == 0 and result.counts["unchanged"] == 1
    assert Staff.objects.get().position == "Chuyên viên"


def test_each_person_created_changed_or_marked_left_gets_a_history_entry(tree, national_admin):
    """Issue 13, point 4: an import's changes show on each person's history, not only as one file entry."""
    make_staff(code="OLD1", full_name="Cũ Một", agency=tree.department, position="Chuyên viên")
    gone = make_staff(code="GONE1", full_name="Đã Đi", agency=tree.department)
    data = xlsx(ROSTER_HEADERS + ["Chức vụ"], ["NEW1", "Người Mới", "SNV", "CC", ""],
                ["OLD1", "Cũ Một", "H-A", "CC", "Phó phòng"])
    result = roster_import(data=data, file_name="ds.xlsx", user=national_admin, deactivate_missing=True,
                           today=datetime.date(2024, 6, 1))
    assert result.applied
    people = ChangeRecord.objects.filter(model="agencies.Staff").exclude(action="import").select_related("staff")
    by_code = {r.staff.code: r for r in people}
    assert by_code["NEW1"].action == "create" and by_code["NEW1"].changes["full_name"] == [None, "Người Mới"]
    assert by_code["OLD1"].action == "update" and by_code["OLD1"].user == national_admin
    assert by_code["OLD1"].changes == {"agency": [str(tree.department.pk), str(tree.district_a.pk)],
                                       "position": ["Chuyên viên", "Phó phòng"]}
    assert by_code["OLD1"].agency == tree.district_a
    assert by_code["GONE1"].changes == {"left_on": [None, "2024-06-01"]} and by_code["GONE1"].staff == gone
    assert ChangeRecord.objects.filter(action="import").count() == 1


def test_progress_is_reported_while_rows_are_checked_then_before_the_transaction(tree):
    calls = []
    rows = [[f"CB{n}", f"Người {n}", "SNV", "CC"] for n in range(2500)]
    result = run(xlsx(ROSTER_HEADERS, *rows), dry_run=True, progress=lambda *args: calls.append(args))
    assert result.ok
    assert calls == [("checking", 0, 2500), ("checking", 1000, 2500), ("checking", 2000, 2500), ("comparing", 0, 0)]
    calls.clear()
    run(xlsx(ROSTER_HEADERS, *rows[:10]), progress=lambda *args: calls.append(args))
    assert calls == [("checking", 0, 10), ("writing", 0, 0)]


def test_a_preview_leaves_the_figures_version_alone_and_the_import_stamps_it(tree):
    from agencies.versioning import data_version

    data = xlsx(ROSTER_HEADERS, ["CB9", "Lê Văn Chín", "SNV", "CC"])
    version = data_version()
    assert run(data, dry_run=True).counts["created"] == 1
    assert data_version() == version and not Staff.objects.filter(code="CB9").exists()
    assert run(data).applied
    assert data_version() > version
