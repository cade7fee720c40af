"""Throttling of failed sign-ins, per username and per client address.

Failures live in the database (SignInFailure), so every gunicorn worker and every
instance behind the proxy sees the same counts. The window slides: an account is
refused while it has `limit` failures within the last `window` seconds, so the lock
lifts by itself `window` seconds after the last of those failures.
"""
from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from .models import SignInFailure

USERNAME_MAX_LENGTH = 150


@dataclass(frozen=True)
class Lockout:
    """A refusal: why, and in how many seconds signing in is allowed again."""

    reason: str  # "username" or "ip"
    retry_after: int


def _window() -> datetime.timedelta:
    return datetime.timedelta(seconds=getattr(settings, "SIGNIN_FAILURE_WINDOW", 15 * 60))


def _username_key(username: str) -> str:
    # Case-folded so "Admin" and "admin" share one counter even where the database compares case-sensitively.
    return (username or "").strip().casefold()[:USERNAME_MAX_LENGTH]


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the trusted proxy's X-Forwarded-For entry.

    With TRUST_X_FORWARDED_FOR on, the header is believed only on a request that came from one of
    TRUSTED_PROXIES (our nginx): someone reaching gunicorn directly would otherwise pick any address
    per attempt and escape the per-address sign-in limit. Only the rightmost entry counts, the one
    our nginx wrote; anything to its left was sent by the client. A malformed entry is ignored and
    REMOTE_ADDR stays the address, so a garbled header never escapes the limit either.
    """
    if request is None:
        return None
    remote = _address(request.META.get("REMOTE_ADDR"))
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False) and remote is not None and _is_trusted_proxy(remote):
        forwarded = _address(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1])
        if forwarded is not None:
            return str(forwarded)
    return str(remote) if remote is not None else None


def _address(value: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None


def _is_trusted_proxy(address) -> bool:
    for network in getattr(settings, "TRUSTED_PROXIES", ["127.0.0.1", "::1"]):
        try:
            if address in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False


def lockout_for(*, username: str | None, ip: str | None, now: datetime.datetime | None = None) -> Lockout | None:
    """The lockout in force for this username or address, or None when signing in may be tried."""
    now = now or timezone.now()
    since = now - _window()
    checks = []
    if username:
        checks.append(("username", {"username": _username_key(username)},
                       getattr(settings, "SIGNIN_FAILURE_LIMIT_PER_USERNAME", 5)))
    if ip:
        checks.append(("ip", {"ip": ip}, getattr(settings, "SIGNIN_FAILURE_LIMIT_PER_IP", 20)))
    for reason, lookup, limit in checks:
        recent = list(
            SignInFailure.objects.filter(created_at__gte=since, **lookup)
            .order_by("-created_at").values_list("created_at", flat=True)[:limit]
        )
        if limit and len(recent) >= limit:
            # The lock lifts when the oldest of the last `limit` failures leaves the window.
            retry_after = (recent[-1] + _window() - now).total_seconds()
            return Lockout(reason=reason, retry_after=max(1, int(retry_after + 0.999)))
    return None


def record_failure(*, username: str | None, ip: str | None) -> None:
    """Count one failed attempt, and forget failures that have left the window."""
    now = timezone.now()
    SignInFailure.objects.filter(created_at__lt=now - _window()).delete()
    SignInFailure.objects.create(username=_username_key(username or ""), ip=ip, created_at=now)


def clear_failures(*, username: str) -> None:
    """A successful sign-in forgives the account's earlier failures (the address keeps its count)."""
    SignInFailure.objects.filter(username=_username_key(username)).delete()
