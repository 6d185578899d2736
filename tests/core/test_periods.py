"""Calendar arithmetic shared by monitoring periods, reviews, the engagement report and case
meeting schedules."""

import datetime

import pytest

from core.periods import add_months, financial_year_start, month_end, quarter_for, quarter_label

D = datetime.date


@pytest.mark.parametrize(("day", "months", "expected"), [
    (D(2025, 11, 30), 3, D(2026, 2, 28)),   # clamped to a short February
    (D(2023, 11, 30), 3, D(2024, 2, 29)),   # leap year
    (D(2025, 12, 31), 3, D(2026, 3, 31)),   # across the year end, into the financial year's end
    (D(2026, 1, 31), 3, D(2026, 4, 30)),    # across the financial year boundary
    (D(2026, 3, 31), -1, D(2026, 2, 28)),   # backwards
    (D(2025, 6, 15), 0, D(2025, 6, 15)),
])
def test_add_months_keeps_the_day_or_the_months_last(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(("day", "bounds", "label"), [
    (D(2026, 3, 31), (D(2026, 1, 1), D(2026, 3, 31)), "2025–26 Q4"),
    (D(2026, 4, 1), (D(2026, 4, 1), D(2026, 6, 30)), "2026–27 Q1"),
    (D(2026, 11, 25), (D(2026, 10, 1), D(2026, 12, 31)), "2026–27 Q3"),
    (D(2099, 12, 31), (D(2099, 10, 1), D(2099, 12, 31)), "2099–00 Q3"),
])
def test_financial_quarters(day, bounds, label):
    assert quarter_for(day) == bounds
    assert quarter_label(day) == label
    assert financial_year_start(day) == (day.year if day.month >= 4 else day.year - 1)


def test_month_end_runs_into_the_next_year():
    assert month_end(2025, 2) == D(2025, 2, 28)
    assert month_end(2025, 14) == D(2026, 2, 28)
