import datetime

import pytest

from agencies.models import ChangeRecord
from sheets.errors import UnusableFile
from tests.conftest import make_course, make_record, make_staff
from tests.workbooks import xlsx
from training.models import Course, FirstPass, TrainingRecord
from training.training_import import training_import

COURSE_HEADERS = ["Mã khóa học", "Tên khóa học", "Nhóm", "Ngày bắt đầu", "Ngày kết thúc", "Đơn vị tổ chức", "Số tiết"]
PARTICIPANT_HEADERS = ["Mã cán bộ", "Mã khóa học", "Ngày hoàn thành", "Kết quả"]


def workbook(courses=(), participants=()):
    sheets = {}
    if courses is not None:
        sheets["Khóa học"] = [COURSE_HEADERS, *courses]
    if participants is not None:
        sheets["Học viên"] = [PARTICIPANT_HEADERS, *participants]
    return xlsx(sheets=sheets)


def run(data, **kwargs):
    return training_import(data=data, file_name="dao-tao.xlsx", **kwargs)


def errors(result):
    return [str(e) for e in result.sorted_errors()]


@pytest.fixture
def people(tree):
    return {
        "an": make_staff(code="CB1", agency=tree.department),
        "binh": make_staff(code="1024", agency=tree.commune_a1),
        "cuong": make_staff(code="CB3", agency=tree.commune_b1),
    }


def test_courses_and_records_are_created_and_first_passes_refreshed(people):
    data = workbook(
        [["kh1", "Tin học cơ bản", "basic", "02/03/2020", "06/03/2020", "Sở TT&TT", 40],
         ["KH2", "An toàn thông tin", "An toàn, an ninh thông tin; quản trị hệ thống", "2020-04-01", "2020-04-03", "", ""]],
        [["cb1", "KH1", "", "Đạt"], [1024, "kh2", "03/04/2020", "passed"], ["CB3", "KH2", "", "Vắng"]],
    )
    result = run(data)
    assert result.ok, errors(result)
    assert result.parts == {"courses": {"created": 2, "updated": 0, "unchanged": 0},
                            "records": {"created": 3, "updated": 0, "unchanged": 0}}
    assert result.counts == {"created": 5, "updated": 0, "unchanged": 0}
    kh1 = Course.objects.get(code="KH1")
    assert (kh1.category.code, kh1.hours, kh1.organiser, kh1.agency) == ("basic", 40, "Sở TT&TT", None)
    record = TrainingRecord.objects.get(staff=people["an"])
    assert (record.result, record.completed_on) == ("passed", datetime.date(2020, 3, 6))
    assert set(FirstPass.objects.values_list("staff__code", "category__code")) == {("CB1", "basic"), ("1024", "security")}
    assert ChangeRecord.objects.filter(action="import", model="training.TrainingRecord").count() == 1
    again = run(data)
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 5}


def test_known_courses_and_updates(people):
    course = make_course(code="OLD", end_date=datetime.date(2018, 3, 5))
    make_record(staff=people["an"], course=course, result="failed", completed_on=None)
    result = run(workbook(None, [["CB1", "old", "", "Đạt"]]))
    assert result.parts["records"] == {"created": 0, "updated": 1, "unchanged": 0}
    record = TrainingRecord.objects.get()
    assert (record.result, record.completed_on) == ("passed", datetime.date(2018, 3, 5))
    # The programme counts passes from 2016-11-16: the refresh after the import records this one.
    assert FirstPass.objects.filter(staff=people["an"]).count() == 1


def test_row_errors_on_both_sheets(people):
    data = workbook(
        [["KH1", "Tin học", "cooking", "06/03/2020", "02/03/2020", "", 1.5],
         ["KH1", "Lặp", "basic", "01/01/2020", "02/01/2020", "", ""]],
        [["CB1", "KH9", "", "Đạt"], ["NOBODY", "KH1", "", "Đạt"], ["CB3", "KH1", "31/02/2020", "maybe"],
         ["CB1", "KH1", "", "Đạt"], ["cb1", "kh1", "", "Vắng"]],
    )
    result = run(data)
    assert errors(result) == [
        "row 2, Mã khóa học, 'KH1': the same course code is also on row 3",
        "row 2, Nhóm, 'cooking': not a course category (basic, egov, security, open-source, leadership)",
        "row 2, Ngày kết thúc, '02/03/2020': before the start date",
        "row 2, Số tiết, '1.5': not a whole number",
        "row 3, Mã khóa học, 'KH1': the same course code is also on row 2",
        "row 2, Mã khóa học, 'KH9': unknown course",
        "row 3, Mã cán bộ, 'NOBODY': unknown staff member",
        "row 4, Ngày hoàn thành, '31/02/2020': not a date",
        "row 4, Kết quả, 'maybe': not one of: Đạt, Không đạt, Vắng",
        "row 5, Mã cán bộ, 'CB1': the same staff member and course are also on row 6",
        "row 6, Mã cán bộ, 'cb1': the same staff member and course are also on row 5",
    ]
    assert [e.sheet for e in result.sorted_errors()][:5] == ["Khóa học"] * 5
    assert not Course.objects.exists() and not TrainingRecord.objects.exists()


def test_a_record_may_predate_joining(people):
    people["an"].joined_on = datetime.date(2021, 1, 1)
    people["an"].save()
    result = run(workbook([["KH1", "Tin học", "basic", "02/03/2020", "06/03/2020", "", ""]], [["CB1", "KH1", "", "Đạt"]]))
    assert result.applied


def test_no_sheet_with_the_headers(db):
    with pytest.raises(UnusableFile, match="No sheet has a header row"):
        run(xlsx(["Mã", "Tên"]))


def test_course_mode_reads_only_participants_of_that_course_within_scope(people, tree):
    course = make_course(code="KH-A", agency=tree.district_a)
    other = make_course(code="KH-B")
    data = xlsx(["Mã cán bộ", "Mã khóa học", "Kết quả"],
                ["1024", "", "Đạt"], ["CB3", "KH-A", "Đạt"], ["1024", other.code, "Đạt"], ["NOBODY", "KH-A", "Đạt"])
    result = run(data, course=course, scope_path=tree.district_a.path)
    assert errors(result) == [
        "row 3, Mã cán bộ, 'CB3': not on a roster you manage",
        "row 4, Mã khóa học, 'KH-B': not this course (KH-A)",
        "row 5, Mã cán bộ, 'NOBODY': not on a roster you manage",
    ]
    result = run(xlsx(["Mã cán bộ", "Kết quả"], ["1024", "Đạt"]), course=course, scope_path=tree.district_a.path)
    assert result.applied
    assert TrainingRecord.objects.get().course == course


def test_the_plan_names_courses_and_people_with_old_and_new_values(people):
    course = make_course(code="OLD", name="Tin học", end_date=datetime.date(2018, 3, 5), hours=40)
    make_record(staff=people["an"], course=course, result="failed", completed_on=datetime.date(2018, 3, 5))
    data = workbook(
        [["OLD", "Tin học nâng cao", "basic", "01/03/2018", "05/03/2018", "", 40]],
        [["CB1", "OLD", "05/03/2018", "Đạt"], ["1024", "OLD", "", "Vắng"]],
    )
    result = run(data, dry_run=True)
    assert result.ok, errors(result)
    (course_row,) = result.plan.rows["courses.updated"]
    assert (course_row.code, course_row.name) == ("OLD", "Tin học nâng cao")
    assert [(c.column, c.old, c.new) for c in course_row.changes] == [("Tên khóa học", "Tin học", "Tin học nâng cao")]
    (record_row,) = result.plan.rows["records.updated"]
    assert (record_row.code, record_row.name) == ("CB1 – OLD", people["an"].full_name)
    assert [(c.column, c.old, c.new) for c in record_row.changes] == [("Kết quả", "Không đạt", "Đạt")]
    (created,) = result.plan.rows["records.created"]
    assert (created.code, created.name) == ("1024 – OLD", people["binh"].full_name)


def test_blank_cells_erase_course_and_record_values_unless_kept(people):
    course = make_course(code="OLD", name="Tin học", organiser="Sở TT&TT", hours=40, end_date=datetime.date(2018, 3, 5))
    make_record(staff=people["an"], course=course, result="passed", completed_on=datetime.date(2018, 6, 1))
    data = workbook([["OLD", "Tin học", "basic", "01/03/2018", "05/03/2018", "", ""]], [["CB1", "OLD", "", "Đạt"]])
    preview = run(data, dry_run=True)
    assert preview.plan.erased_count == 3
    assert [(e.code, e.column, e.old) for e in preview.plan.erased] == [
        ("OLD", "Đơn vị tổ chức", "Sở TT&TT"), ("OLD", "Số tiết", "40"), ("CB1 – OLD", "Ngày hoàn thành", "01/06/2018")]
    kept = run(data, keep_blanks=True)
    assert kept.applied and kept.counts["updated"] == 0
    course.refresh_from_db()
    assert (course.organiser, course.hours) == ("Sở TT&TT", 40)
    assert TrainingRecord.objects.get().completed_on == datetime.date(2018, 6, 1)
    erased = run(data)
    assert erased.applied and erased.counts["updated"] == 2
    course.refresh_from_db()
    assert (course.organiser, course.hours) == ("", None)
    assert TrainingRecord.objects.get().completed_on == datetime.date(2018, 3, 5)
