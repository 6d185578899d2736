"""The fixtures every casework test starts from."""

from __future__ import annotations

from typing import Any

import pytest

from partnerships.choices import OrganisationKind
from referrals.models import Case
from tests.partnerships.factories import OrganisationFactory
from tests.referrals.factories import Casework, casework_setup, open_case


@pytest.fixture
def s(db) -> Casework:
    """A partnership with probation and a treatment provider under a protocol in force."""
    return casework_setup()


@pytest.fixture
def case(s: Casework) -> Case:
    """An open case led by probation (its conferences planned)."""
    return open_case(s)


@pytest.fixture
def prison() -> Any:
    """A prison (custody: issue 18)."""
    return OrganisationFactory(name="HMP Northshire", kind=OrganisationKind.PRISON)


@pytest.fixture
def other_prison() -> Any:
    """A second prison, to transfer to."""
    return OrganisationFactory(name="HMP Southshire", kind=OrganisationKind.PRISON)


@pytest.fixture
def area() -> Any:
    """The local authority of a release address."""
    return OrganisationFactory(name="Northshire County Council",
                               kind=OrganisationKind.LOCAL_AUTHORITY)
