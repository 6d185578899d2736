"""Working days in England and Wales: Monday to Friday, not a bank holiday. Response targets for
referrals are agreed in working days, so a referral sent before Easter is not late on Tuesday;
and case conferences are planned on working days only (``next_working_day``).

The bank holidays come from the maintained ``holidays`` package (offline data, updated with each
release for proclamations such as a state funeral or a coronation) rather than a table kept by
hand here, which went out of date silently (docs/decisions/0015-bank-holidays-from-holidays.md).
England and Wales share their bank holidays today, but each is its own subdivision in
``holidays`` ("ENG", "WLS"), so a day that one day differs (a Welsh proclamation) is right for
cases worked in Wales without a change here.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

import holidays

ENGLAND = "ENG"
WALES = "WLS"
#: The subdivisions of ``holidays``' "GB" calendar that casework is done in.
SUBDIVISIONS = frozenset({ENGLAND, WALES})


@lru_cache(maxsize=64)
def bank_holidays(year: int, subdivision: str = ENGLAND) -> frozenset[datetime.date]:
    """The days off for bank holidays in ``year`` in England (``"ENG"``) or Wales (``"WLS"``):
    a holiday on a weekend is replaced by its weekday substitute, so only Monday-to-Friday dates
    are returned (the published list at gov.uk/bank-holidays)."""
    if subdivision not in SUBDIVISIONS:
        raise ValueError(f"Unknown subdivision {subdivision!r}: use one of "
                         f"{', '.join(sorted(SUBDIVISIONS))}.")
    calendar = holidays.country_holidays("GB", subdiv=subdivision, years=year)
    return frozenset(day for day in calendar if day.weekday() < 5)


def is_working_day(day: datetime.date, subdivision: str = ENGLAND) -> bool:
    """Monday to Friday and not a bank holiday in ``subdivision`` (England unless told)."""
    return day.weekday() < 5 and day not in bank_holidays(day.year, subdivision)


def next_working_day(day: datetime.date, subdivision: str = ENGLAND) -> datetime.date:
    """``day`` itself when it is a working day, else the first working day after it: a meeting
    due on a Saturday or a bank holiday moves forward, never back into time already planned."""
    while not is_working_day(day, subdivision):
        day += datetime.timedelta(days=1)
    return day


def working_days_after(start: datetime.date, days: int,
                       subdivision: str = ENGLAND) -> datetime.date:
    """The date ``days`` working days after ``start``."""
    day = start
    while days > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day, subdivision):
            days -= 1
    return day
