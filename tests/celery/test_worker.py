"""Exactly once with a real Celery worker, the real Redis and PostgreSQL.

- The daily return sweep sent twice at once (two pool processes racing): one notification per
  recipient and occurrence, one email each.
- A worker killed while sending (the whole worker, and one pool process): the email goes out
  once, after the task is handed to a worker again.
- A notification created in a transaction that rolls back queues no task at all.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import time
from collections import Counter
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse

from monitoring import tasks
from monitoring.reminders import COMMISSIONER, ESCALATED, OVERDUE
from notifications import actions
from notifications.models import EmailStatus, Notification
from tests.accounts.factories import ProviderStaffFactory
from tests.celery.conftest import Broker, Mailbox, wait_for
from tests.monitoring.factories import monitoring_setup, quarter

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="real-worker tests need PostgreSQL: SQLite cannot share the test database with "
           "another process, and has no row locks")

# With the default settings the 2024-25 Q4 return (due 28 April 2025) is 28 days overdue on
# 26 May 2025: the provider's staff, the lead partner's manager and the funder's commissioner
# are each told (see tests/monitoring/test_reminders.py).
SWEEP_DAY = dt.date(2025, 5, 26)
WAIT = 20.0  # seconds: the most any step may take; the tests wait only as long as needed


def link(notification: Notification) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("notifications:open", args=[notification.pk])


def emails_for(outbox: Mailbox, notification: Notification) -> list[dict[str, Any]]:
    return [m for m in outbox.messages() if link(notification) in m["body"]]


def all_delivered(broker: Broker) -> bool:
    return broker.drained() and not Notification.objects.filter(
        email_status=EmailStatus.PENDING).exists()


def notify_one(key: str = "celery-test:1") -> Notification:
    user = ProviderStaffFactory()
    notification = actions.notification_create(kind="return_overdue", key=key, recipient=user,
                                  subject="Return RET-12 for Q1 2025 is overdue",
                                  body="The monitoring return is past its due date.",
                                  url="/monitoring/returns/")
    assert notification is not None
    return notification


def test_the_sweep_sent_twice_at_once_reminds_and_emails_each_person_once(
        start_worker: Any, broker: Broker, outbox: Mailbox) -> None:
    s = monitoring_setup()
    second_staff = ProviderStaffFactory(organisation=s.provider)
    assert quarter(2024, 4).due_on == dt.date(2025, 4, 28)
    start_worker()

    runs = [tasks.remind_returns.apply_async(kwargs={"today": SWEEP_DAY.isoformat()})
            for _ in range(2)]
    wait_for(lambda: len(broker.results()) >= 2 and all_delivered(broker), timeout=WAIT,
             what="both sweeps and every delivery to finish")

    expected = {(OVERDUE, s.staff.pk), (OVERDUE, second_staff.pk), (ESCALATED, s.manager.pk),
                (COMMISSIONER, s.commissioner.pk)}
    notifications = list(Notification.objects.select_related("recipient"))
    assert Counter((n.kind, n.recipient_id) for n in notifications) == dict.fromkeys(expected, 1)
    # Both sweeps ran (on the two pool processes); together they created each reminder once.
    assert len(runs) == 2
    # Each sweep says how many it created: together exactly one per reminder, however the
    # inserts were split between them.
    created = [broker.result(run.id) for run in runs]
    assert sum(sum(counts.values()) for counts in created) == len(expected)
    # 2 sweeps + one batched delivery task per sweep that created any.
    assert len(broker.results()) == 2 + sum(1 for counts in created if any(counts.values()))
    for notification in notifications:
        (email,) = emails_for(outbox, notification)
        assert email["to"] == [notification.recipient.email]
        assert notification.email_status == EmailStatus.SENT
    assert len(outbox.messages()) == len(expected)


@pytest.mark.parametrize("killed", ["the whole worker", "one pool process"])
def test_a_worker_killed_while_sending_leaves_exactly_one_email(
        start_worker: Any, broker: Broker, outbox: Mailbox, killed: str) -> None:
    visibility = 1  # second: Redis may hand a taken, unacknowledged task out again after this
    worker = start_worker(CELERY_VISIBILITY_TIMEOUT=str(visibility))
    outbox.block(seconds=WAIT)  # a slow SMTP server

    notification = notify_one()  # committed; its delivery task goes to the worker on commit
    (pid, started) = wait_for(lambda: list(outbox.sending().items()), timeout=WAIT,
                              what="the worker to start sending")[0]

    if killed == "the whole worker":
        worker.kill()
        outbox.unblock()
        # The dead worker's transaction (the row lock) was rolled back: nothing recorded.
        notification.refresh_from_db()
        assert (notification.email_status, outbox.messages()) == (EmailStatus.PENDING, [])
        # Redis restores unacknowledged tasks older than the visibility timeout when a worker
        # starts (kombu: restore_visible on its first poll). Start the next one only once the
        # task is that old, so the handing back is certain, not a matter of timing.
        time.sleep(max(0.0, started + visibility + 0.2 - time.time()))
        start_worker(CELERY_VISIBILITY_TIMEOUT=str(visibility))
    else:
        # Only the pool process dies: the worker sees it lost (reject_on_worker_lost) and
        # puts the task back at once; its other pool process sends.
        os.kill(pid, signal.SIGKILL)
        outbox.unblock()

    wait_for(lambda: all_delivered(broker), timeout=WAIT, what="the email to be sent again")
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT
    assert notification.attempts == 2  # the killed attempt and the one that sent
    assert len(emails_for(outbox, notification)) == 1
    assert len(outbox.messages()) == 1


def test_a_notification_in_a_rolled_back_transaction_queues_nothing(
        start_worker: Any, broker: Broker, outbox: Mailbox) -> None:
    start_worker()

    with pytest.raises(RuntimeError), transaction.atomic():
        notify_one(key="celery-test:rolled-back")
        raise RuntimeError("the request failed after the notification was created")
    # Then a committed one: once its email is out and the queue is drained, anything the
    # rolled-back one had queued would have run before it or beside it.
    sentinel = notify_one(key="celery-test:committed")
    wait_for(lambda: emails_for(outbox, sentinel) and all_delivered(broker), timeout=WAIT,
             what="the committed notification's email")

    assert list(Notification.objects.values_list("key", flat=True)) == ["celery-test:committed"]
    assert len(broker.results()) == 1  # one task ran: the committed notification's delivery
    assert len(outbox.messages()) == 1
