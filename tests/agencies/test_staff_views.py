"""The agency pages and the staff directory: workflows, permissions for each role, query counts."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import ChangeRecord, Staff
from tests.conftest import make_agency, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(tree):
    return make_staff(code="A001", full_name="Nguyễn Văn Đức", agency=tree.commune_a1, joined_on=datetime.date(2015, 1, 1))


def _codes(response):
    return [staff.code for staff in response.context["page"].object_list]


# --- directory ---------------------------------------------------------------------------------

def test_directory_search_with_or_without_accents(client, district_officer, tree, person):
    make_staff(code="A002", full_name="Trần Thị Đào", agency=tree.commune_a2)
    make_staff(code="B001", full_name="Nguyễn Văn Đông", agency=tree.district_b)
    client.force_login(district_officer)
    url = reverse("agencies:staff-list")
    assert _codes(client.get(url, {"q": "nguyen van duc"})) == ["A001"]
    assert _codes(client.get(url, {"q": "Đào"})) == ["A002"]
    assert _codes(client.get(url, {"q": "a00"})) == ["A001", "A002"]
    assert _codes(client.get(url)) == ["A001", "A002"]


def test_directory_filters_by_unit_category_flag_and_status(client, district_officer, tree, person):
    today = timezone.localdate()
    make_staff(code="A002", agency=tree.commune_a2, category=Staff.Category.VC, is_it_staff=True)
    make_staff(code="A003", agency=tree.commune_a2, is_cio=True, it_qualification="master")
    make_staff(code="A004", agency=tree.commune_a2, left_on=today)
    client.force_login(district_officer)
    url = reverse("agencies:staff-list")
    assert _codes(client.get(url, {"unit": tree.commune_a2.pk})) == ["A002", "A003"]
    assert _codes(client.get(url, {"category": "VC"})) == ["A002"]
    assert _codes(client.get(url, {"flag": "is_it_staff"})) == ["A002"]
    assert _codes(client.get(url, {"flag": "is_cio"})) == ["A003"]
    assert _codes(client.get(url, {"flag": "university"})) == ["A003"]
    assert _codes(client.get(url, {"status": "left"})) == ["A004"]
    assert _codes(client.get(url, {"status": "all", "sort": "-code"})) == ["A004", "A003", "A002", "A001"]


def test_directory_refuses_a_unit_outside_the_subtree(client, district_officer, tree, person):
    make_staff(code="B001", agency=tree.district_b)
    client.force_login(district_officer)
    response = client.get(reverse("agencies:staff-list"), {"unit": tree.district_b.pk})
    assert "unit" in response.context["form"].errors
    assert _codes(response) == ["A001"]


def test_directory_links_to_who_still_needs_training(client, district_officer, tree, person):
    client.force_login(district_officer)
    response = client.get(reverse("agencies:staff-list"), {"unit": tree.commune_a1.pk})
    assert reverse("targets:training-needs", args=[tree.commune_a1.pk]) in response.content.decode()


def test_directory_query_count_does_not_grow_with_rows(client, district_officer, tree):
    client.force_login(district_officer)
    url = reverse("agencies:staff-list")
    for _ in range(5):
        make_staff(agency=tree.commune_a1)
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    for _ in range(10):
        make_staff(agency=tree.commune_a2)
    with CaptureQueriesContext(connection) as second:
        response = client.get(url)
    assert len(response.context["page"].object_list) == 15
    assert len(second) == len(first)


# --- agencies ----------------------------------------------------------------------------------

def test_agency_list_counts_own_and_subtree_staff(client, district_officer, tree, person):
    make_staff(agency=tree.district_a)
    make_staff(agency=tree.commune_a2, left_on=datetime.date(2020, 1, 1))
    client.force_login(district_officer)
    rows = client.get(reverse("agencies:agency-list")).context["rows"]
    assert [(agency.code, own, subtree) for agency, own, subtree in rows] == [
        ("H-A", 1, 2), ("X-A1", 1, 1), ("X-A2", 0, 0)]


def test_agency_list_query_count_does_not_grow_with_rows(client, leader, tree):
    client.force_login(leader)
    url = reverse("agencies:agency-list")
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    for _ in range(7):
        make_staff(agency=make_agency(parent=tree.district_b, level="commune", kind="commune_committee"))
    with CaptureQueriesContext(connection) as second:
        response = client.get(url)
    assert len(response.context["rows"]) == 14
    assert len(second) == len(first)


def test_agency_detail_shows_children_and_own_staff(client, district_officer, tree, person):
    make_staff(code="H001", full_name="Phan Văn Huyện", agency=tree.district_a)
    client.force_login(district_officer)
    response = client.get(reverse("agencies:agency-detail", args=[tree.district_a.pk]))
    assert _codes(response) == ["H001"]
    assert [(child.code, n) for child, n in response.context["children"]] == [("X-A1", 1), ("X-A2", 0)]
    assert response.context["ancestors"] == []  # the province is above the officer's scope
    assert response.context["can_edit"] is True


def test_agency_detail_query_count_does_not_grow_with_staff_or_children(client, district_officer, tree):
    client.force_login(district_officer)
    url = reverse("agencies:agency-detail", args=[tree.district_a.pk])
    make_staff(agency=tree.district_a)
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    for n in range(5):
        make_staff(agency=tree.district_a)
        make_staff(agency=make_agency(parent=tree.district_a, level="commune", kind="commune_committee", name=f"X{n}"))
    with CaptureQueriesContext(connection) as second:
        response = client.get(url)
    assert len(response.context["page"].object_list) == 6 and len(response.context["children"]) == 7
    assert len(second) == len(first)


@pytest.mark.parametrize("name", ["agencies:agency-list", "agencies:staff-list"])
def test_lists_send_anonymous_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_agency_detail_permissions(client, tree, outsider, leader, district_officer):
    url = reverse("agencies:agency-detail", args=[tree.commune_a1.pk])
    assert client.get(url).status_code == 302
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    for user in (leader, district_officer):
        client.force_login(user)
        assert client.get(url).status_code == 200


# --- edit IT fields ----------------------------------------------------------------------------

def _it_data(person, **overrides):
    """The edit form as opened now (with the person's version), filled in."""
    data = {"position": "Chuyên viên", "category": "CC", "it_qualification": "university", "is_it_staff": "on",
            "is_cio": "", "is_leader": "", "joined_on": "01/01/2015", "left_on": "",
            "version": Staff.objects.get(pk=person.pk).updated_at.isoformat()}
    data.update(overrides)
    return {key: value for key, value in data.items() if value != ""}


def test_officer_edits_it_fields_and_the_change_is_recorded(client, district_officer, person):
    client.force_login(district_officer)
    response = client.post(reverse("agencies:staff-update", args=[person.pk]), _it_data(person))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.is_it_staff and person.it_qualification == "university" and person.position == "Chuyên viên"
    change = ChangeRecord.objects.get(staff=person)
    assert change.user == district_officer and change.action == ChangeRecord.Action.UPDATE
    assert change.changes == {"position": ["", "Chuyên viên"], "it_qualification": ["none", "university"],
                              "is_it_staff": [False, True]}


def test_edit_form_shows_and_reads_day_first_dates(client, district_officer, person):
    client.force_login(district_officer)
    assert 'value="01/01/2015"' in client.get(reverse("agencies:staff-update", args=[person.pk])).content.decode()
    client.post(reverse("agencies:staff-update", args=[person.pk]), _it_data(person, joined_on="02/03/2016"))
    person.refresh_from_db()
    assert person.joined_on == datetime.date(2016, 3, 2)


def test_edit_refuses_leaving_before_joining(client, district_officer, person):
    client.force_login(district_officer)
    response = client.post(reverse("agencies:staff-update", args=[person.pk]), _it_data(person, left_on="01/01/2010"))
    assert response.status_code == 200
    assert "left_on" in response.context["form"].errors
    assert not ChangeRecord.objects.exists()


def test_saving_without_change_records_nothing(client, district_officer, person):
    client.force_login(district_officer)
    client.post(reverse("agencies:staff-update", args=[person.pk]),
                _it_data(person, position="", it_qualification="none", is_it_staff=""))
    assert not ChangeRecord.objects.exists()


def test_a_late_save_is_refused_with_the_stored_values(client, district_officer, person):
    """Issue 13, point 3: a form opened before an import changed the person must not undo that change."""
    client.force_login(district_officer)
    data = _it_data(person, position="Chuyên viên")  # the form as it was opened
    Staff.objects.filter(pk=person.pk).update(it_qualification="master", position="Phó phòng",
                                              updated_at=timezone.now())
    client.cookies["django_language"] = "en"  # the messages below are read in English
    response = client.post(reverse("agencies:staff-update", args=[person.pk]), data)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else saved this record after you opened the form" in page
    assert "Position “Phó phòng” (you entered “Chuyên viên”)" in page
    assert "IT qualification “Master” (you entered “University”)" in page
    person.refresh_from_db()
    assert (person.position, person.it_qualification, person.is_it_staff) == ("Phó phòng", "master", False)
    assert not ChangeRecord.objects.exists()
    # The form now carries the stored values and version: saving it again is a deliberate choice, and works.
    assert response.context["form"].initial["position"] == "Phó phòng"
    again = client.post(reverse("agencies:staff-update", args=[person.pk]), _it_data(person, position="Trưởng phòng"))
    assert again.status_code == 302
    person.refresh_from_db()
    assert person.position == "Trưởng phòng"


def test_a_form_without_its_version_saves_nothing(client, district_officer, person):
    client.force_login(district_officer)
    data = _it_data(person)
    del data["version"]
    response = client.post(reverse("agencies:staff-update", args=[person.pk]), data)
    assert response.status_code == 200 and "version" in response.context["form"].errors
    assert not ChangeRecord.objects.exists()


# --- newcomer ----------------------------------------------------------------------------------

def _new_data(agency, **overrides):
    data = {"code": " a900 ", "full_name": "Hoàng  Thị Mới", "agency": agency.pk, "category": "CC",
            "it_qualification": "none", "joined_on": "15/08/2024", "birth_date": "05/03/1990"}
    data.update(overrides)
    return data


def test_officer_adds_a_newcomer(client, district_officer, tree):
    client.force_login(district_officer)
    response = client.post(reverse("agencies:staff-create"), _new_data(tree.commune_a2))
    staff = Staff.objects.get(code="A900")
    assert response.status_code == 302
    assert staff.full_name == "Hoàng Thị Mới" and staff.birth_year == 1990
    assert staff.joined_on == datetime.date(2024, 8, 15)
    change = ChangeRecord.objects.get(staff=staff)
    assert change.action == ChangeRecord.Action.CREATE and change.user == district_officer


def test_newcomer_code_must_be_unique_and_agency_in_the_subtree(client, district_officer, tree, person):
    client.force_login(district_officer)
    response = client.post(reverse("agencies:staff-create"), _new_data(tree.district_b, code="a001"))
    errors = response.context["form"].errors
    assert "code" in errors and "agency" in errors
    assert Staff.objects.count() == 1


def test_newcomer_form_is_prefilled_with_the_agency(client, district_officer, tree):
    client.force_login(district_officer)
    response = client.get(reverse("agencies:staff-create"), {"agency": tree.commune_a1.pk})
    assert response.context["form"]["agency"].value() == str(tree.commune_a1.pk)


# --- leaving -----------------------------------------------------------------------------------

def test_officer_marks_someone_as_left_and_nobody_is_deleted(client, district_officer, person):
    client.force_login(district_officer)
    url = reverse("agencies:staff-leave", args=[person.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"left_on": "31/12/2023"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.left_on == datetime.date(2023, 12, 31)
    assert ChangeRecord.objects.get(staff=person).changes == {"left_on": [None, "2023-12-31"]}
    assert client.get(reverse("agencies:staff-list"), {"status": "left"}).context["page"].object_list == [person]


def test_leaving_before_joining_is_refused(client, district_officer, person):
    client.force_login(district_officer)
    response = client.post(reverse("agencies:staff-leave", args=[person.pk]), {"left_on": "31/12/2010"})
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.left_on is None


# --- permissions of the change views -----------------------------------------------------------

CHANGE_VIEWS = ["agencies:staff-update", "agencies:staff-leave"]


@pytest.mark.parametrize("name", CHANGE_VIEWS)
def test_change_views_for_each_role(client, name, person, outsider, leader, district_officer, province_officer,
                                    national_admin):
    url = reverse(name, args=[person.pk])
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.post(url, {"left_on": "01/01/2024"}).status_code == 404
    client.force_login(leader)
    assert client.get(url).status_code == 403
    assert client.post(url, {"left_on": "01/01/2024"}).status_code == 403
    for user in (district_officer, province_officer, national_admin):
        client.force_login(user)
        assert client.get(url).status_code == 200
    person.refresh_from_db()
    assert person.left_on is None


def test_staff_create_for_each_role(client, tree, leader, district_officer, national_admin):
    url = reverse("agencies:staff-create")
    assert client.get(url).status_code == 302
    client.force_login(leader)
    assert client.get(url).status_code == 403
    assert client.post(url, _new_data(tree.commune_a1)).status_code == 403
    for user in (district_officer, national_admin):
        client.force_login(user)
        assert client.get(url).status_code == 200
    assert not Staff.objects.exists()


def test_administrator_adds_a_newcomer_anywhere(client, national_admin, tree):
    client.force_login(national_admin)
    client.post(reverse("agencies:staff-create"), _new_data(tree.district_b))
    assert Staff.objects.get().agency == tree.district_b


def test_old_person_url_leads_to_the_person_page(client, district_officer, outsider, person):
    url = reverse("agencies:staff-detail", args=[person.pk])
    assert client.get(url).status_code == 302
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(district_officer)
    response = client.get(url)
    assert response.status_code == 302 and response.url == reverse("targets:staff-detail", args=[person.pk])


def test_links_to_a_person_go_straight_to_the_person_page(client, district_officer, person):
    """Staff.get_absolute_url (every list and form's link) skips the old URL's redirect."""
    page = reverse("targets:staff-detail", args=[person.pk])
    assert person.get_absolute_url() == page
    client.force_login(district_officer)
    assert f'href="{page}"' in client.get(reverse("agencies:staff-list")).content.decode()
