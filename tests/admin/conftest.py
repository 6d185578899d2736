"""Fixtures for the admin tests: signed-in clients per role."""

import pytest
from django.test import Client

from tests.accounts.factories import PlatformAdminFactory


@pytest.fixture
def admin_client_for():
    """A test client signed in as the given user."""

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def platform_admin_client(admin_user, admin_client_for):
    return admin_client_for(admin_user)


@pytest.fixture
def superuser(db):
    return PlatformAdminFactory(is_superuser=True, username="root")
