"""How people and moments are written on pages, emails and API answers, in one place."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone


def display_name(user: Any) -> str:
    """Who did something, as colleagues know them: full name, else user name ("" for nobody)."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def govuk_date(day: datetime.date | None) -> str:
    """A day as GOV.UK writes it: 5 January 2027 ("" for none)."""
    if day is None:
        return ""
    return f"{day.day} {day:%B %Y}"


def govuk_datetime(moment: datetime.datetime | None) -> str:
    """A moment as GOV.UK writes it, in UK time: 1 April 2025 at 2:05pm ("" for none)."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    suffix = "am" if local.hour < 12 else "pm"
    return f"{local.day} {local:%B %Y} at {local.hour % 12 or 12}:{local:%M}{suffix}"


def money(amount: Decimal | int | float | str | None) -> str:
    """An amount in pounds as people write it: "£120,000", with pence only where there are
    pence ("£120,000.50"); "" for none. The one spelling of money on pages, emails and the
    admin, so a figure reads the same wherever it appears."""
    if amount is None or amount == "":
        return ""
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value == value.to_integral_value():
        return f"{sign}£{int(value):,}"
    return f"{sign}£{value:,.2f}"
