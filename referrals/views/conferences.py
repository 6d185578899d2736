"""Recording a case conference: held (when, what was agreed, who came by role and
organisation) or missed. Any involved agency's caseworker records it; once recorded, the page
shows the record."""

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
from ..forms import ConferenceForm
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
