"""The roster services called directly, and the accent-free staff search they rely on."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from agencies import services
from agencies.models import ChangeRecord, Staff
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db


def test_search_matches_every_word_without_accents_or_the_code(tree):
    duc = make_staff(code="CB-17", full_name="Nguyễn Văn Đức", agency=tree.commune_a1)
    make_staff(code="CB-18", full_name="Nguyễn Thị Hoa", agency=tree.commune_a1)
    assert list(Staff.objects.search("duc nguyen")) == [duc]
    assert list(Staff.objects.search("  ĐỨC ")) == [duc]
    assert list(Staff.objects.search("cb-17")) == [duc]
    assert Staff.objects.search("").count() == 2


def test_staff_create_records_every_field(tree, district_officer):
    staff = services.staff_create(user=district_officer, data={
        "code": "n1", "full_name": "Mới", "agency": tree.commune_a1, "category": "CC", "joined_on": datetime.date(2024, 1, 2)})
    change = ChangeRecord.objects.get()
    assert (change.staff, change.agency, change.action) == (staff, tree.commune_a1, "create")
    assert change.changes["joined_on"] == [None, "2024-01-02"]


def test_staff_services_refuse_other_subtrees_and_leaders(tree, district_officer, leader):
    other = make_staff(agency=tree.district_b)
    mine = make_staff(agency=tree.commune_a1)
    with pytest.raises(PermissionDenied):
        services.staff_create(user=district_officer, data={"code": "X", "full_name": "X", "agency": tree.district_b,
                                                           "category": "CC"})
    with pytest.raises(PermissionDenied):
        services.staff_update(user=district_officer, staff=other, data={"is_cio": True})
    with pytest.raises(PermissionDenied):
        services.staff_mark_left(user=leader, staff=mine, left_on=datetime.date(2024, 1, 1))
    assert not ChangeRecord.objects.exists()


def test_staff_update_validates_and_writes_nothing_on_error(tree, district_officer):
    person = make_staff(agency=tree.commune_a1, joined_on=datetime.date(2020, 1, 1))
    with pytest.raises(ValidationError):
        services.staff_mark_left(user=district_officer, staff=person, left_on=datetime.date(2019, 1, 1))
    person.refresh_from_db()
    assert person.left_on is None
    assert not ChangeRecord.objects.exists()
