"""The training services called directly: permissions, history, FirstPass, all-or-nothing."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agencies.models import ChangeRecord
from tests.conftest import make_course, make_record, make_staff
from training import services
from training.models import CourseCategory, FirstPass, TrainingRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(tree):
    return make_course(code="KH-A", agency=tree.district_a, start_date=datetime.date(2020, 6, 1),
                       end_date=datetime.date(2020, 6, 5))


def _course_data(agency, **overrides):
    data = {"code": "kh-1", "name": "Cơ bản", "category": CourseCategory.objects.get(code="basic"),
            "start_date": datetime.date(2021, 1, 4), "end_date": datetime.date(2021, 1, 8), "agency": agency}
    data.update(overrides)
    return data


def test_course_create_cleans_and_records(tree, district_officer):
    course = services.course_create(user=district_officer, data=_course_data(tree.commune_a2))
    assert course.code == "KH-1"
    assert ChangeRecord.objects.get(model="training.Course").agency == tree.commune_a2


def test_course_create_refuses_other_subtrees_and_leaders(tree, district_officer, leader):
    with pytest.raises(PermissionDenied):
        services.course_create(user=district_officer, data=_course_data(tree.district_b))
    with pytest.raises(PermissionDenied):
        services.course_create(user=leader, data=_course_data(tree.district_a))


def test_course_create_validates(tree, national_admin):
    with pytest.raises(ValidationError):
        services.course_create(user=national_admin, data=_course_data(None, end_date=datetime.date(2020, 1, 1)))


def test_course_cannot_be_moved_out_of_the_officers_subtree(tree, district_officer, course):
    with pytest.raises(PermissionDenied):
        services.course_update(user=district_officer, course=course, data={"agency": tree.district_b})


def test_course_update_without_change_records_nothing(district_officer, course):
    assert services.course_update(user=district_officer, course=course, data={"name": course.name}) == {}
    assert not ChangeRecord.objects.exists()


def test_participants_add_skips_people_already_on_the_course(tree, district_officer, course):
    first, second = make_staff(agency=tree.commune_a1), make_staff(agency=tree.commune_a2)
    make_record(staff=first, course=course, result="pending")
    added = services.participants_add(user=district_officer, course=course, staff=[first, second])
    assert [record.staff for record in added] == [second]
    assert course.records.count() == 2
    assert ChangeRecord.objects.get().staff == second


def test_participants_add_refuses_anyone_outside_the_subtree(tree, district_officer, course):
    inside, outside = make_staff(agency=tree.commune_a1), make_staff(agency=tree.district_b)
    with pytest.raises(PermissionDenied):
        services.participants_add(user=district_officer, course=course, staff=[inside, outside])
    assert not course.records.exists()


def test_results_refresh_first_passes_and_pending_keeps_no_date(tree, district_officer, course):
    person = make_staff(agency=tree.commune_a1)
    record = make_record(staff=person, course=course, result="pending")
    record = TrainingRecord.objects.select_related("staff__agency").get(pk=record.pk)
    saved = services.participant_results_set(user=district_officer, course=course, changes=[
        services.ResultChange(record, "passed", datetime.date(2020, 6, 5))])
    assert saved.changed == [record] and saved.conflicts == []
    assert FirstPass.objects.get(staff=person).first_on == datetime.date(2020, 6, 5)
    services.participant_results_set(user=district_officer, course=course, changes=[
        services.ResultChange(record, "pending", datetime.date(2020, 6, 5))])
    record.refresh_from_db()
    assert record.completed_on is None
    assert not FirstPass.objects.filter(staff=person).exists()


def test_results_are_all_or_nothing(tree, district_officer, course):
    good = make_record(staff=make_staff(agency=tree.commune_a1), course=course, result="pending")
    bad = make_record(staff=make_staff(agency=tree.commune_a1), course=course, result="pending")
    records = {r.pk: r for r in TrainingRecord.objects.select_related("staff__agency")}
    with pytest.raises(ValidationError):
        services.participant_results_set(user=district_officer, course=course, changes=[
            services.ResultChange(records[good.pk], "passed", datetime.date(2020, 6, 5)),
            services.ResultChange(records[bad.pk], "passed", None),
        ])
    good.refresh_from_db()
    assert good.result == "pending"
    assert not ChangeRecord.objects.exists()


def test_results_refuse_a_record_of_another_course(tree, district_officer, course):
    other = make_record(staff=make_staff(agency=tree.commune_a1), course=make_course(agency=tree.district_a))
    other = TrainingRecord.objects.select_related("staff__agency").get(pk=other.pk)
    with pytest.raises(PermissionDenied):
        services.participant_results_set(user=district_officer, course=course, changes=[
            services.ResultChange(other, "failed", None)])


def test_results_never_overwrite_a_row_changed_since_the_page_showed_it(tree, district_officer, course):
    record = make_record(staff=make_staff(agency=tree.commune_a1), course=course, result="pending")
    shown = TrainingRecord.objects.select_related("staff__agency").get(pk=record.pk)
    TrainingRecord.objects.filter(pk=record.pk).update(result="passed", completed_on=datetime.date(2020, 6, 5),
                                                       updated_at=shown.updated_at + datetime.timedelta(seconds=1))
    saved = services.participant_results_set(user=district_officer, course=course, changes=[
        services.ResultChange(shown, "failed", datetime.date(2020, 6, 5), version=shown.updated_at)])
    assert saved.changed == [] and [c.current.result for c in saved.conflicts] == ["passed"]
    assert TrainingRecord.objects.get(pk=record.pk).result == "passed" and not ChangeRecord.objects.exists()
    # Asking for what the row already holds is no conflict: there is nothing to write.
    again = services.participant_results_set(user=district_officer, course=course, changes=[
        services.ResultChange(shown, "passed", datetime.date(2020, 6, 5), version=shown.updated_at)])
    assert again == services.ResultsSaved(changed=[], conflicts=[])


def test_remove_records_the_deleted_values(tree, district_officer, course):
    person = make_staff(agency=tree.commune_a1)
    record = make_record(staff=person, course=course, completed_on=datetime.date(2020, 6, 5))
    services.participant_remove(user=district_officer, record=record)
    change = ChangeRecord.objects.get()
    assert change.action == "delete" and change.staff == person
    assert change.changes["course"] == [None, str(course.pk)]


def test_leader_changes_nothing(tree, leader, course):
    record = make_record(staff=make_staff(agency=tree.commune_a1), course=course)
    with pytest.raises(PermissionDenied):
        services.participant_remove(user=leader, record=record)
    with pytest.raises(PermissionDenied):
        services.course_update(user=leader, course=course, data={"name": "x"})


def _first_touch(queries, table: str) -> int:
    return next(i for i, query in enumerate(queries) if f'"{table}"' in query["sql"])


def test_services_that_lock_rows_take_the_data_versions_row_first(tree, district_officer, course):
    """Writers queue on the data version's row before locking anything else (agencies.versioning): the
    results page locked its records first and deadlocked with a staff save under the load bench."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    person = make_staff(agency=tree.commune_a1)
    with CaptureQueriesContext(connection) as added:
        services.participants_add(user=district_officer, course=course, staff=[person])
    assert _first_touch(added.captured_queries, "agencies_dataversion") < _first_touch(
        added.captured_queries, "training_course")
    record = TrainingRecord.objects.select_related("staff__agency").get(staff=person)
    with CaptureQueriesContext(connection) as saved:
        services.participant_results_set(user=district_officer, course=course, changes=[
            services.ResultChange(record, "passed", datetime.date(2020, 6, 5))])
    assert _first_touch(saved.captured_queries, "agencies_dataversion") < _first_touch(
        saved.captured_queries, "training_trainingrecord")
