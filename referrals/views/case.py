"""The case page and what the agencies involved do from it: its lead agency changes the order
and risk, hands over the lead or closes the case; any involved agency records an assessment;
the lead agency reads who has looked at the case.

Every view of the case page is written to the case's access log (``actions.case_read``), with
the platform admin's reason when it is one who opened it.
"""

from __future__ import annotations

from typing import Any

import rules
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from core import clock
from core.display import display_name, govuk_date, govuk_datetime
from core.errors import DomainError
from core.pagination import paginate

from .. import actions, retention, selectors
from ..choices import CaseStatus
from ..forms import (
    AssessmentForm,
    CaseReopenForm,
    CaseUpdateForm,
    LeadChangeForm,
    case_update_initial,
)
from .common import NAV, Access, attempt, case_view, forbidden, posted
from .custody_panel import custody_panel


def _back(access: Access) -> tuple[str, str]:
    """A link back to the case page (address, text)."""
    return (reverse("referrals:case", args=[access.case.reference]),
            f"Back to case {access.case.reference}")


def _closed(request: HttpRequest, access: Access, what: str) -> HttpResponse | None:
    if access.case.status == CaseStatus.CLOSED:
        return forbidden(request, f"Case {access.case.reference} is closed",
                         f"A closed case cannot be changed, so you cannot {what}.",
                         _back(access))
    return None


def _lead_only(request: HttpRequest, access: Access, what: str) -> HttpResponse | None:
    """A 403 that says why, unless the user's organisation leads the open case."""
    if (refusal := _closed(request, access, what)) is not None:
        return refusal
    if not rules.has_perm("referrals.change_case", request.user, access.case):
        return forbidden(request, f"You cannot {what}",
                         f"Only caseworkers of the case's lead agency can {what}.",
                         _back(access))
    return None


@case_view
@require_GET
def case_detail(request: HttpRequest, access: Access) -> HttpResponse:
    """The case: the person (pseudonymous), the order, the lead agency and its history, and one
    timeline of referrals, assessments, conferences and notices; what the user may do next."""
    user, case = request.user, access.case
    actions.case_read(case=case, by=user, channel="page", reason=access.reason)
    involved = not access.by_reason
    file = selectors.case_file(case, with_identifiers=involved)
    is_open = case.status == CaseStatus.OPEN
    # view_case held, so the user is an involved caseworker: the refer / record-conference /
    # record-assessment rules (the same predicates) hold too, without asking the database again.
    may_work = involved and is_open
    current = file.current_lead
    return render(request, "referrals/case_detail.html", {
        "access": access,
        "case": case,
        "file": file,
        "involved": involved,
        "current_lead": current,
        "lead_is_mine": bool(current and current.organisation_id == user.organisation_id),
        "leads": [(lead, display_name(lead.set_by)) for lead in file.leads],
        "may_work": may_work,
        "may_lead": is_open and rules.has_perm("referrals.change_case", user, case),
        "may_reopen": (not is_open and case.anonymised_on is None
                       and rules.has_perm("referrals.change_case", user, case)),
        "anonymise_on": (retention.anonymisation_due_on(case)
                         if not is_open and case.anonymised_on is None else None),
        "may_read_log": rules.has_perm("referrals.view_access_log", user, case),
        "seriousness_tag": selectors.SERIOUSNESS_TAGS.get(case.seriousness, ""),
        # The custody buttons show with may_work: view_case held makes record_custody,
        # plan_release and record_first_appointment hold too (each is involved-or-more).
        "custody": custody_panel(case),
        "nav_section": NAV,
    })


@case_view
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, access: Access) -> HttpResponse:
    """The lead agency changes the order's dates or the risk picture; future meetings that
    have not been held are planned again."""
    case = access.case
    if (refusal := _lead_only(request, access, "change the order or risk")) is not None:
        return refusal
    form = CaseUpdateForm(posted(request), initial=case_update_initial(case))
    if request.method == "POST" and form.is_valid():
        changes = form.changes(case)
        if not changes:
            messages.success(request, "Nothing was changed.")
            return redirect("referrals:case", reference=case.reference)
        if attempt(form, actions.case_update, case=case, by=request.user,
                   **form.arguments(case)):
            messages.success(request, f"Case {case.reference} was updated. Meetings not yet "
                                      "held were planned again.")
            return redirect("referrals:case", reference=case.reference)
        case.refresh_from_db()
    return render(request, "referrals/case_edit.html",
                  {"case": case, "form": form, "nav_section": NAV})


@case_view
@require_http_methods(["GET", "POST"])
def lead_change(request: HttpRequest, access: Access) -> HttpResponse:
    """The lead agency hands the lead to another member of the partnership."""
    case = access.case
    if (refusal := _lead_only(request, access, "change the lead agency")) is not None:
        return refusal
    current = case.lead_agencies.current().select_related("organisation").first()
    form = LeadChangeForm(posted(request), case=case,
                          current_lead_id=current.organisation_id if current else None)
    if request.method == "POST" and form.is_valid():
        organisation = form.chosen()
        if attempt(form, actions.lead_agency_change, case=case, organisation=organisation,
                   starts_on=form.cleaned_data["starts_on"], by=request.user):
            messages.success(request, f"{organisation} leads case {case.reference} from "
                                      f"{govuk_date(form.cleaned_data['starts_on'])}.")
            return redirect("referrals:case", reference=case.reference)
    return render(request, "referrals/lead_change.html",
                  {"case": case, "form": form, "current": current, "nav_section": NAV})


@case_view
@require_http_methods(["GET", "POST"])
def case_close(request: HttpRequest, access: Access) -> HttpResponse:
    """Close the case, after a confirmation page that says what closing does, the day the
    person's details will be removed (``retention.anonymisation_due_on``) and that the case
    can be reopened until then."""
    case = access.case
    if (refusal := _lead_only(request, access, "close the case")) is not None:
        return refusal
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        try:
            actions.case_close(case=case, by=request.user)
        except DomainError as exc:
            errors.append({"href": "#close", "text": str(exc)})
        else:
            messages.success(request, f"Case {case.reference} was closed. The person's details "
                                      "will be removed on "
                                      f"{govuk_date(retention.anonymisation_due_on(case))}; "
                                      "until then the case can be reopened.")
            return redirect("referrals:case", reference=case.reference)
    return render(request, "referrals/case_close.html", {
        "case": case, "errors": errors, "nav_section": NAV,
        "anonymise_on": retention.anonymisation_due_on(case, clock.today()),
        "retention_months": retention.retention_months_for(case),
        "removed": retention.REMOVED_AT_ANONYMISATION})


@case_view
@require_http_methods(["GET", "POST"])
def case_reopen(request: HttpRequest, access: Access) -> HttpResponse:
    """Reopen a closed case, saying why: the lead agency's undo, until the case is
    anonymised."""
    case = access.case
    if case.status != CaseStatus.CLOSED:
        return forbidden(request, f"Case {case.reference} is open",
                         "Only a closed case can be reopened.", _back(access))
    if not rules.has_perm("referrals.change_case", request.user, case):
        return forbidden(request, "You cannot reopen the case",
                         "Only caseworkers of the case's lead agency can reopen it.",
                         _back(access))
    if case.anonymised_on is not None:
        return forbidden(request, f"Case {case.reference} was anonymised",
                         f"It was anonymised on {govuk_date(case.anonymised_on)}, so it cannot be "
                         "reopened. Open a new case instead.", _back(access))
    form = CaseReopenForm(posted(request))
    if request.method == "POST" and form.is_valid():
        if attempt(form, actions.case_reopen, case=case, by=request.user,
                   reason=form.cleaned_data["reason"]):
            messages.success(request, f"Case {case.reference} was reopened. It will not be "
                                      "anonymised while it is open.")
            return redirect("referrals:case", reference=case.reference)
        case.refresh_from_db()
    return render(request, "referrals/case_reopen.html", {
        "case": case, "form": form, "nav_section": NAV,
        "anonymise_on": retention.anonymisation_due_on(case)})


@case_view
@require_http_methods(["GET", "POST"])
def assessment_new(request: HttpRequest, access: Access) -> HttpResponse:
    """Record an assessment by the user's organisation, after seeing the person's recent ones."""
    case, user = access.case, request.user
    if (refusal := _closed(request, access, "record an assessment")) is not None:
        return refusal
    if not rules.has_perm("referrals.record_assessment", user, case):
        return forbidden(request, "You cannot record an assessment",
                         "Assessments are recorded by caseworkers of the agencies involved in "
                         "the case.", _back(access))
    recent = actions.recent_assessments(case=case)
    form = AssessmentForm(posted(request), user=user, recent=recent)
    if (request.method == "POST" and form.is_valid()
            and attempt(form, actions.assessment_record, case=case,
                        organisation=user.organisation, by=user, **form.arguments())):
        messages.success(request, f"The assessment was recorded on case {case.reference}.")
        return redirect("referrals:case", reference=case.reference)
    return render(request, "referrals/assessment_new.html",
                  {"case": case, "form": form, "recent": recent, "nav_section": NAV})


@case_view
@require_GET
def access_log(request: HttpRequest, access: Access) -> HttpResponse:
    """Who has read the case, when, from which organisation, and any reason given: for the lead
    agency (and platform admins)."""
    case = access.case
    if not rules.has_perm("referrals.view_access_log", request.user, case):
        return forbidden(request, "You cannot read this case's access log",
                         "Only the case's lead agency can read who has looked at the case.",
                         _back(access))
    result = paginate(selectors.access_log(case), request.GET.get("page"))
    rows: list[dict[str, Any]] = [
        {"when": govuk_datetime(row.accessed_at), "who": display_name(row.user) or "A deleted user",
         "organisation": row.organisation.name if row.organisation else "No organisation",
         "channel": row.get_channel_display() + (f" via API token ‘{row.api_token.name}’"
                                                  if row.api_token else ""),
         "reason": row.reason}
        for row in result.page.object_list]
    return render(request, "referrals/access_log.html", {
        "case": case, "page": result.page, "rows": rows, "page_notice": result.notice,
        "nav_section": NAV})
