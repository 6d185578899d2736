"""The feedback page of a partnership (``/partnerships/<slug>/governance/feedback/``): a form
for staff of member organisations to record one feedback form (taken by a worker or typed from
paper; the person has no account and is not named), and the summary per quarter (how many, from
whom, the average rating and how ratings spread). Comments are listed only to members of the
partnership: a funding commissioner reads the counts, and the CSV download holds counts only.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from core import clock
from core.csv_export import csv_response
from core.date_input import date_field
from core.errors import DomainError
from partnerships.models import Organisation

from .. import actions, selectors
from ..actions.feedback import COMMENT_MAX
from ..choices import FeedbackMethod, FeedbackSource
from .common import NAV, forbidden, partnership_for

COMMENTS_SHOWN = 50  # the most recent; older ones are in the quarterly packs


class FeedbackForm(forms.Form):
    """One feedback form as it was given."""

    source = forms.ChoiceField(label="Who is the feedback from?", widget=forms.RadioSelect,
                               choices=FeedbackSource.choices,
                               error_messages={"required": "Select who the feedback is from"})
    method = forms.ChoiceField(label="How was it collected?", widget=forms.RadioSelect,
                               choices=FeedbackMethod.choices,
                               error_messages={"required": "Select how it was collected"})
    about_organisation = forms.ModelChoiceField(
        label="Which organisation's service is it about? (optional)", queryset=None,
        required=False, empty_label="The partnership as a whole",
        error_messages={"invalid_choice": "Select an organisation from the list"})
    rating = forms.TypedChoiceField(
        label="Rating", widget=forms.RadioSelect, coerce=int,
        choices=[(r, f"{r} – {selectors.RATING_LABELS[r]}") for r in reversed(selectors.RATINGS)],
        error_messages={"required": "Select a rating"})
    comment = forms.CharField(
        label="Comment (optional)", required=False, max_length=COMMENT_MAX,
        widget=forms.Textarea,
        help_text="In their words, without their name, prison number, date of birth or anything "
                  "else that could identify them. Only members of the partnership read it.",
        error_messages={"max_length": f"The comment must be {COMMENT_MAX} characters or fewer"})
    received_on = date_field("When was it given?", "the date it was given")

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["about_organisation"].queryset = organisations  # type: ignore[attr-defined]

    def clean_received_on(self) -> datetime.date | None:
        received_on = self.cleaned_data.get("received_on")
        if received_on and received_on > clock.today():
            raise forms.ValidationError("The date it was given must be today or in the past")
        return received_on


@login_required
@require_http_methods(["GET", "POST"])
def feedback(request: HttpRequest, slug: str) -> HttpResponse:
    """The feedback summary per quarter; a POST records one feedback form."""
    user = request.user
    partnership = partnership_for(request, slug)
    is_member = selectors.may_read_feedback_comments(user, partnership)
    if request.method == "POST" and not is_member:
        return forbidden(request, partnership, "You cannot record feedback",
                         "Feedback is recorded by staff of the partnership's member "
                         "organisations.", request.path)
    today = clock.today()
    form = None
    if is_member:
        organisations = Organisation.objects.filter(
            pk__in=partnership.memberships.active_on(today).values("organisation_id")
        ).order_by("name")
        form = FeedbackForm(request.POST if request.method == "POST" else None,
                            initial={"received_on": today}, organisations=organisations)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                actions.feedback_record(
                    partnership=partnership, source=data["source"], method=data["method"],
                    rating=data["rating"], comment=data["comment"],
                    received_on=data["received_on"], by=user,
                    about_organisation=data["about_organisation"])
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
            else:
                messages.success(request, "The feedback was recorded. Thank you.")
                return redirect("governance:feedback", slug=partnership.slug)
    quarters = selectors.feedback_quarters(today)
    summaries = list(reversed(selectors.feedback_by_quarter(partnership, quarters)))
    comments: list[Any] = []
    if is_member:  # comments stay inside the partnership
        comments = list(selectors.feedback_comments(partnership, quarters)[:COMMENTS_SHOWN])
    return render(request, "governance/feedback.html", {
        "partnership": partnership, "form": form, "summaries": summaries,
        "current": summaries[0], "is_member": is_member, "comments": comments,
        "nav_section": NAV})


@login_required
@require_GET
def feedback_export(request: HttpRequest, slug: str) -> HttpResponseBase:
    """The quarterly summary as CSV: counts only, never comments, whoever downloads it."""
    partnership = partnership_for(request, slug)
    summaries = selectors.feedback_by_quarter(partnership,
                                              selectors.feedback_quarters(clock.today()))
    header, rows = selectors.feedback_csv_rows(summaries)
    return csv_response(filename_stem=f"{partnership.slug}-feedback", header=header, rows=rows)
