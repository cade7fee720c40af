"""targets.counting: the engine, the not-counted lists and the person page read one set of rules, and
agree on every person of a hand-built province; each not-counted person carries the reason that applies."""
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from agencies.models import Agency, Level, Staff
from targets.attainment import attainment
from targets.counting import Reason, current_programme, indicator_definitions, key_agency_of, not_counted_staff
from targets.models import Indicator
from targets.person import person_indicators
from tests.conftest import make_agency, make_course, make_record, make_staff
from training.models import CourseCategory, TrainingRecord
from training.passes import refresh_first_passes

pytestmark = pytest.mark.django_db

DATES = [datetime.date(2017, 12, 31), datetime.date(2018, 12, 31), datetime.date(2020, 6, 30),
         datetime.date(2026, 1, 1)]


def took(person: Staff, on: datetime.date, category: str = "basic", result=TrainingRecord.Result.PASSED):
    course = make_course(category=CourseCategory.objects.get(code=category), start_date=on, end_date=on)
    make_record(staff=person, course=course, result=result,
                completed_on=on if result != TrainingRecord.Result.PENDING else None)


@pytest.fixture
def province(tree):
    """A person for each situation the rules tell apart, across levels, flags and key agencies."""
    t = tree
    t.dept_office = make_agency(code="SNV-P1", name="Phòng 1 SNV", kind=Agency.Kind.UNIT, parent=t.department)
    t.district_office = make_agency(code="H-A-P1", name="Phòng huyện A", level=Level.DISTRICT,
                                    kind=Agency.Kind.UNIT, parent=t.district_a)
    p = t.people = {}
    p["trained"] = make_staff(agency=t.department)
    took(p["trained"], datetime.date(2017, 6, 1))
    p["failed"] = make_staff(agency=t.department)
    took(p["failed"], datetime.date(2018, 3, 1), result=TrainingRecord.Result.FAILED)
    p["absent"] = make_staff(agency=t.dept_office)
    took(p["absent"], datetime.date(2018, 3, 1), result=TrainingRecord.Result.ABSENT)
    p["pending"] = make_staff(agency=t.district_office)
    took(p["pending"], datetime.date(2018, 3, 1), result=TrainingRecord.Result.PENDING)
    p["before_start"] = make_staff(agency=t.dept_office)
    took(p["before_start"], datetime.date(2016, 1, 1))
    p["later"] = make_staff(agency=t.district_a)
    took(p["later"], datetime.date(2019, 5, 5))
    p["never"] = make_staff(agency=t.commune_a1)
    p["contract"] = make_staff(agency=t.department, category=Staff.Category.HD)
    took(p["contract"], datetime.date(2018, 1, 1))
    p["leaver"] = make_staff(agency=t.department, is_leader=True, category=Staff.Category.CB,
                             left_on=datetime.date(2020, 1, 1))
    took(p["leaver"], datetime.date(2018, 5, 5), "leadership")
    p["joiner"] = make_staff(agency=t.department, is_it_staff=True, joined_on=datetime.date(2019, 7, 1),
                             it_qualification="university")
    took(p["joiner"], datetime.date(2019, 8, 1), "open-source")
    p["it_basic"] = make_staff(agency=t.district_office, is_it_staff=True, it_qualification="college")
    took(p["it_basic"], datetime.date(2018, 2, 1), "basic")  # not a security or open-source course
    p["it_security"] = make_staff(agency=t.department, is_it_staff=True, is_cio=True, it_qualification="master",
                                  category=Staff.Category.VC)
    took(p["it_security"], datetime.date(2017, 9, 1), "security")
    p["commune_it"] = make_staff(agency=t.commune_b1, is_it_staff=True, it_qualification="university")
    took(p["commune_it"], datetime.date(2018, 1, 1), "security")  # outside every key agency's level
    p["leader"] = make_staff(agency=t.district_office, is_leader=True)
    took(p["leader"], datetime.date(2019, 1, 1), "egov")  # a pass, but not in leadership
    p["commune_cio"] = make_staff(agency=t.commune_a2, is_cio=True)
    took(p["commune_cio"], datetime.date(2020, 2, 2), "egov")
    refresh_first_passes()
    return t


def _standings(person: Staff, day: datetime.date) -> dict[str, tuple[bool, bool]]:
    records = list(TrainingRecord.objects.filter(staff=person).select_related("course__category"))
    rows = person_indicators(staff=person, on=day, programme=current_programme(), records=records)
    return {row.definition.code: (row.in_population, row.counted) for row in rows}


@pytest.mark.parametrize("day", DATES)
def test_engine_lists_and_person_page_agree_on_every_person(province, day):
    result = attainment(as_of=day)
    people = list(Staff.objects.select_related("agency"))
    standings = {person.pk: _standings(person, day) for person in people}
    agencies = {a.pk: a for a in Agency.objects.all()}
    for definition in indicator_definitions(current_programme()):
        if definition.source == Indicator.Source.REPORTS:
            continue
        indicator = result.indicator(definition.code)
        if definition.counts_people:
            for row in indicator.agencies:
                agency = agencies[row.agency_id]
                inside = [p for p in people if p.agency.path.startswith(agency.path)]
                in_population = {p.code for p in inside if standings[p.pk][definition.code][0]}
                counted = {p.code for p in inside if standings[p.pk][definition.code][1]}
                listed = set(not_counted_staff(definition=definition, agency=agency, as_of=day)
                             .values_list("code", flat=True))
                assert (len(counted), len(in_population)) == (row.numerator, row.denominator), (definition.code, row)
                assert listed == in_population - counted, (definition.code, agency.code)
            province_row = indicator.province
            assert province_row.denominator == sum(standings[p.pk][definition.code][0] for p in people)
            assert province_row.numerator == sum(standings[p.pk][definition.code][1] for p in people)
        else:
            makers = {key_agency_of(p.agency).id for p in people if standings[p.pk][definition.code][1]}
            assert {row.agency_id for row in indicator.agencies if row.numerator} == makers, definition.code


def test_each_not_counted_person_has_the_reason_that_applies(province):
    p = province.people
    definitions = {d.code: d for d in indicator_definitions(current_programme())}

    def reasons(code: str, day: datetime.date) -> dict[str, str]:
        qs = not_counted_staff(definition=definitions[code], agency=province.province, as_of=day)
        return {s.code: s.reason for s in qs}

    staff = reasons("staff-prov-district", datetime.date(2018, 12, 31))
    assert staff[p["failed"].code] == Reason.FAILED
    assert staff[p["absent"].code] == Reason.ABSENT
    assert staff[p["pending"].code] == Reason.PENDING
    assert staff[p["before_start"].code] == Reason.BEFORE_START
    assert staff[p["later"].code] == Reason.TRAINED_AFTER
    assert staff[p["leader"].code] == Reason.TRAINED_AFTER
    assert p["trained"].code not in staff and p["contract"].code not in staff
    assert reasons("staff-commune", datetime.date(2018, 12, 31))[p["never"].code] == Reason.NEVER_TRAINED
    security = reasons("it-staff-security", datetime.date(2019, 12, 31))
    assert security == {p["it_basic"].code: Reason.OTHER_CATEGORY, p["joiner"].code: Reason.OTHER_CATEGORY}
    leaders = reasons("leaders-trained", datetime.date(2020, 6, 30))
    assert leaders == {p["leader"].code: Reason.OTHER_CATEGORY}
    assert reasons("it-staff-degree", datetime.date(2020, 6, 30))[p["it_basic"].code] == Reason.NOT_QUALIFIED


def test_the_reason_column_is_on_the_page_and_in_the_download(client, leader, province):
    client.force_login(leader)
    url = reverse("targets:not-counted", args=[province.province.pk, "staff-prov-district"]) + "?as_of=2018-12-31"
    client.cookies["django_language"] = "en"  # the messages below are read in English (the switch's cookie)
    page = client.get(url)
    assert "Failed" in page.content.decode() and "Passed before the programme start" in page.content.decode()
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(url + "&format=xlsx", HTTP_ACCEPT_LANGUAGE="en").content)).active
    rows = {row[0]: row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert sheet.cell(1, sheet.max_column).value == "Reason"
    assert rows[province.people["absent"].code] == "absent"


def test_a_group_key_split_over_several_numbers_counts_the_same(province, monkeypatch):
    """The group's parts are packed into as few numbers as a bigint holds; however many it takes, the
    figures are the same (a limit of 8 puts nearly every part in a number of its own)."""
    from targets import counting, expressions
    from targets.attainment import compute_attainment

    day = datetime.date(2020, 6, 30)
    whole = compute_attainment(as_of=day, trend=True)
    assert expressions.packs([13, 13, 2, 2, 13]) == [[0, 1, 2, 3, 4]]
    monkeypatch.setattr(expressions, "PACKED_LIMIT", 8)
    assert expressions.packs([13, 13, 2, 2, 13]) == [[0], [1], [2, 3], [4]]
    real = counting._grouping_query
    real.cache_clear()  # the query kept for these arguments packs under the old limit
    built = []
    monkeypatch.setattr(counting, "_grouping_query", lambda *args: built.append(real(*args)) or built[-1])
    split = compute_attainment(as_of=day, trend=True)
    real.cache_clear()  # correct as kept, but later tests should read the usual packing
    assert max(len(query.packing) for query in built) > 1
    assert split == whole
    assert [i.province.numerator for i in split.indicators if i.province] != [0] * len(split.indicators)


def test_the_counting_query_is_built_once_per_distinct_scope(province):
    """The grouped query is kept per process by its arguments (targets.counting._grouping_query): asked
    again it is not built again, yet each scope and set of dates gets the figures a freshly built query
    gives, on the data as it is now."""
    from targets.attainment import compute_attainment
    from targets.counting import _grouping_query

    day = datetime.date(2020, 6, 30)
    asked = [{"as_of": day, "trend": True}, {"as_of": day, "within": province.district_a},
             {"as_of": day, "within": province.district_b}, {"as_of": day}]

    def built_afresh(arguments):
        _grouping_query.cache_clear()
        return compute_attainment(**arguments)

    expected = [built_afresh(arguments) for arguments in asked]
    assert expected[1] != expected[2]
    _grouping_query.cache_clear()
    for arguments, result in list(zip(asked, expected, strict=True)) * 2:
        assert compute_attainment(**arguments) == result
    assert _grouping_query.cache_info().misses == len(asked)

    trained = expected[0].indicator("staff-prov-district")
    newcomer = make_staff(agency=province.department)
    took(newcomer, datetime.date(2019, 1, 1))
    refresh_first_passes(staff_ids=[newcomer.pk])
    again = compute_attainment(**asked[0]).indicator(trained.code)
    assert (again.province.numerator, again.province.denominator) == (
        trained.province.numerator + 1, trained.province.denominator + 1)
    assert _grouping_query.cache_info().misses == len(asked)


def test_the_person_queries_are_built_once_for_everyone(province):
    """The person page's queries are built for a stand-in and kept (targets.counting._standings_query,
    _reasons_query): each person of the province reuses them, and still gets their own standing."""
    from targets.counting import _reasons_query, _standings_query

    day = datetime.date(2020, 6, 30)
    _standings_query.cache_clear()
    _reasons_query.cache_clear()
    people = list(province.people.values())
    first = {person.pk: _standings(person, day) for person in people}
    built = _standings_query.cache_info().misses, _reasons_query.cache_info().misses
    assert built[0] <= 2  # a person in a key agency's same-level subtree, and one outside any
    assert {person.pk: _standings(person, day) for person in reversed(people)} == first
    assert (_standings_query.cache_info().misses, _reasons_query.cache_info().misses) == built
    assert first[province.people["trained"].pk] != first[province.people["never"].pk]
