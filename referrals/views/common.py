"""What every casework page shares: finding a case the user may see (or a 404), a platform
admin's stated reason, showing an action's refusal on its form, and the 403 page."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import urlencode

import rules
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from core.errors import DomainError

from .. import selectors
from ..models import Case

NAV = "casework"

#: Session key: case reference → the reason a platform admin gave for opening that case, and
#: when (seconds since the epoch).
REASONS_KEY = "casework_admin_reasons"
#: How long a platform admin's stated reason lasts: after that they say why again, so a
#: reason given for one support request does not cover a later look.
REASON_LIFETIME = datetime.timedelta(minutes=30)


@dataclass(frozen=True)
class Access:
    """A case the user may see, and why: involved (``reason`` empty) or a platform admin with
    a stated reason."""

    case: Case
    reason: str = ""

    @property
    def by_reason(self) -> bool:
        return bool(self.reason)


def admin_reason(request: HttpRequest, reference: str) -> str:
    """The reason the platform admin gave for ``reference`` within ``REASON_LIFETIME``, else
    "" (they are asked again)."""
    stored = (request.session.get(REASONS_KEY) or {}).get(reference)
    if not isinstance(stored, dict):
        return ""
    given_at = stored.get("at")
    if (not isinstance(given_at, int | float)
            or time.time() - given_at > REASON_LIFETIME.total_seconds()):
        return ""
    return str(stored.get("reason") or "")


def remember_reason(request: HttpRequest, reference: str, reason: str) -> None:
    """Kept in the session for ``REASON_LIFETIME``, so the admin's views of the same case
    meanwhile are logged with the same reason. It arrives in a POST body and is kept here: it
    is never put in a URL, where access logs and browser history would keep it."""
    now = time.time()
    reasons = {ref: given for ref, given in (request.session.get(REASONS_KEY) or {}).items()
               if isinstance(given, dict) and isinstance(given.get("at"), int | float)
               and now - given["at"] <= REASON_LIFETIME.total_seconds()}
    reasons[reference] = {"reason": reason, "at": now}
    request.session[REASONS_KEY] = reasons


def reason_form_url(reference: str) -> str:
    return f"{reverse('referrals:caseload')}?{urlencode({'reference': reference})}#open-case"


def case_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Resolve ``reference`` to an :class:`Access` for the view, or answer for it: a 404 when
    the user may not see the case (whether or not it exists), and for a platform admin who has
    not said why, the form that asks (which reveals nothing: it is shown for any reference)."""

    @wraps(view)
    def wrapper(request: HttpRequest, reference: str, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        case = selectors.case_by_reference(reference)
        if case is not None and rules.has_perm("referrals.view_case", user, case):
            return view(request, Access(case), *args, **kwargs)
        if rules.has_perm("referrals.view_case_with_reason", user):
            reason = admin_reason(request, reference)
            if not reason:
                return redirect(reason_form_url(reference))
            if case is not None:
                return view(request, Access(case, reason), *args, **kwargs)
        raise Http404("No case found")

    return login_required(wrapper)


def posted(request: HttpRequest) -> Any:
    """The submitted data of a POST (even an empty one, so it is checked), else None."""
    return request.POST if request.method == "POST" else None


def add_domain_error(form: Any, exc: DomainError) -> None:
    """Show an action's refusal next to its field when the form has one, else at the top (the
    error summary shows both)."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc))


def attempt(form: Any, action: Callable[..., Any], **arguments: Any) -> Any:
    """``action(**arguments)``, or None when it refuses: the reason then goes on ``form``, which
    the page shows again with what was typed."""
    try:
        return action(**arguments)
    except DomainError as exc:
        add_domain_error(form, exc)
        return None


def forbidden(request: HttpRequest, title: str, reason: str, back: tuple[str, str]
              ) -> HttpResponse:
    """A 403 page that says why, for something the user may see but not do."""
    return render(request, "referrals/forbidden.html",
                  {"title": title, "reason": reason, "back": back, "nav_section": NAV},
                  status=403)


