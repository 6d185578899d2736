"""The custody pages of a case (issue 18): record reception into a prison, a transfer, the
release, the release plan and the first community appointment after release, each through its
action in ``referrals.actions``, which stays the authority (its refusal is shown on the field it
names). The case page's section is ``views.custody_panel``.

Who may do what is the actions' rules (``referrals.record_custody``, ``referrals.plan_release``,
``referrals.record_first_appointment``); a page refuses up front with the same rule so nobody
fills in a form that cannot be saved."""

from __future__ import annotations

import datetime

import rules
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core import clock
from core.display import govuk_date
from partnerships.choices import OrganisationKind
from partnerships.models import Organisation

from .. import actions
from ..choices import ReferralStatus
from ..continuity import CONTINUITY_DAYS
from ..forms import (
    FirstAppointmentForm,
    ReceptionForm,
    ReleaseForm,
    ReleasePlanForm,
    TransferForm,
)
from ..models import Case, CustodyEpisode, Referral, ReleasePlan
from .case import _back, _closed
from .common import NAV, Access, attempt, case_view, forbidden, posted
from .conferences import _organisations
from .custody_panel import continuity_clock, ended

# -- the pages ------------------------------------------------------------------------------------

_WHO_RECORDS_CUSTODY = ("Custody is recorded by caseworkers of the agencies involved in the case "
                        "and of the prison holding the person.")


def _refusal(request: HttpRequest, access: Access, permission: str, obj: object, what: str,
             who: str) -> HttpResponse | None:
    """The 403 page that says why, unless the case is open and the user has ``permission``."""
    if (refusal := _closed(request, access, what)) is not None:
        return refusal
    if not rules.has_perm(permission, request.user, obj):
        return forbidden(request, f"You cannot {what}", who, _back(access))
    return None


def _episode(access: Access, pk: int) -> CustodyEpisode:
    """The case's custody episode ``pk`` (another case's is a 404, as if it did not exist)."""
    episode = (CustodyEpisode.objects.select_related(
        "case", "establishment", "release_area", "ended_by_transfer_to__establishment")
        .filter(case=access.case, pk=pk).first())
    if episode is None:
        raise Http404("No custody episode found")
    return episode


def _open_episode_or_refusal(request: HttpRequest, access: Access, pk: int, permission: str,
                             what: str, who: str) -> CustodyEpisode | HttpResponse:
    """The case's episode ``pk`` while the person is still held there and the user may
    ``what``; otherwise the 403 page that says why."""
    episode = _episode(access, pk)
    if (refusal := _refusal(request, access, permission, episode, what, who)) is not None:
        return refusal
    if how := ended(episode):
        return forbidden(request, f"You cannot {what}",
                         f"This spell in {episode.establishment.name} has ended: "
                         f"{how[0].lower()}{how[1:]}.", _back(access))
    return episode


def _prisons() -> list[Organisation]:
    return list(Organisation.objects.filter(kind=OrganisationKind.PRISON).order_by("name"))


def _done(request: HttpRequest, case: Case, message: str) -> HttpResponse:
    """Back to the case with the banner; or to the caseload when what was recorded ended the
    user's involvement (a release that passed the lead on), where the case page would be a
    404."""
    if not rules.has_perm("referrals.view_case", request.user, case):
        messages.success(request, f"{message} Your organisation is no longer involved in case "
                                  f"{case.reference}, so you can no longer see it.")
        return redirect("referrals:caseload")
    messages.success(request, message)
    return redirect("referrals:case", reference=case.reference)


def _page(request: HttpRequest, template: str, case: Case, **context: object) -> HttpResponse:
    return render(request, f"referrals/{template}",
                  {"case": case, "nav_section": NAV, **context})


@case_view
@require_http_methods(["GET", "POST"])
def reception(request: HttpRequest, access: Access) -> HttpResponse:
    """Record the person's reception into a prison."""
    case = access.case
    if (refusal := _refusal(request, access, "referrals.record_custody", case,
                            "record custody on this case", _WHO_RECORDS_CUSTODY)) is not None:
        return refusal
    form = ReceptionForm(posted(request), prisons=_prisons())
    if (request.method == "POST" and form.is_valid()
            and (episode := attempt(form, actions.custody_episode_start, case=case,
                                    by=request.user, **form.arguments()))):
        return _done(request, case, f"Reception into {episode.establishment.name} on "
                                    f"{govuk_date(episode.received_on)} was recorded.")
    return _page(request, "custody_reception.html", case, form=form)


def _handover(episode: CustodyEpisode, today: datetime.date) -> str:
    """What the prison the person left keeps: access for the handover, or none."""
    name = episode.establishment.name
    if episode.access_ends_on is None or episode.access_ends_on <= today:
        return f"{name}'s access to the case has ended."
    last_day = episode.access_ends_on - datetime.timedelta(days=1)
    return f"{name} can see the case until {govuk_date(last_day)}, to hand over."


@case_view
@require_http_methods(["GET", "POST"])
def transfer(request: HttpRequest, access: Access, pk: int) -> HttpResponse:
    """Record a transfer to another prison: the case, its plan and its history go with the
    person, and the prison they left keeps access for the handover period."""
    case = access.case
    episode = _open_episode_or_refusal(request, access, pk, "referrals.record_custody",
                                       "record a transfer", _WHO_RECORDS_CUSTODY)
    if isinstance(episode, HttpResponse):
        return episode
    form = TransferForm(posted(request), prisons=[
        p for p in _prisons() if p.pk != episode.establishment_id])
    if (request.method == "POST" and form.is_valid()
            and (receiving := attempt(form, actions.custody_transfer, episode=episode,
                                      by=request.user, **form.arguments()))):
        return _done(request, case, f"The transfer to {receiving.establishment.name} on "
                                    f"{govuk_date(receiving.received_on)} was recorded. "
                                    + _handover(episode, clock.today()))
    return _page(request, "custody_transfer.html", case, form=form, episode=episode)


@case_view
@require_http_methods(["GET", "POST"])
def release(request: HttpRequest, access: Access, pk: int) -> HttpResponse:
    """Record the release: it starts the 21 days to the first community appointment, and hands
    the lead to the plan's community provider when the plan says so."""
    case = access.case
    episode = _open_episode_or_refusal(request, access, pk, "referrals.record_custody",
                                       "record the release", _WHO_RECORDS_CUSTODY)
    if isinstance(episode, HttpResponse):
        return episode
    areas = Organisation.objects.filter(kind=OrganisationKind.LOCAL_AUTHORITY).order_by("name")
    form = ReleaseForm(posted(request), areas=list(areas))
    if request.method == "POST" and form.is_valid():
        before = set(case.lead_agencies.current().values_list("organisation_id", flat=True))
        if attempt(form, actions.custody_release, episode=episode, by=request.user,
                   **form.arguments()):
            message = (f"The release on {govuk_date(episode.released_on)} was recorded. The "
                       f"{CONTINUITY_DAYS} days to the first community appointment have "
                       "started.")
            lead = case.lead_agencies.current().select_related("organisation").first()
            if lead is not None and lead.organisation_id not in before:
                message += f" {lead.organisation.name} now leads the case."
            return _done(request, case, message)
    return _page(request, "custody_release.html", case, form=form, episode=episode)


@case_view
@require_http_methods(["GET", "POST"])
def first_appointment(request: HttpRequest, access: Access, pk: int) -> HttpResponse:
    """The community side records the first appointment after release: attended (on a date) or
    not attended. One outcome per release."""
    case = access.case
    episode = _episode(access, pk)
    if (refusal := _refusal(
            request, access, "referrals.record_first_appointment", episode,
            "record the first appointment",
            "The first community appointment is recorded by caseworkers of the agencies "
            "involved in the case.")) is not None:
        return refusal
    if episode.released_on is None or episode.attended_on or episode.did_not_attend:
        reason = ("The person has not been released from this spell in custody." if
                  episode.released_on is None else
                  "The first appointment after this release is already recorded: "
                  f"{continuity_clock(episode, clock.today())[0].lower()}.")
        return forbidden(request, "You cannot record the first appointment", reason,
                         _back(access))
    form = FirstAppointmentForm(posted(request))
    if (request.method == "POST" and form.is_valid()
            and attempt(form, actions.first_appointment_record, episode=episode,
                        by=request.user, **form.arguments())):
        outcome = continuity_clock(episode, clock.today())[0]
        return _done(request, case, f"The first community appointment was recorded: "
                                    f"{outcome[0].lower()}{outcome[1:]}.")
    return _page(request, "custody_first_appointment.html", case, form=form, episode=episode,
                 days=CONTINUITY_DAYS)


def _plan_choices(case: Case) -> tuple[list[Organisation], list[Referral]]:
    """Who may be the community provider (current members of the case's partnership that are
    not prisons) and the case's referrals to them that are open or completed."""
    providers = [o for o in _organisations(case) if o.kind != OrganisationKind.PRISON]
    referrals = list(case.referrals.filter(
        status__in=[*ReferralStatus.open(), ReferralStatus.COMPLETED],
        to_organisation__in=providers).select_related("to_organisation", "to_service")
        .order_by("created_on", "pk"))
    return providers, referrals


@case_view
@require_http_methods(["GET", "POST"])
def release_plan(request: HttpRequest, access: Access, pk: int) -> HttpResponse:
    """Start or change the release plan of the person's current spell in prison. Every answer
    may wait: what is missing stays a task on the case."""
    case = access.case
    episode = _open_episode_or_refusal(
        request, access, pk, "referrals.plan_release", "change the release plan",
        "The release plan is made by caseworkers of the agencies involved in the case and of "
        "the prison holding the person.")
    if isinstance(episode, HttpResponse):
        return episode
    plan = (ReleasePlan.objects.select_related("community_provider", "referral")
            .filter(episode=episode).first())
    providers, referrals = _plan_choices(case)
    form = ReleasePlanForm(posted(request), providers=providers, referrals=referrals, plan=plan)
    if request.method == "POST" and form.is_valid():
        changes = form.changes(plan)
        if not changes:
            return _done(request, case, "Nothing was changed in the release plan.")
        if attempt(form, actions.release_plan_update, episode=episode, by=request.user,
                   **changes):
            return _done(request, case, f"The release plan of case {case.reference} was "
                                        "saved.")
    return _page(request, "custody_release_plan.html", case, form=form, episode=episode,
                 plan=plan)
