"""targets.results: figures cached under the data and branch versions are never stale, a write in one
branch leaves the others' figures cached, and a cache that is down costs a computation, never an error
page.

Each test runs on the local-memory backend and on Redis (the CI's 127.0.0.1:6379, database 5 unless
TEST_REDIS_URL says otherwise). Without a Redis server the Redis cases are skipped, unless
REQUIRE_REDIS is set (as .ci/run does), where they fail.
"""
import datetime
import os
import re

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Staff, User
from agencies.versioning import branch_of, data_version, versions
from targets.attainment import attainment
from tests.conftest import make_course, make_record, make_staff, make_user
from training.models import TrainingRecord
from training.passes import refresh_first_passes

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2020, 12, 31)
QUERY = f"?as_of={AS_OF.isoformat()}"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


def _locmem(name: str) -> dict:
    return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": name}


def _redis(url: str = REDIS_URL) -> dict:
    return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url, "KEY_PREFIX": "portal-test",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}}


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.25).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["locmem", "redis"])
def backend(request, settings):
    """Two web processes' caches: separate memories with locmem, one shared Redis."""
    if request.param == "redis":
        if not _redis_reachable():
            if os.environ.get("REQUIRE_REDIS"):
                pytest.fail(f"No Redis at {REDIS_URL}, and REQUIRE_REDIS is set")
            pytest.skip(f"No Redis at {REDIS_URL} (set REQUIRE_REDIS to make this a failure)")
        configs = [_redis(), _redis()]
    else:
        configs = [_locmem("process-a"), _locmem("process-b")]
    for config in configs:
        settings.CACHES = {"default": config}
        caches["default"].clear()
    settings.CACHES = {"default": configs[0]}
    yield request.param, configs
    for config in configs:
        settings.CACHES = {"default": config}
        caches["default"].clear()


def _serve(settings, config: dict, client: Client, url: str):
    """One page served by the process whose cache is `config`."""
    settings.CACHES = {"default": config}
    response = client.get(url)
    assert response.status_code == 200
    return response


def _province_row(response, code: str = "staff-prov-district") -> tuple[int, int]:
    row = response.context["result"].indicator(code).province
    return row.numerator, row.denominator


def _trained(agency, on=datetime.date(2019, 3, 5)):
    course = make_course(start_date=on, end_date=on)
    record = make_record(staff=make_staff(agency=agency), course=course, result=TrainingRecord.Result.PASSED,
                         completed_on=on)
    refresh_first_passes(staff_ids=[record.staff_id])
    return record


def test_a_save_in_one_process_shows_on_the_next_page_served_by_another(backend, settings, leader, tree):
    _name, (process_a, process_b) = backend
    _trained(tree.department)
    make_staff(agency=tree.department)
    client = Client()
    client.force_login(leader)
    url = reverse("home") + QUERY
    assert _province_row(_serve(settings, process_a, client, url)) == (1, 2)
    assert _province_row(_serve(settings, process_b, client, url)) == (1, 2)
    # Process B's officer records a pass; process A served the old figure from its cache before.
    _trained(tree.department)
    assert _province_row(_serve(settings, process_a, client, url)) == (2, 3)
    assert _province_row(_serve(settings, process_b, client, url)) == (2, 3)


def _shown_figure(response, code: str = "staff-prov-district") -> tuple[int, int]:
    """The indicator table's "counted / population" as the page's HTML shows it."""
    row = re.search(rf'id="indicator-{code}">.*?<td class="num">(\d+) / (\d+)</td>', response.content.decode(), re.S)
    return int(row[1]), int(row[2])


def _table_rendered(response) -> bool:
    return any(template.name == "includes/_indicator_table.html" for template in response.templates)


def test_a_save_shows_in_the_cached_fragments_of_every_attainment_page(backend, settings, leader, tree):
    _name, (process_a, process_b) = backend
    _trained(tree.department)
    make_staff(agency=tree.department)
    officer = make_user(role=User.Role.OFFICER, agency=tree.department)
    leader_client, officer_client = Client(), Client()
    leader_client.force_login(leader)
    officer_client.force_login(officer)
    pages = [(leader_client, reverse("home") + QUERY),
             (leader_client, reverse("targets:agency", args=[tree.department.pk]) + QUERY),
             (officer_client, reverse("home") + QUERY)]
    for client, url in pages:
        first = _serve(settings, process_a, client, url)
        again = _serve(settings, process_a, client, url)
        assert _shown_figure(first) == _shown_figure(again) == (1, 2)
        assert _table_rendered(first) and not _table_rendered(again)  # the second from the fragment cache
        assert _shown_figure(_serve(settings, process_b, client, url)) == (1, 2)
    _trained(tree.department)
    for client, url in pages:
        assert _shown_figure(_serve(settings, process_a, client, url)) == (2, 3)
        assert _shown_figure(_serve(settings, process_b, client, url)) == (2, 3)


def test_a_served_result_is_reused_until_the_data_changes(backend, settings, leader, tree):
    _trained(tree.department)
    first = attainment(as_of=AS_OF, trend=True)
    with CaptureQueriesContext(connection) as hit:
        again = attainment(as_of=AS_OF, trend=True)
    assert again == first
    assert len(hit.captured_queries) == 1  # the versions only
    before = versions()
    make_staff(agency=tree.department)  # any save of a figure's model bumps a version
    department = branch_of(tree.department.path)
    assert versions().of(department) == before.of(department) + 1
    assert versions().data == before.data
    assert attainment(as_of=AS_OF, trend=True).indicator("staff-prov-district").province.denominator == 2


def test_a_rolled_back_write_does_not_bump_the_version(backend, tree):
    before = versions()
    with pytest.raises(RuntimeError), transaction.atomic():
        _trained(tree.department)
        assert versions() != before  # seen inside the writing transaction
        raise RuntimeError("the write fails")
    assert versions() == before


def _denominator(within) -> int:
    """The subtree's population for staff-prov-district (0 when nobody is in it)."""
    return sum(row.denominator for row in attainment(as_of=AS_OF, within=within).indicator("staff-prov-district").levels)


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries.captured_queries)


def test_a_write_in_one_branch_leaves_the_other_branches_cached(backend, tree):
    make_staff(agency=tree.department)
    make_staff(agency=tree.district_a)
    assert (_denominator(tree.department), _denominator(tree.district_a)) == (1, 1)
    assert attainment(as_of=AS_OF).indicator("staff-prov-district").province.denominator == 2
    _trained(tree.department)  # a person, a course (every branch) and a result
    assert (_denominator(tree.department), _denominator(tree.district_a)) == (2, 1)

    make_staff(agency=tree.department)  # a person: the department's branch only
    assert _queries(lambda: _denominator(tree.district_a)) == 1  # the versions; the page is cached
    assert _denominator(tree.department) == 3
    assert attainment(as_of=AS_OF).indicator("staff-prov-district").province.denominator == 4


def test_after_a_write_the_province_counts_again_only_the_branch_written(backend, tree, monkeypatch):
    from targets import attainment as engine

    make_staff(agency=tree.department)
    make_staff(agency=tree.district_b)
    attainment(as_of=AS_OF)
    counted = []
    real = engine.staff_counts
    monkeypatch.setattr(engine, "staff_counts", lambda **kw: counted.append(kw.get("agency_ids")) or real(**kw))
    make_staff(agency=tree.commune_b1)  # in district B's branch
    province = attainment(as_of=AS_OF)
    assert [sorted(agency_ids) for agency_ids in counted] == [[tree.district_b.pk, tree.commune_b1.pk]]
    assert province == engine.compute_attainment(as_of=AS_OF)  # the same figures as counting everything


def test_a_person_moved_between_branches_moves_both(backend, tree):
    person = make_staff(agency=tree.department)
    make_staff(agency=tree.district_a)
    assert (_denominator(tree.department), _denominator(tree.district_a)) == (1, 1)
    person = Staff.objects.get(pk=person.pk)
    person.agency = tree.district_a
    person.save()
    assert (_denominator(tree.department), _denominator(tree.district_a)) == (0, 2)


def test_a_result_saved_moves_its_persons_branch_and_a_course_every_branch(backend, tree):
    record = _trained(tree.department)
    make_staff(agency=tree.district_a)
    before = versions()
    assert before.of(branch_of(tree.district_a.path)) > 0  # so that "unchanged" below is not 0 == 0
    record.result = TrainingRecord.Result.FAILED
    record.save()
    after = versions()
    assert after.of(branch_of(tree.department.path)) > before.of(branch_of(tree.department.path))
    assert after.of(branch_of(tree.district_a.path)) == before.of(branch_of(tree.district_a.path))
    record.course.name += " (renamed)"
    record.course.save()
    assert versions().data == after.data + 1


def test_a_redis_that_is_down_degrades_to_computing(settings, client, leader, tree):
    settings.CACHES = {"default": _redis("redis://127.0.0.1:1/0")}  # nothing listens there
    _trained(tree.department)
    client.force_login(leader)
    response = client.get(reverse("home") + QUERY)
    assert response.status_code == 200
    assert _province_row(response) == (1, 1)
    assert client.get(reverse("api-attainment") + QUERY).status_code == 200


def test_the_configuration_stays_cached_through_data_writes_and_follows_its_own(backend, tree):
    from targets.counting import configuration
    from targets.models import Target

    configuration()
    with CaptureQueriesContext(connection) as hit:
        first = configuration()
    assert len(hit.captured_queries) == 1  # the configuration's version only
    _trained(tree.department)  # a roster and a result: the figures' version moves, not the configuration's
    with CaptureQueriesContext(connection) as still:
        assert configuration() == first
    assert len(still.captured_queries) == 1
    target = Target.objects.filter(indicator__code="staff-prov-district").order_by("year").first()
    target.percent += 1
    target.save()
    changed = next(d for d in configuration().definitions if d.code == "staff-prov-district")
    assert any(t.year == target.year and t.percent == target.percent for t in changed.targets)


def test_a_configuration_write_also_moves_the_figures_version(tree):
    from agencies.versioning import configuration_version
    from targets.models import Indicator

    figures, config = data_version(), configuration_version()
    indicator = Indicator.objects.get(code="staff-prov-district")
    indicator.name_en += " (edited)"
    indicator.save()
    assert (data_version(), configuration_version()) == (figures + 1, config + 1)
    make_course()  # a course can change any branch's figures
    assert (data_version(), configuration_version()) == (figures + 2, config + 1)


def test_an_agency_page_takes_its_subtree_from_its_branchs_counted_figures(backend, tree, monkeypatch):
    from targets import attainment as engine

    _trained(tree.commune_a1)
    make_staff(agency=tree.district_a)
    make_staff(agency=tree.department)
    attainment(as_of=AS_OF, trend=True)  # the province counts every branch, and keeps each one's counts
    counted = []
    real = engine.staff_counts
    monkeypatch.setattr(engine, "staff_counts", lambda **kw: counted.append(kw) or real(**kw))
    for agency in (tree.district_a, tree.commune_a1, tree.department):
        page = attainment(as_of=AS_OF, within=agency, trend=True)
        assert page == engine.compute_attainment(as_of=AS_OF, within=agency, trend=True)  # counted alone
    assert len(counted) == 3  # only the three checks above counted; the pages took the kept counts
