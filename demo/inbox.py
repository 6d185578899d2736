"""The demo logins' notifications: made by the actions as the demo loads (each event tells its
people, as in real use), then dated and read as their readers would have left them.

The demo replays years of history in one go, so without this every login would open the
service to dozens of unread notices about things settled long ago (an agreement signed in 2019,
a return approved last year). Events with a date in the story are dated then (``dated``), and
the history is marked read (``read_history``): a person reads what reached them months ago.
What is still news stays unread: events of the last ``UNREAD_DAYS`` days (the latest quarter's
returns, this week's referrals), except a request for a signature already given, and any
request for a signature still missing, however old.

Notifications are never created here, only dated and marked read, and each one's key is unique
(``<kind>:<occurrence>:user-<id>``), so loading the demo again makes none twice.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Max
from django.utils import timezone

from notifications.models import Notification
from partnerships.choices import AgreementStatus
from partnerships.models import Agreement, Signatory

#: Notifications about events older than this are read (their readers saw them at the time).
UNREAD_DAYS = 60


def story_time(day: datetime.date) -> datetime.datetime:
    """9 in the morning of ``day`` (local time): when an event the story dates by day
    happened."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


def last_id() -> int:
    """The newest notification's id (0 for none): the mark ``dated`` and ``read_history``
    count from."""
    return Notification.objects.aggregate(last=Max("id"))["last"] or 0


@contextmanager
def dated(when: datetime.datetime) -> Iterator[None]:
    """Notifications the block's actions make are dated ``when`` (the actions stamp now), so
    the list shows when each event happened in the story."""
    mark = last_id()
    yield
    Notification.objects.filter(id__gt=mark).update(created_on=when)


def awaiting_signature(since_id: int) -> list[int]:
    """The ids of the notifications since ``since_id`` asking for a signature that is still
    missing: the version is still being agreed and the reader's organisation has not signed
    it. News, whatever its date."""
    agreement_type = ContentType.objects.get_for_model(Agreement)
    asks = (Notification.objects.filter(id__gt=since_id, kind="agreement_signature_needed",
                                        content_type=agreement_type)
            .values_list("id", "object_id", "recipient__organisation_id"))
    unsigned = set(Signatory.objects.filter(signed_on__isnull=True,
                                            agreement__status__in=AgreementStatus.pending())
                   .values_list("agreement_id", "organisation_id"))
    return [pk for pk, object_id, org_id in asks if (int(object_id), org_id) in unsigned]


def read_history(*, since_id: int, now: datetime.datetime | None = None) -> int:
    """Mark read the notifications made since ``since_id`` that are history: dated more than
    ``UNREAD_DAYS`` ago (read an hour after they arrived), and every request for a signature
    already given (read when it was answered: now, as far as the demo knows). Returns how
    many were marked."""
    now = now or timezone.now()
    made = Notification.objects.filter(id__gt=since_id, read_at__isnull=True)
    signed = made.filter(kind="agreement_signature_needed").exclude(
        id__in=awaiting_signature(since_id))
    old = made.filter(created_on__lt=now - datetime.timedelta(days=UNREAD_DAYS))
    count = old.update(read_at=F("created_on") + datetime.timedelta(hours=1))
    return count + signed.update(read_at=now)


__all__ = ["UNREAD_DAYS", "awaiting_signature", "dated", "last_id", "read_history",
           "story_time"]
