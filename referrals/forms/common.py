"""What every casework form shares: text and choice fields in the house style, the
idempotency key that makes a double submit harmless, and the services a user may offer."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django import forms

from services.models import Service

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


def text_field(label: str, *, required: bool = True, max_length: int = TEXT_MAX,
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


def select_field(label: str, choices: Any, *, what: str, required: bool = True,
            blank: str = "Choose…", help_text: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, required=required, help_text=help_text,
        choices=[("", blank), *choices],
        error_messages={"required": f"Select {what}",
                        "invalid_choice": f"Choose {what} from the list"})
