"""Pages of a partnership's frontline insights (``/partnerships/<slug>/governance/insights/``).

- ``insights``: the "Record an insight" form for staff of member organisations, and the
  partnership's insights (filters by theme and status, pagination), for whoever may read its
  governance.
- ``my_insights``: the signed-in author's own insights with what became of them and the replies.
- ``insight_detail``: one insight in full; for the partnership's managers and its bodies'
  chairs, the three ways to triage it (to a body's next agenda, to an action, closed with a
  reply).

As on the reviews pages: a partnership the user may not read is not found (404); an action they
may not take answers 403 with the reason. ``governance.actions`` does the writing and checks
everything again; ``governance.insights`` does the reading.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from core import clock
from core.date_input import date_field
from core.pagination import paginate
from partnerships.models import Organisation, Partnership
from referrals.models import ReferralPathway
from services.models import Service

from .. import actions
from .. import insights as reads
from ..actions.insights import CANNOT_RECORD, CANNOT_TRIAGE, MAX_REPLY, MAX_TEXT, NEXT_STEPS
from ..choices import InsightStatus, InsightTheme
from ..models import Body
from .common import attempt, partnership_for

VIEW = "governance.view"
NAV = "search"
PER_PAGE = 20

NO_PERSONAL_DATA = "Do not include names, prison numbers or dates of birth."


# -- forms ---------------------------------------------------------------------------------------


class ServiceChoiceField(forms.ModelChoiceField):
    """Services named with their provider: two organisations may run services of one name."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.provider.name})"


class BodyChoiceField(forms.ModelChoiceField):
    """Boards and groups by name (the partnership is the page's)."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class RecordForm(forms.Form):
    """A barrier or an insight, in general terms, optionally about a pathway or a service."""

    theme = forms.ChoiceField(label="What is it about?", choices=InsightTheme.choices,
                              widget=forms.RadioSelect,
                              error_messages={"required": "Select what the insight is about"})
    text = forms.CharField(
        label="Describe the barrier or insight", max_length=MAX_TEXT, widget=forms.Textarea,
        help_text=f"What happened, how often, and what would help. {NO_PERSONAL_DATA}",
        error_messages={"required": "Describe the barrier or insight",
                        "max_length": f"The insight must be {MAX_TEXT} characters or fewer"})
    pathway = forms.ModelChoiceField(label="Referral pathway (optional)", required=False,
                                     queryset=ReferralPathway.objects.none(),
                                     empty_label="Not about one pathway")
    service = ServiceChoiceField(label="Service (optional)", required=False,
                                     queryset=Service.objects.none(),
                                     empty_label="Not about one service")

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pathway = self.fields["pathway"]
        service = self.fields["service"]
        assert isinstance(pathway, forms.ModelChoiceField)
        assert isinstance(service, forms.ModelChoiceField)
        pathway.queryset = reads.pathways_for(partnership)
        service.queryset = reads.services_for(partnership)


class FilterForm(forms.Form):
    """Filters of the list (unknown values are ignored, never an error)."""

    theme = forms.ChoiceField(label="Theme", required=False,
                              choices=[("", "All themes"), *InsightTheme.choices])
    status = forms.ChoiceField(label="Status", required=False,
                               choices=[("", "Any status"), *InsightStatus.choices])


class AgendaForm(forms.Form):
    prefix = "agenda"
    body = BodyChoiceField(
        label="Board or group", queryset=Body.objects.none(),
        empty_label="Choose a board or group",
        error_messages={"required": "Choose the board or group whose agenda it goes on"})

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["body"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = reads.current_bodies(partnership)


class ActionForm(forms.Form):
    prefix = "action"
    text = forms.CharField(
        label="What needs to be done? (optional)", required=False, widget=forms.Textarea,
        max_length=MAX_TEXT, help_text="Leave empty to use the insight's own words.",
        error_messages={"max_length": f"The action must be {MAX_TEXT} characters or fewer"})
    owner_organisation = forms.ModelChoiceField(
        label="Which organisation owns the action?", queryset=Organisation.objects.none(),
        empty_label="Choose an organisation",
        error_messages={"required": "Choose the organisation that owns the action"})
    due_on = date_field("When is it due?", "the date the action is due")

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner_organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        members = partnership.memberships.active_on(clock.today())
        field.queryset = (Organisation.objects.filter(pk__in=members.values("organisation_id"))
                          .order_by("name"))


class CloseForm(forms.Form):
    prefix = "close"
    reply = forms.CharField(
        label="Reply to the person who raised it", widget=forms.Textarea, max_length=MAX_REPLY,
        help_text=f"Say what the partnership knows or will do. {NO_PERSONAL_DATA}",
        error_messages={"required": "Write a reply to the person who raised it",
                        "max_length": f"The reply must be {MAX_REPLY} characters or fewer"})

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


TRIAGE_FORMS: dict[str, Any] = {
    InsightStatus.TO_AGENDA: AgendaForm, InsightStatus.TO_ACTION: ActionForm,
    InsightStatus.CLOSED: CloseForm}
OUTCOMES = {"agenda": InsightStatus.TO_AGENDA, "action": InsightStatus.TO_ACTION,
            "close": InsightStatus.CLOSED}


# -- helpers -------------------------------------------------------------------------------------




def _forbidden(request: HttpRequest, partnership: Partnership, title: str,
               reason: str) -> HttpResponse:
    return render(request, "governance/forbidden.html", {
        "partnership": partnership, "title": title, "reason": reason, "nav_section": NAV,
        "back_url": reverse("governance:insights", args=[partnership.slug])}, status=403)


def _rows(page: Any, user: Any, triages: bool) -> list[dict[str, Any]]:
    return [{"insight": i, "reply": i.reply if reads.sees_reply(user, i, triages=triages)
             else "", "mine": i.author_id == user.pk} for i in page.object_list]


# -- pages ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def insights(request: HttpRequest, slug: str) -> HttpResponse:
    """The partnership's insights; a POST records one."""
    user = request.user
    partnership = partnership_for(request, slug)
    can_record = reads.may_record(user, partnership)
    if request.method == "POST" and not can_record:
        return _forbidden(request, partnership, "You cannot record an insight", CANNOT_RECORD)
    form = None
    if can_record:
        form = RecordForm(request.POST if request.method == "POST" else None,
                          partnership=partnership)
        if request.method == "POST" and form.is_valid():
            done = attempt(form, actions.insight_record, partnership=partnership, by=user,
                            **form.cleaned_data)
            if done is not None:
                messages.success(request, "Your insight was recorded. You will be told when "
                                          "the chair has looked at it.")
                return redirect("governance:insights", slug=partnership.slug)
    # Unknown values (an old bookmark) are dropped, not shown as errors.
    chosen = {name: request.GET[name] for name, values in (("theme", InsightTheme.values),
                                                           ("status", InsightStatus.values))
              if request.GET.get(name) in values}
    filters = FilterForm(initial=chosen)
    triages = reads.may_triage(user, partnership)
    result = paginate(reads.insights_of(partnership, theme=chosen.get("theme", ""),
                                        status=chosen.get("status", "")),
                      request.GET.get("page"), per_page=PER_PAGE)
    return render(request, "governance/insights/list.html", {
        "partnership": partnership, "form": form, "filters": filters, "filtered": bool(chosen),
        "page": result.page, "page_notice": result.notice,
        "rows": _rows(result.page, user, triages), "triages": triages,
        "nav_section": NAV})


@login_required
@require_GET
def my_insights(request: HttpRequest, slug: str) -> HttpResponse:
    """The signed-in user's own insights with what became of them."""
    partnership = partnership_for(request, slug)
    triages = reads.may_triage(request.user, partnership)
    result = paginate(reads.insights_of(partnership, author=request.user),
                      request.GET.get("page"), per_page=PER_PAGE)
    return render(request, "governance/insights/mine.html", {
        "partnership": partnership, "page": result.page, "page_notice": result.notice,
        "rows": _rows(result.page, request.user, triages),
        "can_record": reads.may_record(request.user, partnership),
        "nav_section": NAV})


@login_required
@require_http_methods(["GET", "POST"])
def insight_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One insight; its triage forms for the partnership's managers and chairs."""
    user = request.user
    partnership = partnership_for(request, slug)
    insight = reads.insights_of(partnership).filter(pk=pk).first()
    if insight is None:
        raise Http404("No insight found.")
    triages = reads.may_triage(user, partnership)
    if request.method == "POST" and not triages:
        return _forbidden(request, partnership, "You cannot triage this insight", CANNOT_TRIAGE)
    steps = NEXT_STEPS[insight.status] if triages else frozenset()
    posted = OUTCOMES.get(request.POST.get("outcome", "")) if request.method == "POST" else None
    if request.method == "POST" and posted not in steps:
        raise Http404("No such way to triage this insight.")
    triage_forms = {step: TRIAGE_FORMS[step](request.POST if step == posted else None,
                                              partnership=partnership)
                    for step in TRIAGE_FORMS if step in steps}
    if posted is not None:
        form = triage_forms[posted]
        if form.is_valid():
            data = form.cleaned_data
            done = None
            if posted == InsightStatus.TO_AGENDA:
                done = attempt(form, actions.insight_to_agenda, insight=insight, by=user,
                                body=data["body"])
                message = f"The insight is on the next agenda of {data['body'].name}."
            elif posted == InsightStatus.TO_ACTION:
                done = attempt(form, actions.insight_to_action, insight=insight, by=user,
                                owner_organisation=data["owner_organisation"],
                                due_on=data["due_on"], text=data["text"])
                message = f"The insight is now an action for {data['owner_organisation']}."
            else:
                done = attempt(form, actions.insight_close, insight=insight, by=user,
                                reply=data["reply"])
                message = "The insight is closed. Its author can read your reply."
            if done is not None:
                messages.success(request, message)
                return redirect("governance:insight", slug=partnership.slug, pk=insight.pk)
            insight.refresh_from_db()
    return render(request, "governance/insights/detail.html", {
        "partnership": partnership, "insight": insight, "triages": triages,
        "reply": insight.reply if reads.sees_reply(user, insight, triages=triages) else "",
        "agenda_form": triage_forms.get(InsightStatus.TO_AGENDA),
        "action_form": triage_forms.get(InsightStatus.TO_ACTION),
        "close_form": triage_forms.get(InsightStatus.CLOSED),
        "nav_section": NAV})
