"""What every reminder sweep needs: who to tell (found with one query per group, whatever their
number) and telling each of them once.

The sweeps themselves live with what they remind about (``monitoring.reminders``,
``partnerships.reminders``, ``referrals.reminders``); each finds what is due with an indexed
query and calls ``remind`` with a key naming the kind, the occurrence and the recipient, so a
sweep run twice, or by two beats at once, tells each person once.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import F, Q

from .actions import notify


def catch_up_days() -> int:
    """Days a sweep looks back for reminders it missed (beat down, new staff)."""
    return int(getattr(settings, "REMINDER_CATCH_UP_DAYS", 7))


def plural(n: int, word: str) -> str:
    """``1 day`` / ``3 days``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def long_date(day: datetime.date) -> str:
    """``5 January 2027``, the GOV.UK way."""
    return f"{day.day} {day:%B %Y}"


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


def remind(*, kind: str, key: str, users: Iterable[Any], subject: str, body: str, url: str,
           obj: Any = None) -> int:
    """Notify each user once for this occurrence (``key`` names kind and occurrence; the user is
    appended). Returns how many notifications were created now (0 for any already sent)."""
    created = 0
    seen: set[int] = set()
    for user in users:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        if notify(kind=kind, key=f"{key}:{user.pk}", recipient=user, subject=subject,
                  body=body, url=url, obj=obj) is not None:
            created += 1
    return created
