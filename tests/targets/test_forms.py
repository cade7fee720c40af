"""The date chooser and the report forms (targets/forms.py): one parse for pages, the API and the command."""
import datetime

import pytest
from django.utils import timezone

from targets.forms import (
    AttainmentChooserForm,
    BadParameter,
    check_in_window,
    chooser_query,
    date_window,
    parse_iso_date,
    parse_target_year,
    report_years,
)
from targets.models import Programme, Target

# The window reads the current programme (its start and last target year) from the database.
pytestmark = pytest.mark.django_db


def test_scripts_write_iso_dates():
    assert parse_iso_date(" 2020-12-31 ") == datetime.date(2020, 12, 31)
    with pytest.raises(BadParameter, match="as_of must be a date written YYYY-MM-DD"):
        parse_iso_date("31/12/2020")


@pytest.mark.django_db  # the years are the current programme's (Decision 1965's, from its migration)
@pytest.mark.parametrize("value, year", [(None, None), ("", None), (" ", None), ("2020", 2020), (2025, 2025)])
def test_target_year_is_one_of_the_programmes_or_none(value, year):
    assert parse_target_year(value) == year


def test_target_years_can_be_given():
    assert parse_target_year("2030", years=[2028, 2030]) == 2030
    with pytest.raises(BadParameter, match="target_year must be one of 2028, 2030"):
        parse_target_year("2025", years=[2028, 2030])


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["2021", "abc", "20 20"])
def test_other_target_years_are_refused_with_the_choices(value):
    with pytest.raises(BadParameter, match="target_year must be one of 2020, 2025"):
        parse_target_year(value)


def test_the_chooser_reads_both_date_forms_and_defaults_to_today():
    today = timezone.localdate()
    assert AttainmentChooserForm().chosen() == (today, None)
    assert AttainmentChooserForm({"as_of": "31/12/2020"}).chosen() == (datetime.date(2020, 12, 31), None)
    assert AttainmentChooserForm({"as_of": "2020-12-31", "target_year": "2025"}).chosen() == (
        datetime.date(2020, 12, 31), 2025)


def test_a_bad_field_falls_back_alone_and_keeps_its_error():
    form = AttainmentChooserForm({"as_of": "31/02/2020", "target_year": "2025"})
    assert form.chosen() == (timezone.localdate(), 2025)
    assert "as_of" in form.errors


def test_the_chooser_offers_the_programmes_years_and_reports_another():
    form = AttainmentChooserForm({"as_of": "02/12/2026", "target_year": "2025"})
    form.chosen()
    form.set_years([2028, 2030])
    assert form.year_choices[1:] == [("2028", "2028"), ("2030", "2030")]
    assert "target_year" in form.errors
    assert AttainmentChooserForm({"target_year": "2030"}, years=[2028, 2030]).errors == {}


def test_the_chooser_travels_in_the_query_string():
    assert chooser_query(datetime.date(2020, 12, 31), None) == "as_of=2020-12-31"
    assert chooser_query(datetime.date(2020, 12, 31), 2025) == "as_of=2020-12-31&target_year=2025"


def test_report_years_run_from_2016_to_this_year_latest_first():
    years = report_years()
    assert years[0] == timezone.localdate().year and years[-1] == 2016 and years == sorted(years, reverse=True)


# --- the programme's window of dates (issue 13) ---------------------------------------------------

def test_the_window_runs_from_the_programme_start_to_five_years_past_its_last_target():
    assert date_window() == (datetime.date(2016, 11, 16), datetime.date(2030, 12, 31))
    programme = Programme.objects.get(is_current=True)
    Target.objects.filter(indicator__programme=programme, year=2025).update(year=2030)
    assert date_window() == (datetime.date(2016, 11, 16), datetime.date(2035, 12, 31))


def test_without_a_current_programme_the_window_still_holds():
    Programme.objects.update(is_current=False)
    first, last = date_window()
    assert first.year == 2016 and last.year == timezone.localdate().year + 5


@pytest.mark.parametrize("day", [datetime.date(2016, 11, 16), datetime.date(2020, 12, 31), datetime.date(2030, 12, 31)])
def test_dates_inside_the_window_are_kept(day):
    assert check_in_window(day) == day


@pytest.mark.parametrize("day", [datetime.date(1, 1, 1), datetime.date(2016, 11, 15), datetime.date(2031, 1, 1),
                                 datetime.date(3000, 12, 31), datetime.date(9999, 12, 31)])
def test_dates_outside_the_window_are_refused_with_the_window(day):
    with pytest.raises(BadParameter, match="choose a date from 16/11/2016 to 31/12/2030"):
        check_in_window(day)
    with pytest.raises(BadParameter, match=f"{day.isoformat()} is outside.*from 2016-11-16 to 2030-12-31"):
        parse_iso_date(day.isoformat())


@pytest.mark.parametrize("value", ["01/01/0001", "31/12/9999", "31/12/3000", "15/11/2016"])
def test_the_chooser_refuses_dates_outside_the_window_and_falls_back_to_today(value):
    form = AttainmentChooserForm({"as_of": value})
    assert form.chosen() == (timezone.localdate(), None)
    assert "is outside the programme's dates" in form.errors["as_of"][0]
