"""Forms about the case itself: the caseload filter, a platform admin's reason, opening,
changing, handing over the lead and reopening."""

from __future__ import annotations

from typing import Any

from django import forms

from core import clock
from core.date_input import date_field
from partnerships.models import Membership, Organisation, Partnership

from ..choices import (
    Compliance,
    Gender,
    OrderType,
    Seriousness,
)
from ..validators import INITIALS_MESSAGE, normalise_initials
from .common import (
    PRISON_NUMBER,
    REASON_MIN,
    cleaned_idempotency_key,
    idempotency_key_field,
    select_field,
    text_field,
)

#: Room for initials typed with spaces and dots ("J. S. B. K."); the rule then checks them.
INITIALS_TYPED_MAX = 12

# -- the caseload ---------------------------------------------------------------------------------


class CaseloadFilterForm(forms.Form):
    """Which of the organisation's cases to list. Unknown values fall back to everything."""

    lead = forms.ChoiceField(label="Cases", required=False, widget=forms.RadioSelect,
                             choices=[("all", "All cases my organisation is involved in"),
                                      ("mine", "Cases my organisation leads")])
    seriousness = forms.ChoiceField(label="Seriousness", required=False,
                                    choices=[("", "Any seriousness"), *Seriousness.choices])

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {"lead_only": data.get("lead") == "mine",
                "seriousness": data.get("seriousness") or ""}


class AdminReasonForm(forms.Form):
    """A platform admin opens one case by its reference, saying why: the reason goes in the
    case's access log, which its lead agency reads."""

    reference = forms.CharField(
        label="Case reference", max_length=12, help_text="For example, C-7K3M-9QXT",
        error_messages={"required": "Enter the case reference",
                        "max_length": "Enter the case reference as it is written, for example "
                                      "C-7K3M-9QXT"})
    reason = text_field("Why do you need to open this case?", what="why you need to open the case",
                   max_length=300, min_length=REASON_MIN,
                   help_text="For example, the support request you are answering. The case's "
                             "lead agency can read this in its access log.")

    def clean_reference(self) -> str:
        return self.cleaned_data["reference"].strip().upper()

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if len(reason) < REASON_MIN:
            raise forms.ValidationError(
                f"Why you need to open the case must be at least {REASON_MIN} characters")
        return reason


def _check_order_dates(form: forms.Form, cleaned: dict[str, Any]) -> None:
    """The order cannot end before it starts (said on the end date, as the action would)."""
    starts, ends = cleaned.get("order_starts_on"), cleaned.get("order_ends_on")
    if starts and ends and ends < starts:
        form.add_error("order_ends_on", "The date the order ends must be the same as or after "
                                        "the date it starts")


class CaseOpenForm(forms.Form):
    """A new case: the partnership it is worked in (one the user's organisation is a current
    member of), its lead agency, the order and the little the work needs about the person."""

    partnership = forms.ChoiceField(label="Partnership")
    lead_organisation = forms.ChoiceField(
        label="Lead agency", help_text="The organisation that leads the case. It must be a "
                                       "member of the partnership.")
    order_type = select_field("Order type", OrderType.choices, what="the order type")
    order_starts_on = date_field("When does the order start?", "the date the order starts")
    order_ends_on = date_field("When does the order end?", "the date the order ends")
    seriousness = forms.ChoiceField(
        label="Seriousness", choices=Seriousness.choices, widget=forms.RadioSelect,
        initial=Seriousness.LOW,
        help_text="Medium or high seriousness adds joint case meetings to the three three-way "
                  "meetings.",
        error_messages={"required": "Select the seriousness"})
    complex_needs = forms.BooleanField(label="The person has complex needs", required=False)
    initials = forms.CharField(label="Initials (optional)", required=False,
                               max_length=INITIALS_TYPED_MAX,
                               help_text="Up to 4 letters, for example JS. Do not enter a name.",
                               error_messages={"max_length": INITIALS_MESSAGE})
    year_of_birth = forms.IntegerField(
        label="Year of birth (optional)", required=False, min_value=1900,
        widget=forms.TextInput,
        error_messages={"invalid": "Year of birth must be a year, like 1985",
                        "min_value": "Year of birth must be 1900 or later"})
    gender = forms.ChoiceField(label="Gender", choices=Gender.choices, initial=Gender.NOT_STATED,
                               error_messages={"required": "Select the gender"})
    prison_number = forms.CharField(
        label="Prison number (optional)", required=False, max_length=12,
        help_text="For example, A1234BC. Shown only to agencies involved in the case.")
    idempotency_key = idempotency_key_field()

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        today = clock.today()
        self.partnerships = list(Partnership.objects.filter(
            pk__in=Membership.objects.active_on(today)
            .filter(organisation_id=user.organisation_id).values("partnership_id"))
            .order_by("name"))
        self.members = {(m.partnership_id, m.organisation_id) for m in
                        Membership.objects.active_on(today)
                        .filter(partnership__in=self.partnerships)}
        organisations = Organisation.objects.filter(
            pk__in={org for _, org in self.members}).order_by("name")
        self.organisations = {o.pk: o for o in organisations}
        self.fields["partnership"].choices = [("", "Choose…"),
                                              *[(p.pk, p.name) for p in self.partnerships]]
        if len(self.partnerships) == 1:
            self.fields["partnership"].initial = self.partnerships[0].pk
        self.fields["lead_organisation"].choices = [(o.pk, o.name) for o in organisations]
        self.fields["lead_organisation"].initial = user.organisation_id
        for name, what in (("partnership", "the partnership"),
                           ("lead_organisation", "the lead agency")):
            self.fields[name].error_messages.update({
                "required": f"Select {what}", "invalid_choice": f"Choose {what} from the list"})

    def clean_initials(self) -> str:
        try:
            return normalise_initials(self.cleaned_data["initials"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_year_of_birth(self) -> int | None:
        year = self.cleaned_data["year_of_birth"]
        if year is not None and year > clock.today().year:
            raise forms.ValidationError("Year of birth must be this year or earlier")
        return year

    def clean_prison_number(self) -> str:
        number = self.cleaned_data["prison_number"].replace(" ", "").upper()
        if number and not PRISON_NUMBER.match(number):
            raise forms.ValidationError("Enter a prison number in the right format, like "
                                        "A1234BC")
        return number

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        _check_order_dates(self, cleaned)
        partnership, lead = cleaned.get("partnership"), cleaned.get("lead_organisation")
        if partnership and lead and (int(partnership), int(lead)) not in self.members:
            self.add_error("lead_organisation",
                           f"{self.organisations[int(lead)]} is not a current member of "
                           f"{self.partnership_object()}: choose a member as the lead agency")
        return cleaned

    def partnership_object(self) -> Partnership | None:
        wanted = self.cleaned_data.get("partnership")
        return next((p for p in self.partnerships if str(p.pk) == str(wanted)), None)

    def arguments(self) -> dict[str, Any]:
        """Keyword arguments of ``actions.case_open`` (without ``by``)."""
        data = self.cleaned_data
        identifiers = ({"prison_number": data["prison_number"]} if data["prison_number"]
                       else None)
        return {
            "partnership": self.partnership_object(),
            "lead_organisation": self.organisations[int(data["lead_organisation"])],
            "order_type": data["order_type"],
            "order_starts_on": data["order_starts_on"],
            "order_ends_on": data["order_ends_on"],
            "seriousness": data["seriousness"],
            "complex_needs": data["complex_needs"],
            "initials": data["initials"],
            "year_of_birth": data["year_of_birth"],
            "gender": data["gender"],
            "identifiers": identifiers,
            "idempotency_key": cleaned_idempotency_key(self),
        }


# -- changing a case (lead agency) ----------------------------------------------------------------

#: The case fields the lead agency changes on the "order and risk" form.
UPDATABLE = ("order_starts_on", "order_ends_on", "seriousness", "complex_needs", "compliance",
             "significant_change_on", "treatment_continues")


class CaseUpdateForm(forms.Form):
    """The order's dates and the risk picture; changing them re-plans future meetings."""

    order_starts_on = date_field("When does the order start?", "the date the order starts")
    order_ends_on = date_field("When does the order end?", "the date the order ends")
    seriousness = forms.ChoiceField(label="Seriousness", choices=Seriousness.choices,
                                    widget=forms.RadioSelect,
                                    error_messages={"required": "Select the seriousness"})
    effective_on = date_field(
        "From when does the seriousness apply?", "the date the seriousness applies from",
        required=False,
        help_text="If you change the seriousness: the day it changed. Meetings are planned "
                  "again from that day. For example, 27 3 2025")
    complex_needs = forms.BooleanField(label="The person has complex needs", required=False)
    compliance = forms.ChoiceField(label="Compliance", choices=Compliance.choices,
                                   widget=forms.RadioSelect,
                                   error_messages={"required": "Select the compliance"})
    significant_change_on = date_field(
        "Date of a significant change (optional)", "the date of the significant change",
        required=False,
        help_text="For example, a raised risk of serious harm. Joint meetings recur from then "
                  "on. For example, 27 3 2025")
    treatment_continues = forms.BooleanField(
        label="Treatment continues after the order ends", required=False,
        help_text="When the order ends, every agency involved is told who is responsible "
                  "from then on.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _check_order_dates(self, cleaned)
        effective_on, starts_on = cleaned.get("effective_on"), cleaned.get("order_starts_on")
        seriousness = cleaned.get("seriousness")
        # Needed once the seriousness changes (the page fills in today).
        if (seriousness and seriousness != self.initial.get("seriousness")
                and effective_on is None and "effective_on" not in self.errors):
            self.add_error("effective_on", "Enter the date the seriousness applies from")
        elif effective_on and effective_on > clock.today():
            self.add_error("effective_on", "The date the seriousness applies from must be "
                                           "today or in the past")
        elif effective_on and starts_on and effective_on < starts_on:
            self.add_error("effective_on", "The date the seriousness applies from must be the "
                                           "same as or after the date the order starts")
        return cleaned

    def arguments(self, case: Any) -> dict[str, Any]:
        """Keyword arguments of ``actions.case_update`` (without ``case``, ``by``): the
        changes, and the day a change of seriousness applies from."""
        changes = self.changes(case)
        if "seriousness" in changes:
            changes["effective_on"] = self.cleaned_data["effective_on"]
        return changes

    def changes(self, case: Any) -> dict[str, Any]:
        """Only what differs from the case, so the action (and its audit row) sees real
        changes."""
        return {name: self.cleaned_data[name] for name in UPDATABLE
                if name in self.fields and self.cleaned_data[name] != getattr(case, name)}


def case_update_initial(case: Any) -> dict[str, Any]:
    return {**{name: getattr(case, name) for name in UPDATABLE}, "effective_on": clock.today()}


class LeadChangeForm(forms.Form):
    """Hand the lead to another member of the case's partnership."""

    organisation = forms.ChoiceField(label="New lead agency")
    starts_on = date_field("From when does it lead?", "the date the new lead agency starts",
                           help_text="The current lead agency's lead ends that day. For "
                                     "example, 27 3 2025")

    def __init__(self, *args: Any, case: Any, current_lead_id: int | None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        members = (Organisation.objects.filter(
            pk__in=Membership.objects.active_on(clock.today())
            .filter(partnership_id=case.partnership_id).values("organisation_id"))
            .exclude(pk=current_lead_id).order_by("name"))
        self.organisations = {o.pk: o for o in members}
        self.fields["organisation"].choices = [("", "Choose…"),
                                               *[(o.pk, o.name) for o in members]]
        self.fields["organisation"].error_messages.update({
            "required": "Select the new lead agency",
            "invalid_choice": "Select the new lead agency from the list"})
        self.fields["starts_on"].initial = clock.today()

    def chosen(self) -> Organisation:
        return self.organisations[int(self.cleaned_data["organisation"])]
