"""The notification settings form: one email choice per area, and behind a details component
a choice per kind that can differ from its area's ("Same as the area" by default)."""

from __future__ import annotations

from typing import Any

from django import forms

from . import preferences
from .actions import SAME_AS_AREA
from .kinds import AREAS, KINDS, kinds_in

AREA_CHOICES = list(preferences.CHOICES.items())
KIND_CHOICES = [(SAME_AS_AREA, "Same as the area"), *AREA_CHOICES]


class PreferencesForm(forms.Form):
    """A radio group per area (``area-<area>``) and per kind (``kind-<kind>``). A posted
    ``area-``/``kind-`` field naming no area or kind is refused with a clear message, and
    nothing is saved."""

    def __init__(self, *args: Any, stored: dict[str, preferences.Choice], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._stored = stored
        current_areas = preferences.area_choices(stored)
        for area, label in AREAS.items():
            self.fields[f"area-{area}"] = forms.ChoiceField(
                label=label, choices=AREA_CHOICES, widget=forms.RadioSelect,
                initial=current_areas[area],
                error_messages={"required": f"Choose how to get emails about "
                                            f"{label.split(':')[0].lower()}",
                                "invalid_choice": "Choose one of the three ways to get "
                                                  "these emails"})
            for kind in kinds_in(area):
                self.fields[f"kind-{kind.key}"] = forms.ChoiceField(
                    label=kind.label, choices=KIND_CHOICES, widget=forms.RadioSelect,
                    initial=stored.get(kind.key, SAME_AS_AREA), help_text=kind.description,
                    error_messages={"required": f"Choose how to get emails about "
                                                f"{kind.label.lower()}",
                                    "invalid_choice": "Choose “Same as the area” or one of "
                                                      "the three ways to get these emails"})

    def areas(self) -> list[dict[str, Any]]:
        """What the page shows per area: its field, its kinds' fields, how many kinds have
        their own choice (the summary says so), and whether the details start open (only when one
        is in error, so the page stays short)."""
        rows = []
        for area, label in AREAS.items():
            kinds = [self[f"kind-{kind.key}"] for kind in kinds_in(area)]
            overridden = sum(1 for kind in kinds_in(area) if kind.key in self._stored)
            rows.append({"key": area, "label": label, "short": label.split(":")[0].lower(),
                         "field": self[f"area-{area}"],
                         "kinds": kinds, "overridden": overridden,
                         "open": any(field.errors for field in kinds)})
        return rows

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.is_bound:
            unknown = sorted(name.split("-", 1)[1] for name in self.data
                             if name.startswith(("area-", "kind-")) and name not in self.fields)
            if unknown:
                raise forms.ValidationError(
                    "These are not areas or kinds of notification, so nothing was saved: "
                    + ", ".join(dict.fromkeys(unknown)) + ".", code="unknown_kind")
        return cleaned

    def area_values(self) -> dict[str, str]:
        """Area → choice from the valid form."""
        return {area: self.cleaned_data[f"area-{area}"] for area in AREAS}

    def kind_values(self) -> dict[str, str]:
        """Kind → choice (``"same"`` removes the kind's own) from the valid form."""
        return {kind: self.cleaned_data[f"kind-{kind}"] for kind in KINDS}
