"""Read logic for the partnerships app. Lists and endpoints start from ``visible_to(user)``.

Periods are half-open: a membership with ``joined_on=J, left_on=L`` is in force on day D when
J <= D < L, so a successor can start on the day its predecessor stops without overlapping.
"""

from __future__ import annotations

import datetime
from typing import Any, Self

from django.db.models import Q

from core import clock
from core.querysets import OpenToSignedInQuerySet

from .choices import MemberRole


def in_force_on(date: datetime.date, start: str, end: str) -> Q:
    """Rows whose [start, end) period covers ``date``; an empty end is open-ended."""
    open_or_later = Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gt": date})
    return Q(**{f"{start}__lte": date}) & open_or_later


def agreement_in_force_on(date: datetime.date, via: str = "") -> Q:
    """Agreements that can be relied on on ``date``: the active version, in effect (no date or
    from ``date`` or before) and not expired, reached through ``via`` ("agreement__" from a
    sharing protocol or a referral pathway). One test for both, so a pathway and the protocol
    behind a referral cannot disagree about whether their agreement is in force."""
    from .choices import AgreementStatus

    return (Q(**{f"{via}status": AgreementStatus.ACTIVE})
            & (Q(**{f"{via}effective_from__isnull": True})
               | Q(**{f"{via}effective_from__lte": date}))
            & (Q(**{f"{via}expires_on__isnull": True}) | Q(**{f"{via}expires_on__gt": date})))


def leads_on(date: datetime.date, via: str = "") -> Q:
    """Memberships that make their organisation the lead partner on ``date``, reached through
    ``via`` ("memberships__" from a partnership, "organisation__memberships__" from a user).
    "The lead partner" in one place: the rules (``leads_partnership``), ``managed_by`` and the
    reminders' recipients (``partnerships.recipients``) all ask this."""
    return (Q(**{f"{via}role": MemberRole.LEAD_PARTNER})
            & in_force_on(date, f"{via}joined_on", f"{via}left_on"))


def overlapping(start: datetime.date, end: datetime.date | None, start_field: str,
                end_field: str) -> Q:
    """Rows whose [start_field, end_field) period overlaps [start, end)."""
    q = Q(**{f"{end_field}__isnull": True}) | Q(**{f"{end_field}__gt": start})
    if end is not None:
        q &= Q(**{f"{start_field}__lt": end})
    return q


class RegistryQuerySet(OpenToSignedInQuerySet):
    """The registry itself is not personal data: every signed-in user may browse it."""


class OrganisationQuerySet(RegistryQuerySet):
    def with_summary(self) -> Self:
        return self.select_related("region", "parent")


class PartnershipQuerySet(RegistryQuerySet):
    def with_summary(self) -> Self:
        return self.prefetch_related("regions")

    def managed_by(self, user: Any) -> Self:
        """Partnerships whose current lead partner is the user's organisation."""
        if not getattr(user, "organisation_id", None):
            return self.none()
        return self.filter(Q(memberships__organisation_id=user.organisation_id)
                           & leads_on(clock.today(), "memberships__")).distinct()


class MembershipQuerySet(RegistryQuerySet):
    def active_on(self, date: datetime.date) -> Self:
        return self.filter(in_force_on(date, "joined_on", "left_on"))

    def current(self) -> Self:
        return self.active_on(clock.today())

    def overlapping(self, start: datetime.date, end: datetime.date | None) -> Self:
        return self.filter(overlapping(start, end, "joined_on", "left_on"))


class LeadResponsibilityQuerySet(RegistryQuerySet):
    def active_on(self, date: datetime.date) -> Self:
        return self.filter(in_force_on(date, "starts_on", "ends_on"))

    def current(self) -> Self:
        return self.active_on(clock.today())

    def overlapping(self, start: datetime.date, end: datetime.date | None) -> Self:
        return self.filter(overlapping(start, end, "starts_on", "ends_on"))


class AgreementQuerySet(RegistryQuerySet):
    def in_force(self) -> Self:
        from .choices import AgreementStatus

        return self.filter(status=AgreementStatus.ACTIVE)

    def review_overdue(self, on: datetime.date | None = None) -> Self:
        """Active agreements whose review date has passed."""
        return self.in_force().filter(review_due__lt=on or clock.today())


class FundingQuerySet(RegistryQuerySet):
    pass
