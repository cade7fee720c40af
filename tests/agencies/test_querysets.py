"""The one scope rule: scope_path(user) and the scoped querysets every agency-owned model shares."""
import pytest
from django.contrib.auth.models import AnonymousUser

import training.models
from agencies.access import breadcrumb, can_edit_agency_data
from agencies.models import Agency, Staff, User
from agencies.querysets import CHANGE, EVERYTHING, in_scope, scope_path
from targets.models import AggregateReport, Indicator
from tests.conftest import make_course, make_record, make_staff, make_user
from training.models import Course, TrainingRecord
from training.services import can_edit_course

pytestmark = pytest.mark.django_db


def test_scope_path_of_each_persona(tree, national_admin, leader, province_officer, district_officer):
    assert scope_path(national_admin) == scope_path(national_admin, CHANGE) == EVERYTHING
    assert scope_path(leader) == EVERYTHING and scope_path(leader, CHANGE) is None
    assert scope_path(province_officer) == scope_path(province_officer, CHANGE) == tree.province.path
    assert scope_path(district_officer) == scope_path(district_officer, CHANGE) == tree.district_a.path


def test_no_scope_for_anonymous_or_inactive_users(tree):
    inactive = make_user(username="gone", role=User.Role.OFFICER, agency=tree.district_a, is_active=False)
    inactive_admin = make_user(username="old-admin", role=User.Role.ADMINISTRATOR, is_active=False)
    for user in (AnonymousUser(), inactive, inactive_admin):
        assert scope_path(user) is None and scope_path(user, CHANGE) is None
        assert not Agency.objects.visible_to(user).exists()


def test_in_scope_is_a_prefix_test_on_the_path(tree, district_officer, outsider, leader):
    assert in_scope(district_officer, tree.commune_a1.path)
    assert not in_scope(outsider, tree.commune_a1.path)
    assert in_scope(leader, tree.commune_a1.path) and not in_scope(leader, tree.commune_a1.path, CHANGE)
    # District A's path is a prefix of its communes', never of a sibling's that merely starts alike.
    assert not in_scope(district_officer, tree.district_b.path)


@pytest.fixture
def rows(tree):
    """One row of every scoped model in district A and one in district B."""
    made = {}
    reported = Indicator.objects.filter(source=Indicator.Source.REPORTS).first()
    for key, agency in (("a", tree.commune_a1), ("b", tree.commune_b1)):
        staff = make_staff(agency=agency)
        course = make_course(agency=agency)
        made[key] = {
            Agency: agency, Staff: staff, Course: course,
            TrainingRecord: make_record(staff=staff, course=course),
            AggregateReport: AggregateReport.objects.create(indicator=reported, agency=agency, year=2020,
                                                            numerator=1, denominator=2),
        }
    return made


MODELS = [Agency, Staff, Course, TrainingRecord, AggregateReport]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_model_shares_the_rule(model, rows, national_admin, leader, district_officer):
    a, b = rows["a"][model].pk, rows["b"][model].pk

    def pks(qs):
        return set(qs.filter(pk__in=[a, b]).values_list("pk", flat=True))

    assert pks(model.objects.visible_to(national_admin)) == pks(model.objects.editable_by(national_admin)) == {a, b}
    assert pks(model.objects.visible_to(leader)) == {a, b} and pks(model.objects.editable_by(leader)) == set()
    assert pks(model.objects.visible_to(district_officer)) == pks(model.objects.editable_by(district_officer)) == {a}


def test_officers_see_courses_their_staff_attend_but_change_only_their_own(rows, district_officer):
    elsewhere = rows["b"][Course]
    make_record(staff=rows["a"][Staff], course=elsewhere)
    assert Course.objects.visible_to(district_officer).filter(pk=elsewhere.pk).exists()
    assert not Course.objects.editable_by(district_officer).filter(pk=elsewhere.pk).exists()
    assert not can_edit_course(district_officer, elsewhere)


@pytest.mark.parametrize("limit", [5000, 0])  # 0: more attended courses than the limit, looked up in each query
@pytest.mark.parametrize("persona", ["national_admin", "leader", "district_officer", "province_officer", "outsider"])
def test_courses_read_with_their_attendance_at_once_are_the_same_courses(request, monkeypatch, rows, persona, limit):
    monkeypatch.setattr(training.models, "ATTENDED_IDS_LIMIT", limit)
    user = request.getfixturevalue(persona)
    make_record(staff=rows["a"][Staff], course=rows["b"][Course])
    make_course(agency=None)
    read_now = Course.objects.visible_to(user, attended_read_now=True)
    assert set(read_now) == set(Course.objects.visible_to(user))
    if persona == "district_officer":  # the one who attends a course elsewhere: ids, or the lookup past the limit
        assert ("IN (SELECT" in str(read_now.query)) == (limit == 0)


def test_a_province_wide_course_is_the_administrators_alone(tree, national_admin, province_officer):
    course = make_course(agency=None)
    assert can_edit_course(national_admin, course) and not can_edit_course(province_officer, course)
    assert not Course.objects.editable_by(province_officer).filter(pk=course.pk).exists()


def test_instance_checks_agree_with_the_querysets(tree, rows, leader, district_officer, outsider, national_admin):
    for user in (leader, district_officer, outsider, national_admin):
        editable = set(Agency.objects.editable_by(user).values_list("pk", flat=True))
        for agency in Agency.objects.all():
            assert can_edit_agency_data(user, agency) == (agency.pk in editable)
        for course in Course.objects.select_related("agency"):
            assert can_edit_course(user, course) == Course.objects.editable_by(user).filter(pk=course.pk).exists()


def test_ancestors_come_from_the_path(tree):
    assert tree.commune_a1.ancestor_ids == [tree.province.pk, tree.district_a.pk]
    assert tree.commune_a1.ancestor_paths == [tree.province.path, tree.district_a.path]
    assert tree.province.ancestor_ids == [] and tree.province.ancestor_paths == []


def test_breadcrumb_shows_only_visible_ancestors_root_first(tree, leader, district_officer, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert breadcrumb(leader, tree.commune_a1) == [tree.province, tree.district_a]
    assert breadcrumb(district_officer, tree.commune_a1) == [tree.district_a]
