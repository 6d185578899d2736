"""The continuity-of-care reminder sweep on a real Celery worker, the real Redis and PostgreSQL:
sent twice at once (two pool processes racing), each person is reminded once and emailed once.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.db import connection

from notifications.models import EmailStatus, Notification
from referrals import tasks
from referrals.continuity_reminders import DAY_7, DAY_21, KINDS
from tests.celery.conftest import Broker, Mailbox, wait_for
from tests.celery.test_worker import WAIT, all_delivered, emails_for
from tests.referrals.factories import casework_setup
from tests.referrals.test_continuity_reminders import RELEASED, Prison, on_day, released

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="real-worker tests need PostgreSQL: SQLite cannot share the test database with "
           "another process, and has no row locks")


def test_the_continuity_sweep_sent_twice_at_once_reminds_and_emails_each_person_once(
        start_worker: Any, broker: Broker, outbox: Mailbox) -> None:
    s = casework_setup()
    prison = Prison()
    late = released(s, prison)                                       # day 21 on the sweep day
    recent = released(s, prison, on=RELEASED + dt.timedelta(days=14))  # day 7
    start_worker()

    runs = [tasks.remind_continuity.apply_async(kwargs={"today": on_day(21).isoformat()})
            for _ in range(2)]
    wait_for(lambda: all(broker.result(run.id) is not None for run in runs)
             and all_delivered(broker), timeout=WAIT,
             what="both sweeps and every delivery to finish")

    reminders = list(Notification.objects.filter(kind__in=KINDS).select_related("recipient"))
    assert Counter((n.kind, n.object_id, n.recipient_id) for n in reminders) == {
        (DAY_7, str(recent.pk), s.worker.pk): 1,
        (DAY_21, str(late.pk), prison.manager.pk): 1}
    created = [broker.result(run.id) for run in runs]
    assert sum(sum(counts.values()) for counts in created) == 2
    for notification in reminders:
        (email,) = emails_for(outbox, notification)
        assert email["to"] == [notification.recipient.email]
        assert notification.email_status == EmailStatus.SENT
