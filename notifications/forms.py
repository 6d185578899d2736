"""The notification settings form: per kind, email yes/no and daily digest yes/no."""

from __future__ import annotations

from typing import Any

from django import forms

from .kinds import KINDS

YES_NO = [("yes", "Yes"), ("no", "No")]
# When the digest goes: beat entry "send-daily-digests" in config/settings (17:30, UK time).
DIGEST_HINT = "If you choose Yes, you get one email at 5:30pm each day listing these instead."


class PreferencesForm(forms.Form):
    """One pair of yes/no questions per known kind. Any other posted ``email-<kind>`` field is
    an unknown kind and refused with a clear message, changing nothing."""

    def __init__(self, *args: Any, current: dict[str, tuple[bool, bool]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.rows = []
        for key, kind in KINDS.items():
            email, digest = current.get(key, (True, False))
            self.fields[f"email-{key}"] = forms.ChoiceField(
                label=f"Email me about: {kind.label.lower()}?", choices=YES_NO,
                widget=forms.RadioSelect, initial="yes" if email else "no",
                help_text=kind.description,
                error_messages={"required": f"Choose whether to get emails about "
                                            f"{kind.label.lower()}",
                                "invalid_choice": "Choose Yes or No"})
            self.fields[f"digest-{key}"] = forms.ChoiceField(
                label="Gather these into one email a day?", choices=YES_NO,
                widget=forms.RadioSelect, initial="yes" if digest else "no",
                help_text=DIGEST_HINT,
                error_messages={"required": "Choose whether to get a daily digest",
                                "invalid_choice": "Choose Yes or No"})
            self.rows.append({"kind": kind, "email": self[f"email-{key}"],
                              "digest": self[f"digest-{key}"]})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.is_bound:
            unknown = sorted(name.split("-", 1)[1] for name in self.data
                             if name.startswith(("email-", "digest-")) and name not in self.fields)
            if unknown:
                raise forms.ValidationError(
                    "These are not kinds of notification, so nothing was saved: "
                    + ", ".join(dict.fromkeys(unknown)) + ".", code="unknown_kind")
        for key in KINDS:
            if cleaned.get(f"digest-{key}") == "yes" and cleaned.get(f"email-{key}") == "no":
                self.add_error(f"digest-{key}",
                               "A daily digest is an email: choose email “Yes” to get one")
        return cleaned

    def choices(self) -> dict[str, tuple[bool, bool]]:
        """Kind → (email, digest) from the valid form."""
        return {key: (self.cleaned_data[f"email-{key}"] == "yes",
                      self.cleaned_data[f"digest-{key}"] == "yes") for key in KINDS}
