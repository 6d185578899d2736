"""The form for creating an API token (the sign-in form lives in ``accounts.forms``)."""

from __future__ import annotations

import datetime

from django import forms

from . import tokens

LIFETIMES = [
    ("30", "30 days"),
    ("90", "90 days"),
    ("180", "6 months"),
    ("365", "1 year"),
]


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        label="Name", max_length=100,
        help_text="Say which device or program will use it, for example ‘Case system export’.",
        error_messages={"required": "Enter a name for the token",
                        "max_length": "The name must be 100 characters or fewer"})
    expires_in = forms.ChoiceField(
        label="When should it expire?", choices=LIFETIMES, widget=forms.RadioSelect,
        initial=str(tokens.DEFAULT_LIFETIME_DAYS),
        help_text="It stops working on that day. Choose the shortest time that will do: you "
                  "can create another token later.",
        error_messages={"required": "Select when the token should expire",
                        "invalid_choice": "Select when the token should expire"})

    def expires_on(self, today: datetime.date) -> datetime.date:
        return today + datetime.timedelta(days=int(self.cleaned_data["expires_in"]))
