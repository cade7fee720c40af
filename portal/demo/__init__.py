"""A deterministic, realistic demo province on top of the Đắk Nông fixture (`manage.py seed_demo`).

Everything comes from one seeded random generator walking the agencies in path order, so the same
`staff_count` gives the same people, courses, records and reports on every run and every database.
Progress is deliberately uneven (DISTRICT_PROGRESS and DEPARTMENT_PROGRESS in profile.py) so that
the dashboards have something to show: Gia Nghĩa and Đắk Mil far ahead, Đắk Glong and Tuy Đức
behind, the province level just over the 2020 target of "more than 90 %" without every department
reaching it.

Modules: profile (dates, sizes, progress, gaps), names, people (rosters), training (courses and
records), reports (aggregate reports); this module holds the entry points.
"""
from __future__ import annotations

import datetime
import random
import time
from dataclasses import dataclass

from django.core.management import call_command
from django.db import transaction

from agencies.models import Agency, ChangeRecord, Staff, User
from targets.models import AggregateReport, Indicator, Programme
from targets.services import additivity_conflicts
from training.models import Course, CourseCategory, FirstPass, TrainingRecord
from training.passes import refresh_first_passes

from .people import build_staff, places_of, size_of
from .profile import DISTRICT_PROGRESS, SEED, apportion
from .reports import build_reports
from .training import build_courses, build_records

DEFAULT_STAFF = 10_000
ROOT_CODE = "UBND-DKN"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    full_name: str
    role: str
    agency_code: str | None


DEMO_LOGINS = [
    DemoLogin("quantri", "QuanTri@1965", "Quản trị hệ thống", User.Role.ADMINISTRATOR, None),
    DemoLogin("lanhdao", "LanhDao@1965", "Lãnh đạo UBND tỉnh", User.Role.LEADER, None),
    DemoLogin("cntt.dakmil", "CanBo@1965", "Cán bộ CNTT huyện Đắk Mil", User.Role.OFFICER, "H-DAKMIL"),
]


class DemoError(Exception):
    """The database is not in a state the demo can be seeded into."""


@dataclass(frozen=True)
class SeedResult:
    agencies_loaded: int
    staff: int
    courses: int
    records: int
    reports: int
    seconds: float


# ---------------------------------------------------------------------------------------------
# Entry points.

def demo_users_exist() -> bool:
    return User.objects.filter(username__in=[login.username for login in DEMO_LOGINS]).exists()


def has_roster_data() -> bool:
    return (Staff.objects.exists() or Course.objects.exists() or TrainingRecord.objects.exists()
            or AggregateReport.objects.exists())


@transaction.atomic
def demo_reset() -> None:
    """Delete every staff member, course, record, report and change record, and the demo users.

    Agencies and the reference data (programme, indicators, categories) stay.
    """
    FirstPass.objects.all().delete()
    TrainingRecord.objects.all().delete()
    Course.objects.all().delete()
    AggregateReport.objects.all().delete()
    ChangeRecord.objects.all().delete()
    User.objects.filter(username__in=[login.username for login in DEMO_LOGINS]).delete()
    Staff.objects.all().delete()


def demo_seed(*, staff_count: int = DEFAULT_STAFF) -> SeedResult:
    """Seed the demo into a database with no staff, courses, records or reports.

    Loads the Đắk Nông fixture first when the agency tree is empty.
    """
    if staff_count < 1:
        raise DemoError("The number of staff must be positive.")
    if has_roster_data() or demo_users_exist():
        raise DemoError("The database already holds staff, courses, records, reports or demo users.")
    began = time.perf_counter()
    with transaction.atomic():
        loaded = 0
        if not Agency.objects.exists():
            call_command("loaddata", "daknong", verbosity=0)
            loaded = Agency.objects.count()
        agencies = list(Agency.objects.order_by("path"))
        by_code = {a.code: a for a in agencies}
        missing = {ROOT_CODE, "STTTT", "SNV", "VP-UBND", "SGDDT", "SLDTBXH", "SKHDT", *DISTRICT_PROGRESS} - set(by_code)
        if missing:
            raise DemoError(f"The agency tree is not the Đắk Nông fixture (missing {', '.join(sorted(missing))}).")
        programme = Programme.objects.filter(is_current=True).first()
        programme_start = programme.start_date if programme else datetime.date(2016, 11, 16)
        indicators = {i.code: i for i in Indicator.objects.filter(programme=programme)}
        categories = {c.code: c for c in CourseCategory.objects.all()}

        rng = random.Random(SEED)
        places = places_of(agencies)
        counts = apportion(staff_count, [size_of(p) for p in places])
        people = build_staff(rng, places, counts)
        Staff.objects.bulk_create(people, batch_size=2000)
        staff_ids = dict(Staff.objects.values_list("code", "pk"))
        for person in people:
            person.pk = staff_ids[person.code]

        drafts = build_courses(rng, categories, by_code)
        Course.objects.bulk_create([d.course for d in drafts], batch_size=1000)
        course_ids = dict(Course.objects.values_list("code", "pk"))
        for draft in drafts:
            draft.course.pk = course_ids[draft.course.code]

        places_by_agency = {p.agency.pk: p for p in places}
        records = build_records(rng, people, places_by_agency, drafts, programme_start)
        TrainingRecord.objects.bulk_create(records, batch_size=2000)

        reports = build_reports(rng, indicators, by_code) if indicators else []
        pairs = {(r.indicator_id, r.agency_id): (r.indicator, r.agency) for r in reports}
        if additivity_conflicts(pairs=pairs.values()):
            raise DemoError("The demo reports break the additivity rule.")
        AggregateReport.objects.bulk_create(reports)

        for login in DEMO_LOGINS:
            User.objects.create_user(
                login.username, login.password, full_name=login.full_name, role=login.role,
                agency=by_code[login.agency_code] if login.agency_code else None,
            )
        refresh_first_passes()
    return SeedResult(agencies_loaded=loaded, staff=len(people), courses=len(drafts), records=len(records),
                      reports=len(reports), seconds=time.perf_counter() - began)
