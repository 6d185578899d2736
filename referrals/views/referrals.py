"""Referrals: the refer form on a case, the inbox of referrals addressed to the user's
organisation (and those it sent), and one referral with what its two organisations can do —
the receiver accepts, declines (saying why) or completes it; the referrer withdraws it.

A referral is visible to the organisations involved in its case (and to a platform admin who
gave a reason for that case); anyone else gets a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.display import display_name, govuk_date, govuk_datetime
from core.errors import DomainError
from core.pagination import paginate
from referrals.rules import is_caseworker

from .. import actions, selectors
from ..choices import CaseStatus, ReferralStatus
from ..forms import DeclineForm, ReferForm, WithdrawForm
from ..models import Referral
from .common import NAV, Access, admin_reason, attempt, case_view, forbidden, posted

# -- referring ------------------------------------------------------------------------------------


@case_view
@require_http_methods(["GET", "POST"])
def refer(request: HttpRequest, access: Access) -> HttpResponse:
    """Refer the case to a service in its partnership. The person's recent assessments are shown
    first; if there are any, the user confirms another is still needed. A refusal (no sharing
    protocol, for example) is shown with everything the user typed."""
    case, user = access.case, request.user
    back = (reverse("referrals:case", args=[case.reference]), f"Back to case {case.reference}")
    if case.status == CaseStatus.CLOSED:
        return forbidden(request, f"Case {case.reference} is closed",
                         "A closed case cannot be referred.", back)
    if not rules.has_perm("referrals.refer", user, case):
        return forbidden(request, "You cannot refer this case",
                         "Referrals are made by caseworkers of the agencies involved in the "
                         "case.", back)
    recent = actions.recent_assessments(case=case)
    form = ReferForm(posted(request), case=case, user=user, recent=recent)
    if request.method == "POST" and form.is_valid():
        arguments = form.arguments()
        # The same form sent twice (its hidden key) finds the referral it already sent.
        key = arguments["idempotency_key"]
        repeated = bool(key) and Referral.objects.filter(idempotency_key=key).exists()
        if referral := attempt(form, actions.referral_send, case=case, by=user, **arguments):
            messages.success(request, f"Referral {referral.reference} was "
                                      f"{'already sent from this form' if repeated else 'sent'} "
                                      f"to {referral.to_service.name}. They are asked to "
                                      f"respond by {govuk_date(referral.response_due_on)}.")
            return redirect("referrals:case", reference=case.reference)
    return render(request, "referrals/refer.html",
                  {"case": case, "form": form, "recent": recent, "nav_section": NAV})


# -- the inbox ------------------------------------------------------------------------------------


def _rows(referrals: list[Referral], user: Any) -> list[dict[str, Any]]:
    caseworker = is_caseworker(user)
    return [{"referral": r, "overdue": selectors.is_overdue(r),
             "tag": selectors.REFERRAL_TAGS.get(r.status, ""),
             # respond_referral is caseworker & addressee: no query needed per row.
             "may_respond": (caseworker and r.status == ReferralStatus.SENT
                             and r.to_organisation_id == user.organisation_id)}
            for r in referrals]


def _listing(request: HttpRequest, tab: str) -> HttpResponse:
    user = request.user
    context: dict[str, Any] = {"tab": tab, "nav_section": NAV, "casework_tab": "referrals",
                               "caseworker": is_caseworker(user)}
    if context["caseworker"]:
        queryset = selectors.inbox(user) if tab == "inbox" else selectors.sent(user)
        result = paginate(queryset, request.GET.get("page"))
        context.update({"page": result.page, "page_notice": result.notice,
                        "rows": _rows(list(result.page.object_list), user)})
    return render(request, "referrals/inbox.html", context)


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """Referrals addressed to the user's organisation: those waiting for an answer first
    (overdue ones tagged), each with Accept and Decline."""
    return _listing(request, "inbox")


@login_required
@require_GET
def sent(request: HttpRequest) -> HttpResponse:
    """Referrals the user's organisation sent, newest first."""
    return _listing(request, "sent")


# -- one referral ---------------------------------------------------------------------------------


def _visible_referral(request: HttpRequest, reference: str) -> tuple[Referral, bool]:
    """The referral and whether the user is involved in its case; a 404 unless they are (or are
    a platform admin who gave a reason for its case)."""
    user = request.user
    related = ("case", "case__person", "from_organisation", "from_service", "to_service",
               "to_organisation", "pathway", "protocol", "protocol__agreement", "sent_by",
               "responded_by")
    referral = (Referral.objects.visible_to(user).select_related(*related)
                .filter(reference=reference).first())
    if referral is not None:
        return referral, True
    if rules.has_perm("referrals.view_case_with_reason", user):
        referral = Referral.objects.select_related(*related).filter(reference=reference).first()
        if referral is not None and admin_reason(request, referral.case.reference):
            return referral, False
    raise Http404("No referral found")


def _render_referral(request: HttpRequest, referral: Referral, involved: bool, *,
                     decline_form: DeclineForm | None = None,
                     withdraw_form: WithdrawForm | None = None,
                     errors: list[str] | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    caseworker = involved and is_caseworker(user)
    is_sent = referral.status == ReferralStatus.SENT
    is_open = referral.status in ReferralStatus.open()
    addressee = caseworker and referral.to_organisation_id == user.organisation_id
    return render(request, "referrals/referral_detail.html", {
        "referral": referral,
        "case": referral.case,
        "tag": selectors.REFERRAL_TAGS.get(referral.status, ""),
        "overdue": selectors.is_overdue(referral),
        "sent_when": govuk_datetime(referral.created_on),
        "sent_by": display_name(referral.sent_by),
        "responded_when": govuk_datetime(referral.responded_at),
        "responded_by": display_name(referral.responded_by),
        "may_respond": addressee and is_sent,
        "may_complete": addressee and referral.status == ReferralStatus.ACCEPTED,
        "may_withdraw": (caseworker and is_open
                         and referral.from_organisation_id == user.organisation_id),
        "decline_form": decline_form or DeclineForm(),
        "withdraw_form": withdraw_form or WithdrawForm(),
        "errors": [{"href": "#main-content", "text": e} for e in errors or []],
        "nav_section": NAV,
    }, status=status)


@login_required
@require_GET
def referral_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """One referral: where it came from and goes to, why, on what lawful basis, its state and
    what the user's organisation can do with it."""
    referral, involved = _visible_referral(request, reference)
    return _render_referral(request, referral, involved)


def _respond_refusal(request: HttpRequest, referral: Referral) -> HttpResponse | None:
    if not rules.has_perm("referrals.respond_referral", request.user, referral):
        return forbidden(request, "You cannot respond to this referral",
                         f"Referral {referral.reference} is addressed to "
                         f"{referral.to_organisation}: only its caseworkers can accept or "
                         "decline it.",
                         (reverse("referrals:referral", args=[referral.reference]),
                          f"Back to referral {referral.reference}"))
    return None


def _respond(request: HttpRequest, reference: str,
             write: Callable[..., Any]) -> tuple[Referral, HttpResponse | None]:
    """Give a one-click answer (accept, complete) to a referral addressed to the user's
    organisation. Returns the referral and, when refused, the page to show instead (the
    referral's page with the reason, or the 403)."""
    referral, involved = _visible_referral(request, reference)
    if (refusal := _respond_refusal(request, referral)) is not None:
        return referral, refusal
    try:
        write(referral=referral, by=request.user)
    except DomainError as exc:
        referral.refresh_from_db()
        return referral, _render_referral(request, referral, involved, errors=[str(exc)])
    return referral, None


@login_required
@require_POST
def referral_accept(request: HttpRequest, reference: str) -> HttpResponse:
    """Accept a referral addressed to the user's organisation (from the inbox or its page)."""
    referral, refused = _respond(request, reference, actions.referral_accept)
    if refused is not None:
        return refused
    messages.success(request, f"You accepted referral {referral.reference} on case "
                              f"{referral.case.reference}.")
    if request.POST.get("from") == "inbox":
        return redirect("referrals:inbox")
    return redirect("referrals:referral", reference=referral.reference)


@login_required
@require_http_methods(["GET", "POST"])
def referral_decline(request: HttpRequest, reference: str) -> HttpResponse:
    """Decline a referral addressed to the user's organisation, saying why."""
    referral, involved = _visible_referral(request, reference)
    if (refusal := _respond_refusal(request, referral)) is not None:
        return refusal
    form = DeclineForm(posted(request))
    if request.method == "POST" and form.is_valid():
        if attempt(form, actions.referral_decline, referral=referral,
                   reason=form.cleaned_data["reason"].strip(), by=request.user):
            messages.success(request, f"You declined referral {referral.reference}. "
                                      f"{referral.from_organisation} can see your reason.")
            return redirect("referrals:inbox")
        referral.refresh_from_db()
    return render(request, "referrals/referral_decline.html",
                  {"referral": referral, "form": form, "nav_section": NAV})


@login_required
@require_POST
def referral_complete(request: HttpRequest, reference: str) -> HttpResponse:
    """The receiving organisation has finished the work the referral asked for."""
    referral, refused = _respond(request, reference, actions.referral_complete)
    if refused is not None:
        return refused
    messages.success(request, f"Referral {referral.reference} is completed.")
    return redirect("referrals:inbox")


@login_required
@require_POST
def referral_withdraw(request: HttpRequest, reference: str) -> HttpResponse:
    """The referring organisation withdraws its referral, saying why."""
    referral, involved = _visible_referral(request, reference)
    user = request.user
    if not (rules.has_perm("referrals.withdraw_referral", user, referral)
            and referral.from_organisation_id == user.organisation_id):
        return forbidden(request, "You cannot withdraw this referral",
                         f"Only caseworkers of {referral.from_organisation}, which sent "
                         f"referral {referral.reference}, can withdraw it.",
                         (reverse("referrals:referral", args=[referral.reference]),
                          f"Back to referral {referral.reference}"))
    form = WithdrawForm(request.POST)
    if form.is_valid() and attempt(form, actions.referral_withdraw, referral=referral,
                                   reason=form.cleaned_data["reason"].strip(),
                                   by=request.user):
        messages.success(request, f"You withdrew referral {referral.reference}.")
        return redirect("referrals:sent")
    referral.refresh_from_db()
    return _render_referral(request, referral, involved, withdraw_form=form)
