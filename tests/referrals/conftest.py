"""The fixtures every casework test starts from."""

from __future__ import annotations

import pytest

from referrals.models import Case
from tests.referrals.factories import Casework, casework_setup, open_case


@pytest.fixture
def s(db) -> Casework:
    """A partnership with probation and a treatment provider under a protocol in force."""
    return casework_setup()


@pytest.fixture
def case(s: Casework) -> Case:
    """An open case led by probation (its conferences planned)."""
    return open_case(s)
