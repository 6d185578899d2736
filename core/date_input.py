"""The GOV.UK date input (day, month and year in three boxes) as a Django form field, with
GOV.UK's error messages. Every app's forms use it, so it lives here rather than in one app: a
form asks for a date with ``date_field(...)`` and its template draws it with
``{% include "components/field_date.html" with field=form.<name> %}``."""

from __future__ import annotations

import datetime
from typing import Any, NamedTuple

from django import forms


class DateInputWidget(forms.MultiWidget):
    """Three boxes named ``<name>_day``, ``<name>_month``, ``<name>_year``, as the GOV.UK date
    input. Rendered by ``components/field_date.html``, not by Django."""

    def __init__(self) -> None:
        super().__init__(widgets={"day": forms.TextInput, "month": forms.TextInput,
                                  "year": forms.TextInput})

    def decompress(self, value: Any) -> list[str]:
        if isinstance(value, datetime.date):
            return [str(value.day), str(value.month), str(value.year)]
        return ["", "", ""]

    def value_from_datadict(self, data: Any, files: Any, name: str) -> tuple[str, str, str]:
        return tuple((data.get(f"{name}_{part}") or "").strip()  # type: ignore[return-value]
                     for part in ("day", "month", "year"))

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return all(f"{name}_{part}" not in data for part in ("day", "month", "year"))


class DatePart(NamedTuple):
    """One box of a GOV.UK date input, as ``components/field_date.html`` draws it."""

    label: str
    id: str
    name: str
    width: int
    value: str


class DateBoundField(forms.BoundField):
    """A date field on a form, giving its template the three boxes to draw in one loop."""

    @property
    def date_parts(self) -> list[DatePart]:
        # The day box takes the field's own id, so the error summary's link lands on it.
        day, month, year = self.value()
        return [DatePart("Day", self.auto_id, f"{self.html_name}_day", 2, day),
                DatePart("Month", f"{self.auto_id}-month", f"{self.html_name}_month", 2, month),
                DatePart("Year", f"{self.auto_id}-year", f"{self.html_name}_year", 4, year)]


class DateInputField(forms.Field):
    """A date typed as day, month and year, with GOV.UK's messages. What was typed is kept as
    typed (``value`` gives the three parts), so a refused form shows it back unchanged."""

    widget = DateInputWidget

    def get_bound_field(self, form: forms.BaseForm, field_name: str) -> DateBoundField:
        return DateBoundField(form, self, field_name)

    def __init__(self, *, label: str, name_in_messages: str, **kwargs: Any) -> None:
        self.name_in_messages = name_in_messages
        super().__init__(label=label, **kwargs)
        self.error_messages["required"] = f"Enter {name_in_messages}"

    def prepare_value(self, value: Any) -> tuple[str, str, str]:
        if isinstance(value, datetime.date):
            return (str(value.day), str(value.month), str(value.year))
        if isinstance(value, list | tuple) and len(value) == 3:
            return tuple(value)  # type: ignore[return-value]
        return ("", "", "")

    def to_python(self, value: Any) -> datetime.date | None:
        if isinstance(value, datetime.date):
            return value
        day, month, year = value if isinstance(value, list | tuple) else ("", "", "")
        if not (day or month or year):
            return None
        what = self.name_in_messages[0].upper() + self.name_in_messages[1:]
        missing = [n for n, v in (("day", day), ("month", month), ("year", year)) if not v]
        if missing:
            raise forms.ValidationError(f"{what} must include a {' and '.join(missing)}")
        if not (day.isdecimal() and month.isdecimal() and year.isdecimal()) or len(year) != 4:
            raise forms.ValidationError(f"{what} must be a real date")
        try:
            return datetime.date(int(year), int(month), int(day))
        except ValueError:
            raise forms.ValidationError(f"{what} must be a real date") from None


def date_field(label: str, name_in_messages: str, *, required: bool = True,
               help_text: str = "For example, 27 3 2025") -> DateInputField:
    """A date question: ``label`` asks it, ``name_in_messages`` names the date in the errors
    ("Enter the date the order starts")."""
    return DateInputField(label=label, name_in_messages=name_in_messages, required=required,
                          help_text=help_text)
