"""Thin Celery tasks for notifications: load by id, call the action (which is idempotent)."""

from __future__ import annotations

import datetime
import smtplib
from typing import Any

from celery import shared_task

from . import actions, digest
from .channels import EmailRejected, EmailUnavailable

#: Failures worth retrying with back-off: the mail server or GOV.UK Notify is down, slow or busy
#: (Notify's 5xx and 429, timeouts, refused connections arrive as ``EmailUnavailable``).
#: ``EmailRejected`` (Notify refused the request: bad key, template or address) is not among
#: them: the same request would be refused again; ``redeliver_pending`` tries it later, a
#: bounded number of times (notifications/channels.py).
MAIL_ERRORS = (smtplib.SMTPException, ConnectionError, OSError, EmailUnavailable)


@shared_task(name="notifications.deliver_notification", bind=True, acks_late=True,
             reject_on_worker_lost=True,
             autoretry_for=MAIL_ERRORS,
             retry_backoff=True, retry_backoff_max=600, max_retries=8)
def deliver_notification(self, notification_id: int) -> bool:
    """Email one notification unless already sent or unwanted; retried on mail failures."""
    return actions.notification_deliver(notification_id=notification_id)


@shared_task(name="notifications.deliver_notifications", bind=True, acks_late=True,
             reject_on_worker_lost=True,
             autoretry_for=MAIL_ERRORS,
             retry_backoff=True, retry_backoff_max=600, max_retries=8)
def deliver_notifications(self, notification_ids: list[int]) -> int:
    """Email a batch of notifications (queued by a sweep). Each is delivered on its own, so one
    failing address does not hold back the others; the first mail error is raised at the end,
    and the retry skips those already sent. One the channel refused (``EmailRejected``,
    already logged) is skipped and left waiting for ``redeliver_pending``. Returns how many
    emails went out."""
    sent, failure = 0, None
    for notification_id in notification_ids:
        try:
            sent += actions.notification_deliver(notification_id=notification_id)
        except MAIL_ERRORS as error:
            failure = failure or error
        except EmailRejected:
            continue
    if failure is not None:
        raise failure
    return sent


@shared_task(name="notifications.redeliver_pending")
def redeliver_pending() -> int:
    """Every 15 minutes: queue again the emails of notifications whose delivery task was lost."""
    return actions.notification_redeliver_pending()


@shared_task(name="notifications.send_digests")
def send_digests(today: str | None = None) -> dict[str, Any]:
    """The 17:30 sweep: queue one digest per user with notifications waiting. ``today`` (ISO
    date) is for re-running a missed day by hand."""
    return digest.digests_send(today=datetime.date.fromisoformat(today) if today else None)


@shared_task(name="notifications.send_digest", bind=True, acks_late=True,
             reject_on_worker_lost=True,
             autoretry_for=MAIL_ERRORS,
             retry_backoff=True, retry_backoff_max=600, max_retries=8)
def send_digest(self, user_id: int, day: str) -> int:
    """One user's digest for ``day`` (ISO date); sends only what is still undigested, so a
    retry or a duplicate never sends twice."""
    return digest.digest_send_to_user(user_id=user_id, day=datetime.date.fromisoformat(day))
