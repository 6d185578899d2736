"""Fixtures shared by every test folder."""

import pytest
from rest_framework.test import APIClient

from tests.accounts.factories import (
    CommissionerFactory,
    PartnershipManagerFactory,
    PlatformAdminFactory,
    ProviderStaffFactory,
)


@pytest.fixture
def admin_user(db):
    return PlatformAdminFactory()


@pytest.fixture
def provider_user(db):
    return ProviderStaffFactory()


@pytest.fixture
def manager_user(db):
    return PartnershipManagerFactory()


@pytest.fixture
def commissioner_user(db):
    return CommissionerFactory()


@pytest.fixture
def api_client():
    return APIClient()
