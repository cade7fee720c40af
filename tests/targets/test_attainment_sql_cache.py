"""attainment() reuses its compiled counting SQL: the reused query must count exactly what a fresh one does,
for the province and for each subtree (the path is swapped into the cached SQL)."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from targets import attainment as att
from tests.conftest import make_course, make_record, make_staff
from training.models import CourseCategory, TrainingRecord
from training.passes import refresh_first_passes

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2020, 6, 30)


def snapshot(result: att.Attainment) -> list:
    return [(i.code, [row.as_json() for row in i.rows], [(p.numerator, p.denominator) for p in i.trend])
            for i in result.indicators]


def test_cached_sql_counts_what_fresh_sql_counts_in_every_subtree(tree, monkeypatch):
    for agency, n in ((tree.commune_a1, 2), (tree.commune_b1, 1), (tree.district_b, 3)):
        for _ in range(n):
            person = make_staff(agency=agency, is_cio=True)
            course = make_course(category=CourseCategory.objects.get(code="basic"),
                                 start_date=datetime.date(2019, 3, 1), end_date=datetime.date(2019, 3, 1))
            make_record(staff=person, course=course, result=TrainingRecord.Result.PASSED,
                        completed_on=datetime.date(2019, 3, 1))
    make_staff(agency=tree.commune_a2)
    refresh_first_passes()
    scopes = (None, tree.district_a, tree.district_b, tree.commune_a1)

    def every_scope():
        return [snapshot(att.attainment(as_of=AS_OF, within=w, trend=True)) for w in scopes]

    monkeypatch.setattr(att, "_SQL_CACHE", {})
    warm = every_scope()  # province first, then subtrees reuse one compiled query each
    fresh = []
    for within in scopes:
        monkeypatch.setattr(att, "_SQL_CACHE", {})
        fresh.append(snapshot(att.attainment(as_of=AS_OF, within=within, trend=True)))
    assert warm == fresh
    assert warm[1] != warm[2]  # the subtrees really differ, so a stale path would show


def test_a_cached_call_runs_the_same_number_of_queries(tree, monkeypatch):
    monkeypatch.setattr(att, "_SQL_CACHE", {})
    with CaptureQueriesContext(connection) as first:
        att.attainment(as_of=AS_OF, within=tree.district_a, trend=True)
    with CaptureQueriesContext(connection) as second:
        att.attainment(as_of=AS_OF, within=tree.district_b, trend=True)
    assert len(first) == len(second)
    assert any(tree.district_b.path in q["sql"] for q in second.captured_queries)  # the real path, not the stand-in
