import dataclasses
import datetime
import hashlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from agencies.models import Agency, ChangeRecord, Staff
from portal.imports import (
    FORMATS,
    PREVIEW_KEPT_FOR,
    _progress_of,
    apply_import,
    check_import,
    import_mark_failed,
    is_stalled,
)
from portal.models import ImportRun
from tests.conftest import make_course, make_staff, make_user
from tests.workbooks import ROSTER_HEADERS, read_back, xlsx
from training.models import TrainingRecord


def upload(data: bytes, name: str = "danh-sach.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.fixture
def admin_client(client, national_admin):
    client.force_login(national_admin)
    return client


def roster(*rows):
    return xlsx(ROSTER_HEADERS, *rows)


def preview(client, data, kind="roster", **extra):
    response = client.post(reverse("imports:upload", args=[kind]), {"file": upload(data), **extra})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportRun.objects.get(pk=response.url.rstrip("/").split("/")[-1])


# --- access ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, args", [("imports:index", []), ("imports:upload", ["roster"]), ("imports:history", []),
                                        ("imports:template", ["roster"]), ("imports:run-detail", [1])])
def test_anonymous_is_sent_to_login(client, db, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["leader", "district_officer"])
@pytest.mark.parametrize("name, args", [("imports:index", []), ("imports:upload", ["roster"]), ("imports:history", [])])
def test_only_administrators_import(client, request, persona, name, args):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse(name, args=args)).status_code == 403


def test_administrator_sees_the_pages(admin_client, tree):
    assert admin_client.get(reverse("imports:index")).status_code == 200
    for kind in ["agencies", "roster", "training", "reports"]:
        response = admin_client.get(reverse("imports:upload", args=[kind]))
        assert response.status_code == 200
        assert ("deactivate_missing" in response.content.decode()) == (kind == "roster")
    assert admin_client.get(reverse("imports:upload", args=["nothing"])).status_code == 404
    assert "imports:index" and reverse("imports:index") in admin_client.get(reverse("home")).content.decode()


def test_templates_for_administrators_and_officers(client, tree, national_admin, district_officer, leader):
    for user in (national_admin, district_officer):
        client.force_login(user)
        response = client.get(reverse("imports:template", args=["training"]))
        assert response.status_code == 200 and response["Content-Disposition"].endswith('mau-dao-tao.xlsx"')
        assert list(read_back(response.content))[:2] == ["Khóa học", "Học viên"]
    client.force_login(leader)
    assert client.get(reverse("imports:template", args=["roster"])).status_code == 403


# --- preview, confirm, cancel ----------------------------------------------------------------------

def test_preview_writes_nothing_then_confirm_applies_the_stored_file(admin_client, tree, national_admin):
    data = roster(["CB1", "An", "SNV", "CC"], ["CB2", "Bình", "H-A", "VC"])
    run = preview(admin_client, data)
    assert (run.status, run.user, run.size, run.file_name) == ("previewed", national_admin, len(data), "danh-sach.xlsx")
    assert run.checksum == hashlib.sha256(data).hexdigest() and bytes(run.data) == data
    assert not Staff.objects.exists()
    page = admin_client.get(run.get_absolute_url()).content.decode()
    assert "Confirm" in page or "Xác nhận" in page or reverse("imports:run-apply", args=[run.pk]) in page

    response = admin_client.post(reverse("imports:run-apply", args=[run.pk]))
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == "applied" and run.applied_at is not None
    assert run.summary["counts"]["created"] == 2
    assert Staff.objects.count() == 2

    admin_client.post(reverse("imports:run-apply", args=[run.pk]))  # a second click applies nothing
    assert Staff.objects.count() == 2


def test_english_preview_shows_counts_ignored_columns_and_transfer(admin_client, tree):
    make_staff(code="CB1", agency=tree.department)
    admin_client.cookies["django_language"] = "en"
    run = preview(admin_client, xlsx(ROSTER_HEADERS + ["Ghi chú"], ["CB1", "An", "H-A", "CC", ""],
                                     ["CB9", "Chín", "SNV", "CC", ""]))
    page = admin_client.get(run.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Ghi chú" in page and "Transferred to another agency" in page
    assert "<td>CB1</td><td>An</td>" in page and "Mã đơn vị:</span> <del>SNV</del> → <ins>H-A</ins>" in page
    assert "<td>CB9</td><td>Chín</td>" in page
    assert "Staff roster: 1 new, 1 changed, 0 unchanged." in page
    assert "1 person moves to another agency and keeps their training history." in page
    assert page.index("Confirm and import") < page.index(run.checksum)  # the checksum sits in the file details


def _erasing_run(admin_client, tree):
    make_staff(code="CB1", full_name="Lê Văn An", agency=tree.department, position="Chuyên viên", gender="female")
    return preview(admin_client, xlsx(ROSTER_HEADERS + ["Chức vụ", "Giới tính"],
                                      ["CB1", "Lê Văn An", "SNV", "CC", "Phó phòng", ""]))


def test_preview_lists_the_values_empty_cells_would_erase(admin_client, tree):
    admin_client.cookies["django_language"] = "en"
    run = _erasing_run(admin_client, tree)
    page = admin_client.get(run.get_absolute_url()).content.decode()
    assert "1 stored value that will be erased" in page
    assert "<td>CB1</td><td>Lê Văn An</td><td>Giới tính</td><td><del>Nữ</del></td>" in page
    assert "1 stored value would be erased by an empty cell: choose below." in page
    assert 'name="blanks" value="keep"' in page and 'name="blanks" value="erase"' in page


def test_an_erasing_import_is_refused_until_the_choice_is_made(admin_client, tree):
    run = _erasing_run(admin_client, tree)
    response = admin_client.post(reverse("imports:run-apply", args=[run.pk]))
    assert response.status_code == 302 and response.url == run.get_absolute_url()
    run.refresh_from_db()
    assert run.status == "previewed"
    assert Staff.objects.values_list("position", "gender").get() == ("Chuyên viên", "female")
    admin_client.post(reverse("imports:run-apply", args=[run.pk]), {"blanks": "sometimes"})
    run.refresh_from_db()
    assert run.status == "previewed"


@pytest.mark.parametrize("choice, expected", [("keep", ("Phó phòng", "female")), ("erase", ("Phó phòng", ""))])
def test_an_erasing_import_does_exactly_what_was_chosen(admin_client, tree, choice, expected):
    run = _erasing_run(admin_client, tree)
    admin_client.post(reverse("imports:run-apply", args=[run.pk]), {"blanks": choice})
    run.refresh_from_db()
    assert run.status == "applied" and run.options["keep_blanks"] == (choice == "keep")
    assert run.summary["plan"]["keep_blanks"] == (choice == "keep")
    assert Staff.objects.values_list("position", "gender").get() == expected


def test_a_file_that_erases_nothing_needs_no_choice(admin_client, tree):
    run = preview(admin_client, roster(["CB1", "An", "SNV", "CC"]))
    page = admin_client.get(run.get_absolute_url()).content.decode()
    assert 'name="blanks"' not in page
    admin_client.post(reverse("imports:run-apply", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == "applied"


def test_confirm_refuses_a_file_whose_bytes_changed(admin_client, tree):
    run = preview(admin_client, roster(["CB1", "An", "SNV", "CC"]))
    ImportRun.objects.filter(pk=run.pk).update(data=roster(["EVIL", "X", "SNV", "CC"]))
    admin_client.post(reverse("imports:run-apply", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == "failed" and not Staff.objects.exists()


def test_cancel_drops_the_bytes_and_writes_nothing(admin_client, tree):
    run = preview(admin_client, roster(["CB1", "An", "SNV", "CC"]))
    response = admin_client.post(reverse("imports:run-cancel", args=[run.pk]))
    assert response.status_code == 302 and response.url == reverse("imports:upload", args=["roster"])
    run.refresh_from_db()
    assert run.status == "cancelled" and bytes(run.data) == b""
    admin_client.post(reverse("imports:run-apply", args=[run.pk]))
    assert not Staff.objects.exists()


def test_row_errors_are_listed_and_bad_rows_can_be_downloaded(admin_client, tree):
    data = xlsx(["DANH SÁCH"], ROSTER_HEADERS + ["Ngày sinh"], ["CB1", "An", "SNV", "CC", "31/02/1990"],
                ["CB2", "=cmd", "SNV", "CC", ""], ["CB3", "Cường", "NOWHERE", "XX", ""])
    run = preview(admin_client, data)
    assert run.error_count == 4  # "=cmd" was saved as a formula with no value
    page = admin_client.get(run.get_absolute_url()).content.decode()
    assert "31/02/1990" in page and "NOWHERE" in page
    assert reverse("imports:run-apply", args=[run.pk]) not in page

    response = admin_client.get(reverse("imports:run-bad-rows", args=[run.pk]))
    assert response.status_code == 200
    sheet = read_back(response.content)["Sheet1"]
    assert sheet[0][:5] == ROSTER_HEADERS + ["Ngày sinh"]
    assert [row[0] for row in sheet[1:]] == ["CB1", "CB2", "CB3"]
    assert "Ngày sinh" in sheet[1][5]
    assert sheet[2][1] == "=cmd"  # the value as uploaded (test_writer checks it is inert text)
    assert "Mã đơn vị" in sheet[3][5] and "Loại" in sheet[3][5]

    admin_client.post(reverse("imports:run-apply", args=[run.pk]))
    assert not Staff.objects.exists()


def test_data_changed_since_preview_fails_without_writing(admin_client, tree):
    run = preview(admin_client, roster(["CB1", "An", "SNV", "CC"], ["CB2", "Bình", "X-B1", "CC"]))
    Staff.objects.all().delete()
    Agency.objects.filter(code="X-B1").delete()
    admin_client.post(reverse("imports:run-apply", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == "failed" and run.error_count == 1
    assert not Staff.objects.exists()


def test_unusable_file_gets_one_sentence_and_no_run(admin_client, tree):
    response = admin_client.post(reverse("imports:upload", args=["roster"]), {"file": upload(b"a,b\n1,2\n", "x.xlsx")})
    assert response.status_code == 200
    assert "CSV" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_oversized_upload_is_refused(admin_client, tree, settings):
    settings.UPLOAD_MAX_BYTES = 100
    response = admin_client.post(reverse("imports:upload", args=["roster"]), {"file": upload(b"x" * 500)})
    assert response.status_code == 200 and not ImportRun.objects.exists()


def test_deactivate_missing_checkbox(admin_client, tree):
    make_staff(code="GONE", agency=tree.department)
    run = preview(admin_client, roster(["CB1", "An", "SNV", "CC"]), deactivate_missing="on")
    assert run.options["deactivate_missing"] is True and run.summary["counts"]["left"] == 1
    admin_client.post(reverse("imports:run-apply", args=[run.pk]))
    assert Staff.objects.get(code="GONE").left_on is not None


def test_other_formats_go_through_the_same_flow(admin_client, tree):
    data = xlsx(["Mã đơn vị", "Tên đơn vị", "Cấp", "Loại", "Mã đơn vị cấp trên"],
                ["NEW", "Mới", "Tỉnh", "Sở-Ban-Ngành", "UBND-T"])
    run = preview(admin_client, data, kind="agencies")
    admin_client.post(reverse("imports:run-apply", args=[run.pk]))
    assert Agency.objects.get(code="NEW").path.startswith(tree.province.path)


# --- history ---------------------------------------------------------------------------------------

def test_history_lists_who_imported_which_file(admin_client, tree, django_assert_max_num_queries):
    run = preview(admin_client, roster(["CB1", "An", "SNV", "CC"]))
    admin_client.post(reverse("imports:run-apply", args=[run.pk]))
    page = admin_client.get(reverse("imports:history")).content.decode()
    assert "danh-sach.xlsx" in page and "Quản trị viên" in page
    assert run.checksum in admin_client.get(run.get_absolute_url()).content.decode()
    with django_assert_max_num_queries(6):
        admin_client.get(reverse("imports:history"))
    preview(admin_client, roster(["CB2", "Bình", "SNV", "CC"]))
    preview(admin_client, roster(["CB3", "Cường", "SNV", "CC"]))
    with django_assert_max_num_queries(6):
        admin_client.get(reverse("imports:history"))


# --- course participants (issue 5) -----------------------------------------------------------------

def participants(*rows):
    return xlsx(sheets={"Học viên": [["Mã cán bộ", "Mã khóa học", "Kết quả"], *rows]})


def test_course_participants_access(client, tree, district_officer, outsider, leader, national_admin):
    course = make_course(code="KH-A", agency=tree.district_a)
    url = reverse("imports:course-participants", args=[course.pk])
    assert client.get(url).status_code == 302
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(leader)
    assert client.get(url).status_code == 403
    for user in (district_officer, national_admin):
        client.force_login(user)
        assert client.get(url).status_code == 200
    province_wide = make_course(code="KH-T")
    client.force_login(district_officer)
    assert client.get(reverse("imports:course-participants", args=[province_wide.pk])).status_code == 404


def test_officer_imports_participants_of_own_course_only_from_own_subtree(client, tree, district_officer, outsider):
    course = make_course(code="KH-A", agency=tree.district_a)
    make_staff(code="A1", agency=tree.commune_a1)
    make_staff(code="B1", agency=tree.commune_b1)
    client.force_login(district_officer)
    url = reverse("imports:course-participants", args=[course.pk])
    response = client.post(url, {"file": upload(participants(["A1", "KH-A", "Đạt"], ["B1", "KH-A", "Đạt"]))})
    run = ImportRun.objects.get()
    assert response.url == run.get_absolute_url() and run.kind == "course_participants"
    assert run.error_count == 1 and run.summary["errors"][0]["value"] == "B1"

    response = client.post(url, {"file": upload(participants(["A1", "", "Đạt"]))})
    good = ImportRun.objects.exclude(pk=run.pk).get()
    assert good.error_count == 0
    client.force_login(outsider)
    assert client.get(good.get_absolute_url()).status_code == 404
    assert client.post(reverse("imports:run-apply", args=[good.pk])).status_code == 404
    client.force_login(district_officer)
    client.post(reverse("imports:run-apply", args=[good.pk]))
    assert TrainingRecord.objects.get().course == course


def test_officer_cannot_reach_administrator_runs(client, tree, district_officer, national_admin):
    client.force_login(national_admin)
    run = preview(client, roster(["CB1", "An", "SNV", "CC"]))
    client.force_login(district_officer)
    assert client.get(run.get_absolute_url()).status_code == 404
    assert client.get(reverse("imports:run-bad-rows", args=[run.pk])).status_code == 404
    client.force_login(make_user(role="leader"))
    assert client.get(run.get_absolute_url()).status_code == 403


# --- background work -------------------------------------------------------------------------------

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


# The worker command runs in this process and closes its connection between tasks as the real one
# does: these tests commit for real instead of running in a rolled-back transaction.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_upload_is_queued_shown_in_progress_then_checked_by_the_worker(admin_client, tree, settings):
    settings.TASKS = DATABASE_TASKS
    admin_client.cookies["django_language"] = "en"
    response = admin_client.post(reverse("imports:upload", args=["roster"]),
                                 {"file": upload(roster(["CB1", "An", "SNV", "CC"]))})
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response.url == run.get_absolute_url()
    assert run.status == "checking" and run.stage == ""
    page = admin_client.get(run.get_absolute_url()).content.decode()
    assert 'data-refresh-seconds="1"' in page and "Waiting to start" in page and "js/refresh.js" in page
    assert "Confirm and import" not in page
    history = admin_client.get(reverse("imports:history")).content.decode()
    assert "Being checked" in history and 'data-refresh-seconds="3"' in history

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    run.refresh_from_db()
    assert (run.status, run.summary["counts"]["created"], run.stage) == ("previewed", 1, "")
    page = admin_client.get(run.get_absolute_url()).content.decode()
    assert "data-refresh-seconds" not in page and "Confirm and import" in page

    admin_client.post(reverse("imports:run-apply", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == "applying" and not Staff.objects.exists()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    run.refresh_from_db()
    assert run.status == "applied" and Staff.objects.get().code == "CB1"


def test_a_running_import_shows_its_stage_and_rows(admin_client, tree):
    admin_client.cookies["django_language"] = "en"
    run = preview(admin_client, roster(["CB1", "An", "SNV", "CC"]))
    ImportRun.objects.filter(pk=run.pk).update(status="checking", stage="checking", rows_done=12000, rows_total=50000)
    page = admin_client.get(run.get_absolute_url()).content.decode()
    assert "Checking the rows" in page and 'value="12000" max="50000"' in page and "Rows 12,000 of 50,000" in page
    assert "Checking the rows: 12000 / 50000" in admin_client.get(reverse("imports:history")).content.decode()


def test_a_confirmed_run_is_queued_once(admin_client, tree, settings):
    run = preview(admin_client, roster(["CB1", "An", "SNV", "CC"]))
    settings.TASKS = DATABASE_TASKS
    admin_client.post(reverse("imports:run-apply", args=[run.pk]))
    admin_client.post(reverse("imports:run-apply", args=[run.pk]))
    assert list(DBTaskResult.objects.values_list("task_path", flat=True)) == ["portal.imports.apply_import"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_writes_its_messages_in_the_uploaders_language(admin_client, tree, settings):
    settings.TASKS = DATABASE_TASKS
    admin_client.cookies["django_language"] = "en"
    admin_client.post(reverse("imports:upload", args=["roster"]), {"file": upload(roster(["CB1", "An", "NOWHERE", "CC"]))})
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    run = ImportRun.objects.get()
    assert run.options["language"] == "en" and run.summary["errors"][0]["reason"] == "unknown agency"


def test_a_file_the_parser_refuses_fails_its_run_with_one_sentence(admin_client, tree):
    admin_client.cookies["django_language"] = "en"
    response = admin_client.post(reverse("imports:upload", args=["roster"]), {"file": upload(xlsx(["nothing", "here"]))})
    run = ImportRun.objects.get()
    assert response.url == run.get_absolute_url()
    assert run.status == "failed" and bytes(run.data) == b""
    page = admin_client.get(run.get_absolute_url()).content.decode()
    assert "No sheet has a header row with the columns Mã cán bộ" in page


def test_an_unexpected_error_in_the_check_fails_the_run_and_is_logged(admin_client, tree, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("boom")
    monkeypatch.setitem(FORMATS, "roster", dataclasses.replace(FORMATS["roster"], reader=broken))
    admin_client.cookies["django_language"] = "en"
    admin_client.post(reverse("imports:upload", args=["roster"]), {"file": upload(roster(["CB1", "An", "SNV", "CC"]))})
    run = ImportRun.objects.get()
    assert run.status == "failed" and "error in the portal" in run.summary["failure"]
    assert "the check failed" in caplog.text
# --- issue 13: expired previews, per-person history, no caching of downloads -------------------------

def test_a_preview_older_than_its_life_cannot_be_confirmed(admin_client, tree):
    run = preview(admin_client, roster(["CB1", "An", "SNV", "CC"]))
    ImportRun.objects.filter(pk=run.pk).update(created_at=run.created_at - PREVIEW_KEPT_FOR - datetime.timedelta(minutes=1))
    admin_client.cookies["django_language"] = "en"  # the messages below are read in English
    page = admin_client.get(run.get_absolute_url()).content.decode()
    assert "cannot be confirmed" in page and reverse("imports:run-apply", args=[run.pk]) not in page
    response = admin_client.post(reverse("imports:run-apply", args=[run.pk]), follow=True)
    assert "more than 2 days old" in response.content.decode()
    run.refresh_from_db()
    assert run.status == "failed" and bytes(run.data) == b"" and not Staff.objects.exists()


def test_a_preview_just_inside_its_life_is_confirmed(admin_client, tree):
    run = preview(admin_client, roster(["CB1", "An", "SNV", "CC"]))
    ImportRun.objects.filter(pk=run.pk).update(created_at=run.created_at - PREVIEW_KEPT_FOR + datetime.timedelta(minutes=1))
    admin_client.post(reverse("imports:run-apply", args=[run.pk]))
    assert Staff.objects.filter(code="CB1").exists()


def test_participants_upload_writes_each_persons_history(client, tree, district_officer):
    course = make_course(code="KH-A", agency=tree.district_a)
    first, second = make_staff(code="A1", agency=tree.commune_a1), make_staff(code="A2", agency=tree.commune_a2)
    TrainingRecord.objects.create(staff=second, course=course, result="pending")
    client.force_login(district_officer)
    url = reverse("imports:course-participants", args=[course.pk])
    client.post(url, {"file": upload(participants(["A1", "KH-A", "Đạt"], ["A2", "KH-A", "Vắng"]))})
    client.post(reverse("imports:run-apply", args=[ImportRun.objects.get().pk]))
    created = ChangeRecord.objects.get(staff=first, model="training.TrainingRecord")
    assert (created.action, created.user, created.agency) == ("create", district_officer, tree.commune_a1)
    assert created.changes == {"course": [None, str(course.pk)], "result": [None, "passed"],
                               "completed_on": [None, course.end_date.isoformat()]}
    updated = ChangeRecord.objects.get(staff=second, model="training.TrainingRecord")
    assert updated.action == "update" and updated.changes == {
        "result": ["pending", "absent"], "completed_on": [None, course.end_date.isoformat()]}
    page = client.get(reverse("targets:staff-detail", args=[second.pk])).content.decode()
    assert course.code in page


def test_downloads_are_never_stored_by_the_browser(admin_client, tree):
    run = preview(admin_client, roster(["CB1", "An", "SNV", "CC"], ["CB2", "B", "KHONG-CO", "CC"]))
    for url in (reverse("imports:template", args=["roster"]), reverse("imports:run-bad-rows", args=[run.pk]),
                reverse("imports:run-file", args=[run.pk]), run.get_absolute_url()):
        response = admin_client.get(url)
        assert response.status_code == 200 and "no-store" in response["Cache-Control"], url


# --- issue 11: an import whose worker died ---------------------------------------------------------

STALL = datetime.timedelta(seconds=600)


def running(client, status="checking", **fields):
    """A run as its worker left it: being checked (or written), last heard of at `heartbeat_at`."""
    run = preview(client, roster(["CB1", "An", "SNV", "CC"]))
    ImportRun.objects.filter(pk=run.pk).update(status=status, **{"stage": "checking", "rows_done": 12000,
                                                                 "rows_total": 50000, **fields})
    run.refresh_from_db()
    return run


def test_a_running_import_is_stalled_only_after_its_silence_passes_the_limit(admin_client, tree, settings):
    settings.IMPORT_STALL_AFTER = 600
    beat = timezone.now()
    run = running(admin_client, heartbeat_at=beat)
    assert not is_stalled(run, now=beat + STALL - datetime.timedelta(seconds=1))
    assert not is_stalled(run, now=beat + STALL)
    assert is_stalled(run, now=beat + STALL + datetime.timedelta(seconds=1))
    settings.IMPORT_STALL_AFTER = 3600
    assert not is_stalled(run, now=beat + STALL + datetime.timedelta(seconds=1))
    # A run queued before heartbeats existed counts from its upload; an ended run never stalls.
    run.heartbeat_at = None
    assert is_stalled(run, now=run.created_at + datetime.timedelta(hours=2))
    run.status = ImportRun.Status.PREVIEWED
    assert not is_stalled(run, now=run.created_at + datetime.timedelta(days=1))


def test_every_progress_report_is_a_heartbeat(admin_client, tree):
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    run = running(admin_client, heartbeat_at=long_ago)
    assert is_stalled(run)
    _progress_of(run)("checking", 13000, 50000)
    run.refresh_from_db()
    assert run.rows_done == 13000 and run.heartbeat_at > long_ago and not is_stalled(run)


def test_uploading_and_confirming_start_the_heartbeat(admin_client, tree, settings):
    settings.TASKS = DATABASE_TASKS  # queued, with no worker to take them
    before = timezone.now()
    admin_client.post(reverse("imports:upload", args=["roster"]), {"file": upload(roster(["CB1", "An", "SNV", "CC"]))})
    run = ImportRun.objects.get()
    assert run.status == "checking" and run.heartbeat_at >= before
    assert is_stalled(run, now=run.heartbeat_at + STALL + datetime.timedelta(seconds=1))
    ImportRun.objects.filter(pk=run.pk).update(status="previewed", heartbeat_at=before - datetime.timedelta(days=1))
    admin_client.post(reverse("imports:run-apply", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == "applying" and run.heartbeat_at >= before and not is_stalled(run)


@pytest.mark.parametrize("status, written", [("checking", "Nothing was written: the file was still being checked."),
                                             ("applying", "Nothing of this file was written: its rows are written in "
                                                          "one transaction, which a stopped worker never commits.")])
def test_a_stalled_run_says_so_on_its_page_and_in_the_history(admin_client, tree, status, written):
    run = running(admin_client, status=status, heartbeat_at=timezone.now() - STALL - datetime.timedelta(minutes=1))
    admin_client.cookies["django_language"] = "en"
    page = admin_client.get(run.get_absolute_url()).content.decode()
    assert "This import has stalled" in page
    assert "No sign of progress for more than 10 minutes: the import worker has stopped or is not running." in page
    assert written in page and "Last progress: Checking the rows, rows 12,000 of 50,000." in page
    assert f'action="{reverse("imports:run-mark-failed", args=[run.pk])}"' in page and "Mark as failed" in page
    assert "data-refresh-seconds" not in page and "js/refresh.js" not in page  # it will not move by itself
    history = admin_client.get(reverse("imports:history")).content.decode()
    assert "Stalled" in history and "open it to mark it as failed" in history and "data-refresh-seconds" not in history
    admin_client.cookies["django_language"] = "vi"
    page = admin_client.get(run.get_absolute_url()).content.decode()
    assert "This import has stalled" not in page and "Đánh dấu thất bại" in page


def test_a_live_run_shows_no_stall(admin_client, tree):
    run = running(admin_client, heartbeat_at=timezone.now() - STALL + datetime.timedelta(minutes=1))
    admin_client.cookies["django_language"] = "en"
    page = admin_client.get(run.get_absolute_url()).content.decode()
    assert "This import has stalled" not in page and 'data-refresh-seconds="1"' in page
    assert "Mark as failed" not in page


def test_marking_a_stalled_run_failed_lets_the_file_be_uploaded_again(admin_client, tree):
    run = running(admin_client, status="applying", heartbeat_at=timezone.now() - STALL - datetime.timedelta(minutes=1))
    admin_client.cookies["django_language"] = "en"
    response = admin_client.post(reverse("imports:run-mark-failed", args=[run.pk]), follow=True)
    run.refresh_from_db()
    assert (run.status, run.stage) == ("failed", "")
    assert "Nothing of this file was written" in run.summary["failure"]
    page = response.content.decode()
    assert "was marked as failed; nothing was written" in page and "Not applied: nothing was written." in page
    assert "Mark as failed" not in page and not Staff.objects.exists()
    # The worker, were it to come back, leaves the run alone; the same file goes through again.
    apply_import.call(run.pk, run.user_id)
    check_import.call(run.pk)
    run.refresh_from_db()
    assert run.status == "failed" and not Staff.objects.exists()
    again = preview(admin_client, roster(["CB1", "An", "SNV", "CC"]))
    admin_client.post(reverse("imports:run-apply", args=[again.pk]))
    assert Staff.objects.get().code == "CB1"


def test_a_run_that_is_not_stalled_is_not_marked_failed(admin_client, tree):
    live = running(admin_client, heartbeat_at=timezone.now())
    admin_client.cookies["django_language"] = "en"
    response = admin_client.post(reverse("imports:run-mark-failed", args=[live.pk]), follow=True)
    assert "This import is not stalled" in response.content.decode()
    assert ImportRun.objects.get(pk=live.pk).status == "checking"
    previewed = preview(admin_client, roster(["CB2", "Bình", "SNV", "CC"]))
    admin_client.post(reverse("imports:run-mark-failed", args=[previewed.pk]))
    assert ImportRun.objects.get(pk=previewed.pk).status == "previewed"
    # Seen stalled on a page, but its worker reported since: the conditional update leaves it running.
    stale = running(admin_client, heartbeat_at=timezone.now() - STALL - datetime.timedelta(minutes=1))
    ImportRun.objects.filter(pk=stale.pk).update(heartbeat_at=timezone.now())
    assert not import_mark_failed(run=stale)
    assert ImportRun.objects.get(pk=stale.pk).status == "checking"


def test_marking_failed_is_a_post_for_the_runs_owner_only(client, tree, district_officer, outsider, leader):
    course = make_course(code="KH-A", agency=tree.district_a)
    make_staff(code="A1", agency=tree.commune_a1)
    client.force_login(district_officer)
    client.post(reverse("imports:course-participants", args=[course.pk]),
                {"file": upload(participants(["A1", "KH-A", "Đạt"]))})
    run = ImportRun.objects.get()
    ImportRun.objects.filter(pk=run.pk).update(status="checking",
                                               heartbeat_at=timezone.now() - STALL - datetime.timedelta(minutes=1))
    url = reverse("imports:run-mark-failed", args=[run.pk])
    assert client.get(url).status_code == 405
    client.logout()
    response = client.post(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    client.force_login(outsider)
    assert client.post(url).status_code == 404
    client.force_login(leader)
    assert client.post(url).status_code == 403
    assert ImportRun.objects.get(pk=run.pk).status == "checking"
    client.force_login(district_officer)
    assert client.post(url).status_code == 302
    assert ImportRun.objects.get(pk=run.pk).status == "failed"


def test_marking_failed_needs_the_csrf_token(admin_client, tree, national_admin):
    run = running(admin_client, heartbeat_at=timezone.now() - STALL - datetime.timedelta(minutes=1))
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(national_admin)
    assert strict.post(reverse("imports:run-mark-failed", args=[run.pk])).status_code == 403
    assert ImportRun.objects.get(pk=run.pk).status == "checking"


def test_a_check_that_ends_after_its_run_was_marked_failed_leaves_it_failed(admin_client, tree, monkeypatch):
    reader = FORMATS["roster"].reader

    def slow(**kwargs):
        # The administrator gives up on the run while the worker is still parsing it.
        ImportRun.objects.filter(status="checking").update(status="failed", summary={"failure": "stalled"})
        return reader(**kwargs)
    monkeypatch.setitem(FORMATS, "roster", dataclasses.replace(FORMATS["roster"], reader=slow))
    admin_client.post(reverse("imports:upload", args=["roster"]), {"file": upload(roster(["CB1", "An", "SNV", "CC"]))})
    run = ImportRun.objects.get()
    assert run.status == "failed" and run.summary == {"failure": "stalled"}


# --- issue 11: pages that reload themselves while an import runs stay cheap -------------------------

PLAIN_COLUMN = r'(?<!\()"portal_importrun"\."{}"'


def _loaded_columns(queries) -> set[str]:
    """The import run's big columns selected as such (not through a JSON key extraction)."""
    sql = " ".join(q["sql"] for q in queries if "portal_importrun" in q["sql"])
    return {column for column in ("data", "summary") if re.search(PLAIN_COLUMN.format(column), sql)}


def test_the_progress_page_reads_neither_the_file_nor_the_previews_lists(admin_client, tree):
    admin_client.cookies["django_language"] = "en"
    rows = [[f"CB{n}", f"Người {n}", "SNV", "CC"] for n in range(300)]
    run = preview(admin_client, roster(*rows))
    assert len(run.summary["plan"]["rows"]["created"]) == 200  # the preview lists 200 of them
    admin_client.post(reverse("imports:run-apply", args=[run.pk]))
    ImportRun.objects.filter(pk=run.pk).update(status="applying", stage="writing", heartbeat_at=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        page = admin_client.get(run.get_absolute_url()).content.decode()
    assert len(queries) == 3  # the session, the user, the run
    assert _loaded_columns(queries.captured_queries) == set()
    assert "Writing the data" in page and "Staff roster: 300 new, 0 changed, 0 unchanged." in page
    assert "CB150" not in page and 'data-refresh-seconds="1"' in page
    with CaptureQueriesContext(connection) as queries:
        history = admin_client.get(reverse("imports:history")).content.decode()
    assert _loaded_columns(queries.captured_queries) == set()
    assert "300 new, 0 changed, 0 unchanged" in history


def test_an_ended_run_shows_the_previews_lists_again(admin_client, tree):
    admin_client.cookies["django_language"] = "en"
    run = preview(admin_client, roster(*[[f"CB{n}", f"Người {n}", "SNV", "CC"] for n in range(30)]))
    page = admin_client.get(run.get_absolute_url()).content.decode()
    assert "CB15" in page and "Confirm and import" in page and run.checksum in page
