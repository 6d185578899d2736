"""The health check and the error handlers. The home page is the registry search
(composition.views.search)."""

import logging

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET

from .http import is_api_request

logger = logging.getLogger(__name__)


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


# Error handlers (config/urls.py): JSON {"detail": ...} under /api/, where clients parse the
# answer, and the styled templates (400.html, 403.html, 404.html, 500.html) for people.

@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        return JsonResponse({"detail": "The request could not be read. Check it and try again."},
                            status=400)
    return defaults.bad_request(request, exception)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        return JsonResponse({"detail": "You do not have permission to perform this action."},
                            status=403)
    return defaults.permission_denied(request, exception)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """The self-contained 500.html, rendered without the request (no database, no context
    processors); plain text if even that fails, since this is the last answer there is."""
    if is_api_request(request):
        return JsonResponse({"detail": "Sorry, there is a problem with the service. "
                                       "Try again later."}, status=500)
    try:
        return defaults.server_error(request)
    except Exception:  # noqa: BLE001 - a broken template must not hide the original error
        logger.exception("The 500 page could not be rendered")
        return HttpResponseServerError(
            "<!DOCTYPE html><title>Sorry, there is a problem with the service</title>"
            "<h1>Sorry, there is a problem with the service</h1><p>Try again later.</p>")
