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
from accounts.recipients import active_users, partnership_managers_of

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


def member_managers_of(partnership_id: int, days: Iterable[datetime.date]) -> list[Any]:
    """Partnership managers of every organisation that is a member of the partnership on any of
    ``days`` (e.g. the day before and the day of a change, so those leaving hear of it too).
    One query."""
    in_force = Q()
    for day in days:
        in_force |= in_force_on(day, "organisation__memberships__joined_on",
                                "organisation__memberships__left_on")
    # One filter(): the partnership and the dates must hold for the same membership row.
    return list(active_users().filter(role=Role.PARTNERSHIP_MANAGER)
                .filter(Q(organisation__memberships__partnership_id=partnership_id) & in_force)
                .order_by("pk").distinct())


def party_managers_of(agreement_id: int, *, unsigned_only: bool = False) -> dict[int, list[Any]]:
    """Partnership managers of each organisation party to one version of an agreement (only
    those that have not signed it, if ``unsigned_only``): ``organisation id → users``. Two
    queries. They sign for their organisation and hear when the agreement changes."""
    from .models import Signatory

    parties = Signatory.objects.filter(agreement_id=agreement_id)
    if unsigned_only:
        parties = parties.filter(signed_on__isnull=True)
    return partnership_managers_of(parties.values_list("organisation_id", flat=True))
