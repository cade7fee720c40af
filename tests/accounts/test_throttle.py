"""Throttling of repeated failed sign-ins, per username and per client address."""
import datetime

import pytest
from django.contrib.auth import authenticate
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import SignInFailure
from accounts.throttle import client_ip, lockout_for, record_failure


def _sign_in(client, username, password, ip="192.0.2.10", url=None):
    client.cookies["django_language"] = "en"  # the messages below are read in English
    return client.post(
        url or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en"
    )


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_five_failures_lock_the_account_even_with_the_right_password(client, district_officer):
    for _ in range(5):
        response = _sign_in(client, "officer-a", "wrong")
        assert response.status_code == 200
    response = _sign_in(client, "officer-a", "pw")
    assert response.status_code == 200
    assert not _signed_in(client)
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "15 minutes" in response.content.decode()


def test_four_failures_still_allow_signing_in_and_are_then_forgiven(client, district_officer):
    for _ in range(4):
        _sign_in(client, "officer-a", "wrong")
    assert _sign_in(client, "officer-a", "pw").status_code == 302
    assert not SignInFailure.objects.filter(username="officer-a").exists()


def test_lock_lifts_when_the_failures_leave_the_window(client, district_officer):
    for _ in range(5):
        _sign_in(client, "officer-a", "wrong")
    SignInFailure.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=16))
    assert _sign_in(client, "officer-a", "pw").status_code == 302


def test_username_lock_applies_from_every_address(client, district_officer):
    for i in range(5):
        _sign_in(client, "officer-a", "wrong", ip=f"192.0.2.{i + 1}")
    assert _sign_in(client, "officer-a", "pw", ip="198.51.100.1").status_code == 200
    assert not _signed_in(client)


def test_usernames_are_counted_case_insensitively(client, district_officer):
    for name in ["OFFICER-A", "Officer-A", "officer-a", "oFFICER-a", "officer-A"]:
        _sign_in(client, name, "wrong", ip="192.0.2.1")
    assert _sign_in(client, "officer-a", "pw", ip="192.0.2.2").status_code == 200


def test_one_address_trying_many_usernames_is_locked(client, district_officer, settings):
    settings.SIGNIN_FAILURE_LIMIT_PER_IP = 3
    for name in ["a1", "a2", "a3"]:
        _sign_in(client, name, "wrong", ip="192.0.2.50")
    response = _sign_in(client, "officer-a", "pw", ip="192.0.2.50")
    assert not _signed_in(client)
    assert "Too many failed sign-in attempts" in response.content.decode()
    other = Client()
    assert _sign_in(other, "officer-a", "pw", ip="192.0.2.51").status_code == 302


def test_admin_sign_in_page_is_throttled_too(client, national_admin):
    url = reverse("admin:login")
    for _ in range(5):
        _sign_in(client, "admin", "wrong", url=url)
    response = _sign_in(client, "admin", "pw", url=url)
    assert response.status_code == 200
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert not _signed_in(client)


def test_backend_refuses_during_lockout_whatever_the_sign_in_path(district_officer):
    for _ in range(5):
        record_failure(username="officer-a", ip=None)
    assert authenticate(None, username="officer-a", password="pw") is None
    # Refusals during a lockout test no password, so they are not counted again.
    assert SignInFailure.objects.count() == 5


def test_failures_are_shared_through_the_database(district_officer):
    first, second = Client(), Client()  # two browsers, or two gunicorn workers: state lives in one table
    for _ in range(5):
        _sign_in(first, "officer-a", "wrong")
    assert _sign_in(second, "officer-a", "pw", ip="198.51.100.9").status_code == 200
    assert SignInFailure.objects.filter(username="officer-a").count() == 5


def test_retry_after_counts_from_the_oldest_failure_in_the_limit(db):
    now = timezone.now()
    for minutes_ago in [14, 10, 5, 2, 1]:
        SignInFailure.objects.create(username="x", created_at=now - datetime.timedelta(minutes=minutes_ago))
    lockout = lockout_for(username="x", ip=None, now=now)
    assert lockout is not None and lockout.reason == "username"
    assert lockout.retry_after == 60
    assert lockout_for(username="x", ip=None, now=now + datetime.timedelta(seconds=61)) is None


def test_old_failures_are_cleaned_up(db):
    SignInFailure.objects.create(username="old", created_at=timezone.now() - datetime.timedelta(hours=2))
    record_failure(username="new", ip="192.0.2.1")
    assert list(SignInFailure.objects.values_list("username", flat=True)) == ["new"]


@pytest.mark.parametrize(("meta", "trust", "expected"), [
    ({"REMOTE_ADDR": "192.0.2.1"}, False, "192.0.2.1"),
    ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}, False, "127.0.0.1"),
    ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.5"}, True, "203.0.113.5"),
    # A malformed entry falls back to the proxy's address: the per-address limit still counts it.
    ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "not-an-ip"}, True, "127.0.0.1"),
    ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.5, not-an-ip"}, True, "127.0.0.1"),
    ({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": " , "}, True, "127.0.0.1"),
    # Reached directly, not through the trusted proxy: the header is the client's own and is ignored.
    ({"REMOTE_ADDR": "198.51.100.7", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}, True, "198.51.100.7"),
    ({"REMOTE_ADDR": "::1", "HTTP_X_FORWARDED_FOR": "2001:db8::5"}, True, "2001:db8::5"),
    ({"REMOTE_ADDR": "::1"}, False, "::1"),
    ({}, False, None),
])
def test_client_ip(rf, settings, meta, trust, expected):
    settings.TRUST_X_FORWARDED_FOR = trust
    request = rf.get("/")
    request.META.pop("REMOTE_ADDR", None)
    request.META.update(meta)
    assert client_ip(request) == expected


@pytest.mark.parametrize("forwarded", ["not-an-ip-{n}", "{n}.{n}.{n}.{n}, garbage", "10.0.0.{n}"])
def test_per_address_limit_holds_whatever_the_forwarded_header(client, district_officer, settings, forwarded):
    """Reached directly with TRUST_X_FORWARDED_FOR on, a new forged or malformed header per attempt escapes nothing."""
    settings.TRUST_X_FORWARDED_FOR = True
    settings.SIGNIN_FAILURE_LIMIT_PER_IP = 3
    for n in range(3):
        client.post(reverse("login"), {"username": f"guess{n}", "password": "x"}, REMOTE_ADDR="198.51.100.7",
                    HTTP_X_FORWARDED_FOR=forwarded.format(n=n + 1))
    response = client.post(reverse("login"), {"username": "officer-a", "password": "pw"}, REMOTE_ADDR="198.51.100.7",
                           HTTP_X_FORWARDED_FOR=forwarded.format(n=9), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and not _signed_in(client)
    assert set(SignInFailure.objects.values_list("ip", flat=True)) == {"198.51.100.7"}


def test_behind_the_trusted_proxy_each_client_address_counts_alone(client, district_officer, settings):
    settings.TRUST_X_FORWARDED_FOR = True
    settings.SIGNIN_FAILURE_LIMIT_PER_IP = 3
    for n in range(3):
        client.post(reverse("login"), {"username": f"guess{n}", "password": "x"}, REMOTE_ADDR="127.0.0.1",
                    HTTP_X_FORWARDED_FOR="203.0.113.5")
    locked = client.post(reverse("login"), {"username": "officer-a", "password": "pw"}, REMOTE_ADDR="127.0.0.1",
                         HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert locked.status_code == 200 and not _signed_in(client)
    other = client.post(reverse("login"), {"username": "officer-a", "password": "pw"}, REMOTE_ADDR="127.0.0.1",
                        HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert other.status_code == 302 and _signed_in(client)
