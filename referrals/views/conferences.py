"""Recording a case conference: held (when, what was agreed, who came by role and
organisation) or missed. Any involved agency's caseworker records it; once recorded, the page
shows the record. The lead agency moves a planned conference or cancels it, saying why."""

from __future__ import annotations

from typing import Any

import rules
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from core import clock
from core.display import display_name, govuk_date
from partnerships.models import Membership, Organisation

from .. import actions
from ..choices import AttendeeRole, CaseStatus, ConferenceStatus, ReferralStatus
from ..forms import ConferenceCancelForm, ConferenceForm, ConferenceMoveForm
from ..models import CaseConference
from .common import NAV, Access, attempt, case_view, forbidden, posted


def _defaults(case: Any) -> dict[str, int | None]:
    """The likely organisations: the lead agency's offender manager, and the treatment worker
    of the service the case was most recently accepted into."""
    lead = case.lead_agencies.current().first()
    accepted = (case.referrals.filter(status=ReferralStatus.ACCEPTED)
                .order_by("-responded_at", "-pk").first())
    return {AttendeeRole.OFFENDER_MANAGER: lead.organisation_id if lead else None,
            AttendeeRole.TREATMENT_WORKER: accepted.to_organisation_id if accepted else None}


def _organisations(case: Any) -> list[Organisation]:
    """Current members of the case's partnership: whoever may come to its meetings."""
    return list(Organisation.objects.filter(
        pk__in=Membership.objects.active_on(clock.today())
        .filter(partnership_id=case.partnership_id).values("organisation_id")).order_by("name"))


@case_view
@require_http_methods(["GET", "POST"])
def conference(request: HttpRequest, access: Access, pk: int) -> HttpResponse:
    """A planned conference's form; a recorded one's record."""
    case, user = access.case, request.user
    item = (CaseConference.objects.filter(case=case, pk=pk)
            .exclude(status=ConferenceStatus.CANCELLED).first())
    if item is None:
        raise Http404("No conference found")
    back = (reverse("referrals:case", args=[case.reference]), f"Back to case {case.reference}")
    if item.status != ConferenceStatus.PLANNED:
        attendees = list(item.attendees.select_related("organisation").order_by("pk"))
        return render(request, "referrals/conference_record.html", {
            "case": case, "conference": item, "attendees": attendees,
            "recorded_by": display_name(item.recorded_by), "nav_section": NAV})
    if case.status == CaseStatus.CLOSED:
        return forbidden(request, f"Case {case.reference} is closed",
                         "A closed case cannot be changed, so its conferences cannot be "
                         "recorded.", back)
    if not rules.has_perm("referrals.record_conference", user, item):
        return forbidden(request, "You cannot record this conference",
                         "Conferences are recorded by caseworkers of the agencies involved in "
                         "the case.", back)
    form = ConferenceForm(posted(request), organisations=_organisations(case),
                          defaults=_defaults(case))
    if request.method == "POST" and form.is_valid():
        if attempt(form, actions.conference_record, conference=item, by=user,
                   **form.arguments()):
            word = "held" if form.cleaned_data["held"] == "held" else "missed"
            messages.success(request, f"The {item.get_kind_display().lower()} planned for "
                                      f"{govuk_date(item.planned_on)} was recorded as {word}.")
            return redirect("referrals:case", reference=case.reference)
        item.refresh_from_db()
    return render(request, "referrals/conference_form.html",
                  {"case": case, "conference": item, "form": form, "nav_section": NAV})


def _planned_or_refusal(request: HttpRequest, access: Access, pk: int,
                        what: str) -> CaseConference | HttpResponse:
    """The planned conference ``pk`` of the case, once the user may ``what`` it (the case's
    lead agency, the case open); otherwise the 403 page that says why. A conference the user
    cannot know of (another case's, or one a re-plan replaced) is a 404."""
    case = access.case
    item = (CaseConference.objects.filter(case=case, pk=pk)
            .exclude(status=ConferenceStatus.CANCELLED).first())
    if item is None:
        raise Http404("No conference found")
    back = (reverse("referrals:case", args=[case.reference]), f"Back to case {case.reference}")
    done = "moved" if what == "move" else "cancelled"
    if case.status == CaseStatus.CLOSED:
        return forbidden(request, f"Case {case.reference} is closed",
                         f"A closed case cannot be changed, so you cannot {what} its "
                         "conferences.", back)
    if not rules.has_perm("referrals.manage_conference", request.user, item):
        return forbidden(request, f"You cannot {what} this conference",
                         f"Only caseworkers of the case's lead agency can {what} its "
                         "conferences.", back)
    if item.status != ConferenceStatus.PLANNED:
        return forbidden(request, f"You cannot {what} this conference",
                         f"It is {item.get_status_display().lower()}: only a planned "
                         f"conference can be {done}.", back)
    return item


@case_view
@require_http_methods(["GET", "POST"])
def conference_move(request: HttpRequest, access: Access, pk: int) -> HttpResponse:
    """The lead agency moves a planned conference to another working day (and time), saying
    why; the agencies involved are told."""
    case = access.case
    item = _planned_or_refusal(request, access, pk, "move")
    if isinstance(item, HttpResponse):
        return item
    form = ConferenceMoveForm(posted(request), initial={"planned_on": item.planned_on,
                                                        "planned_time": (
                                                            f"{item.planned_time:%H:%M}"
                                                            if item.planned_time else "")})
    was = item.planned_on
    if request.method == "POST" and form.is_valid():
        if attempt(form, actions.conference_move, conference=item, by=request.user,
                   **form.arguments()):
            messages.success(request, f"The {item.get_kind_display().lower()} moved from "
                                      f"{govuk_date(was)} to {govuk_date(item.planned_on)}. "
                                      "The agencies involved in the case were told.")
            return redirect("referrals:case", reference=case.reference)
        item.refresh_from_db()
    return render(request, "referrals/conference_move.html",
                  {"case": case, "conference": item, "form": form, "nav_section": NAV})


@case_view
@require_http_methods(["GET", "POST"])
def conference_cancel(request: HttpRequest, access: Access, pk: int) -> HttpResponse:
    """The lead agency cancels a planned conference, saying why; the agencies involved are
    told."""
    case = access.case
    item = _planned_or_refusal(request, access, pk, "cancel")
    if isinstance(item, HttpResponse):
        return item
    form = ConferenceCancelForm(posted(request))
    if request.method == "POST" and form.is_valid():
        if attempt(form, actions.conference_cancel, conference=item, by=request.user,
                   reason=form.cleaned_data["reason"]):
            messages.success(request, f"The {item.get_kind_display().lower()} planned for "
                                      f"{govuk_date(item.planned_on)} was cancelled. The "
                                      "agencies involved in the case were told.")
            return redirect("referrals:case", reference=case.reference)
        item.refresh_from_db()
    return render(request, "referrals/conference_cancel.html",
                  {"case": case, "conference": item, "form": form, "nav_section": NAV})
