"""Portal-wide middleware: request log lines, the Content-Security-Policy header, the database-down page.

Django 5.2 has no built-in CSP, and the portal needs only one fixed policy, so a few lines
here replace a dependency.
"""
from __future__ import annotations

import datetime
import json
import logging
import time

from django.conf import settings
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.functional import SimpleLazyObject, empty

from accounts.throttle import client_ip

from .health import DATABASE_ERRORS, database_unavailable_response

request_logger = logging.getLogger("portal.requests")
db_logger = logging.getLogger("portal.database")


class RequestLogMiddleware:
    """Writes one JSON line per request to the `portal.requests` logger (gunicorn's access log is off).

    First in MIDDLEWARE so the duration covers every other layer, static files and redirects included.
    For streamed downloads the duration ends when streaming starts. `cpu_ms` is the CPU time the
    worker process spent meanwhile: the request's own with gunicorn's sync workers (deploy/), a
    ceiling with threaded ones.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = self.get_response(request)
        duration_ms = (time.perf_counter() - started) * 1000
        cpu_ms = (time.process_time() - cpu_started) * 1000
        request_logger.info(json.dumps({
            "time": datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds"),
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round(duration_ms, 1),
            "cpu_ms": round(cpu_ms, 1),
            "user_id": _user_id(request),
            "remote_addr": client_ip(request),
        }, ensure_ascii=False))
        return response


def _user_id(request) -> int | None:
    user = _signed_in_user(request)
    return user.pk if user is not None else None


def _signed_in_user(request):
    """The signed-in user if the request already loaded it, else None.

    Loading it here would cost a query on every static file and health check, and would fail
    while the database is down.
    """
    user = getattr(request, "user", None)
    if user is None or (isinstance(user, SimpleLazyObject) and user._wrapped is empty):
        return None
    return user if user.is_authenticated else None


class ContentSecurityPolicyMiddleware:
    """Adds the Content-Security-Policy header (settings.CONTENT_SECURITY_POLICY; empty turns it off).

    The policy forbids inline scripts and style attributes: JavaScript lives in static/js/ and
    CSS in static/css/. A view that needs another policy sets the header itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response


class NoStoreForSignedInMiddleware:
    """`Cache-Control: no-store` on every response to a signed-in person, and on every spreadsheet download.

    Offices share computers: a page or a file with people's names must not stay in the browser's
    cache (or a proxy's) for the next person at the desk. One rule for every view, rather than a
    decorator each view could forget. Only a user the request already loaded is looked at, as in
    RequestLogMiddleware: a page that never read the user shows nobody's data. Static files never
    get here (WhiteNoise answers them earlier in MIDDLEWARE) and keep their long cache.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if _signed_in_user(request) is not None or response.get("Content-Disposition", "").startswith("attachment"):
            add_never_cache_headers(response)
        return response


class DatabaseUnavailableMiddleware:
    """Turns a lost database connection in a view into a friendly 503 page instead of a 500.

    Nothing is kept between requests: with CONN_HEALTH_CHECKS Django drops a broken persistent
    connection and opens a new one on the next request, so the portal recovers on its own as
    soon as PostgreSQL answers again.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            first_line = (str(exception).strip().splitlines() or [""])[0]
            db_logger.warning("database unavailable on %s %s: %s: %s", request.method, request.path,
                              type(exception).__name__, first_line)
            return database_unavailable_response(request)
        return None


class LanguageCookieMiddleware:
    """The interface language: Vietnamese, unless the person picked English with the language switch.

    Replaces Django's LocaleMiddleware, which follows the browser's Accept-Language: a first visit from
    a browser set to English would get the English portal, while Vietnamese is the portal's language.
    The switch (django.views.i18n.set_language) stores the choice in the language cookie, so it stays
    picked on every later visit.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.languages else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
