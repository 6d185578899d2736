"""Factories for governance (issue 19) and ``governance_setup()``: a partnership with a lead
partner and its partnership manager, a member organisation with staff, a non-member, a
commissioner funding it and a platform admin. Other governance tests import from here: keep the
names stable."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import factory
from factory.django import DjangoModelFactory

from governance.choices import BodyKind
from governance.models import Body, BodySeat, Decision
from partnerships.models import Organisation, Partnership
from tests.accounts.factories import (
    CommissionerFactory,
    PartnershipManagerFactory,
    PlatformAdminFactory,
    ProviderStaffFactory,
)
from tests.partnerships.factories import (
    FundingFactory,
    LeadMembershipFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
)

D = datetime.date
FORMED = D(2021, 4, 1)
STARTED = D(2020, 4, 1)


class BodyFactory(DjangoModelFactory):
    """A partnership board (pass ``kind`` and ``reports_to`` for a working group)."""

    class Meta:
        model = Body

    partnership = factory.SubFactory(PartnershipFactory)
    name = factory.Sequence(lambda n: f"Partnership board {n}")
    kind = BodyKind.BOARD
    terms_of_reference = "Oversees the partnership's delivery and its working groups."
    formed_on = FORMED


class WorkingGroupFactory(BodyFactory):
    """An operational working group; give it ``reports_to`` (the board) when it has one."""

    name = factory.Sequence(lambda n: f"Operational working group {n}")
    kind = BodyKind.OPERATIONAL_GROUP


class SeatFactory(DjangoModelFactory):
    class Meta:
        model = BodySeat

    body = factory.SubFactory(BodyFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    seat = "Member"
    joined_on = factory.LazyAttribute(lambda o: o.body.formed_on)


class DecisionFactory(DjangoModelFactory):
    class Meta:
        model = Decision

    body = factory.SubFactory(BodyFactory)
    decided_on = D(2025, 6, 12)
    text = "Agreed to review the referral pathway at the next quarterly meeting."


@dataclass
class GovernanceSetup:
    partnership: Partnership
    lead: Organisation  # the lead partner
    member: Organisation  # a delivery partner (current member)
    non_member: Organisation  # an organisation outside the partnership
    manager: Any  # partnership manager of the lead partner
    member_manager: Any  # partnership manager of the member (not the partnership's manager)
    member_staff: Any  # provider staff of the member
    outsider: Any  # provider staff of the non-member
    commissioner: Any  # of the organisation that funds the partnership
    admin: Any  # platform admin

    def user(self, role: str, org: str) -> Any:
        """A user for a permission matrix: ``role`` is one of "anonymous", "staff", "manager",
        "commissioner", "admin"; ``org`` one of "lead", "member", "non_member" (ignored for
        anonymous, commissioner and admin, whose organisation is fixed)."""
        from django.contrib.auth.models import AnonymousUser

        if role == "anonymous":
            return AnonymousUser()
        if role == "admin":
            return self.admin
        if role == "commissioner":
            return self.commissioner
        organisation = getattr(self, org)
        if role == "manager":
            return PartnershipManagerFactory(organisation=organisation)
        return ProviderStaffFactory(organisation=organisation)


def governance_setup(*, started_on: datetime.date = STARTED,
                     name: str = "Northgate Through the Gate Partnership") -> GovernanceSetup:
    """A partnership of two current members since ``started_on`` and a user of each kind."""
    partnership = PartnershipFactory(name=name, started_on=started_on)
    lead = OrganisationFactory(name="Northgate Housing Trust")
    member = OrganisationFactory(name="Riverside Recovery")
    non_member = OrganisationFactory(name="Elsewhere Family Support")
    LeadMembershipFactory(partnership=partnership, organisation=lead, joined_on=started_on)
    MembershipFactory(partnership=partnership, organisation=member, joined_on=started_on)
    funding = FundingFactory(partnership=partnership)
    return GovernanceSetup(
        partnership=partnership, lead=lead, member=member, non_member=non_member,
        manager=PartnershipManagerFactory(organisation=lead),
        member_manager=PartnershipManagerFactory(organisation=member),
        member_staff=ProviderStaffFactory(organisation=member),
        outsider=ProviderStaffFactory(organisation=non_member),
        commissioner=CommissionerFactory(organisation=funding.funder),
        admin=PlatformAdminFactory())


def board_with_group(s: GovernanceSetup) -> tuple[Body, Body]:
    """The partnership's board and an operational working group reporting to it."""
    board = BodyFactory(partnership=s.partnership, name="Partnership board")
    group = WorkingGroupFactory(partnership=s.partnership, name="Operational working group",
                                reports_to=board)
    return board, group
