"""Working days in England and Wales: Monday to Friday, not a bank holiday. Response targets for
referrals are agreed in working days, so a referral sent before Easter is not late on Tuesday."""

from __future__ import annotations

import datetime
from functools import lru_cache

D = datetime.date

# One-off changes by proclamation: (moved or added days, days that were not holidays).
_ADDED = {2020: [D(2020, 5, 8)], 2022: [D(2022, 6, 2), D(2022, 6, 3), D(2022, 9, 19)],
          2023: [D(2023, 5, 8)]}
_REMOVED = {2020: [D(2020, 5, 4)], 2022: [D(2022, 5, 30)]}


def _easter(year: int) -> datetime.date:
    """Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * ell) // 433
    month = (h + ell - 7 * m + 90) // 25
    return D(year, month, (h + ell - 7 * m + 33 * month + 19) % 32)


def _first_monday(year: int, month: int) -> datetime.date:
    day = D(year, month, 1)
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7)


def _last_monday(year: int, month: int) -> datetime.date:
    day = D(year, month + 1, 1) - datetime.timedelta(days=1)
    return day - datetime.timedelta(days=day.weekday())


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset[datetime.date]:
    """England and Wales bank holidays of ``year``, with weekend substitutes."""
    new_year = D(year, 1, 1)
    if new_year.weekday() >= 5:
        new_year += datetime.timedelta(days=7 - new_year.weekday())
    easter = _easter(year)
    days = {new_year, easter - datetime.timedelta(days=2), easter + datetime.timedelta(days=1),
            _first_monday(year, 5), _last_monday(year, 5), _last_monday(year, 8)}
    # Christmas and Boxing Day: a day on a weekend moves to the next free weekday.
    for day in (D(year, 12, 25), D(year, 12, 26)):
        while day.weekday() >= 5 or day in days:
            day += datetime.timedelta(days=1)
        days.add(day)
    days |= set(_ADDED.get(year, []))
    days -= set(_REMOVED.get(year, []))
    return frozenset(days)


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def working_days_after(start: datetime.date, days: int) -> datetime.date:
    """The date ``days`` working days after ``start``."""
    day = start
    while days > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day
