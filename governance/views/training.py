"""The joint training and practice-sharing page of a partnership
(``/partnerships/<slug>/governance/training/``): the events of the last year and older ones, and
for those who may record training a form with the event and who came (a repeated set of rows:
organisation, role, how many).

As elsewhere: a partnership whose governance the user may not read is not found (404); a reader
who posts the form without being allowed gets 403 with the reason. The action
(``governance.actions.training_record``) checks everything again in its transaction.
"""

from __future__ import annotations

import datetime
from typing import Any

import rules
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core import clock
from core.date_input import date_field
from core.display import govuk_date
from core.errors import DomainError
from core.pagination import paginate
from partnerships.models import Organisation

from .. import actions, selectors
from ..actions.training import MAX_ATTENDEES, may_record_training
from ..choices import AttendeeRole, TrainingKind
from .common import NAV, forbidden, partnership_for

ROWS = 5  # attendance rows on the form: enough for most sessions; record more in a second go
PER_PAGE = 20




class TrainingForm(forms.Form):
    """A training event that has happened, and up to ``ROWS`` rows of who came."""

    kind = forms.ChoiceField(label="What kind of session was it?", widget=forms.RadioSelect,
                             choices=TrainingKind.choices,
                             error_messages={"required": "Select the kind of session"})
    topic = forms.CharField(label="Topic", max_length=200,
                            help_text="For example, naloxone awareness, or how referrals from "
                                      "reception work",
                            error_messages={"required": "Enter the topic",
                                            "max_length": "The topic must be 200 characters or "
                                                          "fewer"})
    held_on = date_field("When was it held?", "the date it was held")
    host = forms.ModelChoiceField(label="Which organisation hosted it?", queryset=None,
                                  empty_label="Choose an organisation",
                                  error_messages={"required": "Select the host organisation",
                                                  "invalid_choice": "Select the host "
                                                                    "organisation"})

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisations = {o.pk: o for o in organisations}
        host = self.fields["host"]
        host.queryset = Organisation.objects.filter(pk__in=self.organisations)  # type: ignore[attr-defined]
        org_choices = [("", "Choose an organisation"),
                       *[(str(o.pk), o.name) for o in organisations]]
        for i in range(ROWS):
            n = i + 1
            self.fields[f"organisation_{i}"] = forms.ChoiceField(
                label="Organisation", required=False, choices=org_choices)
            self.fields[f"role_{i}"] = forms.ChoiceField(
                label="Role", required=False,
                choices=[("", "Choose a role"), *AttendeeRole.choices])
            self.fields[f"attendees_{i}"] = forms.IntegerField(
                label="How many", required=False, min_value=1,
                max_value=MAX_ATTENDEES,
                error_messages={"invalid": f"Enter how many came as a number (row {n})",
                                "min_value": f"Enter at least 1 (row {n})",
                                "max_value": f"Enter {MAX_ATTENDEES} or fewer (row {n})"})

    def rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [(i + 1, self[f"organisation_{i}"], self[f"role_{i}"], self[f"attendees_{i}"])
                for i in range(ROWS)]

    def clean_held_on(self) -> datetime.date | None:
        held_on = self.cleaned_data.get("held_on")
        if held_on and held_on > clock.today():
            raise forms.ValidationError("The date it was held must be today or in the past")
        return held_on

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        attendance = []
        for i in range(ROWS):
            org, role, count = (data.get(f"organisation_{i}"), data.get(f"role_{i}"),
                                data.get(f"attendees_{i}"))
            if f"attendees_{i}" in self.errors or not (org or role or count):
                continue
            n = i + 1
            if not org:
                self.add_error(f"organisation_{i}", f"Select the organisation (row {n})")
            if not role:
                self.add_error(f"role_{i}", f"Select the role (row {n})")
            if not count:
                self.add_error(f"attendees_{i}", f"Enter how many came (row {n})")
            if org and role and count:
                attendance.append((self.organisations[int(org)], role, count))
        if not attendance and not self.errors:
            self.add_error("organisation_0", "Enter who came: an organisation, a role and how "
                                             "many")
        data["attendance"] = attendance
        return data


@login_required
@require_http_methods(["GET", "POST"])
def training(request: HttpRequest, slug: str) -> HttpResponse:
    """The partnership's training and practice sharing; a POST records an event."""
    user = request.user
    partnership = partnership_for(request, slug)
    can_record = may_record_training(user, partnership)
    page_url = request.path
    if request.method == "POST" and not can_record:
        return forbidden(request, partnership, "You cannot record training",
                         "Training is recorded by the partnership's managers, the chairs of its "
                         "bodies, and partnership managers of its member organisations for "
                         "sessions they hosted.", page_url)
    today = clock.today()
    form = None
    if can_record:
        organisations = list(Organisation.objects.filter(
            pk__in=partnership.memberships.active_on(today).values("organisation_id"))
            .order_by("name"))
        initial = {"held_on": today}
        if not rules.has_perm("governance.manage", user, partnership):
            initial["host"] = user.organisation_id  # a host's manager records their own
        form = TrainingForm(request.POST if request.method == "POST" else None,
                            initial=initial, organisations=organisations)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                event = actions.training_record(
                    partnership=partnership, kind=data["kind"], topic=data["topic"],
                    held_on=data["held_on"], host=data["host"], attendance=data["attendance"],
                    by=user)
            except DomainError as exc:
                target = {"attendance": "organisation_0"}.get(exc.field or "", exc.field)
                form.add_error(target if target in form.fields else None, str(exc))
            else:
                messages.success(request, f"{event.topic} on {govuk_date(event.held_on)} "
                                          "was recorded.")
                return redirect("governance:training", slug=partnership.slug)
    summary = selectors.training_last_year(partnership, today)
    events = selectors.training_events(partnership)
    recent = list(events.filter(held_on__gte=summary.since))
    older = paginate(events.filter(held_on__lt=summary.since), request.GET.get("page"),
                     per_page=PER_PAGE)
    return render(request, "governance/training.html", {
        "partnership": partnership, "summary": summary, "recent": recent,
        "older": older.page, "older_notice": older.notice, "form": form, "nav_section": NAV,
    })
