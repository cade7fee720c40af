"""An officer's home: their agency subtree's figures and their next tasks, not the province's rankings."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import make_course, make_record, make_staff
from training.models import TrainingRecord
from training.passes import refresh_first_passes

pytestmark = pytest.mark.django_db
AS_OF = "?as_of=02/12/2026"
PENDING = TrainingRecord.Result.PENDING


def fill(tree, n: int = 1) -> None:
    for _ in range(n):
        ended = make_course(agency=tree.district_a, start_date=datetime.date(2026, 9, 1), end_date=datetime.date(2026, 9, 5))
        make_record(staff=make_staff(agency=tree.commune_a1), course=ended, result=PENDING, completed_on=None)
        make_record(staff=make_staff(agency=tree.district_a), course=ended)
        others = make_course(agency=tree.district_b, start_date=datetime.date(2026, 9, 1), end_date=datetime.date(2026, 9, 5))
        make_record(staff=make_staff(agency=tree.commune_b1), course=others, result=PENDING, completed_on=None)
    refresh_first_passes()


def test_an_officer_sees_their_tasks_and_their_subtree(client, district_officer, tree):
    fill(tree)
    running = make_course(agency=tree.district_a, name="Đang học", start_date=datetime.date(2026, 11, 20),
                          end_date=datetime.date(2026, 12, 20))
    make_record(staff=make_staff(agency=tree.district_a), course=running, result=PENDING, completed_on=None)
    client.force_login(district_officer)
    response = client.get(reverse("home") + AS_OF)
    assert response.status_code == 200
    [pending] = response.context["pending_courses"]
    assert pending.course.agency == tree.district_a and (pending.pending, pending.total) == (1, 2)
    assert {row.agency_id for row in response.context["silent"]} <= {tree.district_a.pk, tree.commune_a1.pk,
                                                                      tree.commune_a2.pk}
    html = response.content.decode()
    assert reverse("training:participant-results", args=[pending.course.pk]) in html
    assert "Đang học" not in html  # not ended yet
    assert reverse("targets:not-counted", args=[tree.district_a.pk, "staff-commune"]) in html
    assert "UBND huyện B" not in html and "ranking" not in response.context
    assert all(row is None or row.agency_id == tree.district_a.pk for _i, row in response.context["own"])


def test_the_officer_home_costs_the_same_queries_when_the_data_doubles(client, district_officer, tree,
                                                                       django_assert_num_queries):
    client.force_login(district_officer)
    fill(tree, 1)
    client.get(reverse("home") + AS_OF)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("home") + AS_OF)
    fill(tree, 2)
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(reverse("home") + AS_OF)
