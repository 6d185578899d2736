"""What every reminder sweep needs: who to tell (found with one query per group, whatever their
number) and telling each of them once.

The sweeps themselves live with what they remind about (``monitoring.reminders``,
``partnerships.reminders``, ``referrals.reminders``), and so does the knowledge of who to tell
(``accounts.recipients`` by organisation and role, ``partnerships.recipients`` for a
partnership's managers): this app only stores and delivers. Each sweep finds what is due with
an indexed query and hands ``send`` its ``Reminder``s, each with a key naming the kind and the
occurrence (the recipient is appended), so a sweep run twice, or by two beats at once, tells
each person once.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection

from .actions import Draft, notification_create_many
from .models import Notification

logger = logging.getLogger(__name__)


def catch_up_days() -> int:
    """Days a sweep looks back for reminders it missed (beat down, new staff)."""
    return int(getattr(settings, "REMINDER_CATCH_UP_DAYS", 7))


def plural(n: int, word: str) -> str:
    """``1 day`` / ``3 days``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def days_until(day: datetime.date, today: datetime.date) -> str:
    """How soon, as a subject line says it: ``today``, ``tomorrow``, ``in 5 days``."""
    days = (day - today).days
    return {0: "today", 1: "tomorrow"}.get(days, f"in {plural(days, 'day')}")


def already_sent(keys: Iterable[str]) -> set[str]:
    """The full keys (a reminder's key plus ``:user pk``) that already have a notification, in
    one query (batched only where the database limits query parameters, as SQLite does). A
    daily sweep finds mostly what it reminded about the day before (due-soon windows last
    several days), so checking them all at once, and creating only the others,
    keeps a run's cost flat instead of one lookup per person."""


    keys = list(dict.fromkeys(keys))
    batch = connection.features.max_query_params or len(keys) or 1
    found: set[str] = set()
    for start in range(0, len(keys), batch):
        found.update(Notification.objects.filter(key__in=keys[start:start + batch])
                     .values_list("key", flat=True))
    return found


@dataclass(frozen=True)
class Reminder:
    """One occurrence to tell some people about. ``message`` gives (subject, body, url) and is
    called only if someone is still to be told, so a repeat sweep builds no text."""

    kind: str
    key: str
    users: list[Any]
    message: Callable[[], tuple[str, str, str]]
    obj: Any = None


def reminders_send(reminders: Iterable[Reminder], *, kinds: Iterable[str], what: str,
         today: datetime.date) -> dict[str, int]:
    """Tell each recipient of each reminder once: one query finds who was already told (a
    daily sweep mostly meets what it sent the day before, as due-soon windows last days), and
    the others are created together by ``notification_create_many`` (a few statements, whatever
    their number). Logs and returns how many notifications of each kind were created now (counts and
    dates only)."""
    reminders = [r for r in reminders if r.users]
    done = already_sent(f"{r.key}:{user.pk}" for r in reminders for user in r.users)
    drafts: list[Draft] = []
    for r in reminders:
        users = list({user.pk: user for user in r.users
                      if f"{r.key}:{user.pk}" not in done}.values())
        if users:
            subject, body, url = r.message()
            drafts.extend(Draft(kind=r.kind, key=f"{r.key}:{user.pk}", recipient=user,
                                subject=subject, body=body, url=url, obj=r.obj)
                          for user in users)
    created = notification_create_many(drafts)
    sent = dict.fromkeys(kinds, 0)
    for draft in drafts:
        if draft.key in created:  # not if a concurrent sweep inserted it a moment earlier
            sent[draft.kind] += 1
    logger.info("%s reminders for %s: %s", what, today.isoformat(),
                ", ".join(f"{kind} {n}" for kind, n in sent.items()))
    return sent
