"""Read logic for governance: which partnerships' governance a user may read (the SQL twin of
``rules.reads_governance``), and the action log's views of itself."""

from __future__ import annotations

import datetime
from typing import Any, Self

from django.db import models
from django.db.models import Exists, OuterRef, Q

from core import clock
from core.querysets import is_signed_in


def visible_partnership_ids(user: Any) -> Any:
    """Ids (a subquery) of the partnerships whose governance ``user`` may read: those their
    organisation is a current member of, those their organisation funds if they are a
    commissioner; every one for platform admins (None: no filter)."""
    from accounts.models import Role
    from partnerships.models import Funding, Membership, Partnership

    if not is_signed_in(user) or not user.is_active:
        return Partnership.objects.none().values("pk")
    if user.is_platform_admin:
        return None
    org = user.organisation_id
    members = Membership.objects.active_on(clock.today()).filter(
        partnership=OuterRef("pk"), organisation_id=org)
    reads = Q(Exists(members))
    if user.role == Role.COMMISSIONER:
        reads |= Q(Exists(Funding.objects.filter(partnership=OuterRef("pk"), funder_id=org)))
    return Partnership.objects.filter(reads).values("pk")


class PartnershipScopedQuerySet(models.QuerySet):
    """Governance rows belong to a partnership (directly or through their body)."""

    partnership_path = "partnership"

    def visible_to(self, user: Any) -> Self:
        """Rows of partnerships whose governance ``user`` may read."""
        ids = visible_partnership_ids(user)
        if ids is None:
            return self
        return self.filter(**{f"{self.partnership_path}__in": ids})


class BodyQuerySet(PartnershipScopedQuerySet):
    def current(self, on: datetime.date | None = None) -> Self:
        """Bodies formed by ``on`` (today) and not yet ended."""
        on = on or clock.today()
        return self.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on), formed_on__lte=on)


class SeatQuerySet(PartnershipScopedQuerySet):
    partnership_path = "body__partnership"

    def current(self, on: datetime.date | None = None) -> Self:
        """Seats held on ``on`` (today by default)."""
        on = on or clock.today()
        return self.filter(Q(left_on__isnull=True) | Q(left_on__gt=on), joined_on__lte=on)


class ActionItemQuerySet(PartnershipScopedQuerySet):
    def open(self) -> Self:
        from .choices import ActionStatus

        return self.filter(status=ActionStatus.OPEN)

    def overdue(self, on: datetime.date | None = None) -> Self:
        """Open actions whose due date has passed (the day after it is due, they are late)."""
        return self.open().filter(due_on__lt=on or clock.today())

    def owned_by(self, user: Any) -> Self:
        """Actions that are ``user``'s to do: theirs as the owner person, and, for a
        partnership manager, every one their organisation owns (``rules.owns_action``'s SQL
        twin)."""
        from accounts.models import Role

        if not is_signed_in(user) or not user.is_active:
            return self.none()
        mine = Q(owner_id=user.pk)
        if user.role == Role.PARTNERSHIP_MANAGER and user.organisation_id:
            mine |= Q(owner_organisation_id=user.organisation_id)
        return self.filter(mine)


class DecisionQuerySet(PartnershipScopedQuerySet):
    partnership_path = "body__partnership"


class TrainingAttendanceQuerySet(PartnershipScopedQuerySet):
    partnership_path = "event__partnership"
