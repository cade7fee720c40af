"""Every URL of the portal, given hostile dates and target years, answers at once with 200, 400 or 404 (issue 13).

The URLs come from the permission matrix, which test_matrix_covers_every_url keeps complete: a new
page is walked here as soon as it has its matrix line. A date outside the programme's window never
reaches the engine (targets.forms.check_in_window), so none of these requests computes for long;
a timing would be flaky, so the statuses are what is asserted (bench/ measures the speed).
"""
from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from tests.conftest import Tree
from tests.portal.test_permission_matrix import DOCX, GET, MATRIX, SINGLE_KINDS, XLSX, World

pytestmark = pytest.mark.django_db

HOSTILE_DATES = ["01/01/0001", "31/12/9999", "31/12/3000", "0001-01-01", "9999-12-31", "không phải ngày", "31/02/2020"]
HOSTILE_YEARS = ["9999", "-1", "năm"]
# Lines whose page is a download (or the API) and so answers a refused chooser value with a 400.
DOWNLOADS = {(e.name, e.query) for e in MATRIX if e.query in (XLSX, DOCX)} | {("api-attainment", "")}
PAGES = [e for e in MATRIX if e.method == GET and e.expect["admin"] == 200]


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker) -> World:
    """The permission matrix's objects, built once for the module and rolled back after it."""
    fast_hasher = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast_hasher, transaction.atomic():
        yield World(Tree())
        transaction.set_rollback(True)


def _url(world: World, entry, params: dict) -> str:
    url = world.url(entry, "" if entry.kind in SINGLE_KINDS else "A")
    return url + ("&" if "?" in url else "?") + urlencode(params)


@pytest.mark.parametrize("value", HOSTILE_DATES)
@pytest.mark.parametrize("entry", PAGES, ids=lambda e: f"{e.name}{e.query}")
def test_every_url_answers_a_hostile_date_at_once(client, matrix, entry, value):
    client.force_login(matrix.users["admin"])
    response = client.get(_url(matrix, entry, {"as_of": value, "target_year": HOSTILE_YEARS[0]}),
                          HTTP_ACCEPT_LANGUAGE="en")
    if (entry.name, entry.query) in DOWNLOADS:
        # A file cannot carry the form's message: the date is refused with a 400 that says why.
        assert response.status_code == 400
    else:
        # A page shows the refusal in its chooser (where it has one) and answers for its default date.
        assert response.status_code == 200


@pytest.mark.parametrize("year", HOSTILE_YEARS)
def test_hostile_target_years_alone_are_refused_or_ignored(client, matrix, year):
    client.force_login(matrix.users["admin"])
    assert client.get(reverse("home"), {"target_year": year}).status_code == 200
    assert client.get(reverse("api-attainment"), {"target_year": year}).status_code == 400


def test_a_page_says_why_the_date_was_refused_in_the_persons_language(client, matrix):
    client.force_login(matrix.users["officer_a"])
    url = reverse("targets:agency", args=[matrix.tree.district_a.pk])
    client.cookies["django_language"] = "en"  # the language the person picked (the switch's cookie)
    english = client.get(url, {"as_of": "31/12/9999"}).content.decode()
    assert "31/12/9999 is outside the programme&#x27;s dates: choose a date from 16/11/2016 to 31/12/2030." in english
    client.cookies["django_language"] = "vi"
    vietnamese = client.get(url, {"as_of": "31/12/9999"}).content.decode()
    assert "31/12/9999 nằm ngoài thời gian của Chương trình" in vietnamese


def test_a_download_refuses_the_date_with_the_reason(client, matrix):
    client.force_login(matrix.users["leader"])
    client.cookies["django_language"] = "en"
    response = client.get(reverse("home"), {"as_of": "31/12/3000", "format": "xlsx"})
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
    assert "31/12/3000 is outside the programme" in response.content.decode()


def test_the_api_refuses_dates_outside_the_window(client, matrix):
    client.force_login(matrix.users["leader"])
    response = client.get(reverse("api-attainment"), {"as_of": "3000-12-31"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"error": "3000-12-31 is outside the programme's dates: choose a date from "
                                        "2016-11-16 to 2030-12-31."}
    assert client.get(reverse("api-attainment"), {"as_of": "2030-12-31"}).status_code == 200


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "2016-11-15"])
def test_the_command_refuses_dates_outside_the_window(db, value):
    with pytest.raises(CommandError, match=f"{value} is outside the programme's dates"):
        call_command("attainment", "--as-of", value, "--format", "json")


@pytest.mark.parametrize("value", ["01/01/0001", "31/12/9999"])
def test_forms_given_hostile_dates_never_break_a_page(client, matrix, value):
    """Dates typed into the data forms: refused with the form's message, or stored and shown without error."""
    client.force_login(matrix.users["officer_a"])
    staff, course, record = (matrix.objects[kind]["A"] for kind in ("staff", "course", "record"))
    posts = [
        (reverse("agencies:staff-leave", args=[staff.pk]), {"left_on": value}),
        (reverse("training:course-update", args=[course.pk]),
         {**matrix._course_data(code=course.code, agency=course.agency), "start_date": value, "end_date": value}),
        (reverse("training:participant-results", args=[course.pk]),
         {**matrix.payload(next(e for e in MATRIX if e.name == "training:participant-results"), "A",
                           matrix.users["officer_a"]), "form-0-result": "passed", "form-0-completed_on": value}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code in (200, 302), url
    for url in (reverse("home"), reverse("targets:staff-detail", args=[staff.pk]), reverse("training:course-list"),
                reverse("training:course-detail", args=[course.pk]), reverse("targets:reporting"),
                reverse("targets:agency", args=[matrix.tree.district_a.pk]), reverse("agencies:staff-list"),
                reverse("targets:staff-detail", args=[record.staff_id])):
        assert client.get(url).status_code == 200, url
