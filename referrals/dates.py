"""What counts as a sensible date in casework, in one place, so the pages, the API and anything
else that calls the actions refuse the same typos with the same messages.

A typed date can do lasting harm: a case "closed" on 1 January 0001 is anonymised at the next
nightly run, and an order from 0001 to 9999 plans meetings for eight thousand years. The actions
check every date a person types against these bounds and say which limit it broke.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from core import clock
from core.display import govuk_date
from core.errors import DomainError
from core.periods import add_months

#: An order started at most 10 years ago: the longest orders we hold have ended by then, and a
#: start further back is a typo (a wrong year), not a case to work.
ORDER_EARLIEST_START_YEARS = 10
#: An order starts at most a year from today: sentences are not passed further ahead.
ORDER_LATEST_START_YEARS = 1
#: An order lasts at most 10 years (longer licence periods are recorded as a new case when
#: they are reviewed), so the conference schedule stays finite and sensible.
ORDER_LONGEST_YEARS = 10
#: Assessments, meetings and significant changes may come before the order starts (for
#: example a pre-sentence assessment), by at most a year.
LEAD_IN_DAYS = 365


def _years(count: int) -> str:
    return "1 year" if count == 1 else f"{count} years"


def check_order_dates(starts_on: datetime.date, ends_on: datetime.date,
                      today: datetime.date | None = None, *, start_changed: bool = True) -> None:
    """Refuse an order that starts more than ``ORDER_EARLIEST_START_YEARS`` ago or more than
    ``ORDER_LATEST_START_YEARS`` ahead (checked when the start is new: ``start_changed``), ends
    before it starts, or lasts longer than ``ORDER_LONGEST_YEARS``."""
    today = today or clock.today()
    earliest = add_months(today, -12 * ORDER_EARLIEST_START_YEARS)
    latest = add_months(today, 12 * ORDER_LATEST_START_YEARS)
    if not start_changed:
        pass
    elif starts_on < earliest:
        raise DomainError(f"The order must start on or after {govuk_date(earliest)}: an order "
                          f"cannot have started more than "
                          f"{_years(ORDER_EARLIEST_START_YEARS)} ago.",
                          field="order_starts_on")
    if starts_on > latest:
        raise DomainError(f"The order must start on or before {govuk_date(latest)}: an order "
                          f"cannot start more than {_years(ORDER_LATEST_START_YEARS)} from today.",
                          field="order_starts_on")
    if ends_on < starts_on:
        raise DomainError("The order cannot end before it starts.", field="order_ends_on")
    longest = add_months(starts_on, 12 * ORDER_LONGEST_YEARS)
    if ends_on > longest:
        raise DomainError(f"The order must end on or before {govuk_date(longest)}: an order cannot "
                          f"last more than {_years(ORDER_LONGEST_YEARS)}.",
                          field="order_ends_on")


def case_began_on(case: Any) -> datetime.date:
    """The day the case began: its order's start, or the day it was opened here if that was
    earlier (an order that starts next month, opened today)."""
    opened = timezone.localdate(case.created_on) if case.created_on else case.order_starts_on
    return min(case.order_starts_on, opened)


def earliest_case_date(case: Any) -> datetime.date:
    """The earliest date anything on the case (an assessment, a meeting, a significant change)
    can have happened: ``LEAD_IN_DAYS`` before the case began."""
    return case_began_on(case) - datetime.timedelta(days=LEAD_IN_DAYS)


def check_not_future(value: datetime.date, *, field: str, what: str,
                     today: datetime.date | None = None) -> None:
    """Refuse a date of something that has happened (``what``) that is after today."""
    if value > (today or clock.today()):
        raise DomainError(f"The date of {what} cannot be in the future.", field=field)


def check_case_date(case: Any, value: datetime.date, *, field: str, what: str,
                    today: datetime.date | None = None) -> None:
    """Refuse a date of something on the case (``what``, e.g. "the assessment") that is in the
    future or before ``earliest_case_date``."""
    check_not_future(value, field=field, what=what, today=today)
    earliest = earliest_case_date(case)
    if value < earliest:
        raise DomainError(f"The date of {what} must be on or after {govuk_date(earliest)}: no more "
                          f"than {LEAD_IN_DAYS} days before case {case.reference} began "
                          f"({govuk_date(case_began_on(case))}).", field=field)


def check_closing_date(case: Any, closed_on: datetime.date,
                       today: datetime.date | None = None) -> None:
    """A case closes no earlier than it began and no later than today."""
    today = today or clock.today()
    if closed_on > today:
        raise DomainError("The closing date cannot be in the future.", field="closed_on")
    began = case_began_on(case)
    if closed_on < began:
        raise DomainError(f"The closing date must be on or after {govuk_date(began)}, when case "
                          f"{case.reference} began: a case cannot close before it began.",
                          field="closed_on")
