"""`manage.py seed_demo`: deterministic, realistic, never duplicated."""
import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from agencies.models import Agency, Staff, User, rebuild_agency_paths
from portal.demo import DEMO_LOGINS
from sheets.text import fold
from targets.models import AggregateReport
from targets.services import additivity_conflicts
from tests.conftest import make_staff
from training.models import Course, FirstPass, TrainingRecord
from training.passes import refresh_first_passes

pytestmark = pytest.mark.django_db

SMALL = 300
PROGRAMME_START = datetime.date(2016, 11, 16)


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", "--staff", str(SMALL), *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    """Everything the demo writes, keyed by stable codes rather than database ids."""
    return {
        "staff": list(Staff.objects.order_by("code").values_list(
            "code", "full_name", "agency__code", "category", "gender", "birth_date", "position", "is_leader",
            "is_cio", "is_it_staff", "it_qualification", "joined_on", "left_on")),
        "courses": list(Course.objects.order_by("code").values_list(
            "code", "name", "category__code", "start_date", "end_date", "organiser", "hours", "place", "trainer",
            "agency__code")),
        "records": list(TrainingRecord.objects.order_by("staff__code", "course__code").values_list(
            "staff__code", "course__code", "result", "completed_on")),
        "reports": list(AggregateReport.objects.order_by("indicator__code", "agency__code", "year").values_list(
            "indicator__code", "agency__code", "year", "numerator", "denominator")),
        "users": list(User.objects.order_by("username").values_list("username", "role", "agency__code")),
    }


@pytest.fixture
def seeded(db) -> str:
    return seed()


def test_seed_loads_the_fixture_into_an_empty_tree_and_prints_the_logins(seeded):
    assert "237 agencies" in seeded
    assert Agency.objects.count() == 237
    assert rebuild_agency_paths() == 0
    for login in DEMO_LOGINS:
        assert login.username in seeded and login.password in seeded


def test_seed_creates_the_requested_staff_with_folded_names(seeded):
    assert Staff.objects.count() == SMALL
    for full_name, folded in Staff.objects.values_list("full_name", "name_folded"):
        assert folded == fold(full_name)
    assert len(set(Staff.objects.values_list("full_name", flat=True))) > SMALL * 0.8


def test_seed_has_a_realistic_roster(seeded):
    categories = set(Staff.objects.values_list("category", flat=True))
    assert categories == {"CB", "CC", "VC", "HD"}
    assert set(Staff.objects.values_list("gender", flat=True)) == {"male", "female"}
    assert Staff.objects.filter(is_leader=True).exists()
    assert Staff.objects.filter(is_cio=True, agency__kind__in=Agency.KEY_KINDS).exists()
    assert Staff.objects.filter(is_it_staff=True).exclude(it_qualification="none").exists()
    assert Staff.objects.exclude(left_on=None).exists()
    assert Staff.objects.exclude(joined_on=None).count() == SMALL
    assert Staff.objects.filter(birth_date=None).exclude(birth_year=None).exists()  # only the year known


def test_seed_puts_staff_in_every_district_and_its_communes(seeded):
    for district in Agency.objects.filter(kind=Agency.Kind.DISTRICT_COMMITTEE):
        in_district = Staff.objects.in_subtree(district)
        assert in_district.filter(agency__level="district").exists(), district.code
        assert in_district.filter(agency__level="commune").exists(), district.code


def test_seed_writes_training_records_of_every_kind(seeded):
    results = set(TrainingRecord.objects.values_list("result", flat=True))
    assert {"passed", "failed", "absent"} <= results
    assert set(Course.objects.values_list("category__code", flat=True)) == {
        "basic", "egov", "security", "open-source", "leadership"
    }
    years = {d.year for d in Course.objects.values_list("start_date", flat=True)}
    assert min(years) == 2016 and max(years) == 2026
    assert TrainingRecord.objects.filter(result="passed", completed_on__lt=PROGRAMME_START).exists()
    assert not TrainingRecord.objects.filter(result="passed", completed_on=None).exists()
    assert not TrainingRecord.objects.filter(completed_on__gt=datetime.date(2026, 11, 20)).exists()


def test_seed_refreshes_first_passes(seeded):
    assert FirstPass.objects.exists()
    before = set(FirstPass.objects.values_list("staff_id", "category_id", "first_on"))
    refresh_first_passes()
    assert set(FirstPass.objects.values_list("staff_id", "category_id", "first_on")) == before


def test_seed_trains_districts_unevenly_by_2020(db):
    call_command("seed_demo", "--staff", "3000", stdout=StringIO())
    end_2020 = datetime.date(2020, 12, 31)
    shares = {}
    for code in ("H-GIANGHIA", "H-TUYDUC"):
        population = Staff.objects.in_subtree(Agency.objects.get(code=code)).civil_servants().active_on(end_2020)
        trained = population.filter(first_passes__first_on__lte=end_2020).distinct().count()
        shares[code] = trained / population.count()
    assert shares["H-GIANGHIA"] > shares["H-TUYDUC"] + 0.2


def test_seed_reports_the_five_indicators_additively(seeded):
    reported = AggregateReport.objects.values("indicator__code").annotate(n=Count("id"))
    assert {row["indicator__code"] for row in reported} == {
        "teachers-it", "vocational-students-it", "secondary-students-informatics", "enterprises-trained",
        "citizens-trained",
    }
    assert AggregateReport.objects.values("year").distinct().count() >= 5
    assert set(AggregateReport.objects.filter(indicator__code="citizens-trained")
               .values_list("agency__kind", flat=True)) == {Agency.Kind.DISTRICT_COMMITTEE}
    reports = list(AggregateReport.objects.select_related("indicator", "agency"))
    pairs = [(r.indicator, r.agency) for r in reports]
    assert additivity_conflicts(pairs=pairs, exclude_report_ids=[r.pk for r in reports]) == {}
    for report in reports:
        assert report.numerator <= report.denominator


def test_seed_creates_one_demo_user_per_role_who_can_sign_in(seeded, client):
    users = {u.username: u for u in User.objects.select_related("agency")}
    assert {u.role for u in users.values()} == {"administrator", "leader", "officer"}
    officer = users["cntt.dakmil"]
    assert officer.agency.kind == Agency.Kind.DISTRICT_COMMITTEE
    for login in DEMO_LOGINS:
        assert client.login(username=login.username, password=login.password)


def test_seed_is_deterministic(seeded):
    first = snapshot()
    out = seed("--reset")
    assert "Deleted" in out
    assert snapshot() == first


def test_rerun_without_reset_writes_nothing(seeded):
    counts = (Staff.objects.count(), TrainingRecord.objects.count(), AggregateReport.objects.count(), User.objects.count())
    out = seed()
    assert "already seeded" in out
    assert DEMO_LOGINS[0].password in out
    assert (Staff.objects.count(), TrainingRecord.objects.count(), AggregateReport.objects.count(),
            User.objects.count()) == counts


def test_refuses_to_mix_demo_into_other_staff(db):
    call_command("loaddata", "daknong", verbosity=0)
    Staff.objects.create(code="REAL1", full_name="Người thật", agency=Agency.objects.get(code="SNV"), category="CC")
    with pytest.raises(CommandError, match="--reset"):
        seed()
    assert Staff.objects.count() == 1


def test_refuses_a_tree_that_is_not_the_fixture(tree):
    with pytest.raises(CommandError, match="not the Đắk Nông fixture"):
        seed()
    assert not Staff.objects.exists()


def test_demo_pages_render_for_the_demo_users(seeded, client):
    for login in DEMO_LOGINS:
        client.login(username=login.username, password=login.password)
        assert client.get("/").status_code == 200
        response = client.get("/don-vi/")
        assert response.status_code == 200
        if login.agency_code:
            assert "UBND huyện Đắk Mil" in response.content.decode()
            assert "UBND huyện Tuy Đức" not in response.content.decode()
        client.logout()


def test_a_failed_reset_deletes_nothing(tree):
    make_staff(agency=tree.department)
    with pytest.raises(CommandError, match="not the Đắk Nông fixture"):
        seed("--reset")
    assert Staff.objects.count() == 1


def test_zero_staff_is_refused(db):
    with pytest.raises(CommandError, match="positive"):
        call_command("seed_demo", "--staff", "0", stdout=StringIO())
