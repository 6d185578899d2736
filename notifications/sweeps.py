"""What every reminder sweep needs: who to tell (found with one query per group, whatever their
number) and telling each of them once.

The sweeps themselves live with what they remind about (``monitoring.reminders``,
``partnerships.reminders``, ``referrals.reminders``); each finds what is due with an indexed
query and hands ``send`` its ``Reminder``s, each with a key naming the kind and the occurrence
(the recipient is appended), so a sweep run twice, or by two beats at once, tells each person
once.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import F, Q

from .actions import Draft, notify_many
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


def _active_users() -> Any:
    from accounts.models import User

    return User.objects.select_related(None).filter(is_active=True)


def staff_of(organisation_ids: Iterable[int], roles: Iterable[str]) -> dict[int, list[Any]]:
    """Active users in ``roles`` of each organisation: ``organisation id → users``. One query."""
    ids = set(organisation_ids)
    found: dict[int, list[Any]] = defaultdict(list)
    if not ids:
        return found
    for user in _active_users().filter(role__in=list(roles), organisation_id__in=ids) \
            .order_by("pk"):
        found[user.organisation_id].append(user)
    return found


def caseworkers_of(organisation_ids: Iterable[int]) -> dict[int, list[Any]]:
    """Provider staff and partnership managers (those who hold cases) of each organisation."""
    from accounts.models import Role

    return staff_of(organisation_ids, [Role.PROVIDER_STAFF, Role.PARTNERSHIP_MANAGER])


def lead_managers_of(partnership_ids: Iterable[int], today: datetime.date
                     ) -> dict[int, list[Any]]:
    """Partnership managers of each partnership's current lead partner(s) on ``today`` (the
    people ``accounts.rules.manages_partnership`` lets manage it): ``partnership id → users``.
    One query."""
    from accounts.models import Role
    from partnerships.choices import MemberRole
    from partnerships.querysets import in_force_on

    ids = set(partnership_ids)
    found: dict[int, list[Any]] = defaultdict(list)
    if not ids:
        return found
    leads = (_active_users().filter(role=Role.PARTNERSHIP_MANAGER)
             .filter(Q(organisation__memberships__partnership_id__in=ids)
                     & Q(organisation__memberships__role=MemberRole.LEAD_PARTNER)
                     & in_force_on(today, "organisation__memberships__joined_on",
                                   "organisation__memberships__left_on"))
             .annotate(for_partnership=F("organisation__memberships__partnership_id"))
             .order_by("pk").distinct())
    for user in leads:
        found[user.for_partnership].append(user)
    return found


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


def send(reminders: Iterable[Reminder], *, kinds: Iterable[str], what: str,
         today: datetime.date) -> dict[str, int]:
    """Tell each recipient of each reminder once: one query finds who was already told (a
    daily sweep mostly meets what it sent the day before, as due-soon windows last days), and
    the others are created together by ``notify_many`` (a few statements, whatever their
    number). Logs and returns how many notifications of each kind were created now (counts and
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
    created = notify_many(drafts)
    sent = dict.fromkeys(kinds, 0)
    for draft in drafts:
        if draft.key in created:  # not if a concurrent sweep inserted it a moment earlier
            sent[draft.kind] += 1
    logger.info("%s reminders for %s: %s", what, today.isoformat(),
                ", ".join(f"{kind} {n}" for kind, n in sent.items()))
    return sent
