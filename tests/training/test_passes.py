"""FirstPass and FirstPassAny follow the records: added, changed, removed, per cutoff, in fixed queries."""
import datetime
import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from tests.conftest import make_course, make_record, make_staff
from training.models import CourseCategory, FirstPass, FirstPassAny, PassCutoff, TrainingRecord
from training.passes import refresh_first_passes, register_cutoff

pytestmark = pytest.mark.django_db

START = datetime.date(2016, 11, 16)  # the Decision 1965 cutoff, registered by the targets migration


def record(person, on: datetime.date, code: str = "basic", result=TrainingRecord.Result.PASSED) -> TrainingRecord:
    course = make_course(category=CourseCategory.objects.get(code=code), start_date=on, end_date=on)
    return make_record(staff=person, course=course, result=result,
                       completed_on=on if result == TrainingRecord.Result.PASSED else None)


def any_rows(person) -> dict[datetime.date, datetime.date]:
    """{cutoff date: first pass in any category} of one person."""
    return {row.cutoff.counted_from: row.first_on for row in FirstPassAny.objects.filter(staff=person).select_related("cutoff")}


def per_category(person) -> dict[str, datetime.date]:
    return dict(FirstPass.objects.filter(staff=person, cutoff__counted_from=START)
                .values_list("category__code", "first_on"))


def test_any_category_row_is_the_earliest_pass_of_any_category(tree):
    person = make_staff(agency=tree.commune_a1)
    record(person, datetime.date(2019, 5, 1), "security")
    record(person, datetime.date(2018, 3, 1), "egov")
    record(person, datetime.date(2020, 1, 1), "egov")
    record(person, datetime.date(2017, 1, 1), "basic", result=TrainingRecord.Result.FAILED)
    record(person, datetime.date(2016, 1, 1), "basic")  # before the programme: counts for nothing
    refresh_first_passes(staff_ids=[person.pk])
    assert per_category(person) == {"security": datetime.date(2019, 5, 1), "egov": datetime.date(2018, 3, 1)}
    assert any_rows(person) == {START: datetime.date(2018, 3, 1)}


def test_any_category_row_follows_added_changed_and_removed_records(tree):
    person = make_staff(agency=tree.commune_a1)
    later = record(person, datetime.date(2019, 5, 1), "security")
    refresh_first_passes(staff_ids=[person.pk])
    assert any_rows(person) == {START: datetime.date(2019, 5, 1)}

    earlier = record(person, datetime.date(2018, 3, 1), "leadership")  # added
    refresh_first_passes(staff_ids=[person.pk])
    assert any_rows(person) == {START: datetime.date(2018, 3, 1)}

    earlier.completed_on = datetime.date(2020, 2, 2)  # moved after the other one
    earlier.save()
    refresh_first_passes(staff_ids=[person.pk])
    assert any_rows(person) == {START: datetime.date(2019, 5, 1)}

    later.result, later.completed_on = TrainingRecord.Result.FAILED, None  # changed to failed
    later.save()
    refresh_first_passes(staff_ids=[person.pk])
    assert any_rows(person) == {START: datetime.date(2020, 2, 2)}

    earlier.delete()  # removed: no pass left, no row left
    refresh_first_passes(staff_ids=[person.pk])
    assert any_rows(person) == {}
    assert not FirstPass.objects.filter(staff=person).exists()


def test_a_partial_refresh_leaves_other_people_alone(tree):
    first, second = make_staff(agency=tree.commune_a1), make_staff(agency=tree.commune_b1)
    record(first, datetime.date(2018, 1, 1))
    record(second, datetime.date(2019, 1, 1))
    refresh_first_passes()
    TrainingRecord.objects.filter(staff=first).delete()
    refresh_first_passes(staff_ids=[first.pk])
    assert any_rows(first) == {}
    assert any_rows(second) == {START: datetime.date(2019, 1, 1)}


def test_each_cutoff_keeps_its_own_any_category_row(tree):
    person = make_staff(agency=tree.commune_a1)
    record(person, datetime.date(2018, 3, 1), "basic")
    record(person, datetime.date(2022, 4, 1), "egov")
    refresh_first_passes()
    next_programme = datetime.date(2021, 1, 1)
    register_cutoff(next_programme)  # a new cutoff fills its rows at once
    assert any_rows(person) == {START: datetime.date(2018, 3, 1), next_programme: datetime.date(2022, 4, 1)}
    assert FirstPassAny.objects.count() == 2


def test_refresh_runs_a_fixed_number_of_queries(tree, django_assert_num_queries):
    def people(n):
        ids = []
        for i in range(n):
            person = make_staff(agency=tree.commune_a1)
            record(person, datetime.date(2018, 1, 1 + i), "basic")
            record(person, datetime.date(2019, 1, 1 + i), "security")
            ids.append(person.pk)
        return ids

    # The savepoint and its release, two deletes, the cutoffs, then per cutoff one grouped read and
    # one insert into each table; and the bump of these people's branches (the data version's row
    # locked, their agencies' paths read, the branches' versions moved).
    expected = 8 + 3 * PassCutoff.objects.count()
    few, more = people(2), people(6)
    with django_assert_num_queries(expected):
        refresh_first_passes(staff_ids=few)
    with django_assert_num_queries(expected):
        refresh_first_passes(staff_ids=few + more)
    assert FirstPassAny.objects.count() == 8


def test_migration_fills_any_category_rows_from_first_passes(tree):
    first, second = make_staff(agency=tree.commune_a1), make_staff(agency=tree.commune_b1)
    record(first, datetime.date(2019, 5, 1), "security")
    record(first, datetime.date(2018, 3, 1), "egov")
    record(second, datetime.date(2020, 1, 1), "basic")
    refresh_first_passes()
    expected = sorted(FirstPassAny.objects.values_list("cutoff_id", "staff_id", "first_on"))
    FirstPassAny.objects.all().delete()

    migration = importlib.import_module("training.migrations.0003_first_pass_any_category")

    def execute(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)

    migration.fill_from_first_passes(apps, SimpleNamespace(execute=execute, quote_name=connection.ops.quote_name))
    assert sorted(FirstPassAny.objects.values_list("cutoff_id", "staff_id", "first_on")) == expected
