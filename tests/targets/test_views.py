"""Agency attainment pages, the not-counted lists and the reporting panel."""
import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from targets.models import AggregateReport, Indicator
from tests.conftest import make_agency, make_course, make_record, make_staff
from training.models import TrainingRecord
from training.passes import refresh_first_passes

pytestmark = pytest.mark.django_db
Q = "?as_of=2020-12-31"


def agency_url(agency):
    return reverse("targets:agency", args=[agency.pk]) + Q


def not_counted_url(agency, code):
    return reverse("targets:not-counted", args=[agency.pk, code]) + Q


@pytest.fixture
def people(tree):
    course = make_course(start_date=datetime.date(2019, 3, 1), end_date=datetime.date(2019, 3, 5))
    make_record(staff=make_staff(agency=tree.commune_a1, full_name="Trần Thị Đã Học"), course=course)
    make_staff(agency=tree.commune_a1, full_name="Lê Văn Chưa")
    make_staff(agency=tree.commune_a2, full_name="Phạm Thị Chưa")
    make_staff(agency=tree.commune_b1, full_name="Võ Văn Huyện B")
    make_staff(agency=tree.district_a, is_cio=True)
    refresh_first_passes()
    return tree


@pytest.mark.parametrize("name", ["agency", "not-counted", "reporting"])
def test_anonymous_is_sent_to_login(client, tree, name):
    args = {"agency": [tree.district_a.pk], "not-counted": [tree.district_a.pk, "staff-commune"], "reporting": []}[name]
    response = client.get(reverse(f"targets:{name}", args=args))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_officer_out_of_scope_gets_404(client, outsider, people):
    client.force_login(outsider)
    assert client.get(agency_url(people.district_a)).status_code == 404
    assert client.get(agency_url(people.commune_a1)).status_code == 404
    assert client.get(not_counted_url(people.district_a, "staff-commune")).status_code == 404


def test_officer_reads_their_subtree(client, district_officer, people):
    client.force_login(district_officer)
    response = client.get(agency_url(people.district_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert "UBND xã A1" in html and "UBND xã A2" in html and "UBND xã B1" not in html
    own = dict((i.code, row) for i, row in response.context["own"])
    assert (own["staff-commune"].numerator, own["staff-commune"].denominator) == (1, 3)
    assert (own["agency-cio"].numerator, own["agency-cio"].denominator) == (1, 1)
    assert client.get(agency_url(people.commune_a1)).status_code == 200
    # The province committee is above their agency: out of scope.
    assert client.get(agency_url(people.province)).status_code == 404


def test_officer_cannot_read_the_province_api(client, district_officer):
    client.force_login(district_officer)
    assert client.get(reverse("api-attainment")).status_code == 403


def test_leader_drills_down_from_the_province(client, leader, people):
    client.force_login(leader)
    response = client.get(agency_url(people.province))
    assert response.status_code == 200
    labels = [line.label for line in response.context["children"]]
    assert labels == ["Sở Nội vụ", "UBND huyện A", "UBND huyện B"]  # SNV: a key agency for agency-cio
    assert f'href="{reverse("targets:agency", args=[people.district_a.pk])}?as_of=2020-12-31"' in response.content.decode()


def test_not_counted_lists_the_people_to_invite(client, district_officer, people):
    client.force_login(district_officer)
    response = client.get(not_counted_url(people.district_a, "staff-commune"))
    assert response.status_code == 200
    names = [p.full_name for p in response.context["people"]]
    assert names == ["Lê Văn Chưa", "Phạm Thị Chưa"]
    filtered = client.get(not_counted_url(people.district_a, "staff-commune") + "&q=pham")
    assert [p.full_name for p in filtered.context["people"]] == ["Phạm Thị Chưa"]


def test_not_counted_downloads_an_invitation_list(client, leader, people):
    client.force_login(leader)
    response = client.get(not_counted_url(people.province, "staff-commune") + "&format=xlsx")
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == ["Lê Văn Chưa", "Phạm Thị Chưa", "Võ Văn Huyện B"]


def test_not_counted_agencies_for_agency_indicators(client, leader, people):
    client.force_login(leader)
    response = client.get(not_counted_url(people.province, "agency-cio"))
    assert [r.agency_code for r in response.context["agencies"]] == ["SNV", "H-B"]


@pytest.mark.parametrize("code", ["teachers-it", "no-such-indicator"])
def test_not_counted_has_no_list_for_reports_or_unknown_codes(client, leader, people, code):
    client.force_login(leader)
    assert client.get(not_counted_url(people.province, code)).status_code == 404


def test_not_counted_paginates(client, leader, tree):
    for _ in range(55):
        make_staff(agency=tree.commune_b1)
    client.force_login(leader)
    response = client.get(not_counted_url(tree.commune_b1, "staff-commune") + "&page=2")
    assert response.context["page"].number == 2 and len(response.context["people"]) == 5


def test_agency_page_xlsx_opens(client, leader, people):
    client.force_login(leader)
    response = client.get(agency_url(people.district_a) + "&format=xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[0] == "H-A"


def test_agency_page_query_count_is_constant(client, leader, people, django_assert_num_queries):
    client.force_login(leader)
    client.get(agency_url(people.district_a))
    # 15 = 13 + the 2 that check the typed date against the programme's window (issue 13).
    with django_assert_num_queries(15) as small:
        client.get(agency_url(people.district_a))
    course = make_course(start_date=datetime.date(2019, 3, 1), end_date=datetime.date(2019, 3, 5))
    for agency in (people.commune_a1, people.commune_a2, people.district_a):
        for _ in range(3):
            make_record(staff=make_staff(agency=agency, is_it_staff=True), course=course)
    refresh_first_passes()
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(agency_url(people.district_a))


def test_not_counted_query_count_is_constant(client, leader, people, django_assert_num_queries):
    client.force_login(leader)
    client.get(not_counted_url(people.district_a, "staff-commune"))
    # 18 = 16 + the 2 that check the typed date against the programme's window (issue 13); the tests'
    # dummy cache makes the list and the page read the configuration twice (5 queries each).
    with django_assert_num_queries(18) as small:
        client.get(not_counted_url(people.district_a, "staff-commune"))
    for _ in range(10):
        make_staff(agency=people.commune_a2)
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(not_counted_url(people.district_a, "staff-commune"))


def test_reporting_panel_lists_silent_agencies(client, leader, people):
    teachers = Indicator.objects.get(code="teachers-it")
    AggregateReport.objects.create(indicator=teachers, agency=people.district_b, year=2019, numerator=1, denominator=2)
    client.force_login(leader)
    response = client.get(reverse("targets:reporting") + "?as_of=2020-12-31")
    assert response.status_code == 200
    rows = {r.code: r for r in response.context["rows"]}
    # Rosters and records were written today, after the date: every watched agency is silent on it...
    assert rows["SNV"].no_roster_update and rows["SNV"].no_training
    assert rows["H-B"].missing_reports == ("teachers-it",)
    # ...and today the communes with fresh staff and records are not.
    today = client.get(reverse("targets:reporting")).context["rows"]
    codes = {r.code: r for r in today}
    assert "X-A1" not in codes
    assert codes["X-A2"].no_training and not codes["X-A2"].no_roster_update


def test_reporting_panel_is_scoped_for_officers(client, outsider, people):
    client.force_login(outsider)
    codes = {r.code for r in client.get(reverse("targets:reporting")).context["rows"]}
    assert codes <= {"H-B", "X-B1"}


def test_reporting_panel_query_count_does_not_grow_with_agencies(client, leader, people):
    client.force_login(leader)
    url = reverse("targets:reporting") + "?as_of=2020-12-31"
    client.get(url)
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    teachers = Indicator.objects.get(code="teachers-it")
    for n in range(6):
        agency = make_agency(parent=people.district_b, level="commune", kind="commune_committee", name=f"X{n}")
        make_staff(agency=agency)
        AggregateReport.objects.create(indicator=teachers, agency=agency, year=2019, numerator=1, denominator=2)
    with CaptureQueriesContext(connection) as second:
        response = client.get(url)
    assert len(response.context["rows"]) >= 6
    assert len(second) == len(first)


def invite_url(agency, code, extra=""):
    return reverse("targets:not-counted-invite", args=[agency.pk, code]) + Q + extra


def test_officer_invites_the_not_counted_people_to_one_of_their_courses_in_one_action(client, district_officer, people):

    course = make_course(code="KH-MOI", agency=people.district_a, start_date=datetime.date(2021, 3, 1),
                         end_date=datetime.date(2021, 3, 5))
    client.force_login(district_officer)
    page = client.get(not_counted_url(people.district_a, "staff-commune")).content.decode()
    assert 'id="invite"' in page and f'<option value="{course.pk}">KH-MOI' in page
    response = client.post(invite_url(people.district_a, "staff-commune", "&q=pham"), {"course": course.pk})
    assert response.status_code == 302 and response.url == course.get_absolute_url()
    assert list(TrainingRecord.objects.filter(course=course).values_list("staff__full_name", flat=True)) == [
        "Phạm Thị Chưa"]
    client.post(invite_url(people.district_a, "staff-commune"), {"course": course.pk})
    assert sorted(TrainingRecord.objects.filter(course=course).values_list("staff__full_name", flat=True)) == [
        "Lê Văn Chưa", "Phạm Thị Chưa"]


def test_inviting_to_a_course_the_officer_does_not_manage_is_refused(client, district_officer, people):

    other = make_course(code="KH-B", agency=people.district_b)
    client.force_login(district_officer)
    response = client.post(invite_url(people.district_a, "staff-commune"), {"course": other.pk})
    assert response.status_code == 302 and response.url.startswith(reverse("targets:not-counted",
                                                                           args=[people.district_a.pk, "staff-commune"]))
    assert not TrainingRecord.objects.filter(course=other).exists()


def test_leaders_see_no_invitation_and_cannot_invite(client, leader, people):
    course = make_course(code="KH-MOI", agency=people.district_a)
    client.force_login(leader)
    assert 'id="invite"' not in client.get(not_counted_url(people.district_a, "staff-commune")).content.decode()
    assert client.post(invite_url(people.district_a, "staff-commune"), {"course": course.pk}).status_code == 403
