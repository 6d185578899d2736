"""Writes for notifications: create once per key, deliver by email at most once, mark read,
and each user's email choices. Views, tasks and the reminder sweeps all call these."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError

from .kinds import KINDS
from .models import EmailStatus, Notification, NotificationPreference

logger = logging.getLogger(__name__)


def _check_kind(kind: str, *, field: str | None = None) -> None:
    if kind not in KINDS:
        known = ", ".join(sorted(KINDS))
        raise DomainError(f"“{kind}” is not a kind of notification. The kinds are: {known}.",
                          field=field, code="unknown_kind")


def notify(*, kind: str, key: str, recipient: Any, subject: str, body: str, url: str = "",
           obj: Any = None) -> Notification | None:
    """Create the notification for ``key`` once and queue its email after commit.

    Returns None when a notification with this key already exists, including when a
    concurrent sweep inserted it a moment earlier (the unique constraint decides). Subject and
    body must carry no personal data: references only.
    """
    _check_kind(kind)
    if not key:
        raise DomainError("A notification needs a key (what, which occurrence, whom).")
    if Notification.objects.filter(key=key).exists():
        return None
    notification = Notification(
        kind=kind, key=key, recipient=recipient, subject=subject[:200], body=body, url=url,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "")
    try:
        # A savepoint, so losing the race to another inserter leaves the caller's
        # transaction usable.
        with transaction.atomic():
            notification.save()
    except IntegrityError:
        if Notification.objects.filter(key=key).exists():
            return None
        raise
    from .tasks import deliver_notification

    transaction.on_commit(lambda: deliver_notification.delay(notification.pk))
    return notification


def _email_text(notification: Notification) -> str:
    link = settings.SITE_URL.rstrip("/") + reverse("notifications:open",
                                                   args=[notification.pk])
    body = notification.body.strip()
    return (f"{body}\n\n" if body else "") + (
        f"Open it in the Partnership Registry: {link}\n\n"
        "You can choose which notifications you get by email in your notification settings.")


def deliver(*, notification_id: int) -> bool:
    """Send the notification's email unless that was already done or is not wanted; True only
    if an email went out now.

    Idempotent: the row is locked while sending and ``email_sent_at`` is set in the same
    transaction, so a retried or duplicated task never sends a second email. A notification
    deleted meanwhile is skipped quietly. A mail failure raises, so the task retries.
    """
    # Counted outside the sending transaction, so failed attempts are remembered too.
    Notification.objects.filter(pk=notification_id, email_status=EmailStatus.PENDING).update(
        attempts=F("attempts") + 1)
    with transaction.atomic():
        notification = (Notification.objects.select_for_update()
                        .filter(pk=notification_id).first())
        if notification is None:
            logger.info("Notification %s no longer exists; nothing to send", notification_id)
            return False
        if notification.email_sent_at is not None or \
                notification.email_status != EmailStatus.PENDING:
            return False
        recipient = notification.recipient
        preference = NotificationPreference.objects.filter(
            user=recipient, kind=notification.kind).first()
        if preference is not None and not preference.email:
            outcome = EmailStatus.OPTED_OUT
        elif preference is not None and preference.digest:
            outcome = EmailStatus.DIGEST  # the daily digest gathers these
        elif not recipient.email or not recipient.is_active:
            outcome = EmailStatus.NO_ADDRESS
        else:
            send_mail(notification.subject, _email_text(notification),
                      settings.DEFAULT_FROM_EMAIL, [recipient.email], fail_silently=False)
            notification.email_status = EmailStatus.SENT
            notification.email_sent_at = timezone.now()
            notification.save(update_fields=["email_status", "email_sent_at"])
            return True
        notification.email_status = outcome
        notification.save(update_fields=["email_status"])
        return False


def mark_read(*, notification: Notification, by: Any) -> Notification:
    """Mark one of the user's own notifications read (reading it again changes nothing)."""
    if notification.recipient_id != getattr(by, "pk", None):
        raise DomainError("You can only mark your own notifications as read.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at)
    return notification


def mark_all_read(*, by: Any) -> int:
    """Mark all the user's unread notifications read; returns how many changed."""
    return Notification.objects.for_recipient(by).unread().update(read_at=timezone.now())


@transaction.atomic
def preference_set(*, user: Any, kind: str, email: bool, digest: bool) -> NotificationPreference:
    """Record whether ``user`` wants email for ``kind``, and whether gathered in a daily digest."""
    _check_kind(kind, field="kind")
    if digest and not email:
        raise DomainError("A daily digest is an email: choose email “Yes” to get one.",
                          field="digest")
    preference, _ = NotificationPreference.objects.update_or_create(
        user=user, kind=kind, defaults={"email": email, "digest": digest})
    return preference
