"""Working days in England and Wales: Monday to Friday, not a bank holiday. Response targets for
referrals are agreed in working days, so a referral sent before Easter is not late on Tuesday.

The bank holidays come from the maintained ``holidays`` package (offline data, updated with each
release for proclamations such as a state funeral or a coronation) rather than a table kept by
hand here, which went out of date silently (docs/decisions/0015-bank-holidays-from-holidays.md).
"""

from __future__ import annotations

import datetime
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset[datetime.date]:
    """The days off for England and Wales bank holidays in ``year``: a holiday on a weekend is
    replaced by its weekday substitute, so only Monday-to-Friday dates are returned (the
    published list at gov.uk/bank-holidays)."""
    calendar = holidays.country_holidays("GB", subdiv="ENG", years=year)
    return frozenset(day for day in calendar if day.weekday() < 5)


def is_working_day(day: datetime.date) -> bool:
    """Monday to Friday and not an England and Wales bank holiday."""
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def working_days_after(start: datetime.date, days: int) -> datetime.date:
    """The date ``days`` working days after ``start``."""
    day = start
    while days > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day
