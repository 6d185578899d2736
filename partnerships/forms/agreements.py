"""Forms of the agreement pages (partnerships.views.agreements): what a partnership manager types
to record an agreement and move its versions through their life.

The forms check what a form can (required answers, real dates, choices from the partnership);
``partnerships.actions`` checks the rest and its ``DomainError`` lands on the named field. Each
form's ``arguments()`` gives the action's keyword arguments, so views stay thin.
"""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms

from core import clock
from core.date_input import date_field

from ..choices import AgreementKind
from ..documents import ACCEPT, limit_label
from ..models import Organisation

REASON_MAX = 300  # the model's reason fields (change_reason, unsigned_reason, end_reason)


def _org_choices(organisations: list[Organisation]) -> list[tuple[str, str]]:
    return [(str(o.pk), o.name) for o in organisations]


def _picked(organisations: list[Organisation], pk: str) -> Organisation:
    return next(o for o in organisations if str(o.pk) == str(pk))


def _reason(label: str, *, required: bool, help_text: str = "",
            missing: str = "") -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=REASON_MAX, widget=forms.Textarea,
        help_text=help_text,
        error_messages={"required": missing or "Enter the reason",
                        "max_length": f"The reason must be {REASON_MAX} characters or fewer"})


class ChoicesForm(forms.Form):
    """A form whose choices come from the partnership (set in ``__init__``)."""

    def _choice_field(self, name: str) -> forms.ChoiceField:
        return cast(forms.ChoiceField, self.fields[name])


class DocumentField(forms.FileField):
    """The signed document: the page shows ``accept`` and the hint; the action checks the
    content (partnerships.documents), so a renamed file is refused with its own message."""

    accept = ACCEPT

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            label="Signed document (optional)", required=False,
            help_text=f"A PDF, DOCX or ODT file, {limit_label()} or smaller.",
            error_messages={"invalid": "The selected file could not be read. Upload a PDF, "
                                       "DOCX or ODT file",
                            "empty": "The selected file is empty"}, **kwargs)


class AgreementCreateForm(ChoicesForm):
    """A new agreement, recorded as a draft for its parties to sign."""

    kind = forms.ChoiceField(label="What kind of agreement is it?", widget=forms.RadioSelect,
                             choices=AgreementKind.choices,
                             error_messages={"required": "Select the kind of agreement",
                                             "invalid_choice": "Select the kind of agreement"})
    title = forms.CharField(label="Title", max_length=200,
                            help_text="For example, Partnership working agreement 2027",
                            error_messages={"required": "Enter the agreement's title",
                                            "max_length": "The title must be 200 characters "
                                                          "or fewer"})
    summary = forms.CharField(label="Summary (optional)", required=False, max_length=5000,
                              widget=forms.Textarea,
                              help_text="What the parties agree to, in a sentence or two",
                              error_messages={"max_length": "The summary must be 5000 "
                                                            "characters or fewer"})
    parties = forms.MultipleChoiceField(
        label="Which organisations are party to it?", widget=forms.CheckboxSelectMultiple,
        help_text="Select every organisation expected to sign. You can add others later.",
        error_messages={"required": "Select at least one organisation that signs it",
                        "invalid_choice": "Select organisations that are members of the "
                                          "partnership"})
    effective_from = date_field(
        "Planned date it takes effect (optional)", "the planned date it takes effect",
        required=False,
        help_text="It takes effect only when you put it into effect, once the parties have "
                  "signed. For example, 1 4 2027")
    review_due = date_field(
        "Date of the first review (optional)", "the date of the first review", required=False,
        help_text="Leave empty to review it one review cycle after it takes effect. "
                  "For example, 1 4 2028")
    review_cycle_months = forms.IntegerField(
        label="How often is it reviewed, in months?", min_value=1, max_value=60, initial=12,
        help_text="For example, 12 for once a year",
        error_messages={"required": "Enter how often it is reviewed, in months",
                        "invalid": "How often it is reviewed must be a whole number of months",
                        "min_value": "How often it is reviewed must be 1 month or more",
                        "max_value": "How often it is reviewed must be 60 months or fewer"})
    document = DocumentField()

    def __init__(self, *args: Any, members: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = members
        self._choice_field("parties").choices = _org_choices(members)

    def arguments(self) -> dict[str, Any]:
        """Keyword arguments of ``actions.agreement_create`` (without partnership and by)."""
        data = self.cleaned_data
        return {"kind": data["kind"], "title": data["title"], "summary": data["summary"],
                "parties": [_picked(self.members, pk) for pk in data["parties"]],
                "review_cycle_months": data["review_cycle_months"],
                "effective_from": data.get("effective_from"),
                "review_due": data.get("review_due"),
                "document": data.get("document") or None}


class NewVersionForm(forms.Form):
    """A new version of the agreement in force: why, and what changes."""

    reason = _reason("Why is a new version needed?", required=True,
                     help_text="For example, a new organisation joined the partnership",
                     missing="Say why a new version is needed")
    title = forms.CharField(label="Title", required=False, max_length=200,
                            help_text="Leave as it is to keep the current title",
                            error_messages={"max_length": "The title must be 200 characters "
                                                          "or fewer"})
    summary = forms.CharField(label="Summary (optional)", required=False, max_length=5000,
                              widget=forms.Textarea,
                              error_messages={"max_length": "The summary must be 5000 "
                                                            "characters or fewer"})
    document = DocumentField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document"].help_text += " Leave empty to keep the current document."

    def arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"reason": data["reason"], "title": data["title"] or None,
                "summary": data["summary"], "document": data.get("document") or None}


class SignForm(ChoicesForm):
    """A party's signature: which organisation, who signed, in what role, and when."""

    organisation = forms.ChoiceField(label="Which organisation signed?",
                                     error_messages={"required": "Select the organisation that "
                                                                 "signed",
                                                     "invalid_choice": "Select an organisation "
                                                                       "that has not signed"})
    signed_by = forms.CharField(label="Name of the person who signed", max_length=200,
                                error_messages={"required": "Enter the name of the person who "
                                                            "signed",
                                                "max_length": "The name must be 200 characters "
                                                              "or fewer"})
    signer_role = forms.CharField(label="Their role (optional)", required=False, max_length=200,
                                  help_text="For example, Chief Executive",
                                  error_messages={"max_length": "The role must be 200 "
                                                                "characters or fewer"})
    signed_on = date_field("Date signed", "the date it was signed")

    def __init__(self, *args: Any, parties: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parties = parties
        self._choice_field("organisation").choices = _org_choices(parties)
        if len(parties) == 1:
            self.fields["organisation"].label = "Organisation signing"

    def clean_signed_on(self) -> datetime.date | None:
        signed_on = self.cleaned_data.get("signed_on")
        if signed_on and signed_on > clock.today():
            raise forms.ValidationError("The date it was signed must be today or in the past")
        return signed_on

    def arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"organisation": _picked(self.parties, data["organisation"]),
                "signed_by": data["signed_by"], "signer_role": data["signer_role"],
                "signed_on": data["signed_on"]}


class PartyAddForm(ChoicesForm):
    """Another member organisation expected to sign the version being agreed."""

    organisation = forms.ChoiceField(label="Which organisation is party to it?",
                                     error_messages={"required": "Select the organisation",
                                                     "invalid_choice": "Select a member "
                                                                       "organisation that is "
                                                                       "not already a party"})

    def __init__(self, *args: Any, candidates: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = candidates
        self._choice_field("organisation").choices = [("", "Select an organisation"),
                                               *_org_choices(candidates)]

    def arguments(self) -> dict[str, Any]:
        return {"organisation": _picked(self.candidates, self.cleaned_data["organisation"])}


class WithdrawForm(forms.Form):
    """Why a party no longer signs this version (kept in the audit trail)."""

    reason = _reason("Why is the organisation withdrawn? (optional)", required=False,
                     help_text="For example, it left the partnership")

    def arguments(self) -> dict[str, Any]:
        return {"reason": self.cleaned_data["reason"]}


class PutIntoEffectForm(forms.Form):
    """The date the version takes effect; with unsigned parties, why it goes ahead anyway."""

    effective_on = date_field("Date it takes effect", "the date it takes effect",
                              help_text="A date in the future makes it due to take effect on "
                                        "that day. For example, 1 4 2027")
    reason = _reason("Why does it take effect before every party has signed?", required=True,
                     missing="Say why it takes effect before every party has signed")

    def __init__(self, *args: Any, unsigned: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if unsigned:
            names = ", ".join(o.name for o in unsigned)
            self.fields["reason"].help_text = f"Not yet signed: {names}. The reason is recorded."
        else:
            del self.fields["reason"]  # every party signed: nothing to explain

    def arguments(self) -> dict[str, Any]:
        return {"effective_on": self.cleaned_data["effective_on"],
                "reason": self.cleaned_data.get("reason", "")}


class DiscardForm(forms.Form):
    """Nothing to ask: the check page is the whole question."""

    def arguments(self) -> dict[str, Any]:
        return {}


class ReviewForm(forms.Form):
    """The parties' review of the version in force."""

    reviewed_on = date_field("Date of the review", "the date of the review")
    outcome = forms.CharField(label="What did the review conclude?", max_length=2000,
                              widget=forms.Textarea,
                              help_text="For example, continues unchanged",
                              error_messages={"required": "Say what the review concluded",
                                              "max_length": "The outcome must be 2000 "
                                                            "characters or fewer"})
    next_review_due = date_field("Date of the next review (optional)",
                                 "the date of the next review", required=False,
                                 help_text="Leave empty to review again after the agreement's "
                                           "review cycle. For example, 1 4 2028")

    def arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"reviewed_on": data["reviewed_on"], "outcome": data["outcome"],
                "next_review_due": data.get("next_review_due")}


class EndForm(forms.Form):
    """The date the agreement ends and why (no version replaces it)."""

    ended_on = date_field("Date it ends", "the date it ends")
    reason = _reason("Why is the agreement ending?", required=True,
                     missing="Say why the agreement is ending")

    def arguments(self) -> dict[str, Any]:
        return {"ended_on": self.cleaned_data["ended_on"], "reason": self.cleaned_data["reason"]}
