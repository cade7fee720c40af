"""One JSON line per request, with the fields operators search on."""
import json
import logging

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

FIELDS = {"time", "method", "path", "status", "duration_ms", "cpu_ms", "user_id", "remote_addr"}


class _ListHandler(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def request_log():
    # portal.requests does not propagate (it has its own stdout handler), so listen to it directly.
    handler = _ListHandler()
    logger = logging.getLogger("portal.requests")
    logger.addHandler(handler)
    yield handler.lines
    logger.removeHandler(handler)


def test_each_request_writes_one_json_line(client, db, request_log):
    client.get("/healthz?probe=1")
    assert len(request_log) == 1
    entry = json.loads(request_log[0])
    assert set(entry) == FIELDS
    assert entry["method"] == "GET"
    assert entry["path"] == "/healthz"  # no query string: it may carry personal data
    assert entry["status"] == 200
    assert isinstance(entry["duration_ms"], float | int) and entry["duration_ms"] >= 0
    assert isinstance(entry["cpu_ms"], float | int) and entry["cpu_ms"] >= 0
    assert entry["user_id"] is None
    assert entry["remote_addr"] == "127.0.0.1"
    assert entry["time"].endswith("+00:00")


def test_signed_in_request_logs_the_user_id(client, district_officer, request_log):
    client.force_login(district_officer)
    client.get(reverse("agencies:agency-list"))
    entry = json.loads(request_log[-1])
    assert (entry["path"], entry["status"], entry["user_id"]) == ("/don-vi/", 200, district_officer.pk)


def test_sign_in_post_logs_the_new_user_and_the_redirect(client, district_officer, request_log):
    client.post(reverse("login"), {"username": "officer-a", "password": "pw"})
    entry = json.loads(request_log[-1])
    assert (entry["method"], entry["status"], entry["user_id"]) == ("POST", 302, district_officer.pk)


def test_not_found_and_anonymous_redirects_are_logged(client, db, request_log):
    client.get("/khong-co/")
    client.get(reverse("home"))
    statuses = [json.loads(line)["status"] for line in request_log]
    assert statuses == [404, 302]


def test_forwarded_address_is_used_only_behind_a_trusted_proxy(client, db, request_log, settings):
    headers = {"HTTP_X_FORWARDED_FOR": "198.51.100.66, 203.0.113.7"}
    client.get("/healthz", **headers)
    settings.TRUST_X_FORWARDED_FOR = True
    client.get("/healthz", **headers)
    assert [json.loads(line)["remote_addr"] for line in request_log] == ["127.0.0.1", "203.0.113.7"]


def test_request_lines_go_to_stdout_unformatted():
    logging_config = django_settings.LOGGING
    logger = logging_config["loggers"]["portal.requests"]
    handler = logging_config["handlers"][logger["handlers"][0]]
    assert handler["stream"] == "ext://sys.stdout"
    assert logging_config["formatters"][handler["formatter"]]["format"] == "%(message)s"
    assert logger["propagate"] is False
