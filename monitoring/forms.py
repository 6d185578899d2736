"""Forms of the returns pages: the return itself (one field per metric, asked once), starting
a return, starting a correction, and the lead partner's review.

The forms check each figure with ``validation.parse_value`` — the same pure function the actions
use — so every bad figure gets its own message next to its input; the actions check everything
again and stay the authority.
"""

from __future__ import annotations

from typing import Any

from django import forms

from .choices import MetricKind
from .selectors import Figure
from .validation import parse_value

#: Form field names: ``figure-<metric code>`` and ``comment-<metric code>``, so no metric code
#: can clash with the form's own fields.
FIGURE_PREFIX = "figure-"
COMMENT_PREFIX = "comment-"
NOTE_MAX = 2000
COMMENT_MAX = 2000

YES_NO_CHOICES = [("yes", "Yes"), ("no", "No")]


def figure_field_name(code: str) -> str:
    return f"{FIGURE_PREFIX}{code}"


def comment_field_name(code: str) -> str:
    return f"{COMMENT_PREFIX}{code}"


def initial_text(figure: Figure) -> str:
    """A stored figure as the form shows it (yes/no as the radio's value)."""
    value = figure.value
    if value is None:
        return ""
    if figure.metric.kind == MetricKind.YES_NO and value.number is not None:
        return "yes" if value.number else "no"
    return value.display


def _figure_field(figure: Figure) -> forms.Field:
    metric = figure.metric
    if metric.kind == MetricKind.YES_NO:
        return forms.ChoiceField(
            label=metric.name, required=False, choices=YES_NO_CHOICES, widget=forms.RadioSelect,
            error_messages={"invalid_choice": f"Select yes or no for {metric.name}"})
    # Text, not a number field: the figure is kept exactly as typed ("1,200", "55%") so a
    # refused form shows it back unchanged, and parse_value says what is wrong with it.
    return forms.CharField(label=metric.name, required=False)


class ReturnForm(forms.Form):
    """The return: every metric once, the version the user opened, and a note for warnings."""

    version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1,
        error_messages={"required": "This form is out of date. Open the return again.",
                        "invalid": "This form is out of date. Open the return again."})
    warning_note = forms.CharField(
        label="Why are these figures right?", required=False, widget=forms.Textarea,
        max_length=NOTE_MAX,
        help_text="Some figures are far from your earlier periods. Say why they are right; the "
                  "lead partner reads this note with your return.",
        error_messages={"max_length": f"The note must be {NOTE_MAX} characters or fewer"})

    def __init__(self, *args: Any, figures: list[Figure], submitting: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.figures = [f for f in figures if f.asked]
        # A figure filled in from casework has no field: it is shown, never typed, so a value
        # posted for it is not even read.
        self.typed = [f for f in self.figures if not f.metric.is_computed]
        self.submitting = submitting
        for figure in self.typed:
            self.fields[figure_field_name(figure.metric.code)] = _figure_field(figure)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for figure in self.typed:
            name = figure_field_name(figure.metric.code)
            if name in self.errors:
                continue
            metric = figure.metric
            raw = cleaned.get(name) or ""
            try:
                parse_value(metric, raw)
            except ValueError as exc:
                self.add_error(name, f"{metric.name} {exc}")
                continue
            if self.submitting and figure.required and not raw.strip():
                verb = ("Select yes or no for" if metric.kind == MetricKind.YES_NO
                        else "Enter")
                self.add_error(name, f"{verb} {metric.name}: it is needed to submit the return")
        return cleaned

    @property
    def has_computed(self) -> bool:
        """Some figure is filled in from casework (the page then says how, once)."""
        return len(self.typed) < len(self.figures)

    def rows(self) -> list[tuple[Figure, forms.BoundField | None]]:
        """Each figure with its field (None for one filled in from casework), in the order the
        form asks them."""
        return [(f, None if f.metric.is_computed else self[figure_field_name(f.metric.code)])
                for f in self.figures]

    def values(self) -> dict[str, str]:
        """Metric code → the figure as typed, for ``actions.return_save_values`` (never a
        figure filled in from casework)."""
        return {f.metric.code: self.cleaned_data.get(figure_field_name(f.metric.code)) or ""
                for f in self.typed}


def initial_values(figures: list[Figure], version: int) -> dict[str, Any]:
    initial: dict[str, Any] = {"version": version}
    for figure in figures:
        if not figure.metric.is_computed:
            initial[figure_field_name(figure.metric.code)] = initial_text(figure)
    return initial


class StartReturnForm(forms.Form):
    """Which return to start: the organisation is always the user's own."""

    partnership = forms.IntegerField(min_value=1)
    period = forms.IntegerField(min_value=1)


class CorrectionForm(forms.Form):
    reason = forms.CharField(
        label="Why are the figures being corrected?", widget=forms.Textarea, max_length=NOTE_MAX,
        help_text="For example, which figures were wrong and how you found out. The lead partner "
                  "sees this when they review the correction.",
        error_messages={"required": "Say why the figures are being corrected",
                        "max_length": f"The reason must be {NOTE_MAX} characters or fewer"})


class ReviewForm(forms.Form):
    """Returning a return for correction: a comment on the whole return and/or on figures."""

    comment = forms.CharField(
        label="Comment on the whole return", required=False, widget=forms.Textarea,
        max_length=COMMENT_MAX,
        help_text="What the provider needs to check or correct.",
        error_messages={"max_length": f"The comment must be {COMMENT_MAX} characters or fewer"})

    def __init__(self, *args: Any, figures: list[Figure], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.figures = [f for f in figures if f.asked]
        for figure in self.figures:
            self.fields[comment_field_name(figure.metric.code)] = forms.CharField(
                label=f"Comment on {figure.metric.name}", required=False,
                max_length=COMMENT_MAX, widget=forms.Textarea,
                error_messages={"max_length": f"The comment on {figure.metric.name} must be "
                                              f"{COMMENT_MAX} characters or fewer"})

    def rows(self) -> list[tuple[Figure, forms.BoundField]]:
        return [(f, self[comment_field_name(f.metric.code)]) for f in self.figures]

    def metric_comments(self) -> dict[str, str]:
        """Metric code → comment, for the figures commented on."""
        comments = {}
        for figure in self.figures:
            text = (self.cleaned_data.get(comment_field_name(figure.metric.code)) or "").strip()
            if text:
                comments[figure.metric.code] = text
        return comments

