"""The health endpoint and the page shown while the database cannot be reached."""
from __future__ import annotations

import logging
import sys

from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .views import server_error as plain_server_error

# psycopg2's errors reach views wrapped in these two Django classes: OperationalError for a refused
# or dropped connection, InterfaceError for a connection that was already closed under us.
DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30

logger = logging.getLogger("portal.database")


@never_cache
@require_safe
def healthz(request):
    """200 {"status": "ok"} when a trivial query succeeds, 503 {"status": "error", ...} otherwise.

    No sign-in and no session: load balancers and systemd watchdogs call it every few seconds.
    """
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DATABASE_ERRORS as exc:
        logger.warning("health check failed: %s", type(exc).__name__)
        return JsonResponse({"status": "error", "database": "unavailable", "error": type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def database_unavailable_response(request) -> HttpResponse:
    """The 503 page in the person's language, rendered without the request context.

    Context processors would load the signed-in user, which needs the very database that is down.
    """
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    # DatabaseUnavailableMiddleware already wrote one warning line; spare the journal Django's second one.
    response._has_been_logged = True
    return response


def server_error(request):
    """handler500: the 503 page when the failure was a lost database connection outside a view.

    DatabaseUnavailableMiddleware catches such errors raised by views; this covers the few raised
    by other middleware (a session saved after the view, for instance).
    """
    exc = sys.exc_info()[1]
    if isinstance(exc, DATABASE_ERRORS):
        logger.warning("database unavailable on %s %s (outside the view): %s", request.method, request.path,
                       type(exc).__name__)
        return database_unavailable_response(request)
    return plain_server_error(request)
