"""Pages of a partnership's quarterly reviews and its partner engagement report.

- ``reviews``: the next planned review (flagged when overdue), a form to plan one when none is
  (managers), and the held reviews, newest first, with how many organisations came.
- ``review_record``: a planned review's form (date held, attended or sent no one for each
  current member organisation, notes); a held review's record.
- ``review_reschedule``: move the planned review.
- ``engagement`` / ``engagement_export``: attendance by organisation over the last four
  quarters (``partnerships.engagement``), as a page and a CSV download.

As on the monitoring dashboards and casework pages: a partnership (or review) the user may not
read is not found (404), as if it did not exist; a page the user may read but an action they may
not take answers 403 with the reason. Views stay thin: ``partnerships.actions`` does the writing
and checks everything again; ``partnerships.engagement`` does the reading.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import rules
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import clock
from core.csv_export import csv_response
from core.date_input import date_field
from core.display import display_name, govuk_date
from core.errors import DomainError
from core.pagination import paginate

from .. import actions
from .. import engagement as report
from ..choices import ReviewStatus
from ..models import Organisation, Partnership, ReviewMeeting

VIEW = "partnerships.view_reviews"
MANAGE = "partnerships.manage_reviews"
VIEW_ENGAGEMENT = "partnerships.view_engagement"
NAV = "search"
PER_PAGE = 10  # held reviews per page: two and a half years of quarterly meetings

ATTENDED, SENT_NO_ONE = "yes", "no"


# -- forms ---------------------------------------------------------------------------------------


class PlanForm(forms.Form):
    """When the next review will be."""

    planned_on = date_field("Date of the review", "the date of the review",
                            help_text="For example, 5 3 2027")


class CancelForm(forms.Form):
    """Why a planned review will not happen (kept in its notes)."""

    reason = forms.CharField(
        label="Why is the review cancelled?", max_length=300,
        help_text="For example, the lead partner's contract ended. Nothing is planned in its "
                  "place: plan the next review when you know its date.",
        error_messages={"required": "Say why the review is cancelled",
                        "max_length": "The reason must be 300 characters or fewer"})


class RecordForm(forms.Form):
    """A held review: when, who came (by organisation, never by name) and what was agreed."""

    held_on = date_field("When was the review held?", "the date the review was held")
    notes = forms.CharField(
        label="Notes", required=False, max_length=5000, widget=forms.Textarea,
        help_text="What was reviewed and agreed, for example changes to referral pathways. Do "
                  "not name people using services.",
        error_messages={"max_length": "Notes must be 5000 characters or fewer"})

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisations = organisations
        for org in organisations:
            self.fields[self.name_for(org)] = forms.ChoiceField(
                label=org.name, widget=forms.RadioSelect,
                choices=[(ATTENDED, "Attended"), (SENT_NO_ONE, "Sent no one")],
                error_messages={"required": f"Select whether {org.name} attended",
                                "invalid_choice": f"Select whether {org.name} attended"})
        # The notes after the organisations, as the page asks them.
        self.order_fields(["held_on", *[self.name_for(o) for o in organisations], "notes"])

    @staticmethod
    def name_for(organisation: Organisation) -> str:
        return f"organisation_{organisation.pk}"

    def attendance_fields(self) -> list[tuple[Organisation, forms.BoundField]]:
        return [(o, self[self.name_for(o)]) for o in self.organisations]

    def clean_held_on(self) -> datetime.date | None:
        held_on = self.cleaned_data.get("held_on")
        if held_on and held_on > clock.today():
            raise forms.ValidationError("The date the review was held must be today or in "
                                        "the past")
        return held_on

    def arguments(self) -> dict[str, Any]:
        """Keyword arguments of ``actions.review_record`` (without ``meeting`` and ``by``)."""
        data = self.cleaned_data
        return {"held_on": data["held_on"], "notes": data["notes"],
                "attendance": {o.pk: data[self.name_for(o)] == ATTENDED
                               for o in self.organisations}}


# -- helpers -------------------------------------------------------------------------------------


def _partnership(request: HttpRequest, slug: str, perm: str) -> Partnership:
    """The partnership, if the user may ``perm`` on it; otherwise not found."""
    partnership = Partnership.objects.visible_to(request.user).filter(slug=slug).first()
    # Ask the rules registry directly: user.has_perm() would fall through to ModelBackend and
    # cost permission queries for everyone.
    if partnership is None or not rules.has_perm(perm, request.user, partnership):
        raise Http404("No partnership found.")
    return partnership


def _meeting(partnership: Partnership, pk: int) -> ReviewMeeting:
    """A review of this partnership (cancelled ones have no page); otherwise not found."""
    meeting = (ReviewMeeting.objects.filter(partnership=partnership, pk=pk)
               .exclude(status=ReviewStatus.CANCELLED).select_related("recorded_by").first())
    if meeting is None:
        raise Http404("No review found.")
    meeting.partnership = partnership  # already read: spare a query
    return meeting


def _posted(request: HttpRequest) -> Any:
    """The submitted data of a POST (even an empty one, so it is checked), else None."""
    return request.POST if request.method == "POST" else None


def _attempt(form: forms.Form, action: Callable[..., Any], **arguments: Any) -> Any:
    """``action(**arguments)``, or None when it refuses: the reason goes on the form (next to
    its field when the form has one), which the page shows again with what was typed."""
    try:
        return action(**arguments)
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        return None


def _for_members_on_the_day(form: RecordForm, partnership: Partnership, request: HttpRequest,
                            initial: dict[str, Any]) -> RecordForm:
    """The form asks about today's members; a review held before someone joined or left is
    recorded for the members on the day it was held. When those differ, the same answers are
    asked again for the right organisations (a newly listed one then says "Select whether …
    attended"), so the page, not only the action, can put it right."""
    held_on = form.cleaned_data.get("held_on")  # after is_valid(); None when not a valid date
    if held_on is None:
        return form
    members = actions.members_on(partnership, held_on)
    if [o.pk for o in members] == [o.pk for o in form.organisations]:
        return form
    return RecordForm(request.POST, initial=initial, organisations=members)


def _forbidden(request: HttpRequest, partnership: Partnership, title: str,
               reason: str) -> HttpResponse:
    return render(request, "partnerships/reviews/forbidden.html", {
        "partnership": partnership, "title": title, "reason": reason, "nav_section": NAV},
        status=403)


def _cannot_manage(request: HttpRequest, partnership: Partnership, title: str) -> HttpResponse:
    return _forbidden(request, partnership, title,
                      "Reviews are planned and recorded by the lead partner's partnership "
                      "managers and platform admins.")


# -- the reviews page ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def reviews(request: HttpRequest, slug: str) -> HttpResponse:
    """The partnership's reviews; a POST plans the next one."""
    user = request.user
    partnership = _partnership(request, slug, VIEW)
    can_manage = rules.has_perm(MANAGE, user, partnership)
    if request.method == "POST" and not can_manage:
        return _cannot_manage(request, partnership, "You cannot plan reviews")
    planned = actions.planned_review(partnership)
    form = None
    if can_manage and (planned is None or request.method == "POST"):
        form = PlanForm(_posted(request))
        if request.method == "POST" and form.is_valid():
            meeting = _attempt(form, actions.review_plan, partnership=partnership,
                               planned_on=form.cleaned_data["planned_on"], by=user)
            if meeting is not None:
                messages.success(request, f"The next review is planned for "
                                          f"{govuk_date(meeting.planned_on)}.")
                return redirect("partnerships:reviews", slug=partnership.slug)
    today = clock.today()
    held = (ReviewMeeting.objects.filter(partnership=partnership, status=ReviewStatus.HELD)
            .annotate(attended_count=Count("attendance", filter=Q(attendance__attended=True)),
                      expected_count=Count("attendance"))
            .order_by("-held_on", "-pk"))
    result = paginate(held, request.GET.get("page"), per_page=PER_PAGE)
    return render(request, "partnerships/reviews/reviews.html", {
        "partnership": partnership,
        "planned": planned,
        "overdue": planned is not None and planned.planned_on < today,
        "can_manage": can_manage,
        "form": form,
        "page": result.page,
        "page_notice": result.notice,
        # Whoever manages the reviews may read the report: spare asking again.
        "engagement_url": (reverse("partnerships:engagement", args=[partnership.slug])
                           if can_manage or rules.has_perm(VIEW_ENGAGEMENT, user, partnership)
                           else ""),
        "nav_section": NAV,
    })


@login_required
@require_http_methods(["GET", "POST"])
def review_record(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A planned review's form (managers); a held review's record (anyone who may read it)."""
    user = request.user
    partnership = _partnership(request, slug, VIEW)
    meeting = _meeting(partnership, pk)
    if meeting.status == ReviewStatus.HELD:
        if request.method == "POST":
            return _forbidden(request, partnership, "This review is already recorded",
                              f"It was recorded as held on "
                              f"{govuk_date(meeting.held_on)}.")
        attendance = list(meeting.attendance.select_related("organisation")
                          .order_by("organisation__name"))
        return render(request, "partnerships/reviews/record_detail.html", {
            "partnership": partnership, "meeting": meeting, "attendance": attendance,
            "attended_count": sum(a.attended for a in attendance),
            "recorded_by": display_name(meeting.recorded_by), "nav_section": NAV})
    if not rules.has_perm(MANAGE, user, partnership):
        return _cannot_manage(request, partnership, "You cannot record this review")
    today = clock.today()
    # Suggest the planned date once it has come, else today (UK dates).
    initial = {"held_on": meeting.planned_on if meeting.planned_on <= today else today}
    form = RecordForm(_posted(request), initial=initial,
                      organisations=actions.members_on(partnership, today))
    if request.method == "POST":
        form.is_valid()  # to read the date it was held
        form = _for_members_on_the_day(form, partnership, request, initial)
    if request.method == "POST" and form.is_valid():
        done = _attempt(form, actions.review_record, meeting=meeting, by=user,
                        **form.arguments())
        if done is not None:
            messages.success(request, f"The review was recorded as held on "
                                      f"{govuk_date(done.held_on)}.")
            return redirect("partnerships:reviews", slug=partnership.slug)
        meeting.refresh_from_db()
    return render(request, "partnerships/reviews/record_form.html", {
        "partnership": partnership, "meeting": meeting, "form": form,
        "interval_months": settings.REVIEW_INTERVAL_MONTHS, "nav_section": NAV})


def _planned_for_managers(request: HttpRequest, slug: str, pk: int, title: str
                          ) -> tuple[Partnership, ReviewMeeting] | HttpResponse:
    """The partnership and its planned review ``pk`` for someone who may manage its reviews;
    404 for anyone who may not read them or a review that is not planned, 403 for readers."""
    partnership = _partnership(request, slug, VIEW)
    meeting = _meeting(partnership, pk)
    if meeting.status != ReviewStatus.PLANNED:
        raise Http404("Only a planned review can be moved or cancelled.")
    if not rules.has_perm(MANAGE, request.user, partnership):
        return _cannot_manage(request, partnership, title)
    return partnership, meeting


def _change_page(request: HttpRequest, partnership: Partnership, meeting: ReviewMeeting, *,
                 form: PlanForm | None = None, cancel_form: CancelForm | None = None,
                 status: int = 200) -> HttpResponse:
    """The page to move a planned review or cancel it, each form with what was typed."""
    form = form or PlanForm(initial={"planned_on": meeting.planned_on})
    form.fields["planned_on"].label = "New date of the review"
    return render(request, "partnerships/reviews/reschedule.html", {
        "partnership": partnership, "meeting": meeting, "form": form,
        "cancel_form": cancel_form or CancelForm(), "nav_section": NAV}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def review_reschedule(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Move the planned review to another date (the page also offers to cancel it)."""
    found = _planned_for_managers(request, slug, pk, "You cannot move this review")
    if isinstance(found, HttpResponse):
        return found
    partnership, meeting = found
    form = PlanForm(_posted(request), initial={"planned_on": meeting.planned_on})
    if request.method == "POST" and form.is_valid():
        done = _attempt(form, actions.review_reschedule, meeting=meeting, by=request.user,
                        planned_on=form.cleaned_data["planned_on"])
        if done is not None:
            messages.success(request, f"The review was moved to "
                                      f"{govuk_date(done.planned_on)}.")
            return redirect("partnerships:reviews", slug=partnership.slug)
    return _change_page(request, partnership, meeting, form=form)


@login_required
@require_POST
def review_cancel(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Cancel the planned review, saying why; the managers plan the next one when they can."""
    found = _planned_for_managers(request, slug, pk, "You cannot cancel this review")
    if isinstance(found, HttpResponse):
        return found
    partnership, meeting = found
    cancel_form = CancelForm(request.POST)
    if cancel_form.is_valid():
        done = _attempt(cancel_form, actions.review_cancel, meeting=meeting, by=request.user,
                        reason=cancel_form.cleaned_data["reason"])
        if done is not None:
            messages.success(request, f"The review planned for {govuk_date(done.planned_on)} "
                                      f"was cancelled. Plan the next one when you know its date.")
            return redirect("partnerships:reviews", slug=partnership.slug)
    return _change_page(request, partnership, meeting, cancel_form=cancel_form)


# -- the engagement report -----------------------------------------------------------------------


@login_required
@require_GET
def engagement(request: HttpRequest, slug: str) -> HttpResponse:
    """Attendance at reviews by organisation over the last four quarters."""
    partnership = _partnership(request, slug, VIEW_ENGAGEMENT)
    data = report.engagement_report(partnership)
    by_quarter = data.reviews_by_quarter
    rows = [(row, [(marks, report.cell_text(marks, len(reviews) > 1))
                   for marks, reviews in zip(row.cells, by_quarter, strict=True)])
            for row in data.rows]
    return render(request, "partnerships/reviews/engagement.html", {
        "partnership": partnership, "report": data, "rows": rows,
        "quarters": list(zip(data.quarters, by_quarter, strict=True)),
        "nav_section": NAV})


@login_required
@require_GET
def engagement_export(request: HttpRequest, slug: str) -> HttpResponseBase:
    """The engagement report as a CSV download (the same rows as the page)."""
    partnership = _partnership(request, slug, VIEW_ENGAGEMENT)
    header, rows = report.csv_rows(report.engagement_report(partnership))
    return csv_response(filename_stem=f"{partnership.slug}-engagement", header=header,
                        rows=rows)
