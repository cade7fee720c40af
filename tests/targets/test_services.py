"""Report writes (targets/services.py): the additivity rule, the change history and who may write."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agencies.models import ChangeRecord
from targets.models import AggregateReport, Indicator
from targets.report_import import report_import
from targets.services import Conflict, additivity_conflicts, paths_overlap, report_delete, report_save
from tests.concurrency import concurrent_transactions, first_then_second
from tests.conftest import Tree, make_user
from tests.workbooks import xlsx

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("a, b, overlap", [
    ("00000001/", "00000001/00000002/", True),                      # ancestor and descendant
    ("00000001/00000002/00000003/", "00000001/", True),             # the other way round
    ("00000001/00000002/", "00000001/00000003/", False),            # siblings
    ("00000001/00000002/", "00000001/00000002/", False),            # the same agency
    ("00000001/00000002/", "00000001/00000020/", False),            # a sibling whose pk starts alike
])
def test_paths_overlap_only_up_and_down_the_tree(a, b, overlap):
    assert paths_overlap(a, b) is overlap


@pytest.fixture
def teachers(db):
    return Indicator.objects.get(code="teachers-it")


def test_additivity_checks_the_database_and_the_pairs_in_one_query(tree, teachers, django_assert_num_queries):
    AggregateReport.objects.create(indicator=teachers, agency=tree.district_a, year=2019, numerator=1, denominator=2)
    pairs = [(teachers, tree.commune_a1), (teachers, tree.commune_b1), (teachers, tree.district_b)]
    with django_assert_num_queries(1):
        conflicts = additivity_conflicts(pairs=pairs)
    assert conflicts == {
        (teachers.pk, tree.commune_a1.pk): [Conflict(tree.district_a, (2019,))],
        (teachers.pk, tree.commune_b1.pk): [Conflict(tree.district_b)],
        (teachers.pk, tree.district_b.pk): [Conflict(tree.commune_b1)],
    }


def test_a_report_being_replaced_does_not_conflict_with_itself(tree, teachers):
    old = AggregateReport.objects.create(indicator=teachers, agency=tree.district_a, year=2019, numerator=1, denominator=2)
    assert additivity_conflicts(pairs=[(teachers, tree.commune_a1)], exclude_report_ids=[old.pk]) == {}


def test_save_creates_then_updates_and_records_each_change(tree, teachers, district_officer):
    report, created = report_save(user=district_officer, indicator=teachers, agency=tree.commune_a1, year=2020,
                                  numerator=3, denominator=4)
    assert created and (report.numerator, report.denominator) == (3, 4)
    again, created = report_save(user=district_officer, indicator=teachers, agency=tree.commune_a1, year=2020,
                                 numerator=4, denominator=4)
    assert not created and again.pk == report.pk and again.numerator == 4
    assert list(ChangeRecord.objects.order_by("pk").values_list("action", flat=True)) == ["create", "update"]
    report_save(user=district_officer, indicator=teachers, agency=tree.commune_a1, year=2020, numerator=4, denominator=4)
    assert ChangeRecord.objects.count() == 2  # nothing changed, nothing recorded


def test_save_refuses_a_second_level_and_a_computed_indicator(tree, teachers, district_officer):
    report_save(user=district_officer, indicator=teachers, agency=tree.commune_a1, year=2020, numerator=1, denominator=2)
    with pytest.raises(ValidationError) as error:
        report_save(user=district_officer, indicator=teachers, agency=tree.district_a, year=2021, numerator=1, denominator=2)
    assert "agency" in error.value.message_dict
    computed = Indicator.objects.get(code="staff-commune")
    with pytest.raises(ValidationError) as error:
        report_save(user=district_officer, indicator=computed, agency=tree.commune_a2, year=2020, numerator=1, denominator=2)
    assert "indicator" in error.value.message_dict
    assert AggregateReport.objects.count() == 1


def test_only_those_who_may_change_the_agency_write_or_delete(tree, teachers, district_officer, outsider, leader):
    for user in (outsider, leader):
        with pytest.raises(PermissionDenied):
            report_save(user=user, indicator=teachers, agency=tree.commune_a1, year=2020, numerator=1, denominator=2)
    report, _created = report_save(user=district_officer, indicator=teachers, agency=tree.commune_a1, year=2020,
                                   numerator=1, denominator=2)
    with pytest.raises(PermissionDenied):
        report_delete(user=outsider, report=report)
    report_delete(user=district_officer, report=report)
    assert not AggregateReport.objects.exists()
    assert ChangeRecord.objects.filter(action="delete").count() == 1


# --- two writers at the same moment (PostgreSQL) ---------------------------------------------------

@concurrent_transactions
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_district_and_its_commune_sent_at_once_cannot_both_be_saved():
    """Issue 13, point 2: the second save waits for the first's commit under the indicator's lock, then is refused."""
    tree = Tree()
    officer = make_user(role="officer", agency=tree.district_a)
    teachers = Indicator.objects.get(programme__is_current=True, code="teachers-it")

    def district():
        return report_save(user=officer, indicator=teachers, agency=tree.district_a, year=2020,
                           numerator=5, denominator=10)

    def commune():
        return report_save(user=officer, indicator=teachers, agency=tree.commune_a1, year=2020,
                           numerator=2, denominator=4)

    first, second = first_then_second(district, commune)
    assert first[1] is True
    assert isinstance(second, ValidationError) and "UBND huyện A" in str(second)
    assert list(AggregateReport.objects.values_list("agency__code", flat=True)) == ["H-A"]


@concurrent_transactions
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_import_and_a_form_at_once_cannot_both_write_overlapping_reports():
    tree = Tree()
    officer = make_user(role="officer", agency=tree.district_a)
    teachers = Indicator.objects.get(programme__is_current=True, code="teachers-it")
    data = xlsx(["Mã chỉ tiêu", "Mã đơn vị", "Năm", "Tử số", "Mẫu số"], ["teachers-it", "X-A1", 2020, 1, 2])

    def form():
        return report_save(user=officer, indicator=teachers, agency=tree.district_a, year=2020,
                           numerator=5, denominator=10)

    first, second = first_then_second(form, lambda: report_import(data=data, file_name="bao-cao.xlsx"))
    assert first[1] is True
    assert not second.applied and [e.row for e in second.errors] == [2]
    assert list(AggregateReport.objects.values_list("agency__code", flat=True)) == ["H-A"]
