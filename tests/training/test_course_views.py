"""The course catalogue through the test client: workflows, permissions for each role, query counts."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from agencies.models import ChangeRecord
from tests.conftest import make_course, make_record, make_staff
from training.models import Course, CourseCategory
from training.passes import refresh_first_passes

pytestmark = pytest.mark.django_db


@pytest.fixture
def course_a(tree):
    """A course managed by district A."""
    return make_course(code="KH-A", name="Tin học cơ bản huyện A", agency=tree.district_a, organiser="Sở TTTT")


def _course_data(agency, **overrides):
    data = {
        "code": "kh-2024-01", "name": "An toàn thông tin", "category": CourseCategory.objects.get(code="security").pk,
        "start_date": "05/03/2024", "end_date": "08/03/2024", "organiser": "Sở Thông tin và Truyền thông",
        "hours": "24", "place": "Gia Nghĩa", "trainer": "Trần Văn B", "agency": agency.pk,
    }
    data.update(overrides)
    return data


# --- workflows ---------------------------------------------------------------------------------

def test_officer_creates_a_course_with_day_first_dates(client, district_officer, tree):
    client.force_login(district_officer)
    response = client.post(reverse("training:course-create"), _course_data(tree.commune_a1))
    course = Course.objects.get(code="KH-2024-01")
    assert response.status_code == 302
    assert response.url == course.get_absolute_url()
    assert course.start_date == datetime.date(2024, 3, 5)
    assert course.agency == tree.commune_a1
    change = ChangeRecord.objects.get(model="training.Course", object_id=str(course.pk))
    assert change.action == ChangeRecord.Action.CREATE and change.user == district_officer
    assert change.changes["code"] == [None, "KH-2024-01"]


def test_officer_cannot_manage_a_course_outside_the_subtree(client, district_officer, tree):
    client.force_login(district_officer)
    response = client.post(reverse("training:course-create"), _course_data(tree.district_b))
    assert response.status_code == 200
    assert "agency" in response.context["form"].errors
    assert not Course.objects.filter(code="KH-2024-01").exists()


def test_course_form_refuses_end_before_start_and_duplicate_code(client, district_officer, tree, course_a):
    client.force_login(district_officer)
    response = client.post(reverse("training:course-create"),
                           _course_data(tree.district_a, code="kh-a", end_date="01/03/2024"))
    errors = response.context["form"].errors
    assert "code" in errors and "end_date" in errors


def test_course_form_shows_dates_day_first(client, district_officer, course_a):
    client.force_login(district_officer)
    response = client.get(reverse("training:course-update", args=[course_a.pk]))
    assert 'value="01/03/2018"' in response.content.decode()


def test_officer_edits_a_course_and_the_change_is_recorded(client, district_officer, tree, course_a):
    client.force_login(district_officer)
    data = _course_data(tree.district_a, code="KH-A", name="Tin học nâng cao", category=course_a.category.pk,
                        start_date="01/03/2018", end_date="05/03/2018")
    response = client.post(reverse("training:course-update", args=[course_a.pk]), data)
    assert response.status_code == 302
    course_a.refresh_from_db()
    assert course_a.name == "Tin học nâng cao"
    change = ChangeRecord.objects.get(model="training.Course", action=ChangeRecord.Action.UPDATE)
    assert change.changes["name"] == ["Tin học cơ bản huyện A", "Tin học nâng cao"]


def test_changing_the_category_refreshes_the_participants_first_passes(client, district_officer, tree, course_a):
    person = make_staff(agency=tree.commune_a1)
    make_record(staff=person, course=course_a, completed_on=datetime.date(2018, 3, 5))
    refresh_first_passes(staff_ids=[person.pk])
    assert set(person.first_passes.values_list("category__code", flat=True)) == {"basic"}
    client.force_login(district_officer)
    data = _course_data(tree.district_a, code="KH-A", start_date="01/03/2018", end_date="05/03/2018")
    client.post(reverse("training:course-update", args=[course_a.pk]), data)
    assert set(person.first_passes.values_list("category__code", flat=True)) == {"security"}


def test_list_searches_and_filters_by_year_category_and_organiser(client, leader, tree, course_a):
    make_course(code="KH-B", name="Chính quyền điện tử", agency=tree.district_b, organiser="UBND huyện B",
                category=CourseCategory.objects.get(code="egov"), start_date=datetime.date(2021, 5, 1),
                end_date=datetime.date(2021, 5, 3))
    client.force_login(leader)
    url = reverse("training:course-list")

    def codes(**params):
        return [course.code for course in client.get(url, params).context["page"].object_list]

    assert codes() == ["KH-B", "KH-A"]
    assert codes(q="điện tử") == ["KH-B"]
    assert codes(year=2018) == ["KH-A"]
    assert codes(category=CourseCategory.objects.get(code="egov").pk) == ["KH-B"]
    assert codes(organiser="Sở TTTT") == ["KH-A"]
    assert codes(sort="code") == ["KH-A", "KH-B"]
    assert codes(sort="-code") == ["KH-B", "KH-A"]
    assert codes(sort="no-such-column") == ["KH-B", "KH-A"]


def test_officer_lists_courses_of_the_subtree_and_courses_its_staff_attend(client, district_officer, tree, course_a):
    other = make_course(code="KH-B", agency=tree.district_b)
    attended = make_course(code="KH-T", agency=tree.province)
    make_record(staff=make_staff(agency=tree.commune_a2), course=attended)
    client.force_login(district_officer)
    page = client.get(reverse("training:course-list")).context["page"]
    assert {course.code for course in page.object_list} == {"KH-A", "KH-T"}
    assert other not in page.object_list


def test_detail_shows_only_participants_the_officer_may_see(client, district_officer, tree):
    course = make_course(code="KH-T", agency=tree.province)
    mine = make_record(staff=make_staff(agency=tree.commune_a1, full_name="Lê Thị Mình"), course=course)
    make_record(staff=make_staff(agency=tree.district_b, full_name="Phạm Văn Khác"), course=course)
    client.force_login(district_officer)
    response = client.get(reverse("training:course-detail", args=[course.pk]))
    assert [record.pk for record in response.context["page"].object_list] == [mine.pk]
    assert response.context["others"] == 1
    assert "Phạm Văn Khác" not in response.content.decode()
    assert response.context["can_edit"] is False


def test_detail_links_to_the_participants_upload_only_when_that_page_exists(client, district_officer, course_a):
    client.force_login(district_officer)
    response = client.get(reverse("training:course-detail", args=[course_a.pk]))
    assert response.status_code == 200
    try:
        expected = reverse("imports:course-participants", args=[course_a.pk])
    except NoReverseMatch:
        expected = None
    assert response.context["import_url"] == expected


# --- permissions -------------------------------------------------------------------------------

READ_URLS = ["training:course-detail"]
CHANGE_URLS = ["training:course-update", "training:participant-add", "training:participant-results"]


@pytest.mark.parametrize("name", ["training:course-list", "training:course-create", *READ_URLS, *CHANGE_URLS])
def test_anonymous_is_sent_to_login(client, course_a, name):
    args = [] if name in ("training:course-list", "training:course-create") else [course_a.pk]
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", [*READ_URLS, *CHANGE_URLS])
def test_outsider_gets_404_on_another_districts_course(client, outsider, course_a, name):
    client.force_login(outsider)
    assert client.get(reverse(name, args=[course_a.pk])).status_code == 404


@pytest.mark.parametrize("name", CHANGE_URLS)
def test_leader_reads_but_gets_403_on_changes(client, leader, course_a, name):
    client.force_login(leader)
    assert client.get(reverse("training:course-detail", args=[course_a.pk])).status_code == 200
    assert client.get(reverse(name, args=[course_a.pk])).status_code == 403
    assert client.post(reverse(name, args=[course_a.pk]), {}).status_code == 403


def test_leader_cannot_create_a_course(client, leader):
    client.force_login(leader)
    assert client.get(reverse("training:course-create")).status_code == 403


def test_officer_reads_but_cannot_change_a_course_it_only_attends(client, district_officer, tree):
    course = make_course(code="KH-T", agency=tree.province)
    make_record(staff=make_staff(agency=tree.commune_a1), course=course)
    client.force_login(district_officer)
    assert client.get(reverse("training:course-detail", args=[course.pk])).status_code == 200
    assert client.get(reverse("training:course-update", args=[course.pk])).status_code == 403


@pytest.mark.parametrize("persona", ["district_officer", "province_officer", "national_admin"])
@pytest.mark.parametrize("name", ["training:course-list", "training:course-create", *READ_URLS, *CHANGE_URLS])
def test_allowed_users_get_200(client, request, course_a, persona, name):
    client.force_login(request.getfixturevalue(persona))
    args = [] if name in ("training:course-list", "training:course-create") else [course_a.pk]
    assert client.get(reverse(name, args=args)).status_code == 200


def test_only_administrators_change_a_course_with_no_managing_agency(client, tree, province_officer, national_admin):
    course = make_course(code="KH-IMPORT")
    make_record(course=course, staff=make_staff(agency=tree.commune_a1))
    client.force_login(province_officer)
    assert client.get(reverse("training:course-update", args=[course.pk])).status_code == 403
    client.force_login(national_admin)
    assert client.get(reverse("training:course-update", args=[course.pk])).status_code == 200


# --- query counts ------------------------------------------------------------------------------

def _add_courses(tree, n):
    for _ in range(n):
        course = make_course(agency=tree.district_a, organiser=f"Org {Course.objects.count()}")
        make_record(course=course, staff=make_staff(agency=tree.commune_a1))


def test_an_officer_filters_by_the_years_and_organisers_of_the_courses_they_see(client, district_officer, tree):
    dated = {"start_date": datetime.date(2019, 5, 6), "end_date": datetime.date(2019, 5, 8)}
    make_course(code="KH-OWN", agency=tree.district_a, organiser="Phòng Nội vụ")
    make_course(code="KH-OWN-2", agency=tree.commune_a1, organiser="")
    attended = make_course(code="KH-THEIRS", agency=tree.district_b, organiser="UBND huyện B", **dated)
    make_record(course=attended, staff=make_staff(agency=tree.commune_a1))
    make_course(code="KH-UNSEEN", agency=tree.district_b, organiser="Trường Chính trị",
                start_date=datetime.date(2017, 1, 2), end_date=datetime.date(2017, 1, 3))
    client.force_login(district_officer)
    form = client.get(reverse("training:course-list")).context["form"]
    organisers = [value for value, _label in form.fields["organiser"].choices[1:]]  # after "All organisers"
    years = [value for value, _label in form.fields["year"].choices[1:]]
    assert organisers == ["Phòng Nội vụ", "UBND huyện B"]
    assert years == [2019, 2018]  # KH-OWN starts in 2018


@pytest.mark.parametrize("persona", ["district_officer", "leader"])
def test_course_list_query_count_does_not_grow_with_rows(client, request, tree, persona):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("training:course-list")
    _add_courses(tree, 5)
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    _add_courses(tree, 10)
    with CaptureQueriesContext(connection) as second:
        response = client.get(url)
    assert len(response.context["page"].object_list) == 15
    assert len(second) == len(first)


def test_course_detail_query_count_does_not_grow_with_participants(client, district_officer, tree, course_a):
    client.force_login(district_officer)
    url = reverse("training:course-detail", args=[course_a.pk])
    for _ in range(5):
        make_record(course=course_a, staff=make_staff(agency=tree.commune_a1))
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    for _ in range(10):
        make_record(course=course_a, staff=make_staff(agency=tree.commune_a2))
    with CaptureQueriesContext(connection) as second:
        response = client.get(url)
    assert len(response.context["page"].object_list) == 15
    assert len(second) == len(first)
