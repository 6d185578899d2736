"""The casework home: caseworkers' caseload (and opening a case), commissioners' counts, and a
platform admin's "open a case with a reason" form.

What each role sees here follows need-to-know: caseworkers list the open cases their
organisation is involved in; commissioners see how many open cases the partnerships they fund
hold, never a reference; platform admins list nothing and open one case at a time, saying why.
"""

from __future__ import annotations

from typing import Any

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Role
from core.errors import DomainError
from core.pagination import paginate
from partnerships.models import Membership
from referrals.rules import is_caseworker

from .. import actions, selectors
from ..choices import Seriousness
from ..forms import AdminReasonForm, CaseloadFilterForm, CaseOpenForm
from ..models import Case
from .common import NAV, add_domain_error, forbidden, posted, remember_reason


def _audience(user: Any) -> str:
    if rules.has_perm("referrals.view_case_with_reason", user):
        return "admin"
    if user.role == Role.COMMISSIONER:
        return "commissioner"
    if is_caseworker(user):
        return "caseworker"
    return "none"


def _render_home(request: HttpRequest, reason_form: AdminReasonForm | None = None,
                 status: int = 200) -> HttpResponse:
    user = request.user
    audience = _audience(user)
    context: dict[str, Any] = {"audience": audience, "nav_section": NAV,
                               "casework_tab": "caseload"}
    if audience == "admin":
        context["reason_form"] = reason_form or AdminReasonForm(
            initial={"reference": request.GET.get("reference", "")[:12]})
    elif audience == "commissioner":
        context["counts"] = selectors.commissioner_counts(user)
        context["levels"] = Seriousness.labels
    elif audience == "caseworker":
        data = request.GET.copy()
        data.setdefault("lead", "all")
        filters = CaseloadFilterForm(data)
        if not filters.is_valid():  # a hand-edited address: list everything, say nothing
            filters = CaseloadFilterForm({"lead": "all"})
        chosen = filters.filters()
        result = paginate(selectors.caseload(user, **chosen), request.GET.get("page"))
        cases = list(result.page.object_list)
        for case in cases:
            case.seriousness_tag = selectors.SERIOUSNESS_TAGS.get(case.seriousness, "")
        context.update({
            "filters": filters,
            "filtered": chosen["lead_only"] or bool(chosen["seriousness"]),
            "page": result.page,
            "page_notice": result.notice,
            "cases": cases,
            "may_open": Membership.objects.current().filter(
                organisation_id=user.organisation_id).exists(),
        })
    return render(request, "referrals/caseload.html", context, status=status)


@login_required
@require_GET
def caseload(request: HttpRequest) -> HttpResponse:
    """My caseload: open cases my organisation is involved in, soonest-ending first, filtered by
    who leads and by seriousness."""
    return _render_home(request)


@login_required
@require_POST
def case_find(request: HttpRequest) -> HttpResponse:
    """A platform admin opens one case by reference, giving a reason that is logged with every
    view of the case (``actions.case_read``)."""
    if not rules.has_perm("referrals.view_case_with_reason", request.user):
        return forbidden(request, "You cannot open cases by reference",
                         "Only platform admins open a case by its reference with a reason. "
                         "Your caseload lists the cases your organisation is involved in.",
                         (reverse("referrals:caseload"), "Back to your caseload"))
    form = AdminReasonForm(request.POST)
    if form.is_valid():
        reference = form.cleaned_data["reference"]
        if Case.objects.filter(reference=reference).exists():
            remember_reason(request, reference, form.cleaned_data["reason"])
            return redirect("referrals:case", reference=reference)
        form.add_error("reference", f"No case has the reference {reference}: check it and try "
                                    "again")
    return _render_home(request, form)


@login_required
@require_http_methods(["GET", "POST"])
def case_open(request: HttpRequest) -> HttpResponse:
    """Open a case in one of the user's organisation's partnerships: the order, its lead agency
    and the little the work needs about the person. Its conferences are planned at once.

    Safe to send twice: the form's hidden key finds the case it already opened (then the page
    goes there), and an open case for the same prison number and lead agency is refused with a
    link to it."""
    user = request.user
    form = CaseOpenForm(posted(request), user=user)
    existing: str | None = None
    if not is_caseworker(user) or not form.partnerships:
        return forbidden(request, "You cannot open a case",
                         "Cases are opened by provider staff and partnership managers of an "
                         "organisation that is a current member of a partnership.",
                         (reverse("referrals:caseload"), "Back to casework"))
    if request.method == "POST" and form.is_valid():
        partnership = form.partnership_object()
        if not rules.has_perm("referrals.open_case", user, partnership):
            form.add_error("partnership", "Your organisation is not a current member of this "
                                          "partnership")
        else:
            arguments = form.arguments()
            key = arguments["idempotency_key"]
            repeated = bool(key) and Case.objects.filter(idempotency_key=key).exists()
            try:
                case = actions.case_open(by=user, **arguments)
            except DomainError as exc:
                add_domain_error(form, exc)
                existing = getattr(exc, "existing_reference", None)
            else:
                done = "already opened from this form" if repeated else "opened"
                messages.success(request, f"Case {case.reference} was {done}. Its three-way "
                                          "meetings are planned below.")
                return redirect("referrals:case", reference=case.reference)
    return render(request, "referrals/case_open.html",
                  {"form": form, "nav_section": NAV, "existing_case": existing})
