"""``notification_insert_from``: a fan-out computed in the database written as ONE
``INSERT … SELECT … ON CONFLICT (key) DO NOTHING RETURNING`` (the set-based sweeps use it)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection, transaction
from django.db.models import CharField, F, IntegerField, Value
from django.db.models.functions import Cast, Concat
from django.test.utils import CaptureQueriesContext

from core.errors import DomainError
from notifications import actions
from notifications.actions import INSERT_COLUMNS, notification_insert_from
from notifications.models import EmailStatus, Notification
from tests.accounts.factories import ProviderStaffFactory
from tests.concurrency import at_once

pytestmark = pytest.mark.django_db


def rows(users: list[Any], *, prefix: str = "bulk", kind: str = "return_overdue",
         subject: Any = None) -> Any:
    """One row per user: a notification of ``kind`` keyed ``<prefix>:<user id>``."""
    return (get_user_model().objects.filter(pk__in=[u.pk for u in users]).order_by()
            .annotate(kind=Value(kind, output_field=CharField()),
                      key=Concat(Value(f"{prefix}:"), Cast(F("id"), CharField())),
                      recipient_id=F("id"),
                      subject=subject or Value("Return RET-7 overdue"),
                      body=Value("Past its due date."), url=Value("/monitoring/returns/"),
                      content_type_id=Value(None, output_field=IntegerField()),
                      object_id=Value(""))
            .values(*INSERT_COLUMNS))


def statements(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries
            if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def test_creates_each_new_key_once_and_returns_only_the_new_ids(
        django_capture_on_commit_callbacks: Any) -> None:
    users = ProviderStaffFactory.create_batch(3)
    with django_capture_on_commit_callbacks(execute=False):
        earlier = actions.notification_create(kind="return_overdue", key=f"bulk:{users[0].pk}",
                                              recipient=users[0], subject="Earlier", body="")
        # users[1] twice in the select: one row for its key
        created = notification_insert_from(rows(users).union(rows(users[1:2]), all=True))

    assert earlier is not None
    new = Notification.objects.filter(key__in=[f"bulk:{u.pk}" for u in users[1:]])
    assert created == {n.pk: "return_overdue" for n in new}
    assert Notification.objects.get(key=f"bulk:{users[0].pk}").subject == "Earlier"
    n = new.get(recipient=users[2])
    assert (n.subject, n.body, n.url, n.email_status, n.attempts) == (
        "Return RET-7 overdue", "Past its due date.", "/monitoring/returns/",
        EmailStatus.PENDING, 0)
    assert n.content_type_id is None and n.object_id == "" and n.read_at is None
    assert notification_insert_from(rows(users)) == {}


def test_takes_sql_and_parameters_too() -> None:
    user = ProviderStaffFactory()
    sql, params = rows([user], prefix="raw").query.sql_with_params()

    created = notification_insert_from((sql, params))

    assert list(created.values()) == ["return_overdue"]
    assert Notification.objects.get().key == f"raw:{user.pk}"


def test_is_one_statement_for_3_or_60_recipients(django_capture_on_commit_callbacks: Any) -> None:
    def count(people: list[Any], prefix: str) -> int:
        with django_capture_on_commit_callbacks(execute=False), \
                CaptureQueriesContext(connection) as captured:
            assert len(notification_insert_from(rows(people, prefix=prefix))) == len(people)
        return len(statements(captured))

    assert count(ProviderStaffFactory.create_batch(3), "few") == \
        count(ProviderStaffFactory.create_batch(60), "many") == 1


def test_queues_delivery_in_batches_only_after_commit(
        django_capture_on_commit_callbacks: Any) -> None:
    people = ProviderStaffFactory.create_batch(actions.DELIVERY_BATCH + 3)
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        created = notification_insert_from(rows(people))
        assert mail.outbox == []

    assert len(created) == len(people) and len(callbacks) == 2  # 50 + 3
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()  # eager: the batched delivery task runs
    assert len(mail.outbox) == len(people)
    assert set(Notification.objects.values_list("email_status", flat=True)) == {
        EmailStatus.SENT}


def test_a_rolled_back_caller_sends_nothing(django_capture_on_commit_callbacks: Any) -> None:
    people = ProviderStaffFactory.create_batch(2)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, \
            pytest.raises(RuntimeError), transaction.atomic():
        notification_insert_from(rows(people))
        raise RuntimeError("the caller's change failed")

    assert callbacks == [] and mail.outbox == []
    assert not Notification.objects.exists()


def test_refuses_an_unknown_kind_and_creates_nothing(
        django_capture_on_commit_callbacks: Any) -> None:
    people = ProviderStaffFactory.create_batch(2)
    select = rows(people[:1]).union(rows(people[1:], prefix="bad", kind="return_overdu"),
                                    all=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks, \
            pytest.raises(DomainError, match="not a kind of notification"):
        notification_insert_from(select)

    assert callbacks == []
    assert not Notification.objects.exists()


def test_cuts_the_subject_as_notification_create_does() -> None:
    user = ProviderStaffFactory()
    notification_insert_from(rows([user], subject=Value("x" * 250)))

    assert Notification.objects.get().subject == "x" * 200


@pytest.mark.django_db(transaction=True)
def test_two_at_once_create_each_notification_once() -> None:
    """Two sweeps released together over the same 40 keys: each key is written once, each id
    is returned to exactly one of them, and neither fails (PostgreSQL: SQLite serialises
    writers anyway)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    people = ProviderStaffFactory.create_batch(40)
    results = at_once(lambda: notification_insert_from(rows(people)))

    assert Notification.objects.count() == 40
    first, second = results
    assert not set(first) & set(second)
    assert set(first) | set(second) == set(Notification.objects.values_list("pk", flat=True))


def test_the_system_check_refuses_an_sqlite_without_returning(monkeypatch: Any) -> None:
    import sqlite3

    from notifications.checks import sqlite_returns_inserted_rows

    if connection.vendor != "sqlite":
        assert sqlite_returns_inserted_rows() == []
        return
    assert sqlite_returns_inserted_rows() == []  # Debian 12's 3.40
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 34, 1))
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.34.1")
    [error] = sqlite_returns_inserted_rows()
    assert error.id == "notifications.E003" and "3.34.1" in error.msg
