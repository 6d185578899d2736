"""Reporting periods: UK financial-year quarters, labels and due dates."""

import datetime as dt

import pytest

from core.errors import DomainError
from monitoring import actions
from monitoring.choices import Frequency
from monitoring.models import DEFAULT_DUE_DAYS, ReportingPeriod, period_bounds, quarter_for

D = dt.date


@pytest.mark.parametrize(("day", "expected"), [
    (D(2025, 3, 31), (D(2025, 1, 1), D(2025, 3, 31))),   # last day of 2024–25 Q4
    (D(2025, 4, 1), (D(2025, 4, 1), D(2025, 6, 30))),    # first day of 2025–26 Q1
    (D(2025, 6, 30), (D(2025, 4, 1), D(2025, 6, 30))),
    (D(2025, 7, 1), (D(2025, 7, 1), D(2025, 9, 30))),
    (D(2025, 12, 31), (D(2025, 10, 1), D(2025, 12, 31))),
    (D(2024, 2, 29), (D(2024, 1, 1), D(2024, 3, 31))),
])
def test_quarter_for_follows_the_financial_year(day, expected):
    assert quarter_for(day) == expected
    assert ReportingPeriod.quarter_for(day) == expected


def test_monthly_and_annual_bounds():
    assert period_bounds(Frequency.MONTHLY, D(2024, 2, 10)) == (D(2024, 2, 1), D(2024, 2, 29))
    assert period_bounds(Frequency.ANNUAL, D(2025, 3, 31)) == (D(2024, 4, 1), D(2025, 3, 31))
    assert period_bounds(Frequency.ANNUAL, D(2025, 4, 1)) == (D(2025, 4, 1), D(2026, 3, 31))


@pytest.mark.django_db
def test_ensure_periods_across_the_year_boundary_with_labels_and_due_dates(admin_user):
    periods = actions.periods_ensure(start=D(2025, 3, 31), end=D(2025, 4, 1), by=admin_user)
    assert [p.label for p in periods] == ["2024–25 Q4", "2025–26 Q1"]
    q4, q1 = periods
    assert (q4.starts_on, q4.ends_on) == (D(2025, 1, 1), D(2025, 3, 31))
    assert q4.due_on == D(2025, 3, 31) + dt.timedelta(days=DEFAULT_DUE_DAYS)
    assert q1.due_on == D(2025, 7, 28)
    # Asking again creates nothing new.
    again = actions.periods_ensure(start=D(2025, 1, 15), end=D(2025, 6, 1), by=admin_user)
    assert [p.pk for p in again] == [q4.pk, q1.pk]
    assert ReportingPeriod.objects.count() == 2


@pytest.mark.django_db
def test_due_days_come_from_settings(settings, admin_user):
    settings.MONITORING_DUE_DAYS = 10
    (period,) = actions.periods_ensure(start=D(2025, 4, 1), end=D(2025, 4, 1), by=admin_user)
    assert period.due_on == D(2025, 7, 10)


@pytest.mark.django_db
def test_monthly_and_annual_labels(admin_user):
    (month,) = actions.periods_ensure(start=D(2025, 1, 5), end=D(2025, 1, 5), by=admin_user,
                                      frequency=Frequency.MONTHLY)
    (year,) = actions.periods_ensure(start=D(2025, 1, 5), end=D(2025, 1, 5), by=admin_user,
                                     frequency=Frequency.ANNUAL)
    assert month.label == "January 2025" and month.due_on == D(2025, 2, 28)
    # A whole financial year as GOV.UK writes it; quarters keep the sector's "2024–25 Q4".
    assert year.label == "2024 to 2025" and year.ends_on == D(2025, 3, 31)


@pytest.mark.django_db
def test_ensure_periods_refuses_reversed_dates(admin_user):
    with pytest.raises(DomainError, match="end date is before the start"):
        actions.periods_ensure(start=D(2025, 4, 1), end=D(2025, 3, 1), by=admin_user)
    assert ReportingPeriod.objects.count() == 0
