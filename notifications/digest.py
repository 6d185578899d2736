"""The daily digest: one email a day gathering the notifications a user chose to get that way.

``actions.notification_deliver`` leaves a notification of a kind the recipient gathers into a
digest with ``email_status == DIGEST``; the digest is what finally emails it. Each row goes into
exactly one digest: the rows are locked (``select_for_update``) while the email is sent and
``digested_on`` is set in the same transaction, so a second run, a retried task or a concurrent
worker finds nothing left to send. A user who cannot get email (no address, no longer active) has
the rows marked digested without an email: nothing is lost, they stay on the in-app page.

The sweep (``digests_send``, run at 17:30 by beat entry ``send-daily-digests``) finds the users
with something pending in one query (index ``notification_digest_idx``) and queues one task per
user, so one mail failure is retried for that user alone.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse

from core import clock

from .actions import task_enqueue
from .channels import send_email
from .models import EmailStatus, Notification

logger = logging.getLogger(__name__)


def _pending() -> Any:
    return Notification.objects.filter(email_status=EmailStatus.DIGEST,
                                       digested_on__isnull=True)


def users_with_pending_digest() -> list[int]:
    """Ids of users with notifications waiting for a digest. One indexed query."""
    return list(_pending().order_by().values_list("recipient_id", flat=True).distinct())


def digest_subject(count: int) -> str:
    return f"Your Partnership Registry notifications: {count} new"


def digest_text(notifications: list[Notification]) -> str:
    """Each notification's subject with its link (references only: no personal data)."""
    site = settings.SITE_URL.rstrip("/")
    lines = ["These are the notifications you chose to get as a daily digest.", ""]
    for notification in notifications:
        link = site + reverse("notifications:open", args=[notification.pk])
        lines += [f"* {notification.subject}", f"  {link}", ""]
    lines.append("You can choose which notifications you get by email, and which are gathered "
                 "into this daily digest, in your notification settings: "
                 + site + reverse("notifications:settings"))
    return "\n".join(lines)


def digest_send(*, user: Any, day: datetime.date) -> int:
    """Send ``user`` one email listing their notifications waiting for a digest, and mark them
    digested on ``day``; returns how many the email listed (0: nothing sent).

    Exactly once: the rows stay locked from reading to marking, and a mail failure raises
    before they are marked, so the task's retry sends them then. A fixed number of queries
    whatever the number of notifications.
    """
    with transaction.atomic():
        notifications = list(
            _pending().select_for_update().filter(recipient_id=user.pk)
            .order_by("created_on", "id").only("id", "subject", "created_on"))
        if not notifications:
            return 0
        sent = 0
        if user.email and user.is_active:
            send_email(to=user.email, subject=digest_subject(len(notifications)),
                       text=digest_text(notifications),
                       reference=f"digest-user-{user.pk}-{day.isoformat()}",
                       link=settings.SITE_URL.rstrip("/") + reverse("notifications:list"),
                       template="digest")
            sent = len(notifications)
        else:
            logger.info("User %s gets no digest email (no address or inactive); %s marked "
                        "digested", user.pk, len(notifications))
        Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(
            digested_on=day)
        return sent


def digest_send_to_user(*, user_id: int, day: datetime.date) -> int:
    """The per-user task's work: load the user (gone meanwhile: nothing to do) and send."""
    user = get_user_model().objects.select_related(None).filter(pk=user_id).first()
    if user is None:
        return 0
    return digest_send(user=user, day=day)


def digests_send(today: datetime.date | None = None) -> dict[str, Any]:
    """Queue one digest task per user with notifications waiting (after commit, so a task never
    runs before what queued it is visible). Running it twice queues twice, harmlessly: each task
    sends only what is still undigested."""
    from .tasks import send_digest

    day = today or clock.today()
    user_ids = users_with_pending_digest()
    for user_id in user_ids:
        # Not sent (Redis down): the notifications stay undigested and go in the next digest.
        transaction.on_commit(lambda user_id=user_id: task_enqueue(
            send_digest, user_id, day.isoformat(), what=f"the digest of user {user_id}"))
    return {"day": day.isoformat(), "users": len(user_ids)}
