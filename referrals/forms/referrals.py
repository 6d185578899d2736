"""Referrals and assessments: referring (with the repeat-assessment confirmation), recording
an assessment, declining and withdrawing."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms

from core import clock
from core.date_input import date_field
from services.models import Service

from ..choices import (
    LawfulBasis,
)
from ..models import ReferralPathway
from ..selectors import referable_services
from .common import (
    cleaned_idempotency_key,
    idempotency_key_field,
    offer_own_services,
    text_field,
)

# -- referrals and assessments --------------------------------------------------------------------


class RepeatConfirmationMixin:
    """When the person was assessed recently, the user must say they saw those assessments and
    still need another (``confirmed_repeat`` of the actions)."""

    CONFIRM_LABEL = "I have seen these assessments and another is still needed"

    def add_confirmation(self, recent: list[Any]) -> None:
        self.recent = recent
        if recent:
            self.fields["confirmed_repeat"] = forms.BooleanField(  # type: ignore[attr-defined]
                label=self.CONFIRM_LABEL, required=True,
                error_messages={"required": "Confirm that you have seen the recent assessments "
                                            "and another is still needed"})

    def confirmed(self) -> bool:
        return bool(self.cleaned_data.get("confirmed_repeat"))  # type: ignore[attr-defined]


def _service_label(service: Service) -> str:
    return service.name


class ReferForm(RepeatConfirmationMixin, forms.Form):
    """Refer the case to a service of an organisation in the case's partnership."""

    to_service = forms.ChoiceField(
        label="Which service are you referring to?",
        help_text="Services of the other organisations in the partnership, by provider, that an "
                  "agreed referral pathway leads to.")
    pathway = forms.ChoiceField(label="Referral pathway (optional)", required=False,
                                help_text="The partnership's agreed route, if one fits. It "
                                          "sets the response time.")
    from_service = forms.ChoiceField(label="From your service (optional)", required=False)
    reason = text_field("Why are you referring?", what="why you are referring",
                   help_text="What the person needs from the service. Share only what the "
                             "service needs to know.")
    lawful_basis = forms.ChoiceField(
        label="Lawful basis for sharing", choices=LawfulBasis.choices, widget=forms.RadioSelect,
        help_text="UK GDPR Article 6. It should match the partnership's information-sharing "
                  "protocol.",
        error_messages={"required": "Select the lawful basis for sharing"})
    consent_recorded = forms.BooleanField(
        label="The person's consent to this referral is recorded", required=False)
    idempotency_key = idempotency_key_field()

    def __init__(self, *args: Any, case: Any, user: Any, recent: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        today = clock.today()
        # Other agencies' services with a pathway in force: a crafted POST naming any other
        # service is an invalid choice here, and ``referral_send`` refuses it too.
        services = list(referable_services(case, user.organisation_id, today)
                        .select_related("provider").order_by("provider__name", "name", "pk"))
        self.services = {s.pk: s for s in services}
        groups: dict[str, list[tuple[int, str]]] = {}
        for service in services:
            groups.setdefault(service.provider.name, []).append((service.pk,
                                                                 _service_label(service)))
        self.fields["to_service"].choices = [("", "Choose a service"), *groups.items()]
        self.fields["to_service"].error_messages.update({
            "required": "Select the service you are referring to",
            "invalid_choice": "Select a service from the list"})
        pathways = list(ReferralPathway.objects.in_force(today)
                        .filter(partnership_id=case.partnership_id).order_by("name"))
        self.pathways = {p.pk: p for p in pathways}
        self.fields["pathway"].choices = [("", "No pathway"),
                                          *[(p.pk, p.name) for p in pathways]]
        self.fields["pathway"].error_messages["invalid_choice"] = ("Select a pathway from the "
                                                                   "list")
        self.own_services = offer_own_services(self, "from_service", user,
                                               "Not from a particular service")
        self.add_confirmation(recent)

    @property
    def service_groups(self) -> list[tuple[str, list[dict[str, Any]]]]:
        """The services by organisation, for the grouped select (``optgroup``)."""
        chosen = str(self["to_service"].value() or "")
        return [(group, [{"value": str(value), "label": label, "selected": str(value) == chosen}
                         for value, label in options])
                for group, options in self.fields["to_service"].choices[1:]]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if (cleaned.get("lawful_basis") == LawfulBasis.CONSENT
                and not cleaned.get("consent_recorded")):
            self.add_error("consent_recorded", "Record the person's consent: the lawful basis "
                                               "you chose is consent")
        return cleaned

    def arguments(self) -> dict[str, Any]:
        """Keyword arguments of ``actions.referral_send`` (without ``case`` and ``by``)."""
        data = self.cleaned_data
        pathway = data.get("pathway")
        from_service = data.get("from_service")
        return {
            "to_service": self.services[int(data["to_service"])],
            "pathway": self.pathways[int(pathway)] if pathway else None,
            "from_service": self.own_services[int(from_service)] if from_service else None,
            "reason": data["reason"].strip(),
            "lawful_basis": data["lawful_basis"],
            "consent_recorded": data["consent_recorded"],
            "confirmed_repeat": self.confirmed(),
            "idempotency_key": cleaned_idempotency_key(self),
        }


class AssessmentForm(RepeatConfirmationMixin, forms.Form):
    """An assessment of the person by the user's organisation."""

    service = forms.ChoiceField(label="Service (optional)", required=False)
    assessed_on = date_field("When was the person assessed?", "the date of the assessment")
    summary = text_field("Summary (optional)", required=False, max_length=300, what="the summary",
                    help_text="What the assessment found, in a sentence or two.")

    def __init__(self, *args: Any, user: Any, recent: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.own_services = offer_own_services(self, "service", user, "Not a particular service")
        self.fields["assessed_on"].initial = clock.today()
        self.add_confirmation(recent)

    def clean_assessed_on(self) -> datetime.date:
        day = self.cleaned_data["assessed_on"]
        if day > clock.today():
            raise forms.ValidationError("The date of the assessment must be today or in the "
                                        "past")
        return day

    def arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        service = data.get("service")
        return {"service": self.own_services[int(service)] if service else None,
                "assessed_on": data["assessed_on"], "summary": data["summary"].strip(),
                "confirmed_repeat": self.confirmed()}


class CaseReopenForm(forms.Form):
    """Why a closed case is reopened (kept in the case's audit history)."""

    reason = text_field("Why are you reopening the case?", what="why you are reopening the case",
                   max_length=300,
                   help_text="For example, it was closed by mistake. Do not include the "
                             "person's details.")


class DeclineForm(forms.Form):
    reason = text_field("Why are you declining the referral?", what="why you are declining the "
                                                               "referral",
                   help_text="The referring organisation sees this, so it can refer elsewhere.")


class WithdrawForm(forms.Form):
    reason = text_field("Why are you withdrawing the referral?", what="why you are withdrawing the "
                                                                 "referral")
