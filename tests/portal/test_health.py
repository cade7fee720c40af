"""The health endpoint and the page shown while the database is down."""
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError, connections
from django.test import RequestFactory
from django.urls import reverse

from portal.health import server_error

DB_DOWN = OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


def _database_down():
    # Loading the session is the first query of any signed-in request, as it is when PostgreSQL is down.
    return mock.patch("django.contrib.sessions.backends.db.SessionStore._get_session_from_db", side_effect=DB_DOWN)


def test_healthz_answers_ok_without_sign_in(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_fails(client, db):
    with mock.patch.object(type(connections["default"]), "cursor", side_effect=DB_DOWN):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "unavailable"
    assert "5432" not in response.content.decode()


def test_healthz_refuses_writes(client, db):
    assert client.post(reverse("healthz")).status_code == 405


def test_healthz_is_not_redirected_to_https(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("login")).status_code == 301


@pytest.mark.parametrize("debug", [False, True])
def test_database_down_shows_friendly_503_page(client, district_officer, settings, debug):
    settings.DEBUG = debug
    client.force_login(district_officer)
    with _database_down():
        response = client.get(reverse("agencies:agency-list"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    assert "Content-Security-Policy" in response
    html = response.content.decode()
    assert 'id="database-unavailable"' in html
    assert "cannot connect to the database" in html or "chưa kết nối được cơ sở dữ liệu" in html
    for leak in ["Traceback", "OperationalError", "5432", "Connection refused"]:
        assert leak not in html


def test_interface_error_also_gives_the_503_page(client, district_officer):
    client.force_login(district_officer)
    with mock.patch("django.contrib.sessions.backends.db.SessionStore._get_session_from_db",
                    side_effect=InterfaceError("connection already closed")):
        response = client.get(reverse("home"))
    assert response.status_code == 503


def test_portal_recovers_by_itself_when_the_database_is_back(client, district_officer):
    client.force_login(district_officer)
    with _database_down():
        assert client.get(reverse("home")).status_code == 503
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.wsgi_request.user == district_officer


def test_database_down_is_logged_as_one_warning_line(client, district_officer, caplog):
    client.force_login(district_officer)
    with _database_down(), caplog.at_level("WARNING", logger="portal.database"):
        client.get(reverse("home"))
    records = [r for r in caplog.records if r.name == "portal.database"]
    assert len(records) == 1
    assert "OperationalError" in records[0].getMessage()
    assert records[0].exc_info is None


def test_server_error_handler_turns_database_errors_outside_views_into_503(db):
    request = RequestFactory().get("/")
    try:
        raise DB_DOWN
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503


def test_server_error_handler_keeps_500_for_other_errors(db):
    request = RequestFactory().get("/")
    try:
        raise ValueError("boom")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500
    assert "boom" not in response.content.decode()
