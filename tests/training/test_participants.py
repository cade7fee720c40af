"""Putting people on a course, entering their results and taking them off, through the test client."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, ChangeRecord, Level, Staff
from targets.counting import indicator_definition, not_counted_staff
from tests.concurrency import concurrent_transactions, first_then_second
from tests.conftest import Tree, make_agency, make_course, make_record, make_staff, make_user
from training import services
from training.models import CourseCategory, FirstPass, TrainingRecord
from training.passes import refresh_first_passes

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(tree):
    return make_course(code="KH-A", agency=tree.district_a, start_date=datetime.date(2020, 6, 1),
                       end_date=datetime.date(2020, 6, 5))


@pytest.fixture
def people(tree):
    return {
        "duc": make_staff(code="A001", full_name="Nguyễn Văn Đức", agency=tree.commune_a1),
        "dao": make_staff(code="A002", full_name="Trần Thị Đào", agency=tree.commune_a1),
        "hai": make_staff(code="A003", full_name="Lê Văn Hải", agency=tree.commune_a2),
        "left": make_staff(code="A004", full_name="Nguyễn Văn Cũ", agency=tree.commune_a1,
                           left_on=datetime.date(2019, 1, 1)),
        "other": make_staff(code="B001", full_name="Nguyễn Văn Đông", agency=tree.district_b),
    }


def _found(client, course, **params):
    response = client.get(reverse("training:participant-add", args=[course.pk]), params)
    assert response.status_code == 200
    return [person.code for person in response.context["page"].object_list]


def test_search_without_accents_finds_accented_names_in_the_subtree_only(client, district_officer, course, people):
    client.force_login(district_officer)
    assert _found(client, course, q="nguyen van") == ["A001"]
    assert _found(client, course, q="NGUYỄN") == ["A001"]
    assert _found(client, course, q="dao") == ["A002"]
    assert _found(client, course, q="van nguyen") == ["A001"]


def test_search_by_code_and_unit_and_including_those_who_left(client, district_officer, tree, course, people):
    client.force_login(district_officer)
    assert _found(client, course, q="a003") == ["A003"]
    assert _found(client, course, unit=tree.commune_a1.pk) == ["A001", "A002"]
    assert _found(client, course, unit=tree.commune_a1.pk, include_left="on") == ["A004", "A001", "A002"]


def test_search_query_count_does_not_grow_with_candidates(client, district_officer, tree, course, people):
    client.force_login(district_officer)
    url = reverse("training:participant-add", args=[course.pk])
    with CaptureQueriesContext(connection) as first:
        client.get(url, {"unit": tree.district_a.pk})
    for _ in range(8):
        make_staff(agency=tree.commune_a2)
    with CaptureQueriesContext(connection) as second:
        response = client.get(url, {"unit": tree.district_a.pk})
    assert len(response.context["page"].object_list) == 11
    assert len(second) == len(first)


def test_nothing_is_listed_before_a_search(client, district_officer, course, people):
    client.force_login(district_officer)
    response = client.get(reverse("training:participant-add", args=[course.pk]))
    assert response.context["page"] is None


def test_unit_outside_the_subtree_is_refused(client, district_officer, tree, course, people):
    client.force_login(district_officer)
    response = client.get(reverse("training:participant-add", args=[course.pk]), {"unit": tree.district_b.pk})
    assert "unit" in response.context["form"].errors
    assert response.context["page"] is None


def test_officer_adds_people_found_by_accentless_search(client, district_officer, course, people):
    client.force_login(district_officer)
    response = client.post(reverse("training:participant-add", args=[course.pk]),
                           {"q": "tran thi dao", "staff": [people["dao"].pk], "add_selected": ""})
    assert response.status_code == 302
    record = TrainingRecord.objects.get(course=course)
    assert record.staff == people["dao"]
    assert record.result == TrainingRecord.Result.PENDING and record.completed_on is None
    change = ChangeRecord.objects.get(model="training.TrainingRecord", staff=people["dao"])
    assert change.action == ChangeRecord.Action.CREATE and change.user == district_officer


def test_officer_adds_a_whole_unit_at_once(client, district_officer, tree, course, people):
    make_record(staff=people["duc"], course=course, result=TrainingRecord.Result.PENDING)
    client.force_login(district_officer)
    response = client.post(reverse("training:participant-add", args=[course.pk]),
                           {"unit": tree.district_a.pk, "add_all": ""})
    assert response.status_code == 302
    assert set(course.records.values_list("staff__code", flat=True)) == {"A001", "A002", "A003"}
    assert ChangeRecord.objects.filter(model="training.TrainingRecord").count() == 2


def test_ticked_people_outside_the_subtree_are_ignored(client, district_officer, course, people):
    client.force_login(district_officer)
    response = client.post(reverse("training:participant-add", args=[course.pk]),
                           {"staff": [people["other"].pk], "add_selected": ""})
    assert response.status_code == 302
    assert not course.records.exists()


def _results_post(course, rows):
    """The results form as the page gave it (hidden values shown and version), with the rows' new values."""
    data = {"form-TOTAL_FORMS": str(len(rows)), "form-INITIAL_FORMS": str(len(rows))}
    for i, (record, result, completed_on) in enumerate(rows):
        data.update(results_row(i, record, course))
        data.update({f"form-{i}-result": result, f"form-{i}-completed_on": completed_on})
    return reverse("training:participant-results", args=[course.pk]), data


def results_row(i, record, course) -> dict:
    """One row of the results form as the page shows it now, unchanged."""
    record = TrainingRecord.objects.get(pk=record.pk)
    shown = (record.completed_on or course.end_date).strftime("%d/%m/%Y")
    return {f"form-{i}-record": record.pk, f"form-{i}-version": record.updated_at.isoformat(),
            f"form-{i}-result": record.result, f"initial-form-{i}-result": record.result,
            f"form-{i}-completed_on": shown, f"initial-form-{i}-completed_on": shown}


def test_results_form_prefills_the_course_end_date(client, district_officer, course, people):
    make_record(staff=people["duc"], course=course, result=TrainingRecord.Result.PENDING)
    client.force_login(district_officer)
    response = client.get(reverse("training:participant-results", args=[course.pk]))
    assert 'value="05/06/2020"' in response.content.decode()


def test_officer_sets_results_in_one_form_and_first_passes_follow(client, district_officer, course, people):
    duc = make_record(staff=people["duc"], course=course, result=TrainingRecord.Result.PENDING)
    dao = make_record(staff=people["dao"], course=course, result=TrainingRecord.Result.PENDING)
    hai = make_record(staff=people["hai"], course=course, result=TrainingRecord.Result.PENDING)
    client.force_login(district_officer)
    url, data = _results_post(course, [(duc, "passed", "05/06/2020"), (dao, "failed", "05/06/2020"),
                                       (hai, "pending", "05/06/2020")])
    response = client.post(url, data)
    assert response.status_code == 302
    duc.refresh_from_db()
    dao.refresh_from_db()
    hai.refresh_from_db()
    assert (duc.result, duc.completed_on) == ("passed", datetime.date(2020, 6, 5))
    assert dao.result == "failed"
    assert hai.completed_on is None
    assert list(FirstPass.objects.values_list("staff_id", "first_on")) == [(people["duc"].pk, datetime.date(2020, 6, 5))]
    history = ChangeRecord.objects.filter(model="training.TrainingRecord", action="update")
    assert {change.staff_id for change in history} == {people["duc"].pk, people["dao"].pk}
    assert history.get(staff=people["duc"]).changes == {"result": ["pending", "passed"], "completed_on": [None, "2020-06-05"]}


def test_passed_needs_a_completion_date(client, district_officer, course, people):
    duc = make_record(staff=people["duc"], course=course, result=TrainingRecord.Result.PENDING)
    client.force_login(district_officer)
    url, data = _results_post(course, [(duc, "passed", "")])
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors["completed_on"]
    duc.refresh_from_db()
    assert duc.result == "pending"


def test_a_record_of_another_course_cannot_be_slipped_into_the_form(client, district_officer, tree, course, people):
    duc = make_record(staff=people["duc"], course=course, result=TrainingRecord.Result.PENDING)
    foreign = make_record(staff=people["dao"], course=make_course(agency=tree.district_a), result="pending")
    client.force_login(district_officer)
    url, data = _results_post(course, [(duc, "passed", "05/06/2020")])
    data["form-0-record"] = foreign.pk
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["formset"].non_form_errors()
    foreign.refresh_from_db()
    assert foreign.result == "pending"


def test_remove_asks_for_confirmation_then_removes_and_refreshes(client, district_officer, course, people):
    record = make_record(staff=people["duc"], course=course, completed_on=datetime.date(2020, 6, 5))
    refresh_first_passes(staff_ids=[people["duc"].pk])
    assert FirstPass.objects.filter(staff=people["duc"]).exists()
    client.force_login(district_officer)
    url = reverse("training:participant-remove", args=[record.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "Nguyễn Văn Đức" in response.content.decode()
    assert TrainingRecord.objects.filter(pk=record.pk).exists()
    response = client.post(url)
    assert response.status_code == 302 and response.url == course.get_absolute_url()
    assert not TrainingRecord.objects.filter(pk=record.pk).exists()
    assert not FirstPass.objects.filter(staff=people["duc"]).exists()
    change = ChangeRecord.objects.get(action=ChangeRecord.Action.DELETE, staff=people["duc"])
    assert change.changes["result"] == [None, "passed"]


# --- permissions -------------------------------------------------------------------------------

def test_remove_permissions(client, tree, course, people, outsider, leader, province_officer):
    record = make_record(staff=people["duc"], course=course)
    url = reverse("training:participant-remove", args=[record.pk])
    assert client.get(url).status_code == 302
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    client.force_login(leader)
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    client.force_login(province_officer)
    assert client.get(url).status_code == 200
    assert TrainingRecord.objects.filter(pk=record.pk).exists()


def test_officer_cannot_remove_another_districts_participant_from_own_course(client, district_officer, course, people):
    record = make_record(staff=people["other"], course=course)
    client.force_login(district_officer)
    assert client.post(reverse("training:participant-remove", args=[record.pk])).status_code == 404
    assert TrainingRecord.objects.filter(pk=record.pk).exists()


def test_leader_cannot_add_participants(client, leader, tree, course, people):
    client.force_login(leader)
    response = client.post(reverse("training:participant-add", args=[course.pk]), {"unit": tree.district_a.pk, "add_all": ""})
    assert response.status_code == 403
    assert not course.records.exists()


def test_administrator_adds_anyone(client, national_admin, course, people):
    client.force_login(national_admin)
    client.post(reverse("training:participant-add", args=[course.pk]), {"q": "nguyen van", "add_all": ""})
    assert set(course.records.values_list("staff__code", flat=True)) == {"A001", "B001"}


def test_results_page_query_count_does_not_grow_with_participants(client, district_officer, tree, course):
    client.force_login(district_officer)
    url = reverse("training:participant-results", args=[course.pk])
    for _ in range(4):
        make_record(staff=make_staff(agency=tree.commune_a1), course=course, result="pending")
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    for _ in range(8):
        make_record(staff=make_staff(agency=tree.commune_a2), course=course, result="pending")
    with CaptureQueriesContext(connection) as second:
        response = client.get(url)
    assert len(response.context["rows"]) == 12
    assert len(second) == len(first)


# --- who still counts, filters and a pasted column ---------------------------------------------------

@pytest.fixture
def standings(tree, course, people):
    """Đức already passed a course of this category; Hải is a contract worker; Đào was on no course."""
    earlier = make_course(code="KH-OLD", category=course.category, start_date=datetime.date(2018, 3, 1),
                          end_date=datetime.date(2018, 3, 5))
    make_record(staff=people["duc"], course=earlier, result="passed", completed_on=datetime.date(2018, 3, 5))
    people["hai"].category = "HD"
    people["hai"].save()
    refresh_first_passes(staff_ids=[people["duc"].pk])
    return people


def test_each_person_found_is_marked_contract_counted_or_needed(client, district_officer, tree, course, standings):
    client.force_login(district_officer)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("training:participant-add", args=[course.pk]), {"unit": tree.district_a.pk})
    rows = {p.code: p for p in response.context["page"].object_list}
    assert (rows["A001"].counted, rows["A002"].counted, rows["A002"].trained) == (True, False, False)
    page = response.content.decode()
    assert page.count("Already counted") == 1 and page.count("HĐ: counts in no indicator") == 1
    assert page.count("Still needed</span>") == 1
    assert "<td>HĐ</td>" in page and "<td>HD</td>" not in page


def test_filters_still_needed_and_in_no_course_yet(client, district_officer, tree, course, standings):
    client.force_login(district_officer)
    assert _found(client, course, need="needed") == ["A002"]
    assert _found(client, course, need="untrained") == ["A002", "A003"]
    response = client.post(reverse("training:participant-add", args=[course.pk]), {"need": "needed", "add_all": ""})
    assert response.status_code == 302
    assert list(TrainingRecord.objects.filter(course=course).values_list("staff__code", flat=True)) == ["A002"]


# --- "still needed for indicator X" (training.needs, supplied by targets) -----------------------------

def _passed(person, category, on, result="passed"):
    course = make_course(category=CourseCategory.objects.get(code=category), start_date=on, end_date=on)
    make_record(staff=person, course=course, result=result, completed_on=on if result == "passed" else None)


@pytest.fixture
def needs(tree, course):
    """District A's people in each situation the indicators tell apart, and one person outside it."""
    t = tree
    t.district_unit = make_agency(code="H-A-P1", name="Phòng huyện A", level=Level.DISTRICT, kind=Agency.Kind.UNIT,
                                  parent=t.district_a)
    p = {
        "never": make_staff(code="N01", agency=t.district_a),
        "passed": make_staff(code="N02", agency=t.district_a),
        "before_start": make_staff(code="N03", agency=t.district_a),
        "failed": make_staff(code="N04", agency=t.district_unit),
        "contract": make_staff(code="N05", agency=t.district_a, category=Staff.Category.HD),
        "left": make_staff(code="N06", agency=t.district_a, left_on=datetime.date(2019, 1, 1)),
        "commune": make_staff(code="N07", agency=t.commune_a1),
        "commune_leader": make_staff(code="N08", agency=t.commune_a2, is_leader=True),
        "it_basic": make_staff(code="N09", agency=t.district_unit, is_it_staff=True),
        "it_security": make_staff(code="N10", agency=t.district_unit, is_it_staff=True),
        "it_commune": make_staff(code="N11", agency=t.commune_a1, is_it_staff=True),
        "joins_later": make_staff(code="N12", agency=t.district_a, joined_on=timezone.localdate()
                                  + datetime.timedelta(days=30)),
        "elsewhere": make_staff(code="N13", agency=t.district_b),
        "it_elsewhere": make_staff(code="N14", agency=t.commune_b1, is_it_staff=True),
    }
    _passed(p["passed"], "egov", datetime.date(2018, 5, 2))
    _passed(p["before_start"], "basic", datetime.date(2015, 5, 2))
    _passed(p["failed"], "basic", datetime.date(2018, 5, 2), result="failed")
    _passed(p["commune_leader"], "egov", datetime.date(2019, 5, 2))
    _passed(p["it_basic"], "basic", datetime.date(2019, 5, 2))
    _passed(p["it_security"], "security", datetime.date(2019, 5, 2))
    refresh_first_passes()
    return p


def _codes(people, *names):
    return sorted(people[name].code for name in names)


@pytest.mark.parametrize("indicator, expected", [
    ("staff-prov-district", ["never", "before_start", "failed"]),
    ("staff-commune", ["commune", "it_commune"]),
    ("leaders-trained", ["commune_leader"]),
    ("it-staff-security", ["it_basic"]),  # key agency district A's same-level subtree only: not the commune's
    ("it-staff-open-source", ["it_basic", "it_security"]),
])
def test_still_needed_for_an_indicator_lists_exactly_its_not_counted_people(
        client, district_officer, tree, course, needs, indicator, expected):
    client.force_login(district_officer)
    found = sorted(_found(client, course, need=f"indicator:{indicator}"))
    assert found == _codes(needs, *expected)
    # The same rule as the engine's not-counted list for the officer's agency, today.
    definition = indicator_definition(indicator)
    listed = not_counted_staff(definition=definition, agency=tree.district_a, as_of=timezone.localdate())
    assert found == sorted(listed.values_list("code", flat=True))


def test_still_needed_for_an_indicator_within_a_unit_and_for_administrators(
        client, district_officer, national_admin, tree, course, needs):
    client.force_login(district_officer)
    assert _found(client, course, need="indicator:it-staff-security", unit=tree.district_unit.pk) == ["N09"]
    assert _found(client, course, need="indicator:staff-commune", unit=tree.commune_a2.pk) == []
    client.force_login(national_admin)
    today = timezone.localdate()
    for code in ("staff-prov-district", "it-staff-security"):
        listed = not_counted_staff(definition=indicator_definition(code), agency=tree.province, as_of=today)
        assert sorted(_found(client, course, need=f"indicator:{code}")) == sorted(listed.values_list("code", flat=True))
    assert "N14" not in _found(client, course, need="indicator:it-staff-security")  # commune B1: no key agency at its level
    assert "N13" in _found(client, course, need="indicator:staff-prov-district")


def test_people_already_on_the_course_are_not_offered_again(client, district_officer, course, needs):
    make_record(staff=needs["never"], course=course, result="pending")
    client.force_login(district_officer)
    assert _found(client, course, need="indicator:staff-prov-district") == ["N03", "N04"]


def test_the_indicator_filters_offered_are_those_a_course_can_move(client, district_officer, course):
    client.force_login(district_officer)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("training:participant-add", args=[course.pk]))
    choices = dict(response.context["form"].fields["need"].choices)
    assert choices["indicator:staff-commune"].startswith("Still needed for ")
    assert "indicator:leaders-trained" in choices and "indicator:it-staff-security" in choices
    # A degree is not earned on a course; agencies and reports are not people.
    assert not {"indicator:it-staff-degree", "indicator:agency-cio", "indicator:teachers-it"} & set(choices)
    assert "training needs" not in response.content.decode()


@pytest.mark.parametrize("value", ["indicator:nope", "indicator:it-staff-degree", "nobody:x", "indicator"])
def test_an_unknown_filter_is_a_form_error(client, district_officer, course, needs, value):
    client.force_login(district_officer)
    response = client.get(reverse("training:participant-add", args=[course.pk]), {"need": value})
    assert response.status_code == 200
    assert "need" in response.context["form"].errors and response.context["page"] is None
    response = client.post(reverse("training:participant-add", args=[course.pk]), {"need": value, "add_all": ""})
    assert response.status_code == 302 and not course.records.exists()


def test_add_all_still_needed_for_an_indicator(client, district_officer, course, needs):
    client.force_login(district_officer)
    response = client.post(reverse("training:participant-add", args=[course.pk]),
                           {"need": "indicator:it-staff-security", "add_all": ""})
    assert response.status_code == 302
    assert list(course.records.values_list("staff__code", flat=True)) == ["N09"]


@pytest.mark.parametrize("indicator", ["staff-prov-district", "it-staff-security"])
def test_the_indicator_filter_query_count_does_not_grow_with_people(
        client, district_officer, tree, course, needs, indicator):
    client.force_login(district_officer)
    url = reverse("training:participant-add", args=[course.pk])
    with CaptureQueriesContext(connection) as first:
        client.get(url, {"need": f"indicator:{indicator}"})
    for n in range(12):
        make_staff(agency=tree.district_unit, is_it_staff=True)
        make_agency(code=f"H-A-P{n + 2}", level=Level.DISTRICT, kind=Agency.Kind.UNIT, parent=tree.district_a)
    with CaptureQueriesContext(connection) as second:
        response = client.get(url, {"need": f"indicator:{indicator}"})
    assert response.context["page"].paginator.count >= 13
    assert len(second) == len(first)


def test_a_pasted_column_is_matched_by_code_or_accentless_name_and_the_rest_listed(
        client, district_officer, course, people, tree):
    make_staff(code="A009", full_name="Trần Thị Đào", agency=tree.commune_a2)  # a namesake
    make_record(staff=people["hai"], course=course)
    client.force_login(district_officer)
    pasted = "a001\nLe Van Hai\ntran thi dao\nNGUYEN VAN DONG\nA0O1\n\n  a001  \n"
    response = client.post(reverse("training:participant-add", args=[course.pk]), {"pasted": pasted, "match": ""})
    assert response.status_code == 200
    match = response.context["pasted"]
    assert [p.code for p in match.people] == ["A001"]
    assert [p.code for p in match.already_on_course] == ["A003"]
    # Đông is in another district: outside the officer's units, as unknown as a typo.
    assert match.unmatched == [("tran thi dao", "ambiguous"), ("NGUYEN VAN DONG", "unknown"), ("A0O1", "unknown")]
    duc = people["duc"].pk
    assert f'value="{duc}" id="staff-{duc}" checked' in response.content.decode()
    assert not TrainingRecord.objects.filter(course=course, staff=people["duc"]).exists()


def test_matching_a_pasted_column_takes_a_fixed_number_of_queries(client, district_officer, course, tree):
    client.force_login(district_officer)
    url = reverse("training:participant-add", args=[course.pk])
    codes = [make_staff(code=f"P{n:03d}", agency=tree.commune_a1).code for n in range(40)]
    with CaptureQueriesContext(connection) as few:
        client.post(url, {"pasted": "\n".join(codes[:5]), "match": ""})
    with CaptureQueriesContext(connection) as many:
        client.post(url, {"pasted": "\n".join(codes), "match": ""})
    assert len(many) == len(few)
def test_a_late_save_leaves_rows_the_officer_did_not_touch(client, district_officer, course, people):
    """Issue 13, point 3: a page opened before a colleague recorded "passed" must not put it back to pending."""
    duc = make_record(staff=people["duc"], course=course, result=TrainingRecord.Result.PENDING)
    dao = make_record(staff=people["dao"], course=course, result=TrainingRecord.Result.PENDING)
    client.force_login(district_officer)
    url, data = _results_post(course, [(duc, "pending", "05/06/2020"), (dao, "failed", "05/06/2020")])
    # Meanwhile a colleague records Đức's pass.
    TrainingRecord.objects.filter(pk=duc.pk).update(result="passed", completed_on=datetime.date(2020, 6, 5))
    response = client.post(url, data)
    assert response.status_code == 302
    duc.refresh_from_db()
    dao.refresh_from_db()
    assert (duc.result, dao.result) == ("passed", "failed")
    assert list(ChangeRecord.objects.values_list("staff_id", flat=True)) == [people["dao"].pk]


def test_a_row_changed_by_someone_else_is_refused_with_what_changed(client, district_officer, course, people):
    duc = make_record(staff=people["duc"], course=course, result=TrainingRecord.Result.PENDING)
    dao = make_record(staff=people["dao"], course=course, result=TrainingRecord.Result.PENDING)
    client.force_login(district_officer)
    url, data = _results_post(course, [(duc, "failed", "05/06/2020"), (dao, "passed", "05/06/2020")])
    TrainingRecord.objects.filter(pk=duc.pk).update(result="absent", completed_on=datetime.date(2020, 6, 4),
                                                    updated_at=timezone.now())
    client.cookies["django_language"] = "en"  # the messages below are read in English
    response = client.post(url, data, follow=True)
    page = response.content.decode()
    assert "Nguyễn Văn Đức: not saved" in page and "It is now “Absent” (04/06/2020)" in page
    assert "you chose “Failed” (05/06/2020)" in page and "1 result was saved." in page
    duc.refresh_from_db()
    dao.refresh_from_db()
    assert (duc.result, dao.result) == ("absent", "passed")


def test_results_page_carries_each_rows_version(client, district_officer, course, people):
    duc = make_record(staff=people["duc"], course=course, result=TrainingRecord.Result.PENDING)
    client.force_login(district_officer)
    page = client.get(reverse("training:participant-results", args=[course.pk])).content.decode()
    assert f'name="form-0-version" value="{duc.updated_at.isoformat()}"' in page
    assert 'name="initial-form-0-result" value="pending"' in page


def test_add_all_found_twice_adds_nobody_the_second_time(client, district_officer, tree, course, people):
    """A double click on "add all found": the second request finds everyone on the course (no 500)."""
    client.force_login(district_officer)
    url = reverse("training:participant-add", args=[course.pk])
    first = client.post(url, {"unit": tree.district_a.pk, "add_all": ""})
    second = client.post(url, {"unit": tree.district_a.pk, "add_all": ""})
    assert (first.status_code, second.status_code) == (302, 302)
    assert course.records.count() == 3
    assert ChangeRecord.objects.filter(model="training.TrainingRecord").count() == 3


@concurrent_transactions
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_add_all_found_at_the_same_moment_adds_each_person_once():
    """Two "add all found" requests at once (PostgreSQL): the course row's lock makes the second wait, then add nobody."""
    tree = Tree()
    officer = make_user(role="officer", agency=tree.district_a)
    course = make_course(agency=tree.district_a)
    staff = [make_staff(agency=tree.commune_a1) for _ in range(3)]
    for person in staff:
        person.agency = tree.commune_a1

    def add():
        return services.participants_add(user=officer, course=course, staff=staff)

    first, second = first_then_second(add, add)
    assert len(first) == 3 and second == []
    assert course.records.count() == 3
