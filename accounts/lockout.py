"""The page shown when django-axes locks a username and address out after too many failed
sign-ins: styled like every other page, and saying how long the lock lasts (axes's own response
is unstyled text that does not)."""

from __future__ import annotations

import datetime
import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def _minutes(cool_off: datetime.timedelta | None) -> int:
    if cool_off is None:
        return 0
    return max(1, math.ceil(cool_off.total_seconds() / 60))


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict[str, Any] | None = None) -> HttpResponse:
    """429 with the styled page and a ``Retry-After`` header (``AXES_LOCKOUT_CALLABLE``). The
    username tried is not repeated back: the page must not help someone guessing names."""
    cool_off = settings.AXES_COOLOFF_TIME
    if isinstance(cool_off, int | float):
        cool_off = datetime.timedelta(hours=cool_off)
    minutes = _minutes(cool_off)
    response = render(request, "accounts/locked_out.html", {
        "minutes": minutes,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }, status=429)
    if minutes:
        response["Retry-After"] = str(minutes * 60)
    return response
