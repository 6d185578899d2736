"""Fixtures for the quarterly review tests: a fixed UK day and a partnership ready for reviews
(``review_setup``). Modules that want the fixed day for every test say
``pytestmark = pytest.mark.usefixtures("today")``."""

from __future__ import annotations

import pytest

from tests.partnerships.review_factories import (
    ReviewSetup,
    review_setup,
    today,  # noqa: F401  (the fixture)
)


@pytest.fixture
def s(db: None) -> ReviewSetup:
    return review_setup()
