"""Aggregate reports typed by hand: upsert, checks, the additivity rule, permissions, query counts."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import ChangeRecord
from targets.models import AggregateReport, Indicator
from tests.conftest import make_agency

pytestmark = pytest.mark.django_db


def _indicator(code):
    return Indicator.objects.get(programme__is_current=True, code=code)


def _data(agency, indicator="teachers-it", **overrides):
    data = {"indicator": _indicator(indicator).pk, "agency": agency.pk, "year": "2020", "numerator": "90",
            "denominator": "100", "note": "Báo cáo năm"}
    data.update(overrides)
    return data


def _report(agency, indicator="teachers-it", year=2020, numerator=5, denominator=10):
    return AggregateReport.objects.create(indicator=_indicator(indicator), agency=agency, year=year,
                                          numerator=numerator, denominator=denominator)


def test_officer_enters_a_report_and_it_is_recorded(client, district_officer, tree):
    client.force_login(district_officer)
    response = client.post(reverse("targets:report-create"), _data(tree.commune_a1))
    assert response.status_code == 302
    report = AggregateReport.objects.get()
    assert (report.agency, report.year, report.numerator, report.denominator) == (tree.commune_a1, 2020, 90, 100)
    change = ChangeRecord.objects.get(model="targets.AggregateReport")
    assert change.action == "create" and change.user == district_officer and change.agency == tree.commune_a1


def test_entering_the_same_year_again_updates_the_report(client, district_officer, tree):
    _report(tree.commune_a1)
    client.force_login(district_officer)
    client.post(reverse("targets:report-create"), _data(tree.commune_a1, numerator="7", denominator="12"))
    report = AggregateReport.objects.get()
    assert (report.numerator, report.denominator) == (7, 12)
    assert ChangeRecord.objects.get().changes["numerator"] == [5, 7]


def test_numerator_above_denominator_is_refused(client, district_officer, tree):
    client.force_login(district_officer)
    response = client.post(reverse("targets:report-create"), _data(tree.commune_a1, numerator="101"))
    assert response.status_code == 200
    assert "numerator" in response.context["form"].errors
    assert not AggregateReport.objects.exists()


@pytest.mark.parametrize("year", ["2015", str(timezone.localdate().year + 1)])
def test_years_run_from_2016_to_this_year(client, district_officer, tree, year):
    client.force_login(district_officer)
    response = client.post(reverse("targets:report-create"), _data(tree.commune_a1, year=year))
    assert "year" in response.context["form"].errors


def test_indicators_computed_from_rosters_cannot_be_reported(client, district_officer, tree):
    client.force_login(district_officer)
    response = client.post(reverse("targets:report-create"), _data(tree.commune_a1, indicator="staff-commune"))
    assert "indicator" in response.context["form"].errors
    codes = [indicator.code for indicator in response.context["form"].fields["indicator"].queryset]
    assert codes == ["teachers-it", "vocational-students-it", "secondary-students-informatics",
                     "enterprises-trained", "citizens-trained"]


def test_report_above_an_agency_that_reports_is_refused_and_explained(client, district_officer, tree):
    _report(tree.commune_a1, year=2018)
    client.force_login(district_officer)
    response = client.post(reverse("targets:report-create"), _data(tree.district_a, year="2021"))
    assert response.status_code == 200
    [message] = response.context["form"].errors["agency"]
    assert "UBND xã A1" in message
    assert AggregateReport.objects.count() == 1
    # The page says why before anyone is refused.
    assert response.context["form"].errors and "alert-info" in response.content.decode()


def test_report_below_an_agency_that_reports_is_refused(client, province_officer, tree):
    _report(tree.province, indicator="citizens-trained")
    client.force_login(province_officer)
    response = client.post(reverse("targets:report-create"), _data(tree.commune_b1, indicator="citizens-trained"))
    assert "UBND tỉnh" in response.context["form"].errors["agency"][0]


def test_sibling_agencies_and_other_indicators_may_report(client, district_officer, tree):
    _report(tree.commune_a1)
    _report(tree.district_a, indicator="enterprises-trained")
    client.force_login(district_officer)
    assert client.post(reverse("targets:report-create"), _data(tree.commune_a2)).status_code == 302
    assert AggregateReport.objects.count() == 3


def test_officer_cannot_report_for_another_subtree(client, district_officer, tree):
    client.force_login(district_officer)
    response = client.post(reverse("targets:report-create"), _data(tree.district_b))
    assert "agency" in response.context["form"].errors


def test_correcting_a_report_keeps_its_key(client, district_officer, tree):
    report = _report(tree.commune_a1)
    client.force_login(district_officer)
    url = reverse("targets:report-update", args=[report.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _data(tree.commune_a2, year="2019", numerator="8", denominator="10",
                                      version=report.updated_at.isoformat()))
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.agency, report.year, report.numerator) == (tree.commune_a1, 2020, 8)


def test_a_late_correction_is_refused_with_the_stored_figures(client, district_officer, tree):
    """Issue 13, point 3: a form opened before an import corrected the report must not undo that correction."""
    report = _report(tree.commune_a1)
    client.force_login(district_officer)
    url = reverse("targets:report-update", args=[report.pk])
    data = _data(tree.commune_a1, numerator="8", denominator="10", version=report.updated_at.isoformat())
    AggregateReport.objects.filter(pk=report.pk).update(numerator=9, denominator=12, updated_at=timezone.now())
    client.cookies["django_language"] = "en"  # the messages below are read in English (the switch's cookie)
    response = client.post(url, data)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else saved this record after you opened the form" in page
    assert "Numerator “9” (you entered “8”)" in page and "Denominator “12” (you entered “10”)" in page
    report.refresh_from_db()
    assert (report.numerator, report.denominator) == (9, 12) and not ChangeRecord.objects.exists()
    fresh = response.context["form"]
    assert fresh.initial["numerator"] == 9 and fresh.fields["version"].initial == report.updated_at.isoformat()


def test_remove_asks_for_confirmation(client, district_officer, tree):
    report = _report(tree.commune_a1)
    client.force_login(district_officer)
    url = reverse("targets:report-delete", args=[report.pk])
    assert client.get(url).status_code == 200
    assert AggregateReport.objects.exists()
    assert client.post(url).status_code == 302
    assert not AggregateReport.objects.exists()
    assert ChangeRecord.objects.get().action == ChangeRecord.Action.DELETE


def test_list_shows_the_reports_of_the_subtree(client, district_officer, tree):
    mine = _report(tree.commune_a1)
    _report(tree.commune_b1)
    client.force_login(district_officer)
    response = client.get(reverse("targets:report-list"))
    assert [report for report, _can_edit in response.context["rows"]] == [mine]
    assert reverse("targets:report-update", args=[mine.pk]) in response.content.decode()


def test_list_filters(client, leader, tree):
    a = _report(tree.commune_a1, year=2019)
    b = _report(tree.commune_b1, indicator="citizens-trained", year=2020)
    client.force_login(leader)
    url = reverse("targets:report-list")

    def reports(**params):
        return [report for report, _can_edit in client.get(url, params).context["rows"]]

    assert reports(agency=tree.district_a.pk) == [a]
    assert reports(indicator=_indicator("citizens-trained").pk) == [b]
    assert reports(year=2019) == [a]
    assert set(reports()) == {a, b}
    assert all(not can_edit for _r, can_edit in client.get(url).context["rows"])


# --- permissions -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["targets:report-update", "targets:report-delete"])
def test_change_views_for_each_role(client, tree, name, outsider, leader, district_officer, province_officer,
                                    national_admin):
    report = _report(tree.commune_a1)
    url = reverse(name, args=[report.pk])
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    client.force_login(leader)
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    for user in (district_officer, province_officer, national_admin):
        client.force_login(user)
        assert client.get(url).status_code == 200
    assert AggregateReport.objects.exists()


def test_create_for_each_role(client, tree, leader, district_officer, national_admin):
    url = reverse("targets:report-create")
    assert client.get(url).status_code == 302
    assert client.get(reverse("targets:report-list")).status_code == 302
    client.force_login(leader)
    assert client.get(url).status_code == 403
    assert client.post(url, _data(tree.commune_a1)).status_code == 403
    assert client.get(reverse("targets:report-list")).status_code == 200
    for user in (district_officer, national_admin):
        client.force_login(user)
        assert client.get(url).status_code == 200
    client.post(url, _data(tree.district_b))
    assert AggregateReport.objects.get().agency == tree.district_b


def test_list_query_count_does_not_grow_with_rows(client, province_officer, tree):
    client.force_login(province_officer)
    url = reverse("targets:report-list")
    for year in (2017, 2018):
        _report(tree.commune_a1, year=year)
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    for n in range(4):
        _report(make_agency(parent=tree.district_b, level="commune", kind="commune_committee", name=f"X{n}"))
    with CaptureQueriesContext(connection) as second:
        response = client.get(url)
    assert len(response.context["rows"]) == 6
    assert len(second) == len(first)
