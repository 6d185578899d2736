"""Calendar arithmetic the registry uses everywhere: whole months clamped to a month's end, and
the UK financial year (April to March), its quarters and how it is written. One copy, so
monitoring periods, funding by year, the partner engagement report and meeting schedules agree on
what a year and a quarter are."""

from __future__ import annotations

import calendar
import datetime


def month_end(year: int, month: int) -> datetime.date:
    """The last day of ``month`` of ``year`` (``month`` may run past 12 into the next year)."""
    first_next = datetime.date(year + month // 12, month % 12 + 1, 1)
    return first_next - datetime.timedelta(days=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` moved by whole months, on the same day of the month or the month's last day when
    it is shorter (30 November + 3 months = 28 or 29 February), so a monthly or quarterly
    meeting never slips into the following month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def financial_year_start(date: datetime.date) -> int:
    """The calendar year the UK financial year containing ``date`` starts in (April–March):
    1 April 2026 → 2026, 31 March 2026 → 2025. The one place that says when a year turns."""
    return date.year if date.month >= 4 else date.year - 1


def financial_year_bounds(start_year: int) -> tuple[datetime.date, datetime.date]:
    """First and last day of the financial year starting in ``start_year``: 1 April to the next
    31 March."""
    return datetime.date(start_year, 4, 1), datetime.date(start_year + 1, 3, 31)


def financial_year_label(start_year: int) -> str:
    """The financial year starting in ``start_year`` in GOV.UK's words: 2026 to 2027."""
    return f"{start_year} to {start_year + 1}"


def financial_year_short_label(start_year: int) -> str:
    """The financial year starting in ``start_year`` as monitoring returns write it: 2026–27."""
    return f"{start_year}–{str(start_year + 1)[-2:]}"


def quarter_for(date: datetime.date) -> tuple[datetime.date, datetime.date]:
    """First and last day of the UK financial-year quarter containing ``date`` (Q1 = Apr–Jun)."""
    first_month = (date.month - 1) // 3 * 3 + 1  # calendar quarters line up with FY quarters
    return datetime.date(date.year, first_month, 1), month_end(date.year, first_month + 2)


def quarter_label(date: datetime.date) -> str:
    """The financial quarter containing ``date`` as the sector writes it: 2026–27 Q3."""
    fy = financial_year_short_label(financial_year_start(date))
    return f"{fy} Q{(date.month - 4) % 12 // 3 + 1}"
