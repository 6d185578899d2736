"""Thin Celery tasks for notifications: load by id, call the action (which is idempotent)."""

from __future__ import annotations

import smtplib

from celery import shared_task

from . import actions


@shared_task(name="notifications.deliver_notification", bind=True, acks_late=True,
             reject_on_worker_lost=True,
             autoretry_for=(smtplib.SMTPException, ConnectionError, OSError),
             retry_backoff=True, retry_backoff_max=600, max_retries=8)
def deliver_notification(self, notification_id: int) -> bool:
    """Email one notification unless already sent or unwanted; retried on mail failures."""
    return actions.deliver(notification_id=notification_id)
