"""Recording a case conference: held or missed, who attended (roles and organisations, never
names) and the outcome; and moving a planned one (date, time, reason) or cancelling it
(reason)."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms

from core import clock
from core.date_input import date_field
from partnerships.models import Organisation

from ..actions import CONFERENCE_REASON_MAX
from ..choices import (
    AttendeeRole,
)
from .common import (
    text_field,
)

# -- case conferences -----------------------------------------------------------------------------

#: The roles asked about on the conference form, in the order of the national guidance.
ATTENDEE_ROLES = [AttendeeRole.OFFENDER_MANAGER, AttendeeRole.TREATMENT_WORKER,
                  AttendeeRole.PERSON, AttendeeRole.OTHER]


class ConferenceForm(forms.Form):
    """Was the meeting held or missed; if held, when, what was agreed and who came (by role and
    organisation, never by name)."""

    held = forms.ChoiceField(label="Was the meeting held?", widget=forms.RadioSelect,
                             choices=[("held", "Yes, it was held"),
                                      ("missed", "No, it was missed")],
                             error_messages={"required": "Select whether the meeting was held"})
    held_on = date_field("When was it held?", "the date the meeting was held", required=False)
    outcome = text_field("Outcome", required=False, what="the outcome",
                    help_text="What was agreed, and any actions with who does them. If it was "
                              "missed, say why.")

    def __init__(self, *args: Any, organisations: list[Organisation],
                 defaults: dict[str, int | None], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.organisations = {o.pk: o for o in organisations}
        choices = [("", "Not recorded"), *[(o.pk, o.name) for o in organisations]]
        for role in ATTENDEE_ROLES:
            self.fields[f"attended_{role}"] = forms.BooleanField(
                label=f"{AttendeeRole(role).label} attended", required=False)
            if role != AttendeeRole.PERSON:
                self.fields[f"organisation_{role}"] = forms.ChoiceField(
                    label=f"Organisation of the {AttendeeRole(role).label.lower()}",
                    required=False, choices=choices, initial=defaults.get(role),
                    error_messages={"invalid_choice": "Select an organisation from the list"})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("held") == "held":
            held_on = cleaned.get("held_on")
            if held_on is None and "held_on" not in self.errors:
                self.add_error("held_on", "Enter the date the meeting was held")
            elif held_on and held_on > clock.today():
                self.add_error("held_on", "The date the meeting was held must be today or in "
                                          "the past")
            if not any(cleaned.get(f"attended_{role}") for role in ATTENDEE_ROLES):
                self.add_error(f"attended_{ATTENDEE_ROLES[0]}",
                               "Select who attended the meeting")
        return cleaned

    def attendee_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField | None]]:
        return [(AttendeeRole(role).label, self[f"attended_{role}"],
                 self[f"organisation_{role}"] if f"organisation_{role}" in self.fields else None)
                for role in ATTENDEE_ROLES]

    def arguments(self) -> dict[str, Any]:
        """Keyword arguments of ``actions.conference_record`` (without ``conference``, ``by``).
        The three-way roles are always listed, attended or not; another professional only
        when they came."""
        data = self.cleaned_data
        held = data["held"] == "held"
        attendees = []
        if held:
            for role in ATTENDEE_ROLES:
                attended = bool(data.get(f"attended_{role}"))
                if role == AttendeeRole.OTHER and not attended:
                    continue
                org = data.get(f"organisation_{role}")
                attendees.append({"role": str(role), "attended": attended,
                                  "organisation": self.organisations[int(org)] if org else None})
        return {"held": held, "held_on": data["held_on"] if held else None,
                "outcome": data["outcome"].strip(), "attendees": attendees}


# -- moving and cancelling a planned conference ----------------------------------------------------

#: A time of day as people type it: "14:30", "9", "9.15", "2pm", "2:30 pm".
_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*([ap]\.?m\.?)?$", re.IGNORECASE)
TIME_MESSAGE = "Enter the time in the right format, for example 14:30 or 2:30pm"


def parse_time(text: str) -> datetime.time | None:
    """``text`` as a time of day (None when blank), or ``ValueError(TIME_MESSAGE)``."""
    text = (text or "").strip()
    if not text:
        return None
    found = _TIME.match(text)
    if not found:
        raise ValueError(TIME_MESSAGE)
    hour, minute = int(found.group(1)), int(found.group(2) or 0)
    suffix = (found.group(3) or "").lower().replace(".", "")
    if suffix:
        if not 1 <= hour <= 12:
            raise ValueError(TIME_MESSAGE)
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ValueError(TIME_MESSAGE)
    return datetime.time(hour, minute)


def _reason_field(what: str, help_text: str) -> forms.CharField:
    return text_field(f"Why are you {what} it?", what=f"why you are {what} the conference",
                      max_length=CONFERENCE_REASON_MAX, help_text=help_text)


class ConferenceMoveForm(forms.Form):
    """A new date (a working day, checked by the action, which names the next one when it is
    not), an optional time of day and the reason the agencies involved will read."""

    planned_on = date_field("New date", "the new date of the conference",
                            help_text="A working day. For example, 27 3 2027")
    planned_time = forms.CharField(label="Time (optional)", required=False, max_length=8,
                                   help_text="For example, 14:30 or 2:30pm")
    reason = _reason_field("moving", "The agencies involved in the case read this on the case "
                                     "page. Do not include the person's details.")

    def clean_planned_time(self) -> datetime.time | None:
        try:
            return parse_time(self.cleaned_data["planned_time"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        planned_on = cleaned.get("planned_on")
        if planned_on and planned_on < clock.today():
            self.add_error("planned_on", "The new date must be today or in the future")
        return cleaned

    def arguments(self) -> dict[str, Any]:
        """Keyword arguments of ``actions.conference_move`` (without ``conference``, ``by``)."""
        data = self.cleaned_data
        return {"planned_on": data["planned_on"], "planned_time": data["planned_time"],
                "reason": data["reason"].strip()}


class ConferenceCancelForm(forms.Form):
    """Why the conference is called off (the agencies involved read it on the case page)."""

    reason = _reason_field("cancelling", "The agencies involved in the case read this on the "
                                         "case page. Do not include the person's details.")
