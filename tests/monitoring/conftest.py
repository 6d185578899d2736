"""Fixtures for the monitoring tests (tests/api/conftest.py shares them with the API tests)."""

import pytest

from monitoring.models import MonitoringReturn
from tests.monitoring.factories import Setup, monitoring_setup
from tests.monitoring.workflow import started


@pytest.fixture
def s(db) -> Setup:
    """A partnership, its lead partner and a provider owing it returns, and a user per role."""
    return monitoring_setup()


@pytest.fixture
def ret(s: Setup) -> MonitoringReturn:
    """The provider's draft return for ``s.period``, with no figures yet."""
    return started(s)
