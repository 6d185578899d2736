"""Fixtures shared by every test folder."""

import pytest
from rest_framework.test import APIClient

from tests.accounts.factories import (
    CommissionerFactory,
    PartnershipManagerFactory,
    PlatformAdminFactory,
    ProviderStaffFactory,
)


def _transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    names = getattr(item, "fixturenames", ())
    return bool((marker and marker.kwargs.get("transaction"))
                or "transactional_db" in names or "live_server" in names)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every transactional test restores the database with serialized rollback. A plain one is
    flushed afterwards *with* Django's post_migrate signal, which re-creates content types under
    new ids; a later serialized-rollback test in the same process (the browser and Celery tests)
    then collides reloading the originals. Serialized rollback also puts the migrations' seed
    data (regions, activities, the service taxonomy) back for the tests that follow."""
    for item in items:
        names = getattr(item, "fixturenames", None)
        if (names is not None and _transactional(item)
                and "django_db_serialized_rollback" not in names):
            names.append("django_db_serialized_rollback")


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


@pytest.fixture
def eager_celery():
    """Run Celery tasks in this process (notification emails are queued on commit as tasks;
    the tests outside tests/celery have no worker). The notifications tests use it for every
    test (tests/notifications/conftest.py); others ask for it by name."""
    from config.celery import app as celery_app

    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved
