"""Who takes part in a partnership, for messages: its managers (the partnership managers of its
current lead partner, the people ``partnerships.rules.manages_partnership`` lets manage it) and
the people of its member organisations, for many partnerships in one query."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import F, Q

from accounts.models import Role
from accounts.recipients import active_users

from .querysets import in_force_on, leads_on


def lead_managers_of(partnership_ids: Iterable[int], today: datetime.date
                     ) -> dict[int, list[Any]]:
    """Partnership managers of each partnership's current lead partner(s) on ``today``:
    ``partnership id → users``. One query."""
    ids = set(partnership_ids)
    found: dict[int, list[Any]] = defaultdict(list)
    if not ids:
        return found
    leads = (active_users().filter(role=Role.PARTNERSHIP_MANAGER)
             .filter(Q(organisation__memberships__partnership_id__in=ids)
                     & leads_on(today, "organisation__memberships__"))
             .annotate(for_partnership=F("organisation__memberships__partnership_id"))
             .order_by("pk").distinct())
    for user in leads:
        found[user.for_partnership].append(user)
    return found


def members_staff_of(partnership_ids: set[int], today: datetime.date
                     ) -> dict[int, list[Any]]:
    """Active users, of any role, of every organisation that is a member of each partnership on
    ``today``: ``partnership id → users``. One query. A member's people all take part in the
    partnership's review, whatever their role."""
    found: dict[int, list[Any]] = defaultdict(list)
    if not partnership_ids:
        return found
    users = (active_users()
             .filter(Q(organisation__memberships__partnership_id__in=partnership_ids)
                     & in_force_on(today, "organisation__memberships__joined_on",
                                   "organisation__memberships__left_on"))
             .annotate(for_partnership=F("organisation__memberships__partnership_id"))
             .order_by("pk").distinct())
    for user in users:
        found[user.for_partnership].append(user)
    return found
