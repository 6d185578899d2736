"""End-of-order notices addressed to the user's organisation: when an order ends while
treatment continues, every agency involved is told who is responsible from then on, and each
acknowledges it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.display import display_name, govuk_datetime
from core.errors import DomainError
from core.pagination import paginate
from referrals.rules import is_caseworker

from .. import actions, selectors
from .common import NAV


@login_required
@require_GET
def notices(request: HttpRequest) -> HttpResponse:
    """Unacknowledged notices first, each with an Acknowledge button; then those acknowledged."""
    user = request.user
    result = paginate(selectors.notices_for(user), request.GET.get("page"))
    rows = [{"notice": n, "sent": govuk_datetime(n.created_on),
             "acknowledged": govuk_datetime(n.acknowledged_at),
             "acknowledged_by": display_name(n.acknowledged_by)}
            for n in result.page.object_list]
    return render(request, "referrals/notices.html", {
        "page": result.page, "rows": rows, "page_notice": result.notice,
        "caseworker": is_caseworker(user), "nav_section": NAV, "casework_tab": "notices"})


@login_required
@require_POST
def notice_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """Acknowledge a notice addressed to the user's organisation (others are a 404)."""
    notice = selectors.notices_for(request.user).filter(pk=pk).first()
    if notice is None:
        raise Http404("No notice found")
    try:
        actions.notice_acknowledge(notice=notice, by=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"You acknowledged the end-of-order notice on case "
                                  f"{notice.case.reference}.")
    return redirect("referrals:notices")
