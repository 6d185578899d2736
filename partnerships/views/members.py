"""Pages where a partnership's managers keep who is in it up to date: add a member, end a
membership, change the lead partner, assign and end the lead for each activity, record funding
and end it early. All are reached from the "Manage" section and the tables of the partnership
page, and all go back there (to the right section) with a success banner.

As on the review pages: a partnership the user may not read is not found (404); one they may
read but not manage answers 403 with the reason. ``partnerships.manage_partnership`` is asked
once per request. Views stay thin: ``partnerships.actions`` does the writing and checks every
rule again; a refusal (``DomainError``) is shown next to the field it names, with everything
that was typed still in the form. Changes others rely on (ending a membership, handing over the
lead partner role) have a check-your-answers step that says what will happen.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import rules
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_http_methods

from core import clock
from core.display import govuk_date, money
from core.errors import DomainError

from .. import actions
from ..choices import MemberRole
from ..forms.members import (
    FundingAddForm,
    FundingEndForm,
    LeadAssignForm,
    LeadEndForm,
    LeadPartnerChangeForm,
    MemberAddForm,
    MembershipEndForm,
)
from ..models import Funding, LeadResponsibility, Membership, Partnership
from ..selectors.leads import leads_ending_with

MANAGE = "partnerships.manage_partnership"
NAV = "search"
REASON = ("Members, lead partners, activity leads and funding are kept up to date by the lead "
          "partner's partnership managers and platform admins.")
#: The hidden fields of a check-your-answers page that are not answers.
_NOT_ANSWERS = {"csrfmiddlewaretoken", "confirm", "change"}


# -- helpers -------------------------------------------------------------------------------------


def _partnership(request: HttpRequest, slug: str) -> Partnership:
    """The partnership, if the user may read it; otherwise not found."""
    partnership = Partnership.objects.visible_to(request.user).filter(slug=slug).first()
    if partnership is None:
        raise Http404("No partnership found.")
    return partnership


def _may_manage(request: HttpRequest, partnership: Partnership) -> bool:
    # Ask the rules registry directly: user.has_perm() would fall through to ModelBackend.
    return bool(rules.has_perm(MANAGE, request.user, partnership))


def _forbidden(request: HttpRequest, partnership: Partnership, title: str) -> HttpResponse:
    return render(request, "partnerships/manage/members_forbidden.html", {
        "partnership": partnership, "title": title, "reason": REASON, "nav_section": NAV},
        status=403)


def _posted(request: HttpRequest) -> Any:
    """The submitted data of a POST (even an empty one, so it is checked), else None."""
    return request.POST if request.method == "POST" else None


def _attempt(form: forms.Form, action: Callable[..., Any], **arguments: Any) -> Any:
    """``action(**arguments)``, or None when it refuses: the reason goes on the form, next to
    the field it names (or each field of a model validation), else at the top."""
    try:
        return action(**arguments)
    except DomainError as exc:
        if exc.field is None and hasattr(exc, "error_dict"):
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        return None


def _back(partnership: Partnership, anchor: str) -> str:
    return reverse("partnerships:detail", args=[partnership.slug]) + f"#{anchor}"


def _done(request: HttpRequest, partnership: Partnership, anchor: str,
          message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(_back(partnership, anchor))


def _answers(request: HttpRequest) -> list[tuple[str, str]]:
    """What was typed, to carry through the check-your-answers page as hidden fields."""
    return [(name, value) for name in request.POST if name not in _NOT_ANSWERS
            for value in request.POST.getlist(name)]


def _page(request: HttpRequest, template: str, partnership: Partnership,
          **context: Any) -> HttpResponse:
    return render(request, f"partnerships/manage/{template}", {
        "partnership": partnership, "back_url": reverse("partnerships:detail",
                                                        args=[partnership.slug]),
        "nav_section": NAV, **context})


def _confirming(request: HttpRequest) -> bool:
    return request.method == "POST" and "confirm" in request.POST


def _checking(request: HttpRequest) -> bool:
    """A first submission (not a confirmation, nor "Change" from the check page)."""
    return request.method == "POST" and not ({"confirm", "change"} & set(request.POST))


def _day_before(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=1)


# -- members -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def member_add(request: HttpRequest, slug: str) -> HttpResponse:
    """Add an organisation to the partnership in a role from a date."""
    partnership = _partnership(request, slug)
    if not _may_manage(request, partnership):
        return _forbidden(request, partnership, "You cannot add members to this partnership")
    form = MemberAddForm(_posted(request), initial={"joined_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        added = _attempt(form, actions.membership_add, partnership=partnership,
                         organisation=data["organisation"], role=data["role"],
                         joined_on=data["joined_on"], by=request.user)
        if added is not None:
            return _done(request, partnership, "members",
                         f"{added.organisation.name} is a {added.get_role_display().lower()} "
                         f"from {govuk_date(added.joined_on)}.")
    return _page(request, "member_add.html", partnership, form=form)


def _ending_leads(membership: Membership, left_on: datetime.date) -> list[LeadResponsibility]:
    """The lead responsibilities that ``membership_end`` will end on ``left_on`` (its own
    selector, so the check page and the action agree)."""
    return list(leads_ending_with(membership, left_on).select_related("activity")
                .order_by("activity__position", "activity__name"))


@login_required
@require_http_methods(["GET", "POST"])
def membership_end(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """End a current membership on a date, after a check page that lists the lead
    responsibilities ending with it."""
    partnership = _partnership(request, slug)
    membership = (Membership.objects.filter(partnership=partnership, pk=pk, left_on=None)
                  .select_related("organisation").first())
    if membership is None:
        raise Http404("No current membership found.")
    if not _may_manage(request, partnership):
        return _forbidden(request, partnership, "You cannot end this membership")
    membership.partnership = partnership  # already read: spare a query
    form = MembershipEndForm(_posted(request), initial={"left_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _confirming(request):
            ended = _attempt(form, actions.membership_end, membership=membership,
                             left_on=data["left_on"], reason=data["reason"], by=request.user)
            if ended is not None:
                return _done(request, partnership, "members",
                             f"{membership.organisation.name}'s membership ends on "
                             f"{govuk_date(ended.left_on)}.")
        elif _checking(request):
            if data["left_on"] < membership.joined_on:  # say so now, not after confirming
                form.add_error("left_on", f"The date it leaves must be on or after "
                                          f"{govuk_date(membership.joined_on)}, when it joined")
            else:
                return _page(request, "member_end_check.html", partnership,
                             membership=membership, left_on=data["left_on"],
                             last_day=_day_before(data["left_on"]), reason=data["reason"],
                             ending=_ending_leads(membership, data["left_on"]),
                             answers=_answers(request))
    return _page(request, "member_end.html", partnership, form=form, membership=membership)


# -- the lead partner ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def lead_partner_change(request: HttpRequest, slug: str) -> HttpResponse:
    """Hand the lead partner role to another organisation on a date, after a check page:
    "X stops being lead partner on D-1; Y is lead partner from D"."""
    partnership = _partnership(request, slug)
    if not _may_manage(request, partnership):
        return _forbidden(request, partnership, "You cannot change the lead partner")
    current = (partnership.memberships.filter(role=MemberRole.LEAD_PARTNER, left_on=None)
               .select_related("organisation").first())
    form = LeadPartnerChangeForm(_posted(request), has_lead=current is not None,
                                 initial={"effective_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        new_lead, effective_on = data["organisation"], data["effective_on"]
        if _confirming(request):
            done = _attempt(form, actions.lead_partner_change, partnership=partnership,
                            organisation=new_lead, effective_on=effective_on, by=request.user,
                            previous_lead_continues_as=form.continues_as())
            if done is not None:
                return _done(request, partnership, "members",
                             f"{new_lead.name} is lead partner from "
                             f"{govuk_date(effective_on)}.")
        elif _checking(request):
            refusal = _lead_change_refusal(current, new_lead, effective_on)
            if refusal:
                form.add_error(*refusal)
            else:
                continues_as = form.continues_as()
                ending: list[LeadResponsibility] = []
                if current is not None and continues_as is None:
                    current.partnership = partnership
                    ending = _ending_leads(current, effective_on)
                return _page(request, "lead_partner_check.html", partnership,
                             current=current, new_lead=new_lead, effective_on=effective_on,
                             last_day=_day_before(effective_on),
                             continues_as=(MemberRole(continues_as).label.lower()
                                           if continues_as else ""),
                             ending=ending, answers=_answers(request))
    return _page(request, "lead_partner_change.html", partnership, form=form, current=current)


def _lead_change_refusal(current: Membership | None, new_lead: Any,
                         effective_on: datetime.date) -> tuple[str, str] | None:
    """What ``lead_partner_change`` would refuse before anything is asked to be confirmed
    (the action checks again, and checks the rest, on confirming)."""
    if current is None:
        return None
    if current.organisation_id == new_lead.pk:
        return "organisation", f"{new_lead.name} is already the lead partner"
    if effective_on <= current.joined_on:
        return ("effective_on", f"The date must be after {govuk_date(current.joined_on)}, "
                                f"when {current.organisation.name} became lead partner")
    return None


# -- activity leads ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def lead_assign(request: HttpRequest, slug: str) -> HttpResponse:
    """Make a current member the lead for an activity from a date (to a date, or open)."""
    partnership = _partnership(request, slug)
    if not _may_manage(request, partnership):
        return _forbidden(request, partnership, "You cannot assign leads for this partnership")
    today = clock.today()
    initial: dict[str, Any] = {"starts_on": today}
    if request.GET.get("activity", "").isdecimal():
        initial["activity"] = int(request.GET["activity"])
    form = LeadAssignForm(_posted(request), initial=initial, partnership=partnership,
                          today=today)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        lead = _attempt(form, actions.lead_responsibility_assign, partnership=partnership,
                        activity=data["activity"], organisation=data["organisation"],
                        starts_on=data["starts_on"], ends_on=data["ends_on"],
                        contact=data["contact"].strip(), by=request.user)
        if lead is not None:
            until = f" until {govuk_date(_day_before(lead.ends_on))}" if lead.ends_on else ""
            return _done(request, partnership, "lead-agencies",
                         f"{lead.organisation.name} leads '{lead.activity.name}' from "
                         f"{govuk_date(lead.starts_on)}{until}.")
    return _page(request, "lead_assign.html", partnership, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def lead_end(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """End an organisation's lead for an activity on a date."""
    partnership = _partnership(request, slug)
    lead = (LeadResponsibility.objects.filter(partnership=partnership, pk=pk, ends_on=None)
            .select_related("organisation", "activity").first())
    if lead is None:
        raise Http404("No current lead found.")
    if not _may_manage(request, partnership):
        return _forbidden(request, partnership, "You cannot end this lead")
    lead.partnership = partnership
    form = LeadEndForm(_posted(request), initial={"ends_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        ended = _attempt(form, actions.lead_responsibility_end, responsibility=lead,
                         ends_on=form.cleaned_data["ends_on"], by=request.user)
        if ended is not None:
            return _done(request, partnership, "lead-agencies",
                         f"{lead.organisation.name} no longer leads '{lead.activity.name}' "
                         f"from {govuk_date(ended.ends_on)}.")
    return _page(request, "lead_end.html", partnership, form=form, lead=lead)


# -- funding -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def funding_add(request: HttpRequest, slug: str) -> HttpResponse:
    """Record money from a funder for a period."""
    partnership = _partnership(request, slug)
    if not _may_manage(request, partnership):
        return _forbidden(request, partnership, "You cannot record funding for this "
                                                "partnership")
    form = FundingAddForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        funding = _attempt(form, actions.funding_add, partnership=partnership,
                           funder=data["funder"], recipient=data["recipient"],
                           source=data["source"], amount=data["amount"],
                           period_start=data["period_start"], period_end=data["period_end"],
                           reference=data["reference"].strip(), by=request.user)
        if funding is not None:
            return _done(request, partnership, "funding",
                         f"{money(funding.amount)} from {funding.funder.name} is recorded for "
                         f"{govuk_date(funding.period_start)} to "
                         f"{govuk_date(funding.period_end)}.")
    return _page(request, "funding_add.html", partnership, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def funding_end(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """End funding early: its period now stops on an earlier last day."""
    partnership = _partnership(request, slug)
    funding = (Funding.objects.filter(partnership=partnership, pk=pk)
               .select_related("funder").first())
    if funding is None:
        raise Http404("No funding found.")
    if not _may_manage(request, partnership):
        return _forbidden(request, partnership, "You cannot end this funding")
    form = FundingEndForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ended = _attempt(form, actions.funding_end, funding=funding, ends_on=data["ends_on"],
                         reason=data["reason"], by=request.user)
        if ended is not None:
            return _done(request, partnership, "funding",
                         f"The funding from {funding.funder.name} now ends on "
                         f"{govuk_date(ended.period_end)}.")
    return _page(request, "funding_end.html", partnership, form=form, funding=funding)


urlpatterns: list[URLPattern] = [
    path("partnerships/<slug:slug>/members/add/", member_add, name="member-add"),
    path("partnerships/<slug:slug>/members/<int:pk>/end/", membership_end,
         name="membership-end"),
    path("partnerships/<slug:slug>/lead-partner/", lead_partner_change,
         name="lead-partner-change"),
    path("partnerships/<slug:slug>/leads/assign/", lead_assign, name="lead-assign"),
    path("partnerships/<slug:slug>/leads/<int:pk>/end/", lead_end, name="lead-end"),
    path("partnerships/<slug:slug>/funding/add/", funding_add, name="funding-add"),
    path("partnerships/<slug:slug>/funding/<int:pk>/end/", funding_end, name="funding-end"),
]
