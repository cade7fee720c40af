"""Shared fixtures: a small tree (1 province, 2 districts, 3 communes), named personas and make_* helpers."""
import datetime
import itertools

import pytest
from django.utils import translation

from agencies.models import Agency, Level, Staff, User
from training.models import Course, CourseCategory, TrainingRecord

_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    # Without a worker, a queued import would wait forever: tests run each task when it is queued.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _no_result_cache(settings):
    """Figures are computed in every test (their query counts are the computing path's); the result
    cache is tested on its own in tests/targets/test_results.py, which swaps a real backend in."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Code called directly by a test speaks English, the source language, as the commands do.

    Without this, services and parsers would answer in LANGUAGE_CODE ("vi") now that the Vietnamese
    catalogue exists. Requests are untouched: LocaleMiddleware still picks Vietnamese by default, so
    pages are tested as people see them (tests/portal/test_translations.py checks both languages).
    """
    with translation.override("en"):
        yield


def make_agency(**overrides) -> Agency:
    n = next(_counter)
    fields = {"code": f"AG{n}", "name": f"Agency {n}", "level": Level.PROVINCE, "kind": Agency.Kind.DEPARTMENT}
    fields.update(overrides)
    return Agency.objects.create(**fields)


def make_staff(**overrides) -> Staff:
    n = next(_counter)
    fields = {"code": f"S{n}", "full_name": f"Nguyễn Văn {n}", "category": Staff.Category.CC}
    fields.update(overrides)
    if "agency" not in fields:
        fields["agency"] = make_agency()
    return Staff.objects.create(**fields)


def make_course(**overrides) -> Course:
    n = next(_counter)
    fields = {"code": f"C{n}", "name": f"Course {n}", "start_date": datetime.date(2018, 3, 1),
              "end_date": datetime.date(2018, 3, 5)}
    fields.update(overrides)
    if "category" not in fields:
        fields["category"] = CourseCategory.objects.get(code="basic")
    return Course.objects.create(**fields)


def make_record(**overrides) -> TrainingRecord:
    fields = {"result": TrainingRecord.Result.PASSED}
    fields.update(overrides)
    if "course" not in fields:
        fields["course"] = make_course()
    if "staff" not in fields:
        fields["staff"] = make_staff()
    if fields["result"] == TrainingRecord.Result.PASSED and "completed_on" not in fields:
        fields["completed_on"] = fields["course"].end_date
    return TrainingRecord.objects.create(**fields)


def make_user(**overrides) -> User:
    n = next(_counter)
    fields = {"username": f"user{n}", "role": User.Role.OFFICER}
    fields.update(overrides)
    return User.objects.create_user(password="pw", **fields)


class Tree:
    """Province committee with one department; two districts; three communes (two in district A)."""

    def __init__(self):
        self.province = make_agency(code="UBND-T", name="UBND tỉnh", kind=Agency.Kind.PROVINCE_COMMITTEE)
        self.department = make_agency(code="SNV", name="Sở Nội vụ", parent=self.province)
        self.district_a = make_agency(code="H-A", name="UBND huyện A", level=Level.DISTRICT,
                                      kind=Agency.Kind.DISTRICT_COMMITTEE, parent=self.province)
        self.district_b = make_agency(code="H-B", name="UBND huyện B", level=Level.DISTRICT,
                                      kind=Agency.Kind.DISTRICT_COMMITTEE, parent=self.province)
        commune = {"level": Level.COMMUNE, "kind": Agency.Kind.COMMUNE_COMMITTEE}
        self.commune_a1 = make_agency(code="X-A1", name="UBND xã A1", parent=self.district_a, **commune)
        self.commune_a2 = make_agency(code="X-A2", name="UBND xã A2", parent=self.district_a, **commune)
        self.commune_b1 = make_agency(code="X-B1", name="UBND xã B1", parent=self.district_b, **commune)


@pytest.fixture
def tree(db) -> Tree:
    return Tree()


@pytest.fixture
def national_admin(db) -> User:
    return make_user(username="admin", role=User.Role.ADMINISTRATOR, full_name="Quản trị viên")


@pytest.fixture
def leader(tree) -> User:
    """Provincial leader: reads the whole province, changes nothing."""
    return make_user(username="leader", role=User.Role.LEADER, full_name="Lãnh đạo tỉnh")


@pytest.fixture
def province_officer(tree) -> User:
    """IT officer of the Provincial People's Committee: the whole tree is their subtree."""
    return make_user(username="officer-p", role=User.Role.OFFICER, agency=tree.province, full_name="Cán bộ CNTT tỉnh")


@pytest.fixture
def district_officer(tree) -> User:
    """IT officer of district A: works within district A's subtree."""
    return make_user(username="officer-a", role=User.Role.OFFICER, agency=tree.district_a, full_name="Cán bộ CNTT huyện A")


@pytest.fixture
def outsider(tree) -> User:
    """IT officer of district B: everything in district A is out of scope."""
    return make_user(username="officer-b", role=User.Role.OFFICER, agency=tree.district_b, full_name="Cán bộ CNTT huyện B")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Browser tests skip where Chromium is missing, with the reason, but fail under CI, which must run them."""
    if item.get_closest_marker("browser") is None:
        return
    from tests.browser.support import browser_unavailable, under_ci

    reason = browser_unavailable()
    if reason is None:
        return
    if under_ci():
        pytest.fail(f"{reason}: CI=true requires the browser tests to run", pytrace=False)
    pytest.skip(f"{reason}; the browser tests need it (or deselect them with -m 'not browser')")
