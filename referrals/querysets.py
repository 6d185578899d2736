"""Read logic for casework, need-to-know first: a case is visible only to users of organisations
currently involved in it (its lead agency, and the referring and receiving organisations of its
open referrals). Platform admins reach a case only by stating a reason (see the views/API);
``visible_to`` never lists cases for them, so nobody browses casework without need."""

from __future__ import annotations

import datetime
from typing import Any, Self

from django.db import models
from django.db.models import Exists, OuterRef, Q

from core import clock
from core.querysets import is_signed_in
from partnerships.querysets import agreement_in_force_on


class LeadAgencyQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None) -> Self:
        """The lead agencies in force on ``on`` (today by default)."""
        on = on or clock.today()
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gt=on), starts_on__lte=on)


class ReferralQuerySet(models.QuerySet):
    def open(self) -> Self:
        from .choices import ReferralStatus

        return self.filter(status__in=ReferralStatus.open())

    def inbox_of(self, organisation_id: int | None) -> Self:
        """Referrals addressed to the organisation."""
        return self.filter(to_organisation_id=organisation_id)

    def visible_to(self, user: Any) -> Self:
        """Referrals of cases the user's organisation is involved in."""
        from .models import Case

        return self.filter(case__in=Case.objects.visible_to(user).values("pk"))


class CaseQuerySet(models.QuerySet):
    def involving(self, organisation_id: int | None,
                  on: datetime.date | None = None) -> Self:
        """Cases the organisation is involved in now: it is the current lead agency, it sent or
        receives a referral of the case that is still open, or it is the prison holding the
        person (or held them until a transfer or release less than the handover period ago:
        ``CustodyEpisode.access_ends_on``). So access follows the person from prison to prison
        and the sending prison's ends after the handover."""
        from .models import CustodyEpisode, LeadAgency, Referral

        if not organisation_id:
            return self.none()
        on = on or clock.today()
        leads = LeadAgency.objects.current(on).filter(case=OuterRef("pk"),
                                                      organisation_id=organisation_id)
        referrals = Referral.objects.open().filter(
            Q(from_organisation_id=organisation_id) | Q(to_organisation_id=organisation_id),
            case=OuterRef("pk"))
        custody = CustodyEpisode.objects.holding_or_handing_over(on).filter(
            case=OuterRef("pk"), establishment_id=organisation_id)
        return self.filter(Exists(leads) | Exists(referrals) | Exists(custody))

    def visible_to(self, user: Any) -> Self:
        """Cases the user may see and list: those their organisation is involved in. Platform
        admins and commissioners list none (commissioners see counts only; admins open a
        single case with a stated reason)."""
        from accounts.models import Role

        if (not is_signed_in(user) or user.is_platform_admin
                or user.role == Role.COMMISSIONER):
            return self.none()
        return self.involving(user.organisation_id)

    def open(self) -> Self:
        from .choices import CaseStatus

        return self.filter(status=CaseStatus.OPEN)

    def due_for_anonymisation(self, on: datetime.date | None = None) -> Self:
        """Closed cases not yet anonymised: the candidates the retention task checks against
        their protocols' retention periods."""
        from .choices import CaseStatus

        return self.filter(status=CaseStatus.CLOSED, anonymised_on__isnull=True,
                           closed_on__lte=on or clock.today())


class ReferralPathwayQuerySet(models.QuerySet):
    def in_force(self, on: datetime.date | None = None) -> Self:
        """Pathways that can be followed on ``on`` (today by default): agreed with no agreement
        behind them, or under one that is the active version, in effect and not expired (the
        same test as a sharing protocol's)."""
        on = on or clock.today()
        return self.filter(Q(agreement__isnull=True)
                           | agreement_in_force_on(on, via="agreement__"))


class SharingProtocolQuerySet(models.QuerySet):
    def in_force(self, on: datetime.date | None = None) -> Self:
        """Protocols whose agreement is the active version, in effect on ``on`` and not
        expired."""
        on = on or clock.today()
        return self.filter(agreement_in_force_on(on, via="agreement__"))

    def covering(self, first_id: int, second_id: int,
                 on: datetime.date | None = None) -> Self:
        """Protocols in force naming both organisations as parties, in a partnership both are
        current members of."""
        from partnerships.models import Membership

        on = on or clock.today()
        members = Membership.objects.active_on(on)
        return (self.in_force(on)
                .filter(parties=first_id).filter(parties=second_id)
                .filter(agreement__partnership__in=members.filter(organisation_id=first_id)
                        .values("partnership_id"))
                .filter(agreement__partnership__in=members.filter(organisation_id=second_id)
                        .values("partnership_id"))
                .distinct())


class CustodyEpisodeQuerySet(models.QuerySet):
    def open(self) -> Self:
        """Episodes the person is still serving at that establishment: neither released nor
        transferred out."""
        return self.filter(released_on__isnull=True, transferred_on__isnull=True)

    def holding_or_handing_over(self, on: datetime.date | None = None) -> Self:
        """Episodes that give their prison need-to-know access on ``on``: open ones, and ended
        ones (transfer or release) whose handover period runs past that day."""
        on = on or clock.today()
        return self.filter(Q(released_on__isnull=True, transferred_on__isnull=True)
                           | Q(access_ends_on__gt=on))

    def released_between(self, start: datetime.date, end: datetime.date) -> Self:
        """Episodes that ended in a release from ``start`` to ``end`` inclusive. A transfer ends
        an episode without setting ``released_on``, so it is never counted as a release."""
        return self.filter(released_on__gte=start, released_on__lte=end)
