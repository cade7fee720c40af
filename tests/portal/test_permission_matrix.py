"""The permission matrix: every URL of the portal, for five personas, against objects of districts A and B.

Each line of MATRIX is one URL (and method, and query for the downloads), the object kind whose
A and B instances fill it, and the status each persona gets. A code given once applies to both
objects; a pair is (object of A, object of B). The codes:

- LOGIN: a redirect to the sign-in page (anonymous);
- 404: out of the persona's scope (nothing about the object leaks);
- 403: in scope, but the persona's role may not do this;
- 200: the page or the download; SAVED: a POST that was accepted (302) and changed the data.

Beyond the status, every request checks that the data is unchanged unless SAVED (a GET or a
refused POST writes nothing), that an officer never changes the other district's data (even
through an accepted form: `World.side_fingerprint`), that a download is the file it claims to be,
and that a page or file shown to the officer of one district names no person, report or agency
of the other (`_leaks`, which reads inside .xlsx files too).

`test_matrix_covers_every_url` walks the URL resolver: a new URL without a line here fails it.
The objects are built once for the module; each case runs in a savepoint rolled back after it.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Q
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from agencies.models import ChangeRecord, Staff, User
from portal.imports import import_preview
from portal.models import ImportRun
from targets.models import AggregateReport, Indicator
from tests.conftest import Tree, make_course, make_record, make_staff, make_user
from tests.workbooks import ROSTER_HEADERS, xlsx
from training.models import Course, CourseCategory, TrainingRecord

pytestmark = pytest.mark.django_db

LOGIN = "login"
SAVED = "saved"
GET, POST = "GET", "POST"
XLSX = "?format=xlsx"
DOCX = "?format=docx"
PERSONAS = ("anonymous", "officer_a", "officer_b", "leader", "admin")

# Left out on purpose: the admin site (Django's own, staff only), the language switch (a
# POST anyone may make, storing only a cookie) and /healthz (tests/portal/test_health.py and
# test_healthz_answers_everyone below).
NOT_IN_MATRIX = {"set_language", "healthz"}


@dataclass(frozen=True)
class Line:
    name: str
    kind: str | None
    method: str
    query: str
    expect: dict[str, object]


def line(name, kind, method, query, anonymous, officer_a, officer_b, leader, admin) -> Line:
    return Line(name, kind, method, query, dict(zip(PERSONAS, (anonymous, officer_a, officer_b, leader, admin),
                                                    strict=True)))


# Object kinds (filled by the `world` fixture):
#   agency      district A / district B            staff    a person of A / of B
#   agency+code not-counted list of that agency     course   a course managed by A / by B
#   posted      the agency chosen in a create form  record   A's person on A's course / B's on B's
#   guest       B's person on A's course (course A is then visible to officer B, who may not edit it)
#   report      an aggregate report of A / of B     run      participants import by officer A / by officer B
#   admin-run   the administrator's roster import   format   the roster format (no object)
#   province-course a course with no managing agency (province-wide import), attended by A's person:
#               officer A sees it but only administrators change it
#   filter      the agency given in the query string ({pk}) of a list or a form
#   course:moved    a course posted with the other district as its managing agency
#   course:foreign  a course's results form posted with the other course's participant in it
# Course B has no participant from A, so officer A cannot see it (404); course A has a guest from
# B, so officer B sees it but may not change it (403).
MATRIX = [
    #    URL name                         object        method query  anonymous  officer A    officer B    leader  admin
    # Overview, sign-in, the JSON API
    line("home",                          None,         GET,  "",     LOGIN,     200,         200,         200,    200),
    line("home",                          None,         GET,  XLSX,   LOGIN,     200,         200,         200,    200),
    # The Word reports are province-wide documents, like the API: officers have their own home instead.
    line("home",                          None,         GET,  DOCX,   LOGIN,     403,         403,         200,    200),
    line("targets:results",               None,         GET,  "",     LOGIN,     403,         403,         200,    200),
    line("targets:results",               None,         GET,  DOCX,   LOGIN,     403,         403,         200,    200),
    line("login",                         None,         GET,  "",     200,       302,         302,         302,    302),
    line("logout",                        None,         GET,  "",     405,       405,         405,         405,    405),
    line("logout",                        None,         POST, "",     302,       302,         302,         302,    302),
    line("api-attainment",                None,         GET,  "",     401,       403,         403,         200,    200),
    line("api-attainment",                None,         POST, "",     405,       405,         405,         405,    405),
    # Agencies and the staff directory
    line("agencies:agency-list",          None,         GET,  "",     LOGIN,     200,         200,         200,    200),
    line("agencies:agency-detail",        "agency",     GET,  "",     LOGIN,     (200, 404),  (404, 200),  200,    200),
    line("agencies:staff-list",           None,         GET,  "",     LOGIN,     200,         200,         200,    200),
    # A filter on an agency outside the subtree is ignored: the list stays within it (no leak, checked below).
    line("agencies:staff-list",           "filter",     GET,  "?unit={pk}&status=all", LOGIN, 200,   200,         200,    200),
    line("agencies:staff-create",         None,         GET,  "",     LOGIN,     200,         200,         403,    200),
    line("agencies:staff-create",         "filter",     GET,  "?agency={pk}", LOGIN, 200,         200,         403,    200),
    # An agency outside the officer's subtree is not a choice of the form: it is refused with the form.
    line("agencies:staff-create",         "posted",     POST, "",     LOGIN,     (SAVED, 200), (200, SAVED), 403,  SAVED),
    line("agencies:staff-detail",         "staff",      GET,  "",     LOGIN,     (302, 404),  (404, 302),  302,    302),
    line("agencies:staff-update",         "staff",      GET,  "",     LOGIN,     (200, 404),  (404, 200),  403,    200),
    line("agencies:staff-update",         "staff",      POST, "",     LOGIN,     (SAVED, 404), (404, SAVED), 403,  SAVED),
    line("agencies:staff-leave",          "staff",      GET,  "",     LOGIN,     (200, 404),  (404, 200),  403,    200),
    line("agencies:staff-leave",          "staff",      POST, "",     LOGIN,     (SAVED, 404), (404, SAVED), 403,  SAVED),
    # Courses and their participants
    line("training:course-list",          None,         GET,  "",     LOGIN,     200,         200,         200,    200),
    line("training:course-create",        None,         GET,  "",     LOGIN,     200,         200,         403,    200),
    line("training:course-create",        "posted",     POST, "",     LOGIN,     (SAVED, 200), (200, SAVED), 403,  SAVED),
    line("training:course-detail",        "course",     GET,  "",     LOGIN,     (200, 404),  200,         200,    200),
    line("training:course-update",        "course",     GET,  "",     LOGIN,     (200, 404),  (403, 200),  403,    200),
    line("training:course-update",        "course",     POST, "",     LOGIN,     (SAVED, 404), (403, SAVED), 403,  SAVED),
    line("training:course-update",        "course:moved", POST, "",   LOGIN,     (200, 404),  (403, 200),  403,    SAVED),
    line("training:course-detail",        "province-course", GET, "", LOGIN,     200,         404,         200,    200),
    line("training:course-update",        "province-course", GET, "", LOGIN,     403,         404,         403,    200),
    line("training:course-update",        "province-course", POST, "", LOGIN,    403,         404,         403,    SAVED),
    line("training:participant-add",      "course",     GET,  "",     LOGIN,     (200, 404),  (403, 200),  403,    200),
    line("training:participant-add",      "course",     POST, "",     LOGIN,     (SAVED, 404), (403, SAVED), 403,  SAVED),
    line("training:participant-results",  "course",     GET,  "",     LOGIN,     (200, 404),  (403, 200),  403,    200),
    line("training:participant-results",  "course",     POST, "",     LOGIN,     (SAVED, 404), (403, SAVED), 403,  SAVED),
    line("training:participant-results",  "course:foreign", POST, "", LOGIN,     (200, 404),  (403, 200),  403,    200),
    line("training:participant-remove",   "record",     GET,  "",     LOGIN,     (200, 404),  (404, 200),  403,    200),
    line("training:participant-remove",   "record",     POST, "",     LOGIN,     (SAVED, 404), (404, SAVED), 403,  SAVED),
    # The course's officer cannot see B's person (404); B's officer sees them but not the course's rights (403).
    line("training:participant-remove",   "guest",      GET,  "",     LOGIN,     404,         403,         403,    200),
    line("training:participant-remove",   "guest",      POST, "",     LOGIN,     404,         403,         403,    SAVED),
    # Dashboards, not-counted lists, the reporting panel, the person page, training needs
    line("targets:agency",                "agency",     GET,  "",     LOGIN,     (200, 404),  (404, 200),  200,    200),
    line("targets:agency",                "agency",     GET,  XLSX,   LOGIN,     (200, 404),  (404, 200),  200,    200),
    line("targets:not-counted",           "agency+code", GET, "",     LOGIN,     (200, 404),  (404, 200),  200,    200),
    line("targets:not-counted",           "agency+code", GET, XLSX,   LOGIN,     (200, 404),  (404, 200),  200,    200),
    line("targets:not-counted-invite",    "agency+code", GET, "",     405,       405,         405,         405,    405),
    line("targets:not-counted-invite",    "agency+code", POST, "",    LOGIN,     (SAVED, 404), (404, SAVED), 403,  SAVED),
    line("targets:reporting",             None,         GET,  "",     LOGIN,     200,         200,         200,    200),
    line("targets:reporting",             None,         GET,  XLSX,   LOGIN,     200,         200,         200,    200),
    line("targets:staff-detail",          "staff",      GET,  "",     LOGIN,     (200, 404),  (404, 200),  200,    200),
    line("targets:training-needs",        "agency",     GET,  "",     LOGIN,     (200, 404),  (404, 200),  200,    200),
    # Aggregate reports
    line("targets:report-list",           None,         GET,  "",     LOGIN,     200,         200,         200,    200),
    line("targets:report-list",           "filter",     GET,  "?agency={pk}", LOGIN, 200,         200,         200,    200),
    line("targets:report-create",         None,         GET,  "",     LOGIN,     200,         200,         403,    200),
    line("targets:report-create",         "filter",     GET,  "?agency={pk}", LOGIN, 200,         200,         403,    200),
    line("targets:report-create",         "posted",     POST, "",     LOGIN,     (SAVED, 200), (200, SAVED), 403,  SAVED),
    line("targets:report-update",         "report",     GET,  "",     LOGIN,     (200, 404),  (404, 200),  403,    200),
    line("targets:report-update",         "report",     POST, "",     LOGIN,     (SAVED, 404), (404, SAVED), 403,  SAVED),
    line("targets:report-delete",         "report",     GET,  "",     LOGIN,     (200, 404),  (404, 200),  403,    200),
    line("targets:report-delete",         "report",     POST, "",     LOGIN,     (SAVED, 404), (404, SAVED), 403,  SAVED),
    # Imports: administrators import the four formats; an officer uploads the participants of own courses
    line("imports:index",                 None,         GET,  "",     LOGIN,     403,         403,         403,    200),
    line("imports:history",               None,         GET,  "",     LOGIN,     403,         403,         403,    200),
    line("imports:upload",                "format",     GET,  "",     LOGIN,     403,         403,         403,    200),
    line("imports:upload",                "format",     POST, "",     LOGIN,     403,         403,         403,    SAVED),
    line("imports:template",              "format",     GET,  "",     LOGIN,     200,         200,         403,    200),
    line("imports:course-participants",   "course",     GET,  "",     LOGIN,     (200, 404),  (403, 200),  403,    200),
    line("imports:course-participants",   "course",     POST, "",     LOGIN,     (SAVED, 404), (403, SAVED), 403,  SAVED),
    line("imports:course-participants",   "province-course", GET, "", LOGIN,     403,         404,         403,    200),
    line("imports:run-detail",            "run",        GET,  "",     LOGIN,     (200, 404),  (404, 200),  403,    200),
    line("imports:run-detail",            "admin-run",  GET,  "",     LOGIN,     404,         404,         403,    200),
    line("imports:run-bad-rows",          "run",        GET,  "",     LOGIN,     (200, 404),  (404, 200),  403,    200),
    line("imports:run-bad-rows",          "admin-run",  GET,  "",     LOGIN,     404,         404,         403,    200),
    line("imports:run-file",              "run",        GET,  "",     LOGIN,     403,         403,         403,    200),
    line("imports:run-file",              "admin-run",  GET,  "",     LOGIN,     403,         403,         403,    200),
    line("imports:run-apply",             "run",        GET,  "",     405,       405,         405,         405,    405),
    line("imports:run-apply",             "run",        POST, "",     LOGIN,     (SAVED, 404), (404, SAVED), 403,  SAVED),
    line("imports:run-apply",             "admin-run",  POST, "",     LOGIN,     404,         404,         403,    SAVED),
    line("imports:run-cancel",            "run",        GET,  "",     405,       405,         405,         405,    405),
    line("imports:run-cancel",            "run",        POST, "",     LOGIN,     (SAVED, 404), (404, SAVED), 403,  SAVED),
    line("imports:run-cancel",            "admin-run",  POST, "",     LOGIN,     404,         404,         403,    SAVED),
    # Only a stalled run is marked failed: these are previews, so the allowed personas are sent back unchanged.
    line("imports:run-mark-failed",       "run",        GET,  "",     405,       405,         405,         405,    405),
    line("imports:run-mark-failed",       "run",        POST, "",     LOGIN,     (302, 404),  (404, 302),  403,    302),
    line("imports:run-mark-failed",       "admin-run",  POST, "",     LOGIN,     404,         404,         403,    302),
]

SINGLE_KINDS = (None, "guest", "province-course", "admin-run", "format")
DOWNLOADS = {
    "imports:template": "xlsx",
    "imports:run-bad-rows": "xlsx",
    "imports:run-file": "xlsx",
    "api-attainment": "json",
}


def _cases():
    for entry in MATRIX:
        for persona in PERSONAS:
            expected = entry.expect[persona]
            sides = ("A", "B") if entry.kind not in SINGLE_KINDS else ("",)
            for index, side in enumerate(sides):
                code = expected[index] if isinstance(expected, tuple) else expected
                variant = entry.kind.partition(":")[2] if entry.kind else ""
                label = " ".join(filter(None, [entry.name, entry.method, entry.query, variant, persona, side]))
                yield pytest.param(entry, persona, side, code, id=label)


# --- the world: a few objects in district A and district B -------------------------------------------

NOT_COUNTED_CODE = "staff-prov-district"


class World:
    def __init__(self, tree):
        self.tree = tree
        self.users = {
            "anonymous": None,
            "officer_a": make_user(username="officer-a", role=User.Role.OFFICER, agency=tree.district_a),
            "officer_b": make_user(username="officer-b", role=User.Role.OFFICER, agency=tree.district_b),
            "leader": make_user(username="leader", role=User.Role.LEADER),
            "admin": make_user(username="admin", role=User.Role.ADMINISTRATOR),
        }
        staff = {
            "A": make_staff(code="CB-A1", full_name="Đặng Văn Ánh", agency=tree.commune_a1),
            "B": make_staff(code="CB-B1", full_name="Hồ Văn Bảo", agency=tree.commune_b1),
        }
        self.free = {  # people on no course, for the participant forms and files
            "A": make_staff(code="CB-A2", full_name="Vũ Thị Ấu", agency=tree.district_a),
            "B": make_staff(code="CB-B2", full_name="Mai Văn Bền", agency=tree.district_b),
        }
        guest = make_staff(code="CB-B3", full_name="Lý Thị Bích", agency=tree.commune_b1)
        courses = {
            "A": make_course(code="KH-A", name="Tin học huyện A", agency=tree.district_a),
            "B": make_course(code="KH-B", name="Tin học huyện B", agency=tree.district_b),
        }
        records = {side: make_record(staff=staff[side], course=courses[side]) for side in "AB"}
        teachers = Indicator.objects.get(programme__is_current=True, code="teachers-it")
        reports = {
            side: AggregateReport.objects.create(indicator=teachers, agency=agency, year=2020, numerator=5,
                                                 denominator=10, note=f"Ghi chú riêng của huyện {side}")
            for side, agency in (("A", tree.district_a), ("B", tree.district_b))
        }
        runs = {  # one good row and one bad row, so that the bad-rows file exists
            side: import_preview(
                kind=ImportRun.Kind.COURSE_PARTICIPANTS, file_name=f"hoc-vien-{side}.xlsx",
                data=participants_file([self.free[side].code, courses[side].code, "Đạt"],
                                       ["KHONG-CO", courses[side].code, "Đạt"]),
                user=self.users[f"officer_{side.lower()}"], options={"course_id": courses[side].pk},
            )
            for side in "AB"
        }
        province_course = make_course(code="KH-T", name="Tin học toàn tỉnh")
        make_record(staff=self.free["A"], course=province_course)
        admin_run = import_preview(
            kind="roster", file_name="danh-sach.xlsx", user=self.users["admin"],
            data=xlsx(ROSTER_HEADERS, ["CB-N1", "Người Mới", "H-A", "CC"], ["CB-N2", "Người Lỗi", "KHONG-CO", "CC"]),
        )
        self.objects = {
            "agency": {"A": tree.district_a, "B": tree.district_b},
            "agency+code": {"A": tree.district_a, "B": tree.district_b},
            "posted": {"A": tree.district_a, "B": tree.district_b},
            "filter": {"A": tree.district_a, "B": tree.district_b},
            "staff": staff,
            "course": courses,
            "record": records,
            "guest": {"": make_record(staff=guest, course=courses["A"])},
            "province-course": {"": province_course},
            "report": reports,
            "run": runs,
            "admin-run": {"": admin_run},
            "format": {"": "roster"},
        }
        # What officer A must never be shown, and officer B: the other district's people and reports.
        # Officer B sees course A (a guest attends it) and so A's name as its managing agency; officer A
        # has no reason ever to see B's agencies.
        people = {"A": [staff["A"], self.free["A"]], "B": [staff["B"], self.free["B"], guest]}
        self.secrets = {
            side: [p.full_name for p in people[side]] + [p.code for p in people[side]] + [reports[side].note]
            for side in "AB"
        }
        self.secrets["B"] += [tree.district_b.name, tree.commune_b1.name]

    def object(self, entry: Line, side: str):
        return self.objects[entry.kind.partition(":")[0]][side] if entry.kind else None

    def url(self, entry: Line, side: str) -> str:
        obj = self.object(entry, side)
        if entry.kind in (None, "posted", "filter"):
            args = []
        elif entry.kind == "agency+code":
            args = [obj.pk, NOT_COUNTED_CODE]
        elif entry.kind == "format":
            args = [obj]
        else:
            args = [obj.pk]
        return reverse(entry.name, args=args) + entry.query.format(pk=getattr(obj, "pk", ""))

    def payload(self, entry: Line, side: str, user) -> dict:
        """What an allowed persona would post: valid data that changes something."""
        obj = self.object(entry, side)
        other = {"A": "B", "B": "A"}.get(side)
        name = entry.name
        if name == "agencies:staff-create":
            return {"code": "CB-MOI", "full_name": "Người Mới Vào", "agency": obj.pk, "category": "CC",
                    "it_qualification": "none", "joined_on": "15/08/2024"}
        if name == "agencies:staff-update":
            return {"position": "Chuyên viên chính", "category": obj.category, "it_qualification": "university",
                    "is_it_staff": "on", "version": Staff.objects.get(pk=obj.pk).updated_at.isoformat()}
        if name == "agencies:staff-leave":
            return {"left_on": "01/06/2024"}
        if name == "training:course-create":
            return self._course_data(code="KH-MOI", agency=obj)
        if name == "training:course-update":
            agency = self.objects["agency"][other] if entry.kind == "course:moved" else obj.agency
            return self._course_data(code=obj.code, agency=agency)
        if name == "training:participant-add":
            return {"staff": [self.free["A"].pk, self.free["B"].pk], "add_selected": ""}
        if name == "training:participant-results":
            records = list(
                TrainingRecord.objects.filter(course=obj, staff__in=Staff.objects.visible_to(user))
                .order_by("staff__agency__path", "staff__name_folded", "pk")
            ) if user else []
            if entry.kind == "course:foreign":
                # A hidden record id is sent back by the browser: one from the other course must be refused.
                records.append(self.objects["record"][other])
            data = {"form-TOTAL_FORMS": str(len(records)), "form-INITIAL_FORMS": str(len(records))}
            for i, record in enumerate(records):
                # As the page shows the row (its values and version, hidden), then changed to "failed".
                data.update({f"form-{i}-record": record.pk, f"form-{i}-version": record.updated_at.isoformat(),
                             f"initial-form-{i}-result": record.result, f"initial-form-{i}-completed_on": "",
                             f"form-{i}-result": "failed", f"form-{i}-completed_on": ""})
            return data
        if name == "targets:report-create":
            return {"indicator": Indicator.objects.get(programme__is_current=True, code="teachers-it").pk,
                    "agency": obj.pk, "year": "2021", "numerator": "7", "denominator": "9", "note": ""}
        if name == "targets:report-update":
            return {"numerator": "8", "denominator": "10", "note": "Đã sửa",
                    "version": AggregateReport.objects.get(pk=obj.pk).updated_at.isoformat()}
        if name == "targets:not-counted-invite":
            return {"course": self.objects["course"][side].pk}
        if name == "imports:upload":
            file = xlsx(ROSTER_HEADERS, ["CB-N3", "Người Nhập", "H-A", "CC"])
            return {"file": SimpleUploadedFile("danh-sach-moi.xlsx", file)}
        if name == "imports:course-participants":
            file = participants_file([self.free[side].code, obj.code, "Đạt"])
            return {"file": SimpleUploadedFile("hoc-vien-moi.xlsx", file)}
        return {}


    @staticmethod
    def _course_data(*, code: str, agency) -> dict:
        return {"code": code, "name": "Khóa học đổi tên", "category": CourseCategory.objects.get(code="basic").pk,
                "start_date": "05/03/2024", "end_date": "08/03/2024", "agency": agency.pk if agency else ""}

    def side_fingerprint(self, side: str) -> tuple:
        """The data of one district's subtree: the other district's officer must never change it."""
        path = self.objects["agency"][side].path
        return (
            list(Staff.objects.filter(agency__path__startswith=path).order_by("pk")
                 .values_list("pk", "position", "left_on", "agency_id")),
            list(Course.objects.filter(agency__path__startswith=path).order_by("pk").values_list("pk", "name", "agency_id")),
            list(TrainingRecord.objects.filter(Q(staff__agency__path__startswith=path) | Q(course__agency__path__startswith=path))
                 .order_by("pk").values_list("pk", "staff_id", "course_id", "result")),
            list(AggregateReport.objects.filter(agency__path__startswith=path).order_by("pk")
                 .values_list("pk", "numerator", "note")),
            list(ImportRun.objects.filter(user=self.users[f"officer_{side.lower()}"]).order_by("pk")
                 .values_list("pk", "status")),
        )


def participants_file(*rows) -> bytes:
    return xlsx(sheets={"Học viên": [["Mã cán bộ", "Mã khóa học", "Kết quả"], *rows]})


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> World:
    """Built once for the module inside a transaction; each test then runs in a savepoint rolled back after it."""
    fast_hasher = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast_hasher, transaction.atomic():
        yield World(Tree())
        transaction.set_rollback(True)


def _fingerprint() -> tuple:
    """Everything a change view could write, cheaply: a refused request must leave it as it was."""
    return (
        ChangeRecord.objects.count(),
        list(Staff.objects.order_by("pk").values_list("pk", "position", "left_on")),
        list(Course.objects.order_by("pk").values_list("pk", "name")),
        list(TrainingRecord.objects.order_by("pk").values_list("pk", "result")),
        list(AggregateReport.objects.order_by("pk").values_list("pk", "numerator", "note")),
        list(ImportRun.objects.order_by("pk").values_list("pk", "status")),
    )


def _body_text(response) -> str:
    """The text of a page, a JSON document or an .xlsx (every XML part of the zip)."""
    content = response.content if not response.streaming else b"".join(response.streaming_content)
    if content.startswith(b"PK\x03\x04"):
        archive = zipfile.ZipFile(io.BytesIO(content))
        return " ".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
                        if name.endswith(".xml"))
    return content.decode("utf-8", "replace")


def _leaks(world: World, persona: str, response) -> list[str]:
    """Names, codes and notes of the other district found in what an officer was given."""
    other = {"officer_a": "B", "officer_b": "A"}.get(persona)
    if other is None or response.status_code != 200:
        return []
    text = _body_text(response)
    return [secret for secret in world.secrets[other] if secret in text]


@pytest.mark.parametrize("entry, persona, side, expected", list(_cases()))
def test_permission_matrix(client, db, world, entry, persona, side, expected):
    user = world.users[persona]
    if user is not None:
        client.force_login(user)
    url = world.url(entry, side)
    before = _fingerprint()
    other = {"officer_a": "B", "officer_b": "A"}.get(persona)
    other_before = world.side_fingerprint(other) if other else None
    if entry.method == GET:
        response = client.get(url)
    else:
        response = client.post(url, world.payload(entry, side, user))
    status = response.status_code
    if expected == LOGIN:
        assert status == 302 and response.url.startswith(reverse("login") + "?next="), (status, response.get("Location"))
    elif expected == SAVED:
        assert status == 302 and not response.url.startswith(reverse("login")), (status, response.get("Location"))
    else:
        assert status == expected
    if expected == SAVED:
        assert _fingerprint() != before, "the POST was accepted but changed nothing"
    else:
        assert _fingerprint() == before, "a GET or a refused request wrote to the database"
    if status == 200:
        kind = DOWNLOADS.get(entry.name) or {XLSX: "xlsx", DOCX: "docx"}.get(entry.query, "html")
        content_type = response["Content-Type"]
        assert {"xlsx": "spreadsheetml" in content_type or "octet-stream" in content_type,
                "docx": "wordprocessingml" in content_type,
                "json": content_type.startswith("application/json"),
                "html": content_type.startswith("text/html")}[kind], content_type
    assert _leaks(world, persona, response) == []
    if other:
        assert world.side_fingerprint(other) == other_before, "an officer changed the other district's data"


# --- coverage ------------------------------------------------------------------------------------

def _named_urls(patterns, namespace: str | None = None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # Django's admin site: its own permissions (is_staff), tested in test_security.py
            inner = ":".join(filter(None, [namespace, pattern.namespace]))
            yield from _named_urls(pattern.url_patterns, inner or None)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"URL {pattern.pattern} has no name, so the matrix cannot list it"
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_matrix_covers_every_url():
    portal_urls = set(_named_urls(get_resolver().url_patterns)) - NOT_IN_MATRIX
    in_matrix = {entry.name for entry in MATRIX}
    assert portal_urls - in_matrix == set(), "URLs with no line in MATRIX"
    assert in_matrix - portal_urls == set(), "MATRIX lines for URLs that do not exist"


def test_every_change_view_is_posted_in_the_matrix():
    """A URL whose GET shows a form (or a confirmation) also has a POST line."""
    gets = {e.name for e in MATRIX if e.method == GET and e.expect["admin"] == 200 and e.query == ""}
    posts = {e.name for e in MATRIX if e.method == POST}
    forms = {name for name in gets if name.split(":")[-1].endswith(
        ("-create", "-update", "-leave", "-add", "-results", "-remove", "-delete", "upload", "participants"))}
    assert forms - posts == set()


@pytest.mark.parametrize("persona", PERSONAS)
def test_healthz_answers_everyone(client, db, world, persona):
    if world.users[persona] is not None:
        client.force_login(world.users[persona])
    response = client.get(reverse("healthz"))
    assert response.status_code == 200 and response.json()["status"] == "ok"


@pytest.mark.parametrize("entry", [e for e in MATRIX if e.method == POST and e.name != "logout"
                                   and SAVED in (e.expect["admin"] if isinstance(e.expect["admin"], tuple)
                                                 else (e.expect["admin"],))],
                         ids=lambda e: f"{e.name} {e.kind}")
def test_every_change_needs_the_csrf_token(db, world, entry):
    """The same POST an administrator may make, from a page of another site (no CSRF token): refused, nothing written."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["admin"])
    side = "" if entry.kind in SINGLE_KINDS else "A"
    before = _fingerprint()
    response = client.post(world.url(entry, side), world.payload(entry, side, world.users["admin"]))
    assert response.status_code == 403
    assert _fingerprint() == before
