"""What every governance page shares: finding the partnership (404 for one whose governance the
user may not read, so its existence does not leak), the 403 page with the reason for a reader
who may not act, and showing an action's refusal on the form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import rules
from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from core.errors import DomainError
from partnerships.models import Partnership

VIEW = "governance.view"
NAV = "search"


def partnership_for(request: HttpRequest, slug: str) -> Partnership:
    """The partnership, if the user may read its governance; otherwise not found."""
    partnership = Partnership.objects.visible_to(request.user).filter(slug=slug).first()
    if partnership is None or not rules.has_perm(VIEW, request.user, partnership):
        raise Http404("No partnership found.")
    return partnership


def forbidden(request: HttpRequest, partnership: Partnership, title: str, reason: str,
              back_url: str) -> HttpResponse:
    """403 with the reason, on a page that leads back."""
    return render(request, "governance/forbidden.html", {
        "partnership": partnership, "title": title, "reason": reason, "back_url": back_url,
        "nav_section": NAV}, status=403)


def attempt(form: forms.Form, action: Callable[..., Any], **arguments: Any) -> Any:
    """``action(**arguments)``, or None when it refuses: the reason goes on the form, next to
    its field when the form has one."""
    try:
        return action(**arguments)
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        return None
