"""Who is asking: the API's clients parse JSON, people read pages. Every answer that is not a
view's own (error handlers, refused input, a lost database) picks its form with this."""

from __future__ import annotations

from django.http import HttpRequest

API_PREFIX = "/api/"


def is_api_request(request: HttpRequest) -> bool:
    """Whether the request is for the API (answered as JSON ``{"detail": ...}``)."""
    return request.path_info.startswith(API_PREFIX)
