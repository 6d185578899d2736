"""Custody on a case (issue 18): reception into a prison, a transfer, the release, the first
community appointment after release, and the release plan. Each form asks what a prison or
probation worker has to hand and maps it to the keyword arguments of its action in
``referrals.actions``; the actions check everything again and their refusals are shown on the
field they name (so the field names here are the actions' argument names)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any, cast

from django import forms

from core.date_input import date_field
from partnerships.models import Organisation

from ..choices import ExpectedReleaseKind
from ..models import Referral, ReleasePlan
from ..release_plans import PLAN_FIELDS
from .common import select_field, text_field
from .conferences import parse_time

#: A yes/no question whose answer may not be known yet: stored as True, False or None, so a
#: piece nobody has checked stays a task instead of reading as "no".
YES_NO_UNKNOWN = [("yes", "Yes"), ("no", "No"), ("unknown", "Not yet known")]
_ANSWERS: dict[str, bool | None] = {"yes": True, "no": False, "unknown": None}


def _answer(value: bool | None) -> str:
    return next(key for key, answer in _ANSWERS.items() if answer is value)


def _yes_no(label: str, *, what: str, help_text: str = "",
            unknown: bool = False) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, widget=forms.RadioSelect, help_text=help_text,
                             choices=YES_NO_UNKNOWN if unknown else YES_NO_UNKNOWN[:2],
                             error_messages={"required": f"Select {what}"})


class _OrganisationChoices(forms.Form):
    """A form offering organisations in some of its selects, mapping the answer back to the
    organisation (a choice outside the offer is refused by the field itself)."""

    def offer(self, name: str, organisations: Iterable[Organisation]) -> None:
        offered = {o.pk: o for o in organisations}
        self._offered = {**getattr(self, "_offered", {}), name: offered}
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        blank = list(cast(Any, field.choices))[:1]  # the select's "Choose…" line
        field.choices = [*blank, *[(o.pk, o.name) for o in offered.values()]]

    def organisation(self, name: str) -> Organisation | None:
        chosen = self.cleaned_data.get(name)
        return self._offered[name][int(chosen)] if chosen else None


# -- reception, transfer and release --------------------------------------------------------------


class ReceptionForm(_OrganisationChoices):
    """The person's reception into a prison: where, when, and when and how they are expected
    to leave."""

    establishment = select_field("Prison", [], what="the prison")
    received_on = date_field("When was the person received into custody?",
                             "the date of reception")
    expected_release_on = date_field(
        "Expected release date (optional)", "the expected release date", required=False,
        help_text="The release plan is due a set number of weeks before this date. For "
                  "example, 27 3 2027")
    expected_release_kind = forms.ChoiceField(
        label="How is the person expected to be released? (optional)", required=False,
        widget=forms.RadioSelect, choices=ExpectedReleaseKind.choices,
        error_messages={"invalid_choice": "Choose how the person is expected to be released"})
    treatment_need = _yes_no(
        "Is the person in treatment for substance misuse in custody?",
        what="whether the person is in treatment for substance misuse in custody",
        help_text="Continuity of care counts the releases of people in treatment.")

    def __init__(self, *args: Any, prisons: Iterable[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offer("establishment", prisons)

    def arguments(self) -> dict[str, Any]:
        """Keyword arguments of ``actions.custody_episode_start`` (without ``case``, ``by``)."""
        data = self.cleaned_data
        return {"establishment": self.organisation("establishment"),
                "received_on": data["received_on"],
                "expected_release_on": data["expected_release_on"],
                "expected_release_kind": data["expected_release_kind"] or "",
                "treatment_need": _ANSWERS[data["treatment_need"]]}


class TransferForm(_OrganisationChoices):
    """A transfer to another prison: the case, its plan and its history follow the person."""

    to_establishment = select_field("Which prison was the person transferred to?", [],
                                    what="the prison the person was transferred to")
    transferred_on = date_field("Date of the transfer", "the date of the transfer")

    def __init__(self, *args: Any, prisons: Iterable[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offer("to_establishment", prisons)

    def arguments(self) -> dict[str, Any]:
        """Keyword arguments of ``actions.custody_transfer`` (without ``episode``, ``by``)."""
        return {"to_establishment": self.organisation("to_establishment"),
                "transferred_on": self.cleaned_data["transferred_on"]}


class ReleaseForm(_OrganisationChoices):
    """The release: the day (it starts the 21-day clock) and the local authority of the release
    address, for the community side."""

    released_on = date_field("Date of release", "the date of release")
    release_area = select_field(
        "Local authority of the release address", [],
        what="the local authority of the release address",
        help_text="Where the person will live. Do not enter the address.")

    def __init__(self, *args: Any, areas: Iterable[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offer("release_area", areas)

    def arguments(self) -> dict[str, Any]:
        """Keyword arguments of ``actions.custody_release`` (without ``episode``, ``by``)."""
        return {"released_on": self.cleaned_data["released_on"],
                "release_area": self.organisation("release_area")}


class FirstAppointmentForm(forms.Form):
    """The outcome of the first community appointment after release: attended on a date, or
    not attended."""

    outcome = forms.ChoiceField(
        label="Did the person attend their first community appointment?",
        widget=forms.RadioSelect,
        choices=[("attended", "Yes, they attended"), ("did_not_attend", "No, they did not attend")],
        error_messages={"required": "Select whether the person attended"})
    attended_on = date_field("If they attended, on what date?",
                             "the date the person attended", required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (cleaned.get("outcome") == "attended" and cleaned.get("attended_on") is None
                and "attended_on" not in self.errors):
            self.add_error("attended_on", "Enter the date the person attended")
        return cleaned

    def arguments(self) -> dict[str, Any]:
        """Keyword arguments of ``actions.first_appointment_record`` (without ``episode``,
        ``by``): a date typed alongside "did not attend" is left out, not refused."""
        attended = self.cleaned_data["outcome"] == "attended"
        return {"attended_on": self.cleaned_data["attended_on"] if attended else None,
                "did_not_attend": not attended}


# -- the release plan -----------------------------------------------------------------------------


class ReleasePlanForm(_OrganisationChoices):
    """What is arranged for release. Every question may be left for later: what is missing
    shows on the case as a task for the team that owns it."""

    community_provider = select_field(
        "Community treatment provider", [], what="the community treatment provider",
        required=False, blank="Not chosen yet",
        help_text="A current member of the partnership.")
    referral = select_field(
        "Referral to the community provider", [], what="the referral", required=False,
        blank="Not referred yet",
        help_text="This case's referrals that are open or completed. Refer first if there is "
                  "none.")
    appointment_on = date_field("Date of the first community appointment",
                                "the date of the first appointment", required=False)
    appointment_time = forms.CharField(label="Time (optional)", required=False, max_length=8,
                                       help_text="For example, 14:30 or 2:30pm")
    appointment_place = text_field(
        "Where is it?", required=False, textarea=False,
        max_length=ReleasePlan._meta.get_field("appointment_place").max_length or 200,
        what="where the appointment is",
        help_text="The service's address or the name of the building.")
    appointment_with = text_field(
        "Who is it with?", required=False, textarea=False,
        max_length=ReleasePlan._meta.get_field("appointment_with").max_length or 120,
        what="who the appointment is with",
        help_text="A role or team, for example recovery worker. Not a person's name.")
    bridging_prescription = _yes_no(
        "Is a bridging prescription given?", unknown=True,
        what="whether a bridging prescription is given",
        help_text="A prescription that lasts until the first community prescribing "
                  "appointment.")
    naloxone_offered = _yes_no("Was naloxone offered?", unknown=True,
                               what="whether naloxone was offered")
    hand_lead_to_provider = _yes_no(
        "Does the lead pass to the community provider on release day?",
        what="whether the lead passes to the community provider",
        help_text="If yes, the community provider becomes the case's lead agency when the "
                  "release is recorded.")

    def __init__(self, *args: Any, providers: Iterable[Organisation],
                 referrals: Iterable[Referral], plan: ReleasePlan | None, **kwargs: Any) -> None:
        kwargs["initial"] = plan_initial(plan)
        super().__init__(*args, **kwargs)
        self.offer("community_provider", providers)
        self.referrals = {r.pk: r for r in referrals}
        field = self.fields["referral"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", "Not referred yet"),
            *[(r.pk, f"{r.reference}: {r.to_organisation.name}, {r.to_service.name} "
                     f"({r.get_status_display().lower()})") for r in self.referrals.values()]]

    def clean_appointment_time(self) -> datetime.time | None:
        try:
            return parse_time(self.cleaned_data["appointment_time"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def values(self) -> dict[str, Any]:
        """Every piece of the plan as ``actions.release_plan_update`` takes it."""
        data = self.cleaned_data
        chosen = data["referral"]
        return {"community_provider": self.organisation("community_provider"),
                "referral": self.referrals[int(chosen)] if chosen else None,
                "appointment_on": data["appointment_on"],
                "appointment_time": data["appointment_time"],
                "appointment_place": data["appointment_place"].strip(),
                "appointment_with": data["appointment_with"].strip(),
                "bridging_prescription": _ANSWERS[data["bridging_prescription"]],
                "naloxone_offered": _ANSWERS[data["naloxone_offered"]],
                "hand_lead_to_provider": bool(_ANSWERS[data["hand_lead_to_provider"]])}

    def changes(self, plan: ReleasePlan | None) -> dict[str, Any]:
        """Only what differs from the plan (or from an empty plan), so the action and its audit
        row see real changes."""
        before = plan or ReleasePlan()
        return {name: value for name, value in self.values().items()
                if value != getattr(before, name)}


def plan_initial(plan: ReleasePlan | None) -> dict[str, Any]:
    """The form's answers for a plan (an empty plan's when there is none yet)."""
    plan = plan or ReleasePlan()
    initial: dict[str, Any] = {name: getattr(plan, name) for name in PLAN_FIELDS}
    initial["community_provider"] = plan.community_provider_id or ""
    initial["referral"] = plan.referral_id or ""
    initial["appointment_time"] = (f"{plan.appointment_time:%H:%M}" if plan.appointment_time
                                   else "")
    for name in ("bridging_prescription", "naloxone_offered", "hand_lead_to_provider"):
        initial[name] = _answer(getattr(plan, name))
    return initial
