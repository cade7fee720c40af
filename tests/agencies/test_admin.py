"""The Django admin writes history like every other path, cannot touch the history, and ends old sessions."""
import datetime

import pytest
from django.test import Client
from django.urls import reverse

from agencies.models import ChangeRecord, Staff, User
from targets.models import AggregateReport, Indicator, Target
from tests.conftest import make_course, make_record, make_staff
from training.models import TrainingRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, national_admin):
    client.force_login(national_admin)
    return client


def _user_form(user: User, **overrides) -> dict:
    data = {"username": user.username, "full_name": user.full_name, "email": user.email, "role": user.role,
            "agency": user.agency_id or "", "is_active": "on" if user.is_active else ""}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_admin_staff_edit_is_recorded_on_the_persons_history(admin_client, tree, national_admin):
    person = make_staff(agency=tree.commune_a1, position="Chuyên viên")
    response = admin_client.post(reverse("admin:agencies_staff_change", args=[person.pk]), {
        "code": person.code, "full_name": person.full_name, "agency": person.agency_id, "category": "CC",
        "position": "Trưởng phòng", "it_qualification": "university", "is_it_staff": "on",
    })
    assert response.status_code == 302
    record = ChangeRecord.objects.get(model="agencies.Staff", object_id=str(person.pk))
    assert (record.action, record.user, record.staff, record.agency) == (
        ChangeRecord.Action.UPDATE, national_admin, person, tree.commune_a1)
    assert record.changes == {"position": ["Chuyên viên", "Trưởng phòng"], "is_it_staff": [False, True],
                              "it_qualification": ["none", "university"]}


def test_admin_add_and_delete_are_recorded(admin_client, tree):
    response = admin_client.post(reverse("admin:agencies_staff_add"), {
        "code": "CB-NEW", "full_name": "Người Thêm", "agency": tree.district_a.pk, "category": "VC",
        "it_qualification": "none",
    })
    assert response.status_code == 302
    person = Staff.objects.get(code="CB-NEW")
    created = ChangeRecord.objects.get(action=ChangeRecord.Action.CREATE, object_id=str(person.pk))
    assert created.changes["full_name"] == [None, "Người Thêm"] and created.staff == person
    response = admin_client.post(reverse("admin:agencies_staff_delete", args=[person.pk]), {"post": "yes"})
    assert response.status_code == 302 and not Staff.objects.filter(pk=person.pk).exists()
    deleted = ChangeRecord.objects.get(action=ChangeRecord.Action.DELETE, model="agencies.Staff")
    assert deleted.object_repr == "Người Thêm (CB-NEW)" and deleted.changes["code"] == [None, "CB-NEW"]


def test_admin_bulk_delete_records_each_object(admin_client, tree):
    records = [make_record(staff=make_staff(agency=tree.commune_a1), course=make_course()) for _ in range(3)]
    response = admin_client.post(reverse("admin:training_trainingrecord_changelist"), {
        "action": "delete_selected", "_selected_action": [r.pk for r in records], "post": "yes",
    })
    assert response.status_code == 302 and not TrainingRecord.objects.exists()
    deleted = ChangeRecord.objects.filter(action=ChangeRecord.Action.DELETE, model="training.TrainingRecord")
    assert sorted(deleted.values_list("staff_id", flat=True)) == sorted(r.staff_id for r in records)


def test_admin_inline_and_many_to_many_changes_are_recorded(admin_client):
    indicator = Indicator.objects.get(programme__is_current=True, code="leaders-trained")
    target = indicator.targets.get(year=2025)
    categories = list(indicator.categories.values_list("pk", flat=True))
    url = reverse("admin:targets_indicator_change", args=[indicator.pk])
    targets = list(indicator.targets.order_by("pk"))
    data = {
        "programme": indicator.programme_id, "code": indicator.code, "name": indicator.name,
        "name_en": indicator.name_en, "order": indicator.order, "source": indicator.source, "rule": indicator.rule,
        "levels": "[]", "staff_flag": indicator.staff_flag, "qualifications": "[]", "description": "",
        "categories": [],  # every category removed
        "targets-TOTAL_FORMS": len(targets), "targets-INITIAL_FORMS": len(targets),
        "targets-MIN_NUM_FORMS": 0, "targets-MAX_NUM_FORMS": 1000,
    }
    for i, each in enumerate(targets):
        data.update({f"targets-{i}-id": each.pk, f"targets-{i}-indicator": indicator.pk,
                     f"targets-{i}-year": each.year, f"targets-{i}-op": each.op,
                     f"targets-{i}-percent": "95" if each.pk == target.pk else str(each.percent)})
    if indicator.levels:
        data["levels"] = str(indicator.levels).replace("'", '"')
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ChangeRecord.objects.get(model="targets.Indicator").changes == {"categories": [categories, []]}
    changed = ChangeRecord.objects.get(model="targets.Target")
    assert changed.object_id == str(target.pk) and changed.changes == {"percent": [str(target.percent), "95"]}
    assert Target.objects.get(pk=target.pk).percent == 95


def test_history_is_read_only_in_the_admin(admin_client, tree, national_admin):
    person = make_staff(agency=tree.district_a)
    record = ChangeRecord.objects.create(user=national_admin, action=ChangeRecord.Action.UPDATE, model="agencies.Staff",
                                         object_id=str(person.pk), object_repr=str(person), staff=person)
    changelist = admin_client.get(reverse("admin:agencies_changerecord_changelist"))
    assert changelist.status_code == 200
    assert "delete_selected" not in changelist.content.decode()
    assert admin_client.get(reverse("admin:agencies_changerecord_change", args=[record.pk])).status_code == 200
    assert admin_client.get(reverse("admin:agencies_changerecord_add")).status_code == 403
    change = admin_client.post(reverse("admin:agencies_changerecord_change", args=[record.pk]),
                               {"object_repr": "rewritten", "action": "delete"})
    assert change.status_code == 403
    delete = admin_client.post(reverse("admin:agencies_changerecord_delete", args=[record.pk]), {"post": "yes"})
    assert delete.status_code == 403
    bulk = admin_client.post(reverse("admin:agencies_changerecord_changelist"),
                             {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"})
    assert bulk.status_code in (200, 302)
    record.refresh_from_db()
    assert record.object_repr == str(person) and ChangeRecord.objects.filter(pk=record.pk).exists()


def test_reactivated_users_old_sessions_stay_dead(admin_client, district_officer):
    old_session = Client()
    old_session.force_login(district_officer)
    assert old_session.get(reverse("home")).status_code == 200
    url = reverse("admin:agencies_user_change", args=[district_officer.pk])
    assert admin_client.post(url, _user_form(district_officer, is_active="")).status_code == 302
    district_officer.refresh_from_db()
    assert not district_officer.is_active and district_officer.deactivated_at is not None
    assert admin_client.post(url, _user_form(district_officer, is_active="on")).status_code == 302
    district_officer.refresh_from_db()
    assert district_officer.is_active
    response = old_session.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    fresh = Client()
    assert fresh.post(reverse("login"), {"username": "officer-a", "password": "pw"}).status_code == 302
    assert fresh.get(reverse("home")).status_code == 200
    changes = list(ChangeRecord.objects.filter(model="agencies.User").values_list("changes", flat=True))
    assert [change["is_active"] for change in changes] == [[False, True], [True, False]]
    assert changes[1]["deactivated_at"][0] is None


def test_deactivate_action_also_ends_sessions_after_reactivation(admin_client, district_officer):
    old_session = Client()
    old_session.force_login(district_officer)
    admin_client.post(reverse("admin:agencies_user_changelist"),
                      {"action": "deactivate_users", "_selected_action": [district_officer.pk]})
    User.objects.filter(pk=district_officer.pk).update(is_active=True)
    assert old_session.get(reverse("home")).status_code == 302


def test_sessions_of_never_deactivated_users_survive(district_officer):
    """The session hash changes only at a deactivation: deploying this signs nobody out."""
    session = Client()
    session.force_login(district_officer)
    district_officer.full_name = "Tên mới"
    district_officer.save()
    assert session.get(reverse("home")).status_code == 200


def test_admin_password_change_is_recorded_without_the_hash(admin_client, district_officer):
    url = reverse("admin:auth_user_password_change", args=[district_officer.pk])
    response = admin_client.post(url, {"password1": "Mat-khau-moi-2026", "password2": "Mat-khau-moi-2026",
                                       "usable_password": "true"})
    assert response.status_code == 302
    assert ChangeRecord.objects.get(model="agencies.User").changes == {"password": [None, "changed"]}


def test_admin_course_date_edit_is_recorded(admin_client, tree):
    course = make_course(agency=tree.district_a)
    response = admin_client.post(reverse("admin:training_course_change", args=[course.pk]), {
        "code": course.code, "name": course.name, "category": course.category_id, "start_date": "01/03/2018",
        "end_date": "09/03/2018", "agency": tree.district_a.pk,
    })
    assert response.status_code == 302
    assert ChangeRecord.objects.get(model="training.Course").changes == {
        "end_date": [datetime.date(2018, 3, 5).isoformat(), "2018-03-09"]}


# --- aggregate reports in the admin go through the service -------------------------------------------

def test_admin_report_keeps_the_additivity_rule_and_the_history(admin_client, tree, national_admin):
    teachers = Indicator.objects.get(programme__is_current=True, code="teachers-it")
    AggregateReport.objects.create(indicator=teachers, agency=tree.district_a, year=2019, numerator=1, denominator=2)
    url = reverse("admin:targets_aggregatereport_add")
    admin_client.cookies["django_language"] = "en"  # the messages below are read in English (the switch's cookie)
    refused = admin_client.post(url, {"indicator": teachers.pk, "agency": tree.commune_a1.pk, "year": 2020,
                                      "numerator": 1, "denominator": 2, "note": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200 and "already report this indicator" in refused.content.decode()
    assert AggregateReport.objects.count() == 1
    added = admin_client.post(url, {"indicator": teachers.pk, "agency": tree.district_b.pk, "year": 2020,
                                    "numerator": 3, "denominator": 4, "note": "qua quản trị"})
    assert added.status_code == 302
    report = AggregateReport.objects.get(agency=tree.district_b)
    created = ChangeRecord.objects.get(model="targets.AggregateReport", action="create")
    assert created.user == national_admin and created.agency == tree.district_b and created.object_id == str(report.pk)
    change = admin_client.post(reverse("admin:targets_aggregatereport_change", args=[report.pk]),
                               {"numerator": 4, "denominator": 4, "note": "qua quản trị"})
    assert change.status_code == 302
    assert ChangeRecord.objects.get(model="targets.AggregateReport", action="update").changes == {"numerator": [3, 4]}
    delete = admin_client.post(reverse("admin:targets_aggregatereport_delete", args=[report.pk]), {"post": "yes"})
    assert delete.status_code == 302 and not AggregateReport.objects.filter(pk=report.pk).exists()
    assert ChangeRecord.objects.filter(model="targets.AggregateReport", action="delete").count() == 1


def test_admin_user_creation_is_recorded_without_the_password(admin_client, tree):
    response = admin_client.post(reverse("admin:agencies_user_add"), {
        "username": "can-bo-moi", "full_name": "Cán bộ mới", "role": "officer", "agency": tree.district_a.pk,
        "password1": "Mat-khau-moi-2026", "password2": "Mat-khau-moi-2026", "usable_password": "true",
    })
    assert response.status_code == 302, response.content.decode()[:1000]
    created = ChangeRecord.objects.get(model="agencies.User", action="create")
    assert created.changes["username"] == [None, "can-bo-moi"] and "password" not in created.changes
    assert created.agency == tree.district_a
