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
    """The client's address: REMOTE_ADDR, or the proxy's X-Forwarded-For when the proxy is trusted.

    Only the rightmost X-Forwarded-For entry is used: it is the one our own nginx wrote;
    anything to its left was sent by the client and can be forged.
    """
    if request is None:
        return None
    candidate = request.META.get("REMOTE_ADDR")
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded.strip():
            candidate = forwarded.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(candidate)) if candidate else None
    except ValueError:
        return None


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
