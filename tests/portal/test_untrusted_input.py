"""Untrusted names and cells: inert in every .xlsx the portal writes, shown as text on every page.

Agency, staff and course names, report notes and uploaded files come from people and from other
programs. A cell starting with = + - @ must never become a formula in a file we hand out, and a
name holding HTML must reach the browser escaped.
"""
import datetime
import io
import re
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape

from agencies.models import Agency, Level, User
from portal.imports import FORMATS
from portal.models import ImportRun
from sheets.writer import FORMULA_TRIGGERS
from targets.models import AggregateReport, Indicator
from tests.conftest import make_agency, make_course, make_record, make_staff, make_user
from tests.workbooks import ROSTER_HEADERS, xlsx
from training.passes import refresh_first_passes

pytestmark = pytest.mark.django_db
AS_OF = "?as_of=2020-12-31"


# --- formulas ----------------------------------------------------------------------------------

FORMULA_AGENCY = '=HYPERLINK("http://x.invalid","Sở")'
FORMULA_CODE = "=CMD"
FORMULA_STAFF = "@SUM(1+1)*cmd|' /C calc'!A0"
FORMULA_POSITION = "-2+3"
FORMULA_DISTRICT = "+1+1"


def assert_inert(data: bytes, *, must_hold: set[str] = frozenset()) -> set[str]:
    """No formula anywhere in the file; every text starting with = + - @ is a string with Excel's quote prefix."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    for name in archive.namelist():
        if name.startswith("xl/worksheets/"):
            assert not re.search(rb"<(\w+:)?f[ >]", archive.read(name)), f"a formula in {name}"
    seen = set()
    for sheet in openpyxl.load_workbook(io.BytesIO(data)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS):
                    assert cell.data_type == "s" and cell.quotePrefix, (sheet.title, cell.coordinate, cell.value)
                    seen.add(cell.value)
    assert must_hold <= seen, must_hold - seen
    return seen


@pytest.fixture
def formulas(tree):
    """An agency, a district and a person whose names and codes look like formulas, none of them trained."""
    agency = make_agency(code=FORMULA_CODE, name=FORMULA_AGENCY, parent=tree.province)
    Agency.objects.filter(pk=tree.district_b.pk).update(name=FORMULA_DISTRICT)
    make_staff(agency=agency, full_name=FORMULA_STAFF, position=FORMULA_POSITION)
    make_staff(agency=tree.district_b, full_name="Người\x07 có ký tự điều khiển")
    make_record(staff=make_staff(agency=tree.district_a), course=make_course(
        start_date=datetime.date(2019, 3, 1), end_date=datetime.date(2019, 3, 5)))
    refresh_first_passes()
    return agency


@pytest.fixture
def leader_client(client, leader):
    client.force_login(leader)
    return client


@pytest.mark.parametrize("url, must_hold", [
    (lambda tree, agency: reverse("home"), {FORMULA_AGENCY, FORMULA_DISTRICT}),
    (lambda tree, agency: reverse("targets:agency", args=[tree.province.pk]), {FORMULA_AGENCY, FORMULA_DISTRICT}),
    (lambda tree, agency: reverse("targets:not-counted", args=[tree.province.pk, "staff-prov-district"]),
     {FORMULA_CODE, FORMULA_AGENCY, FORMULA_STAFF, FORMULA_POSITION, FORMULA_DISTRICT}),
    (lambda tree, agency: reverse("targets:not-counted", args=[tree.province.pk, "agency-cio"]),
     {FORMULA_CODE, FORMULA_AGENCY, FORMULA_DISTRICT}),
    (lambda tree, agency: reverse("targets:reporting"), {FORMULA_CODE, FORMULA_AGENCY, FORMULA_DISTRICT}),
], ids=["home", "agency", "not-counted-staff", "not-counted-agencies", "reporting"])
def test_dashboard_downloads_are_inert(leader_client, tree, formulas, url, must_hold):
    response = leader_client.get(url(tree, formulas) + AS_OF + "&format=xlsx")
    assert response.status_code == 200
    assert_inert(response.content, must_hold=must_hold)


def test_a_control_character_in_a_name_does_not_break_a_download(leader_client, tree, formulas):
    response = leader_client.get(reverse("targets:not-counted", args=[tree.district_b.pk, "staff-prov-district"])
                                 + AS_OF + "&format=xlsx")
    assert response.status_code == 200
    names = [row[1] for row in openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)]
    assert "Người có ký tự điều khiển" in names


def test_download_file_names_keep_their_letters_and_a_well_formed_header(leader_client, tree):
    agency = make_agency(code='SỞ "Đ"\\', name="Sở", parent=tree.province)
    response = leader_client.get(reverse("targets:agency", args=[agency.pk]) + AS_OF + "&format=xlsx")
    # RFC 6266: the quote and the backslash are gone, the Vietnamese letters percent-encoded in filename*.
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''S%E1%BB%9E%20-%C4%90---2020-12-31.xlsx"


def test_attainment_command_workbook_is_inert(tree, formulas, tmp_path):
    path = tmp_path / "attainment.xlsx"
    call_command("attainment", "--as-of", "2020-12-31", "--format", "xlsx", "--output", str(path))
    assert_inert(path.read_bytes(), must_hold={FORMULA_CODE})


@pytest.mark.parametrize("kind", list(FORMATS))
def test_templates_are_inert(client, tree, national_admin, kind):
    client.force_login(national_admin)
    response = client.get(reverse("imports:template", args=[kind]))
    assert response.status_code == 200
    assert_inert(response.content)


def test_bad_rows_file_gives_back_formula_like_cells_as_text(client, tree, national_admin):
    hostile = ["=1+1", "+cmd", "-x", "@SUM(A1)", '=HYPERLINK("http://x.invalid")']
    data = xlsx(ROSTER_HEADERS + ["Ghi chú"], *[["", name, "KHONG-CO", "CC", name] for name in hostile])
    client.force_login(national_admin)
    response = client.post(reverse("imports:upload", args=["roster"]),
                           {"file": SimpleUploadedFile("danh-sach.xlsx", data)})
    run = ImportRun.objects.get()
    assert response.status_code == 302 and run.error_count
    bad_rows = client.get(reverse("imports:run-bad-rows", args=[run.pk]))
    assert bad_rows.status_code == 200
    assert_inert(bad_rows.content, must_hold=set(hostile))


# --- HTML ----------------------------------------------------------------------------------------

HTML_AGENCY = '<script>alert("agency")</script>'
HTML_STAFF = '<img src=x onerror="alert(\'staff\')">'
HTML_COURSE = "<b onmouseover=alert(1)>Khóa học</b>"
HTML_NOTE = "</textarea><script>alert('note')</script>"
HTML_FILE = "<svg onload=alert(3)>.xlsx"
HTML_CELL = "<iframe src=javascript:alert(4)>"
PAYLOADS = [HTML_AGENCY, HTML_STAFF, HTML_COURSE, HTML_NOTE, HTML_FILE, HTML_CELL]


class Hostile:
    """A district-level agency, a person, a course, a report and an import, all named with HTML."""

    def __init__(self, tree, admin):
        self.agency = make_agency(code="HTML", name=HTML_AGENCY, level=Level.DISTRICT,
                                  kind=Agency.Kind.DISTRICT_COMMITTEE, parent=tree.province)
        self.staff = make_staff(agency=self.agency, full_name=HTML_STAFF, position=HTML_STAFF)
        self.course = make_course(code="KH-HTML", name=HTML_COURSE, agency=self.agency, organiser=HTML_AGENCY,
                                  start_date=datetime.date(2019, 3, 1), end_date=datetime.date(2019, 3, 5))
        self.record = make_record(staff=self.staff, course=self.course)
        self.idle = make_staff(agency=self.agency, full_name=HTML_STAFF + " 2")
        teachers = Indicator.objects.get(programme__is_current=True, code="teachers-it")
        self.report = AggregateReport.objects.create(indicator=teachers, agency=self.agency, year=2020,
                                                     numerator=1, denominator=2, note=HTML_NOTE)
        refresh_first_passes()
        self.officer = make_user(role=User.Role.OFFICER, agency=self.agency)
        self.admin = admin


@pytest.fixture
def hostile(tree, national_admin):
    return Hostile(tree, national_admin)


def assert_shown_as_text(response, *expected: str) -> None:
    body = response.content.decode()
    assert response.status_code == 200
    for payload in PAYLOADS:
        assert payload not in body
    for text in expected:
        assert escape(text) in body, f"{text!r} is not on the page"


PAGES = [
    ("home", lambda h: reverse("home") + AS_OF, [HTML_AGENCY]),
    ("agency-list", lambda h: reverse("agencies:agency-list"), [HTML_AGENCY]),
    ("agency-detail", lambda h: reverse("agencies:agency-detail", args=[h.agency.pk]), [HTML_AGENCY, HTML_STAFF]),
    ("staff-list", lambda h: reverse("agencies:staff-list"), [HTML_AGENCY, HTML_STAFF]),
    ("staff-list-search", lambda h: reverse("agencies:staff-list") + "?q=img", [HTML_STAFF]),
    ("staff-detail", lambda h: reverse("targets:staff-detail", args=[h.staff.pk]), [HTML_AGENCY, HTML_STAFF, HTML_COURSE]),
    ("staff-update", lambda h: reverse("agencies:staff-update", args=[h.staff.pk]), [HTML_STAFF]),
    ("staff-leave", lambda h: reverse("agencies:staff-leave", args=[h.staff.pk]), [HTML_STAFF]),
    ("staff-create", lambda h: reverse("agencies:staff-create"), [HTML_AGENCY]),
    ("course-list", lambda h: reverse("training:course-list"), [HTML_COURSE]),
    ("course-detail", lambda h: reverse("training:course-detail", args=[h.course.pk]), [HTML_COURSE, HTML_STAFF]),
    ("course-update", lambda h: reverse("training:course-update", args=[h.course.pk]), [HTML_COURSE]),
    ("participant-add", lambda h: reverse("training:participant-add", args=[h.course.pk]) + "?q=img",
     [HTML_COURSE, HTML_STAFF]),
    ("participant-results", lambda h: reverse("training:participant-results", args=[h.course.pk]),
     [HTML_COURSE, HTML_STAFF]),
    ("participant-remove", lambda h: reverse("training:participant-remove", args=[h.record.pk]),
     [HTML_COURSE, HTML_STAFF]),
    ("course-participants", lambda h: reverse("imports:course-participants", args=[h.course.pk]), [HTML_COURSE]),
    ("dashboard", lambda h: reverse("targets:agency", args=[h.agency.pk]) + AS_OF, [HTML_AGENCY]),
    ("not-counted", lambda h: reverse("targets:not-counted", args=[h.agency.pk, "staff-prov-district"]) + AS_OF,
     [HTML_AGENCY, HTML_STAFF]),
    ("reporting", lambda h: reverse("targets:reporting") + AS_OF, [HTML_AGENCY]),
    ("training-needs", lambda h: reverse("targets:training-needs", args=[h.agency.pk]), [HTML_AGENCY]),
    ("report-list", lambda h: reverse("targets:report-list"), [HTML_AGENCY]),
    ("report-update", lambda h: reverse("targets:report-update", args=[h.report.pk]), [HTML_AGENCY, HTML_NOTE]),
    ("report-delete", lambda h: reverse("targets:report-delete", args=[h.report.pk]), [HTML_AGENCY]),
]


@pytest.mark.parametrize("persona", ["admin", "officer"])
@pytest.mark.parametrize("name, url, expected", PAGES, ids=[p[0] for p in PAGES])
def test_names_with_html_are_shown_as_text(client, hostile, persona, name, url, expected):
    client.force_login(getattr(hostile, persona))
    assert_shown_as_text(client.get(url(hostile)), *expected)


def test_messages_after_a_save_show_names_as_text(client, hostile):
    client.force_login(hostile.officer)
    response = client.post(reverse("agencies:staff-leave", args=[hostile.staff.pk]), {"left_on": "01/06/2024"},
                           follow=True)
    assert_shown_as_text(response, HTML_STAFF)
    assert response.context["messages"]


def test_import_preview_shows_a_malicious_file_name_and_cells_as_text(client, hostile):
    client.force_login(hostile.admin)
    data = xlsx(ROSTER_HEADERS + [HTML_CELL], ["CB-X", "Tên", "HTML", HTML_CELL, "x"])
    response = client.post(reverse("imports:upload", args=["roster"]),
                           {"file": SimpleUploadedFile(HTML_FILE, data)}, follow=True)
    run = ImportRun.objects.get()
    assert run.file_name == HTML_FILE and run.error_count == 1
    assert_shown_as_text(response, HTML_FILE, HTML_CELL)
    assert_shown_as_text(client.get(reverse("imports:history")), HTML_FILE)
    response = client.post(reverse("imports:run-cancel", args=[run.pk]), follow=True)
    assert_shown_as_text(response, HTML_FILE)  # "Import of <file> cancelled" in the messages


def test_bad_rows_download_name_keeps_no_character_a_file_system_refuses(client, hostile):
    client.force_login(hostile.admin)
    data = xlsx(ROSTER_HEADERS, ["", "Tên", "HTML", "CC"])
    client.post(reverse("imports:upload", args=["roster"]), {"file": SimpleUploadedFile(HTML_FILE, data)})
    run = ImportRun.objects.get()
    response = client.get(reverse("imports:run-bad-rows", args=[run.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="svg onload=alert(3)--dong-loi.xlsx"'


def test_downloads_are_never_sniffed_as_html(client, hostile, leader):
    client.force_login(leader)
    for url in (reverse("api-attainment") + "?as_of=2020-12-31",
                reverse("targets:agency", args=[hostile.agency.pk]) + AS_OF + "&format=xlsx"):
        response = client.get(url)
        assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
        assert not response["Content-Type"].startswith("text/html")


REFLECTED = '"><script>alert("q")</script>'


@pytest.mark.parametrize("url", [
    lambda h: reverse("agencies:agency-list") + "?q=" + REFLECTED,
    lambda h: reverse("agencies:staff-list") + "?q=" + REFLECTED,
    lambda h: reverse("training:course-list") + "?q=" + REFLECTED,
    lambda h: reverse("training:participant-add", args=[h.course.pk]) + "?q=" + REFLECTED,
    lambda h: reverse("targets:not-counted", args=[h.agency.pk, "staff-prov-district"]) + AS_OF + "&q=" + REFLECTED,
    lambda h: reverse("home") + "?as_of=" + REFLECTED,
    lambda h: reverse("targets:report-list") + "?year=" + REFLECTED,
    lambda h: reverse("login") + "?next=" + REFLECTED,
], ids=["agency-list", "staff-list", "course-list", "participant-add", "not-counted", "home", "report-list", "login"])
def test_search_terms_and_parameters_are_echoed_as_text(client, hostile, url):
    if "dang-nhap" not in url(hostile):
        client.force_login(hostile.officer)
    response = client.get(url(hostile))
    assert response.status_code == 200
    assert REFLECTED not in response.content.decode()
