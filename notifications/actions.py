"""Writes for notifications: create once per key, deliver by email at most once, mark read,
and each user's email choices. Views, tasks and the reminder sweeps all call these."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone

from core import audit
from core.errors import DomainError
from core.models import AuditEvent

from . import preferences
from .calendar import replace_live_feed
from .channels import send_email
from .kinds import AREAS, KINDS
from .models import CalendarFeed, EmailStatus, Notification, NotificationPreference

logger = logging.getLogger(__name__)


def task_enqueue(task: Any, *args: Any, what: str) -> bool:
    """Send ``task`` to the broker with ``args``; if the broker (Redis) cannot be reached, log
    it and carry on. True if sent.

    Called after commit, when the rows it is about are already stored: failing here would turn
    saved work into an error page (or abort a sweep half-way) and still send nothing. Settings
    make the attempt give up within about a second; ``redeliver_pending`` (every 15 minutes)
    queues what is still waiting once Redis is back. The log names the task and ``what`` (ids
    and counts only) and the error's type, never its text (it can hold the broker's URL).
    """
    try:
        task.delay(*args)
    except Exception as error:  # noqa: BLE001 - whatever the broker raises, the rows are saved
        logger.warning("Could not queue %s for %s (%s: the broker is unavailable); "
                       "notifications.redeliver_pending will queue it again", task.name, what,
                       type(error).__name__)
        return False
    return True


def _check_kind(kind: str, *, field: str | None = None) -> None:
    if kind not in KINDS:
        known = ", ".join(sorted(KINDS))
        raise DomainError(f"“{kind}” is not a kind of notification. The kinds are: {known}.",
                          field=field, code="unknown_kind")


def notification_create(*, kind: str, key: str, recipient: Any, subject: str, body: str,
                        url: str = "", obj: Any = None) -> Notification | None:
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

    transaction.on_commit(lambda: task_enqueue(deliver_notification, notification.pk,
                                        what=f"notification {notification.pk}"))
    return notification


@dataclass(frozen=True)
class Draft:
    """A notification to create with ``notification_create_many``: the same fields as
    ``notification_create`` takes."""

    kind: str
    key: str
    recipient: Any
    subject: str
    body: str
    url: str = ""
    obj: Any = None


#: Notifications per delivery task queued by ``notification_create_many``: one broker message per
#: batch rather than per email, while a mail failure retries only one batch (already-sent ones
#: skip).
DELIVERY_BATCH = 50


#: What a SELECT given to ``notification_insert_from`` yields, by column name (in any order).
#: The other columns are the same for every new notification and are filled in there.
INSERT_COLUMNS = ("kind", "key", "recipient_id", "subject", "body", "url", "content_type_id",
                  "object_id")


def notification_create_many(drafts: Iterable[Draft]) -> dict[str, int]:
    """Create many notifications at once, each only if its key is new, and queue their emails
    after commit in batches; returns ``key → id`` of those created by this call.

    What a sweep or an event with many recipients needs: one ``INSERT … VALUES … ON CONFLICT
    (key) DO NOTHING RETURNING`` per 500 rows (fewer where the database limits query
    parameters, as SQLite does), duplicates skipped by the unique key in the database, so a
    concurrent sweep still cannot double-insert, and ``RETURNING`` says which rows this call
    wrote; one broker message per ``DELIVERY_BATCH``.
    """
    drafts = sorted({d.key: d for d in drafts}.values(), key=lambda d: d.key)
    if not drafts:
        return {}
    for kind in {d.kind for d in drafts}:
        _check_kind(kind)
    if not all(d.key for d in drafts):
        raise DomainError("A notification needs a key (what, which occurrence, whom).")
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    types = {type(d.obj): ContentType.objects.get_for_model(d.obj).pk
             for d in drafts if d.obj is not None}
    # Sorted by key: two at once insert in the same order (no deadlock, see insert_from).
    rows = [(d.kind, d.key, d.recipient.pk, d.subject[:200], d.body, d.url,
             types[type(d.obj)] if d.obj is not None else None,
             str(d.obj.pk) if d.obj is not None else "", now, EmailStatus.PENDING.value, 0)
            for d in drafts]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in (*INSERT_COLUMNS, "created_on", "email_status",
                                           "attempts"))
    one = f"({', '.join(['%s'] * len(rows[0]))})"
    size = min(500, (connection.features.max_query_params or 10_000) // len(rows[0]))
    created: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start:start + size]
            cursor.execute(
                f"INSERT INTO {quote(Notification._meta.db_table)} ({columns}) VALUES "  # noqa: S608
                f"{', '.join([one] * len(chunk))} ON CONFLICT ({quote('key')}) DO NOTHING "
                f"RETURNING {quote('key')}, id", [value for row in chunk for value in row])
            created.update(cursor.fetchall())
    _queue_delivery(created.values())
    return created


def _queue_delivery(ids: Iterable[int]) -> None:
    """Queue the emails of new notifications after commit, one broker message per
    ``DELIVERY_BATCH`` (immediately when called outside a transaction: the rows are stored)."""
    from .tasks import deliver_notifications

    ordered = sorted(ids)
    for start in range(0, len(ordered), DELIVERY_BATCH):
        chunk = ordered[start:start + DELIVERY_BATCH]
        transaction.on_commit(partial(
            task_enqueue, deliver_notifications, chunk, what=f"{len(chunk)} notification(s)"))


def notification_insert_from(select: QuerySet[Any] | tuple[str, Sequence[Any]]) -> dict[int, str]:
    """Create a notification for each row of ``select`` whose key is new, in ONE statement, and
    queue their emails after commit in batches; returns ``id → kind`` of those created now.

    The set-based twin of ``notification_create_many`` for fan-outs computed in the database (a
    sweep with thousands due): ``INSERT … SELECT … ON CONFLICT (key) DO NOTHING RETURNING``, so
    no row passes through Python, duplicates (within ``select`` too) are skipped by the unique
    key, and two concurrent sweeps still create each notification once (the second waits for
    the first's row and skips it). ``select`` is a queryset (``.values(*INSERT_COLUMNS)``,
    unions included) or ``(sql, params)`` yielding the columns of ``INSERT_COLUMNS`` by name;
    the subject is cut to its 200 characters as ``notification_create`` does, rows without a key
    are skipped. The texts must carry no personal data, as everywhere: references only.
    Email preferences apply at delivery (``notification_deliver``), not here, as for the
    other ways in. A row of an unknown kind refuses the whole insert (``DomainError``, nothing
    created). Works on PostgreSQL and SQLite (3.35+: ``RETURNING``).
    """
    sql, params = select.query.sql_with_params() if isinstance(select, QuerySet) else select
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in INSERT_COLUMNS)
    special = {"subject": "SUBSTR(s.{}, 1, 200)",
               # A NULL of the select's own has no type on PostgreSQL: say it is a number.
               "content_type_id": "CAST(s.{} AS integer)"}
    picked = ", ".join(special.get(c, "s.{}").format(quote(c)) for c in INSERT_COLUMNS)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    # ``WHERE`` before ``ON CONFLICT`` is also what lets SQLite parse an INSERT … SELECT
    # upsert. ``ORDER BY key``: two sweeps at once insert in the same order, so the second
    # waits for the first's rows instead of the two deadlocking over each other's.
    table, key = quote(Notification._meta.db_table), f"s.{quote('key')}"
    # Names quoted by the backend, every value a parameter:
    statement = (
        f"INSERT INTO {table} ({columns}, created_on, email_status, email_sent_at, read_at, "  # noqa: S608
        f"attempts, digested_on) SELECT {picked}, %s, %s, NULL, NULL, 0, NULL FROM ({sql}) s "
        f"WHERE {key} <> '' ORDER BY {key} ON CONFLICT ({quote('key')}) DO NOTHING "
        f"RETURNING id, kind")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [now, EmailStatus.PENDING.value, *params])
        created = dict(sorted(cursor.fetchall()))
        for kind in set(created.values()):
            _check_kind(kind)  # raising rolls the insert back
    _queue_delivery(created)
    return created


def _email_text(notification: Notification) -> str:
    """The email's text: the body, a link to open it, and where to turn such emails off (so
    nobody has to reply to ask)."""
    site = settings.SITE_URL.rstrip("/")
    link = site + reverse("notifications:open", args=[notification.pk])
    body = notification.body.strip()
    return (f"{body}\n\n" if body else "") + (
        f"Open it in the Partnership Registry: {link}\n\n"
        f"You can choose which notifications you get by email, or gather them into one daily "
        f"digest, in your notification settings: {site}{reverse('notifications:settings')}")


def notification_deliver(*, notification_id: int) -> bool:
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
        choice = preferences.email_choice(recipient, notification.kind)
        if notification.content_type_id is not None and notification.obj is None:
            # What it reminds about was deleted meanwhile (e.g. a case removed): nothing to
            # act on, so no email; the row stays as the record of the reminder.
            logger.info("Notification %s is about something deleted; not sent", notification_id)
            outcome = EmailStatus.WITHDRAWN
        elif choice == preferences.NONE:
            outcome = EmailStatus.OPTED_OUT
        elif choice == preferences.DIGEST:
            outcome = EmailStatus.DIGEST  # the daily digest gathers these
        elif not recipient.email or not recipient.is_active:
            outcome = EmailStatus.NO_ADDRESS
        else:
            send_email(to=recipient.email, subject=notification.subject,
                       text=_email_text(notification), reference=f"notification-{notification.pk}",
                       link=settings.SITE_URL.rstrip("/")
                       + reverse("notifications:open", args=[notification.pk]))
            notification.email_status = EmailStatus.SENT
            notification.email_sent_at = timezone.now()
            notification.save(update_fields=["email_status", "email_sent_at"])
            return True
        notification.email_status = outcome
        notification.save(update_fields=["email_status"])
        return False


def notification_redeliver_pending(
        *, older_than: datetime.timedelta = datetime.timedelta(minutes=15), max_attempts: int = 10,
        limit: int = 500) -> int:
    """Queue delivery again for notifications still waiting for their email some time after
    they were made: the broker lost the task (Redis restarted without its data), its retries ran
    out during a long mail outage, or the hard time limit killed it. ``notification_deliver`` is
    idempotent, so queueing one that is in fact still on its way sends nothing twice. Gives up on a
    notification after ``max_attempts`` (it stays on the in-app page). Returns how many."""
    from .tasks import deliver_notification

    ids = list(Notification.objects
               .filter(email_status=EmailStatus.PENDING, attempts__lt=max_attempts,
                       created_on__lt=timezone.now() - older_than)
               .order_by("created_on").values_list("pk", flat=True)[:limit])
    for pk in ids:
        transaction.on_commit(partial(task_enqueue, deliver_notification, pk,
                                      what=f"notification {pk}"))
    if ids:
        logger.info("Queued %s waiting notification(s) for delivery again", len(ids))
    return len(ids)


def notification_mark_read(*, notification: Notification, by: Any) -> Notification:
    """Mark one of the user's own notifications read (reading it again changes nothing)."""
    if notification.recipient_id != getattr(by, "pk", None):
        raise DomainError("You can only mark your own notifications as read.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at)
    return notification


def notification_mark_all_read(*, by: Any) -> int:
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


#: The per-kind choice that removes a kind's own row, so its area's choice applies again.
SAME_AS_AREA = "same"


def _check_choice(choice: str, *, field: str, allowed: tuple[str, ...]) -> None:
    if choice not in allowed:
        words = "; ".join(f"“{c}”" for c in allowed)
        raise DomainError(f"“{choice}” is not a choice for email. Choose one of: {words}.",
                          field=field, code="invalid_choice")


@transaction.atomic
def area_preference_set(*, user: Any, area: str, choice: str) -> NotificationPreference:
    """Record how ``user`` wants email for every kind in ``area`` (``"now"``, ``"digest"`` or
    ``"none"``); kinds with their own choice keep it. Stored as the row of kind
    ``"area:<area>"`` (see ``notifications.preferences``)."""
    if area not in AREAS:
        raise DomainError(f"“{area}” is not an area of notifications. The areas are: "
                          f"{', '.join(AREAS)}.", field="area", code="unknown_area")
    _check_choice(choice, field="choice", allowed=tuple(preferences.CHOICES))
    email, digest = preferences.flags_from_choice(choice)
    preference, _ = NotificationPreference.objects.update_or_create(
        user=user, kind=preferences.area_key(area), defaults={"email": email, "digest": digest})
    return preference


@transaction.atomic
def kind_preference_set(*, user: Any, kind: str, choice: str) -> NotificationPreference | None:
    """Give one kind its own choice (``"now"``, ``"digest"``, ``"none"``), or with ``"same"``
    remove its own choice so the area's applies again (returns None then)."""
    _check_kind(kind, field="kind")
    _check_choice(choice, field="choice", allowed=(*preferences.CHOICES, SAME_AS_AREA))
    if choice == SAME_AS_AREA:
        NotificationPreference.objects.filter(user=user, kind=kind).delete()
        return None
    email, digest = preferences.flags_from_choice(choice)
    return preference_set(user=user, kind=kind, email=email, digest=digest)


@transaction.atomic
def preferences_save(*, user: Any, areas: dict[str, str], kinds: dict[str, str]) -> None:
    """Save a whole settings page at once: every area's choice and every kind's (``"same"``
    included). All or nothing: one refused choice saves none of them."""
    for area, choice in areas.items():
        area_preference_set(user=user, area=area, choice=choice)
    for kind, choice in kinds.items():
        kind_preference_set(user=user, kind=kind, choice=choice)


# -- Calendar feeds -------------------------------------------------------------------------------


def _revoke_live_feeds(user: Any, *, now: Any) -> int:
    """Revoke the user's live feed(s), each with an audit row (never the token or its hash).
    Call inside a transaction."""
    feeds = list(CalendarFeed.objects.select_for_update()
                 .filter(user=user, revoked_at__isnull=True))
    for feed in feeds:
        feed.revoked_at = now
        feed.save(update_fields=["revoked_at"])
        audit.record(instance=feed, action=AuditEvent.Action.UPDATE, by=user,
                     summary="Turned off a calendar link",
                     changes={"revoked_at": [None, now.isoformat()]})
    return len(feeds)


def calendar_feed_create(*, user: Any) -> str:
    """Give ``user`` a new private calendar link, revoking any live one first; returns the raw
    token, which exists only in this return value (the database keeps its SHA-256), so the
    caller must show it now or never.

    Two requests at once (a double click) race for the one live feed the database allows
    (``calendar_feed_one_live_per_user``): the insert runs in a savepoint, and the loser revokes
    the winner's fresh feed and inserts again, so the last request's link is the live one and
    its response shows it.
    """
    if not user.has_perm("notifications.subscribe_calendar"):
        raise DomainError("You cannot have a calendar link.", code="forbidden")
    with transaction.atomic():
        token, feed = replace_live_feed(
            revoke_live=lambda now: _revoke_live_feeds(user, now=now),
            build=lambda token_hash: CalendarFeed(user=user, token_hash=token_hash),
            busy_message="Your calendar link is being changed in another window. Refresh the "
                         "page and try again.")
        audit.record(instance=feed, action=AuditEvent.Action.CREATE, by=user,
                     summary="Created a calendar link", changes={"user_id": [None, user.pk]})
        return token


def calendar_feed_revoke(*, user: Any) -> int:
    """Turn off the user's calendar link; returns how many were live (0: there was none, and
    nothing changed). The old URL answers 404 from now on."""
    with transaction.atomic():
        return _revoke_live_feeds(user, now=timezone.now())
