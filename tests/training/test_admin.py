"""Edits made in the Django admin keep FirstPass right, like every other write path."""
import datetime

import pytest
from django.urls import reverse

from tests.conftest import make_course, make_record, make_staff
from training.models import FirstPass, TrainingRecord
from training.passes import refresh_first_passes

pytestmark = pytest.mark.django_db


def test_admin_result_change_refreshes_first_passes(client, tree, national_admin):
    person = make_staff(agency=tree.department)
    record = make_record(staff=person, course=make_course(end_date=datetime.date(2018, 3, 5)),
                         result=TrainingRecord.Result.FAILED, completed_on=datetime.date(2018, 3, 5))
    client.force_login(national_admin)
    url = reverse("admin:training_trainingrecord_change", args=[record.pk])
    response = client.post(url, {"staff": person.pk, "course": record.course_id, "result": "passed",
                                 "completed_on": "05/03/2018"})
    assert response.status_code == 302
    assert FirstPass.objects.get(staff=person).first_on == datetime.date(2018, 3, 5)


def test_admin_deletion_refreshes_first_passes(client, tree, national_admin):
    record = make_record(staff=make_staff(agency=tree.department))
    assert FirstPass.objects.filter(staff=record.staff).count() == 0  # make_record writes no FirstPass itself
    client.force_login(national_admin)
    refresh_first_passes(staff_ids=[record.staff_id])
    assert FirstPass.objects.filter(staff=record.staff).exists()
    url = reverse("admin:training_trainingrecord_delete", args=[record.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not FirstPass.objects.filter(staff=record.staff).exists()
