"""The person page: training history, the indicators a person counts for today, and the change history."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Staff
from tests import conftest
from tests.conftest import make_course, make_staff
from training.models import CourseCategory
from training.passes import refresh_first_passes

pytestmark = pytest.mark.django_db


def make_record(**overrides):
    """A record written as every write path writes one: with the person's first passes kept in step."""
    record = conftest.make_record(**overrides)
    refresh_first_passes(staff_ids=[record.staff_id])
    return record


def _course(code, category, day):
    return make_course(category=CourseCategory.objects.get(code=category), start_date=day, end_date=day)


def _status(response):
    return {row.definition.code: (row.in_population, row.counted) for row, _url in response.context["indicator_rows"]}


def test_commune_staff_counts_with_a_passed_course_since_the_programme_start(client, district_officer, tree):
    person = make_staff(agency=tree.commune_a1)
    make_record(staff=person, course=_course("OLD", "basic", datetime.date(2016, 11, 15)))
    client.force_login(district_officer)
    url = reverse("targets:staff-detail", args=[person.pk])
    status = _status(client.get(url))
    assert status["staff-commune"] == (True, False)
    assert status["staff-prov-district"] == (False, False)
    make_record(staff=person, course=_course("NEW", "egov", datetime.date(2016, 11, 16)))
    status = _status(client.get(url))
    assert status["staff-commune"] == (True, True)


def test_failed_and_pending_records_do_not_count(client, district_officer, tree):
    person = make_staff(agency=tree.district_a)
    make_record(staff=person, course=_course("F", "basic", datetime.date(2019, 1, 1)), result="failed",
                completed_on=datetime.date(2019, 1, 1))
    make_record(staff=person, course=_course("P", "basic", datetime.date(2019, 2, 1)), result="pending")
    client.force_login(district_officer)
    assert _status(client.get(reverse("targets:staff-detail", args=[person.pk])))["staff-prov-district"] == (True, False)


def test_flags_decide_the_population(client, province_officer, tree):
    it_in_key = make_staff(agency=tree.district_a, is_it_staff=True, it_qualification="university")
    make_record(staff=it_in_key, course=_course("S", "security", datetime.date(2019, 1, 1)))
    it_in_commune = make_staff(agency=tree.commune_a1, is_it_staff=True)
    leader = make_staff(agency=tree.department, is_leader=True, is_cio=True)
    client.force_login(province_officer)

    status = _status(client.get(reverse("targets:staff-detail", args=[it_in_key.pk])))
    assert status["it-staff-security"] == (True, True)
    assert status["it-staff-open-source"] == (True, False)
    assert status["it-staff-degree"] == (True, True)
    assert status["agency-it-degree"] == (True, True)
    assert status["leaders-trained"] == (False, False)

    status = _status(client.get(reverse("targets:staff-detail", args=[it_in_commune.pk])))
    assert status["it-staff-security"] == (False, False)  # a commune is outside the district committee's level
    assert status["it-staff-degree"] == (True, False)

    status = _status(client.get(reverse("targets:staff-detail", args=[leader.pk])))
    assert status["leaders-trained"] == (True, False)
    assert status["agency-cio"] == (True, True)


def test_contract_workers_and_people_who_left_count_for_nothing(client, district_officer, tree):
    worker = make_staff(agency=tree.commune_a1, category=Staff.Category.HD)
    gone = make_staff(agency=tree.commune_a1, left_on=datetime.date(2020, 1, 1))
    client.force_login(district_officer)
    for person in (worker, gone):
        status = _status(client.get(reverse("targets:staff-detail", args=[person.pk])))
        assert not any(in_population for in_population, _counted in status.values())


def test_person_page_shows_training_and_change_history(client, district_officer, tree):
    person = make_staff(agency=tree.commune_a1, full_name="Nguyễn Văn Đức")
    course = make_course(code="KH-9", name="An toàn thông tin", agency=tree.district_a)
    make_record(staff=person, course=course)
    client.force_login(district_officer)
    _edit(client, person, {"category": "CC", "it_qualification": "college", "is_cio": "on"})
    client.cookies["django_language"] = "en"
    response = client.get(reverse("targets:staff-detail", args=[person.pk]))
    page = response.content.decode()
    assert "An toàn thông tin" in page
    assert "Cán bộ CNTT huyện A" in page  # who changed it
    [(change, _label, fields)] = response.context["history_rows"]
    assert change.user == district_officer
    assert sorted(fields) == [("CIO", "✗", "✓"), ("IT qualification", "None", "College")]
    assert response.context["can_edit"] is True


def test_person_page_permissions(client, tree, outsider, leader, district_officer, national_admin):
    person = make_staff(agency=tree.commune_a1)
    url = reverse("targets:staff-detail", args=[person.pk])
    assert client.get(url).status_code == 302
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(leader)
    response = client.get(url)
    assert response.status_code == 200 and response.context["can_edit"] is False
    for user in (district_officer, national_admin):
        client.force_login(user)
        assert client.get(url).status_code == 200


def test_person_page_query_count_does_not_grow_with_records(client, district_officer, tree):
    person = make_staff(agency=tree.commune_a1)
    url = reverse("targets:staff-detail", args=[person.pk])
    client.force_login(district_officer)
    make_record(staff=person, course=_course("A", "basic", datetime.date(2019, 1, 1)))
    _edit(client, person, {"category": "CC", "it_qualification": "college"})
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    for n in range(4):
        make_record(staff=person, course=_course(f"B{n}", "egov", datetime.date(2019, 2, 1)))
    _edit(client, person, {"category": "CC", "it_qualification": "master"})
    _edit(client, person, {"category": "VC", "it_qualification": "master"})
    with CaptureQueriesContext(connection) as second:
        response = client.get(url)
    assert len(response.context["records"]) == 5 and len(response.context["history_rows"]) == 3
    assert len(second) == len(first)


def test_training_needs_lists_staff_indicators(client, district_officer, outsider, tree):
    url = reverse("targets:training-needs", args=[tree.district_a.pk])
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(district_officer)
    response = client.get(url)
    assert [indicator.code for indicator, _url in response.context["rows"]] == [
        "staff-prov-district", "staff-commune", "it-staff-degree", "it-staff-security", "it-staff-open-source",
        "leaders-trained"]


def test_history_names_the_course_of_training_changes(client, district_officer, tree):
    person = make_staff(agency=tree.commune_a1)
    kept = make_course(code="KH-KEPT", name="Giữ lại", agency=tree.district_a)
    gone = make_course(code="KH-GONE", name="Đã xóa", agency=tree.district_a)
    client.force_login(district_officer)
    for course in (kept, gone):
        client.post(reverse("training:participant-add", args=[course.pk]), {"staff": [person.pk], "add_selected": ""})
    record = gone.records.get()
    client.post(reverse("training:participant-remove", args=[record.pk]))
    response = client.get(reverse("targets:staff-detail", args=[person.pk]))
    labels = [label for _change, label, _fields in response.context["history_rows"]]
    assert len(labels) == 3
    assert sum("KH-KEPT" in label for label in labels) == 1
    assert sum("KH-GONE" in label for label in labels) == 2


def _edit(client, person, data: dict):
    """The staff edit form posted as a freshly opened page would (with the person's current version)."""
    version = Staff.objects.get(pk=person.pk).updated_at.isoformat()
    return client.post(reverse("agencies:staff-update", args=[person.pk]), {**data, "version": version})
