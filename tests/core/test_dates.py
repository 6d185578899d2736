"""The one spelling of today, of a date and of a financial year (core.clock, core.display,
core.periods), which every app uses instead of its own copy."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import timezone

from core import clock
from core.display import govuk_date
from core.periods import (
    financial_year_bounds,
    financial_year_label,
    financial_year_short_label,
    financial_year_start,
    quarter_label,
)

D = dt.date


def test_today_is_the_uk_date_not_the_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    # 23:30 UTC on 30 June is 00:30 BST on 1 July.
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC))
    assert clock.today() == D(2026, 7, 1)
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC))
    assert clock.today() == D(2026, 12, 31)


@pytest.mark.parametrize(("day", "written"), [
    (D(2026, 12, 7), "7 December 2026"),
    (D(2027, 1, 15), "15 January 2027"),
    (None, ""),
])
def test_govuk_date_has_no_leading_zero(day: dt.date | None, written: str) -> None:
    assert govuk_date(day) == written


def test_the_template_filter_writes_dates_the_same_way() -> None:
    page = Template("{% load govuk %}{{ day|govuk_date }}|{{ none|govuk_date }}")
    assert page.render(Context({"day": D(2026, 4, 1), "none": None})) == "1 April 2026|"


def test_a_financial_year_runs_from_april_to_march() -> None:
    assert financial_year_start(D(2026, 3, 31)) == 2025
    assert financial_year_start(D(2026, 4, 1)) == 2026
    assert financial_year_bounds(2026) == (D(2026, 4, 1), D(2027, 3, 31))
    assert financial_year_label(2026) == "2026 to 2027"
    assert financial_year_short_label(2026) == "2026–27"
    assert financial_year_short_label(1999) == "1999–00"
    assert quarter_label(D(2027, 2, 1)) == "2026–27 Q4"
