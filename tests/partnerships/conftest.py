"""Fixtures for the quarterly review tests: a fixed UK day and a partnership ready for reviews
(``review_setup``). Modules that want the fixed day for every test say
``pytestmark = pytest.mark.usefixtures("today")``."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.partnerships.review_factories import REVIEW_TODAY, ReviewSetup, at, review_setup


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    """Midday on 25 November 2026 (GMT), the day the review tests are written for."""
    at(monkeypatch, dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC))
    return REVIEW_TODAY


@pytest.fixture
def s(db: None) -> ReviewSetup:
    return review_setup()
