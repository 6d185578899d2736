"""Forms of the casework pages. They check what a form can (required fields, real dates, choices
from what the user may pick); the actions check everything again and stay the authority, and
their refusals are shown on the same form with what the user typed."""

from __future__ import annotations

import datetime
import re
import uuid
from typing import Any

from django import forms

from core import clock
from core.date_input import date_field
from partnerships.models import Membership, Organisation, Partnership
from services.models import Service

from .choices import (
    AttendeeRole,
    Compliance,
    Gender,
    LawfulBasis,
    OrderType,
    Seriousness,
)
from .models import ReferralPathway

TEXT_MAX = 2000
REASON_MIN = 10
PRISON_NUMBER = re.compile(r"^[A-Z][0-9]{4}[A-Z]{2}$")
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


def idempotency_key_field() -> forms.CharField:
    """A hidden key made when the form is shown (a callable initial: a new one per render) and
    sent back with it: the action stores it on what it creates, so the same form sent twice (a
    double click, a refresh) finds that instead of creating another."""
    return forms.CharField(widget=forms.HiddenInput, required=False, max_length=64,
                           initial=new_idempotency_key)


def cleaned_idempotency_key(form: forms.Form) -> str | None:
    """The form's key when it looks like one we made, else None (no protection, no error)."""
    key = (form.cleaned_data.get("idempotency_key") or "").strip()
    return key if IDEMPOTENCY_KEY.match(key) else None


def offer_own_services(form: forms.Form, name: str, user: Any,
                       empty_label: str) -> dict[int, Service]:
    """Offer the active services of the user's organisation in ``form.fields[name]``, or drop
    the (optional) field when it has none; returns them by id, to map the answer back."""
    own = list(Service.objects.filter(provider_id=user.organisation_id, is_active=True)
               .order_by("name"))
    if own:
        form.fields[name].choices = [("", empty_label), *[(s.pk, s.name) for s in own]]
        form.fields[name].error_messages["invalid_choice"] = (
            "Select one of your organisation's services from the list")
    else:
        del form.fields[name]
    return {s.pk: s for s in own}


def _text(label: str, *, required: bool = True, max_length: int = TEXT_MAX,
          what: str = "", textarea: bool = True, help_text: str = "",
          min_length: int | None = None) -> forms.CharField:
    what = what or label.lower()
    messages = {"required": f"Enter {what}",
                "max_length": f"{what[0].upper()}{what[1:]} must be {max_length} characters "
                              "or fewer"}
    if min_length:
        messages["min_length"] = (f"{what[0].upper()}{what[1:]} must be at least {min_length} "
                                  "characters")
    return forms.CharField(label=label, required=required, max_length=max_length,
                           min_length=min_length, help_text=help_text,
                           widget=forms.Textarea if textarea else forms.TextInput,
                           error_messages=messages)


def _select(label: str, choices: Any, *, what: str, required: bool = True,
            blank: str = "Choose…", help_text: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, required=required, help_text=help_text,
        choices=[("", blank), *choices],
        error_messages={"required": f"Select {what}",
                        "invalid_choice": f"Choose {what} from the list"})


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
    reason = _text("Why do you need to open this case?", what="why you need to open the case",
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
    order_type = _select("Order type", OrderType.choices, what="the order type")
    order_starts_on = date_field("When does the order start?", "the date the order starts")
    order_ends_on = date_field("When does the order end?", "the date the order ends")
    seriousness = forms.ChoiceField(
        label="Seriousness", choices=Seriousness.choices, widget=forms.RadioSelect,
        initial=Seriousness.LOW,
        help_text="Medium or high seriousness adds joint case meetings to the three three-way "
                  "meetings.",
        error_messages={"required": "Select the seriousness"})
    complex_needs = forms.BooleanField(label="The person has complex needs", required=False)
    initials = forms.CharField(label="Initials (optional)", required=False, max_length=4,
                               help_text="Up to 4 letters. Do not enter a name.",
                               error_messages={"max_length": "Initials must be 4 letters or "
                                                             "fewer"})
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
        initials = self.cleaned_data["initials"].replace(" ", "").replace(".", "").upper()
        if initials and not initials.isalpha():
            raise forms.ValidationError("Initials must be letters only")
        return initials

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
        cleaned = super().clean()
        _check_order_dates(self, cleaned)
        return cleaned

    def changes(self, case: Any) -> dict[str, Any]:
        """Only what differs from the case, so the action (and its audit row) sees real
        changes."""
        return {name: self.cleaned_data[name] for name in UPDATABLE
                if name in self.fields and self.cleaned_data[name] != getattr(case, name)}


def case_update_initial(case: Any) -> dict[str, Any]:
    return {name: getattr(case, name) for name in UPDATABLE}


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

    to_service = forms.ChoiceField(label="Which service are you referring to?")
    pathway = forms.ChoiceField(label="Referral pathway (optional)", required=False,
                                help_text="The partnership's agreed route, if one fits. It "
                                          "sets the response time.")
    from_service = forms.ChoiceField(label="From your service (optional)", required=False)
    reason = _text("Why are you referring?", what="why you are referring",
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
        members = Membership.objects.active_on(today).filter(partnership_id=case.partnership_id)
        services = list(Service.objects.filter(
            provider__in=members.values("organisation_id"), is_active=True)
            .select_related("provider").order_by("provider__name", "name"))
        self.services = {s.pk: s for s in services}
        groups: dict[str, list[tuple[int, str]]] = {}
        for service in services:
            groups.setdefault(service.provider.name, []).append((service.pk,
                                                                 _service_label(service)))
        self.fields["to_service"].choices = [("", "Choose a service"), *groups.items()]
        self.fields["to_service"].error_messages.update({
            "required": "Select the service you are referring to",
            "invalid_choice": "Select a service from the list"})
        pathways = list(ReferralPathway.objects.filter(partnership_id=case.partnership_id)
                        .order_by("name"))
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
    summary = _text("Summary (optional)", required=False, max_length=300, what="the summary",
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

    reason = _text("Why are you reopening the case?", what="why you are reopening the case",
                   max_length=300,
                   help_text="For example, it was closed by mistake. Do not include the "
                             "person's details.")


class DeclineForm(forms.Form):
    reason = _text("Why are you declining the referral?", what="why you are declining the "
                                                               "referral",
                   help_text="The referring organisation sees this, so it can refer elsewhere.")


class WithdrawForm(forms.Form):
    reason = _text("Why are you withdrawing the referral?", what="why you are withdrawing the "
                                                                 "referral")


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
    outcome = _text("Outcome", required=False, what="the outcome",
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
