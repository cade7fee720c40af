"""The Đắk Nông fixture: loads into an empty tree with paths exactly as Agency.save() writes them."""
import importlib.util
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from agencies.models import PATH_SEGMENT_WIDTH, Agency, Level, rebuild_agency_paths

pytestmark = pytest.mark.django_db

FIXTURE_DIR = Path(settings.BASE_DIR) / "fixtures"


def _builder():
    spec = importlib.util.spec_from_file_location("build_daknong", FIXTURE_DIR / "build_daknong.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def daknong(db):
    call_command("loaddata", "daknong", verbosity=0)


def test_fixture_paths_are_consistent(daknong):
    assert Agency.objects.count() == 237
    assert rebuild_agency_paths() == 0
    assert not Agency.objects.filter(depth=0).exclude(parent=None).exists()


def test_fixture_has_one_root_the_provincial_committee(daknong):
    roots = list(Agency.objects.filter(parent=None))
    assert [(a.code, a.kind, a.level) for a in roots] == [("UBND-DKN", "province_committee", "province")]


def test_fixture_has_the_eight_district_level_units(daknong):
    districts = Agency.objects.filter(kind=Agency.Kind.DISTRICT_COMMITTEE)
    assert districts.count() == 8
    assert set(districts.values_list("level", flat=True)) == {Level.DISTRICT}
    assert {"UBND thành phố Gia Nghĩa", "UBND huyện Cư Jút", "UBND huyện Đắk Glong", "UBND huyện Đắk Mil",
            "UBND huyện Đắk R'lấp", "UBND huyện Đắk Song", "UBND huyện Krông Nô",
            "UBND huyện Tuy Đức"} == set(districts.values_list("name", flat=True))


def test_fixture_has_the_71_commune_level_units_under_their_districts(daknong):
    communes = Agency.objects.filter(kind=Agency.Kind.COMMUNE_COMMITTEE)
    assert communes.count() == 71
    assert set(communes.values_list("level", flat=True)) == {Level.COMMUNE}
    assert set(communes.values_list("parent__kind", flat=True)) == {Agency.Kind.DISTRICT_COMMITTEE}
    names = list(communes.values_list("name", flat=True))
    assert sum(n.startswith("UBND phường ") for n in names) == 6
    assert sum(n.startswith("UBND thị trấn ") for n in names) == 5
    assert sum(n.startswith("UBND xã ") for n in names) == 60
    cu_jut = Agency.objects.get(code="H-CUJUT")
    assert Agency.objects.in_subtree(cu_jut).filter(kind=Agency.Kind.COMMUNE_COMMITTEE).count() == 8
    assert Agency.objects.get(code="X-CUJUT-EAPO").name == "UBND xã Ea Pô"


def test_fixture_departments_units_and_schools(daknong):
    departments = Agency.objects.filter(kind=Agency.Kind.DEPARTMENT)
    assert {"SNV", "STC", "SKHDT", "STTTT", "SGDDT", "SYT", "SLDTBXH", "TTT", "BDT", "BQLKCN"} <= set(
        departments.values_list("code", flat=True)
    )
    assert set(departments.values_list("parent__code", flat=True)) == {"UBND-DKN"}
    centre = Agency.objects.get(code="STTTT-TTCNTT")
    assert (centre.kind, centre.level, centre.parent.code) == ("unit", "province", "STTTT")
    schools = Agency.objects.filter(kind=Agency.Kind.SCHOOL)
    assert schools.exists()
    assert set(schools.values_list("parent__code", flat=True)) == {"SGDDT"}


def test_district_offices_are_district_level_units(daknong):
    offices = Agency.objects.filter(parent__kind=Agency.Kind.DISTRICT_COMMITTEE, kind=Agency.Kind.UNIT)
    assert set(offices.values_list("level", flat=True)) == {Level.DISTRICT}
    assert offices.filter(code="H-TUYDUC-PVHTT").exists()


def test_codes_are_upper_case_and_fit_the_column(daknong):
    for code in Agency.objects.values_list("code", flat=True):
        assert code == code.upper() and code.isascii() and len(code) <= 32


def test_new_agencies_after_loading_get_fresh_keys(daknong):
    parent = Agency.objects.get(code="H-TUYDUC")
    added = Agency.objects.create(code="H-TUYDUC-NEW", name="Phòng mới", level=Level.DISTRICT,
                                  kind=Agency.Kind.UNIT, parent=parent)
    assert added.pk > 237
    assert added.path == f"{parent.path}{added.pk:0{PATH_SEGMENT_WIDTH}d}/"


def test_json_matches_its_build_script():
    builder = _builder()
    assert builder.PATH_SEGMENT_WIDTH == PATH_SEGMENT_WIDTH
    assert (FIXTURE_DIR / "daknong.json").read_text(encoding="utf-8") == builder.render()
