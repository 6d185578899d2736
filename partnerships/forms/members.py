"""Forms of the pages where a partnership's managers keep its members, lead partner, activity
leads and funding up to date (``partnerships.views.members``).

The forms only check what a person can get wrong on the page (a missing answer, a date that is
not a date, an amount that is not money); every rule about the registry itself (membership
spans, one lead per activity per day, one lead partner) is the actions' to check, so the pages,
the API and the admin refuse the same things with the same words.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from core.date_input import date_field

from ..choices import FundingSource, MemberRole
from ..models import Activity, Organisation, Partnership

#: The "what happens to the old lead" answer that means it leaves the partnership.
LEAVES = "leaves"


class OrganisationChoiceField(forms.ModelChoiceField):
    """An organisation by name (the select's text), keyed by its id."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


def _organisations() -> QuerySet[Organisation]:
    return Organisation.objects.order_by("name").only("name", "slug")


def _organisation_field(label: str, missing: str, *, required: bool = True,
                        queryset: QuerySet[Organisation] | None = None,
                        help_text: str = "") -> OrganisationChoiceField:
    return OrganisationChoiceField(
        queryset=queryset if queryset is not None else _organisations(), label=label,
        required=required, help_text=help_text,
        empty_label="Choose an organisation" if required else "None",
        error_messages={"required": missing, "invalid_choice": missing})


def _role_choices(*, lead: bool = True) -> list[tuple[str, str]]:
    return [(value, label) for value, label in MemberRole.choices
            if lead or value != MemberRole.LEAD_PARTNER]


class MemberAddForm(forms.Form):
    """An organisation joining the partnership, in a role, from a day."""

    organisation = _organisation_field("Organisation", "Select the organisation that joins")
    role = forms.ChoiceField(
        label="Role in the partnership", choices=[("", "Choose a role"), *_role_choices()],
        help_text="To hand the lead partner role to another organisation, use 'Change the "
                  "lead partner' instead.",
        error_messages={"required": "Select the organisation's role",
                        "invalid_choice": "Select the organisation's role"})
    joined_on = date_field("Date it joins", "the date the organisation joins",
                           help_text="For example, 1 4 2027")


class MembershipEndForm(forms.Form):
    """An organisation leaving: the first day it is no longer a member, and why."""

    left_on = date_field("Date it leaves", "the date the organisation leaves",
                         help_text="It is no longer a member from this day. For example, "
                                   "1 4 2027")
    reason = forms.CharField(
        label="Why is it leaving?", max_length=300,
        help_text="For example, recommissioning. Everyone who reads the partnership's past "
                  "members sees this.",
        error_messages={"required": "Say why the organisation is leaving",
                        "max_length": "The reason must be 300 characters or fewer"})


class LeadPartnerChangeForm(forms.Form):
    """Who leads the partnership from when, and what the old lead does after that."""

    organisation = _organisation_field("New lead partner", "Select the new lead partner")
    effective_on = date_field("Date the new lead partner takes over",
                              "the date the new lead partner takes over",
                              help_text="The current lead partner stops being lead partner "
                                        "the day before. For example, 1 4 2027")
    previous_lead_continues_as = forms.ChoiceField(
        label="What happens to the current lead partner?", widget=forms.RadioSelect,
        choices=[*[(value, f"Stays a member as {label.lower()}")
                   for value, label in _role_choices(lead=False)],
                 (LEAVES, "Leaves the partnership")],
        error_messages={"required": "Select what happens to the current lead partner",
                        "invalid_choice": "Select what happens to the current lead partner"})

    def __init__(self, *args: Any, has_lead: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not has_lead:  # nobody to hand over from: nothing to ask
            del self.fields["previous_lead_continues_as"]

    def continues_as(self) -> str | None:
        """The role the old lead keeps (``lead_partner_change``'s argument), None if it
        leaves."""
        answer = self.cleaned_data.get("previous_lead_continues_as")
        return None if answer in (None, "", LEAVES) else answer


class LeadAssignForm(forms.Form):
    """An organisation leading one activity from a day (to a day, or until changed)."""

    activity = forms.ModelChoiceField(
        queryset=Activity.objects.none(), label="Activity", empty_label="Choose an activity",
        error_messages={"required": "Select the activity",
                        "invalid_choice": "Select the activity"})
    organisation = _organisation_field(
        "Lead organisation", "Select the organisation that leads the activity",
        queryset=Organisation.objects.none(),
        help_text="Only current members can lead an activity. To choose another "
                  "organisation, add it as a member first.")
    starts_on = date_field("Date it starts leading", "the date the lead starts",
                           help_text="For example, 1 4 2027")
    ends_on = date_field("Date it stops leading (optional)", "the date the lead ends",
                         required=False,
                         help_text="It no longer leads from this day. Leave empty if it leads "
                                   "until someone else takes over.")
    contact = forms.CharField(
        label="Named contact (optional)", max_length=200, required=False,
        help_text="The policy lead or team that local services contact, for example 'Head of "
                  "Reducing Reoffending'.",
        error_messages={"max_length": "The named contact must be 200 characters or fewer"})

    def __init__(self, *args: Any, partnership: Partnership, today: datetime.date,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        activities = self.fields["activity"]
        activities.queryset = (  # type: ignore[attr-defined]
            Activity.objects.filter(Q(is_standard=True, partnership=None)
                                    | Q(partnership=partnership))
            .order_by("partnership_id", "position", "name"))
        members = self.fields["organisation"]
        members.queryset = (  # type: ignore[attr-defined]
            _organisations().filter(memberships__in=partnership.memberships.active_on(today))
            .distinct())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on <= starts_on:
            self.add_error("ends_on", "The date the lead ends must be after the date it "
                                      "starts")
        return data


class LeadEndForm(forms.Form):
    """The first day an organisation no longer leads an activity."""

    ends_on = date_field("Date it stops leading", "the date the lead ends",
                         help_text="It no longer leads from this day; the activity then has "
                                   "no lead until you assign one. For example, 1 4 2027")


def parse_pounds(text: str) -> Decimal:
    """An amount as people type it ("£25,000.50", "25000"), in pounds to the penny; raises
    ValidationError with GOV.UK's wording otherwise."""
    cleaned = text.strip().replace("£", "").replace(",", "").replace(" ", "")
    if not cleaned:
        raise forms.ValidationError("Enter the amount")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise forms.ValidationError("The amount must be a number in pounds, like 25000 or "
                                    "25000.50") from None
    if not amount.is_finite():
        raise forms.ValidationError("The amount must be a number in pounds, like 25000 or "
                                    "25000.50")
    if amount < 0:
        raise forms.ValidationError("The amount must be £0 or more")
    if amount != amount.quantize(Decimal("0.01")):
        raise forms.ValidationError("The amount must be in pounds and pence, like 25000.50")
    if amount >= Decimal("10000000000"):
        raise forms.ValidationError("The amount must be less than £10,000,000,000")
    return amount.quantize(Decimal("0.01"))


class FundingAddForm(forms.Form):
    """Money from a funder for a period (both days included)."""

    funder = _organisation_field("Funder", "Select the funder")
    recipient = _organisation_field(
        "Paid to (optional)", "Select who the funding is paid to", required=False,
        help_text="Leave as 'None' when it is paid to the partnership as a whole.")
    source = forms.ChoiceField(
        label="Source", choices=FundingSource.choices, widget=forms.RadioSelect,
        error_messages={"required": "Select the source of the funding",
                        "invalid_choice": "Select the source of the funding"})
    amount = forms.CharField(label="Amount (£)", max_length=20, help_text="For example, 25000",
                             error_messages={"required": "Enter the amount"})
    period_start = date_field("First day of the funding period",
                              "the first day of the funding period",
                              help_text="For example, 1 4 2027")
    period_end = date_field("Last day of the funding period",
                            "the last day of the funding period",
                            help_text="For example, 31 3 2028")
    reference = forms.CharField(
        label="Contract or grant reference (optional)", max_length=120, required=False,
        error_messages={"max_length": "The reference must be 120 characters or fewer"})

    def clean_amount(self) -> Decimal:
        return parse_pounds(self.cleaned_data.get("amount") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "The last day of the funding period must be on or "
                                         "after its first day")
        return data


class FundingEndForm(forms.Form):
    """Funding stopped early: its new last day, and why."""

    ends_on = date_field("New last day of the funding", "the new last day of the funding",
                         help_text="The last day it pays for. For example, 31 12 2027")
    reason = forms.CharField(
        label="Why does it end early?", max_length=200,
        help_text="For example, the contract was terminated.",
        error_messages={"required": "Say why the funding ends early",
                        "max_length": "The reason must be 200 characters or fewer"})
