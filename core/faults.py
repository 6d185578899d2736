"""When PostgreSQL goes away mid-request: a styled 503 page, and a fresh connection next time.

A database restart, a failover or an administrator's ``pg_terminate_backend`` breaks the
connection a request is using; psycopg raises ``OperationalError`` (or ``InterfaceError`` on a
connection already closed), which would otherwise be a 500 "server error" page that blames the
application and a stack trace in the log. ``DatabaseUnavailableMiddleware`` answers 503 with
``Retry-After`` instead (a GOV.UK "service unavailable" page, or JSON ``{"detail": …}`` under
``/api/``), logs one line naming the view (never the URL's values or the error text, which can
quote SQL parameters), and closes the broken connection so the next request opens a new one.

Only errors raised while the view (or its template response) runs reach ``process_exception``;
an outage that starts inside another middleware still gives the 500 page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from core.http import is_api_request

logger = logging.getLogger(__name__)

#: Seconds a client is asked to wait before trying again (a restart or failover takes about this).
RETRY_AFTER_SECONDS = 120
UNAVAILABLE_DETAIL = "Sorry, the service is unavailable. Try again in a few minutes."


def close_broken_connections() -> None:
    """Close every database connection of this thread that no longer works, so the next query
    (this thread's next request) connects afresh instead of failing on the dead socket. A
    working connection (the error came from another database) is kept."""
    for conn in connections.all(initialized_only=True):
        if conn.connection is None:
            continue
        try:
            usable = conn.is_usable()
        except Exception:  # noqa: BLE001 - a check on a dead connection can raise anything
            usable = False
        if not usable:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - closing a dead socket may fail; it is gone anyway
                conn.connection = None


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """The 503 answer: JSON for the API, otherwise the self-contained page (rendered without the
    request, so no context processor asks the database for anything)."""
    if is_api_request(request):
        response: HttpResponse = JsonResponse({"detail": UNAVAILABLE_DETAIL}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Turns a lost database connection during a view into a 503 (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest,
                          exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        match = getattr(request, "resolver_match", None)
        # The traceback only in development: its SQL parameters may hold personal data.
        logger.error("Database unavailable during %s %s (%s); answered 503",
                     request.method, match.view_name if match else "an unresolved path",
                     type(exception).__name__, exc_info=settings.DEBUG)
        close_broken_connections()
        return unavailable_response(request)
