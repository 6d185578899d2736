"""Notifications tests run Celery tasks eagerly (in-process); real-worker tests live elsewhere."""

import pytest

from notifications import actions
from tests.accounts.factories import ProviderStaffFactory


@pytest.fixture(autouse=True)
def eager_celery(eager_celery):
    """Every notifications test runs its tasks in-process (tests/conftest.py's fixture)."""
    yield


@pytest.fixture
def recipient(db):
    return ProviderStaffFactory()


@pytest.fixture
def make_notification(recipient, django_capture_on_commit_callbacks):
    """``make_notification(key=..., deliver=False)``: a notification for ``recipient``; with
    ``deliver`` its on-commit delivery runs (eagerly), otherwise it is left pending."""
    counter = iter(range(1, 10_000))

    def make(*, key=None, kind="return_overdue", to=None, deliver=False, **fields):
        arguments = {"subject": "Return RET-12 for Q1 2025 is overdue",
                     "body": "The monitoring return is past its due date.",
                     "url": "/monitoring/returns/", **fields}
        with django_capture_on_commit_callbacks(execute=deliver):
            return actions.notification_create(kind=kind, key=key or f"test:{next(counter)}",
                                  recipient=to or recipient, **arguments)

    return make
