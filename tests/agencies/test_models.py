import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from agencies.models import Agency, Level, Staff, User, rebuild_agency_paths
from tests.conftest import make_agency, make_staff, make_user

pytestmark = pytest.mark.django_db


def test_subtree_is_one_query_on_the_path(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        codes = sorted(Agency.objects.in_subtree(tree.district_a).values_list("code", flat=True))
    assert codes == ["H-A", "X-A1", "X-A2"]


def test_moving_an_agency_rewrites_its_descendants_paths(tree):
    tree.district_a.parent = tree.department
    tree.district_a.save()
    tree.commune_a1.refresh_from_db()
    assert tree.commune_a1.path.startswith(tree.department.path)
    assert tree.commune_a1.depth == 3
    assert set(Agency.objects.in_subtree(tree.department).values_list("code", flat=True)) == {
        "SNV", "H-A", "X-A1", "X-A2"
    }


def test_agency_cannot_move_under_its_own_descendant(tree):
    tree.district_a.parent = tree.commune_a1
    with pytest.raises(ValidationError):
        tree.district_a.full_clean()


def test_rebuild_paths_repairs_paths_written_in_bulk(tree):
    Agency.objects.filter(pk=tree.commune_b1.pk).update(path="", depth=0)
    assert rebuild_agency_paths() == 1
    tree.commune_b1.refresh_from_db()
    assert tree.commune_b1.path == tree.district_b.path + f"{tree.commune_b1.pk:08d}/"


def test_agency_codes_are_unique(tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_agency(code="SNV", parent=tree.province)


def test_staff_codes_are_unique(tree):
    make_staff(code="CB001", agency=tree.department)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_staff(code="CB001", agency=tree.district_a)


def test_staff_cannot_leave_before_joining(tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_staff(agency=tree.department, joined_on=datetime.date(2020, 1, 1), left_on=datetime.date(2019, 1, 1))


def test_staff_name_is_folded_for_accentless_search(tree):
    person = make_staff(agency=tree.department, full_name="Trần Thị Đào")
    assert person.name_folded == "tran thi dao"
    assert Staff.objects.filter(name_folded__contains="thi dao").exists()


def test_active_on_counts_the_leaving_day_as_gone(tree):
    person = make_staff(agency=tree.department, joined_on=datetime.date(2018, 1, 1), left_on=datetime.date(2020, 6, 1))
    active = Staff.objects.filter(pk=person.pk).active_on
    assert not active(datetime.date(2017, 12, 31)).exists()
    assert active(datetime.date(2018, 1, 1)).exists()
    assert active(datetime.date(2020, 5, 31)).exists()
    assert not active(datetime.date(2020, 6, 1)).exists()


def test_officer_needs_an_agency(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="nobody", password="x", role=User.Role.OFFICER)


def test_officer_sees_only_their_subtree(tree, district_officer):
    codes = set(Agency.objects.visible_to(district_officer).values_list("code", flat=True))
    assert codes == {"H-A", "X-A1", "X-A2"}


def test_leader_and_administrator_see_everything(tree, leader, national_admin):
    assert Agency.objects.visible_to(leader).count() == 7
    assert Agency.objects.visible_to(national_admin).count() == 7


def test_only_administrators_reach_the_admin(tree, leader, district_officer, national_admin):
    assert national_admin.is_staff and national_admin.has_perm("agencies.change_agency")
    assert not leader.is_staff and not leader.has_perm("agencies.change_agency")
    assert not district_officer.is_staff


def test_deactivated_administrator_loses_access(db):
    admin = make_user(role=User.Role.ADMINISTRATOR, is_active=False)
    assert not admin.is_staff
    assert Agency.objects.visible_to(admin).count() == 0


def test_level_of_staff_is_their_agencys(tree):
    person = make_staff(agency=tree.commune_a1)
    assert person.agency.level == Level.COMMUNE
