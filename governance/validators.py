"""What may not be written in a frontline insight: it is shared across the partnership and read
by its board, so it must never identify a person. A prison number (one letter, four digits, two
letters: A1234BC) or a date of birth (a day-month-year date, or "DOB"/"date of birth") is refused
with a message that says why; the author rewrites it in general terms."""

from __future__ import annotations

import re

from core.errors import DomainError

PRISON_NUMBER = re.compile(r"\b[A-Z]\d{4}[A-Z]{2}\b", re.I)
_MONTHS = ("jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|"
           "june|july|august|september|october|november|december")
DATE_OF_BIRTH = re.compile(
    r"\b(d\.?o\.?b\.?|date of birth|born on)\b"
    r"|\b\d{1,2}[/.-]\d{1,2}[/.-](19|20)?\d{2}\b"
    rf"|\b\d{{1,2}}(st|nd|rd|th)?\s+({_MONTHS})\s+(19|20)\d{{2}}\b", re.I)


def refuse_personal_data(text: str, *, field: str = "text") -> None:
    """Refuse ``text`` if it looks like it holds a prison number or a date of birth."""
    if PRISON_NUMBER.search(text):
        raise DomainError("Remove the prison number: insights are read across the partnership "
                          "and must not identify anyone. Describe the barrier in general terms.",
                          field=field, code="personal_data")
    if DATE_OF_BIRTH.search(text):
        raise DomainError("Remove the date of birth or other date that could identify someone: "
                          "insights are read across the partnership and must not identify "
                          "anyone.", field=field, code="personal_data")
