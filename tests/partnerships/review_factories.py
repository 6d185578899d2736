"""Factories for quarterly reviews, and a small partnership to review (also for the reminder
sweep's tests): a lead partner with a partnership manager, a charity, a statutory agency and a
funder's commissioner."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import factory
import pytest
from django.utils import timezone
from factory.django import DjangoModelFactory

from partnerships.choices import ReviewStatus
from partnerships.models import Organisation, Partnership, ReviewAttendance, ReviewMeeting
from tests.accounts.factories import (
    CommissionerFactory,
    PartnershipManagerFactory,
    ProviderStaffFactory,
)
from tests.partnerships.factories import (
    FundingFactory,
    LeadMembershipFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
    StatutoryOrganisationFactory,
)

D = datetime.date
STARTED = D(2020, 4, 1)


class ReviewMeetingFactory(DjangoModelFactory):
    """A planned review."""

    class Meta:
        model = ReviewMeeting

    partnership = factory.SubFactory(PartnershipFactory)
    planned_on = D(2030, 3, 5)
    status = ReviewStatus.PLANNED


class HeldReviewFactory(ReviewMeetingFactory):
    """A held review (attendance rows are added with ``ReviewAttendanceFactory``)."""

    planned_on = D(2025, 3, 5)
    status = ReviewStatus.HELD
    held_on = factory.LazyAttribute(lambda o: o.planned_on)
    notes = "Reviewed the referral pathways."


class ReviewAttendanceFactory(DjangoModelFactory):
    class Meta:
        model = ReviewAttendance

    meeting = factory.SubFactory(HeldReviewFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    attended = True


#: The day the review tests are written for (``today`` fixture in conftest.py).
REVIEW_TODAY = datetime.date(2026, 11, 25)


def at(monkeypatch: pytest.MonkeyPatch, moment: datetime.datetime) -> None:
    """Make ``timezone.now()`` answer ``moment`` (a UTC datetime) for the rest of the test."""
    monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> datetime.date:
    """Midday on 25 November 2026 (GMT), the day the review tests are written for. A fixture
    here, re-exported by the conftest of each test folder that uses it."""
    at(monkeypatch, datetime.datetime(2026, 11, 25, 12, 0, tzinfo=datetime.UTC))
    return REVIEW_TODAY


@dataclass
class ReviewSetup:
    partnership: Partnership
    lead: Organisation
    charity: Organisation
    statutory: Organisation
    manager: object  # the lead partner's partnership manager
    member_staff: object  # provider staff of the charity
    commissioner: object  # of the organisation that funds the partnership
    outsider: object  # provider staff of an organisation outside the partnership

    @property
    def members(self) -> list[Organisation]:
        return [self.lead, self.charity, self.statutory]


def review_setup(*, started_on: datetime.date = STARTED,
                 name: str = "Fellside Recovery Partnership") -> ReviewSetup:
    """A partnership of three members since ``started_on``, and a user of each kind."""
    partnership = PartnershipFactory(name=name, started_on=started_on)
    lead = OrganisationFactory(name="Fellside Recovery Trust")
    charity = OrganisationFactory(name="Brightwater Family Support")
    statutory = StatutoryOrganisationFactory(name="Probation Service North East")
    LeadMembershipFactory(partnership=partnership, organisation=lead, joined_on=started_on)
    MembershipFactory(partnership=partnership, organisation=charity, joined_on=started_on)
    MembershipFactory(partnership=partnership, organisation=statutory, joined_on=started_on)
    funding = FundingFactory(partnership=partnership)
    return ReviewSetup(
        partnership=partnership, lead=lead, charity=charity, statutory=statutory,
        manager=PartnershipManagerFactory(organisation=lead),
        member_staff=ProviderStaffFactory(organisation=charity),
        commissioner=CommissionerFactory(organisation=funding.funder),
        outsider=ProviderStaffFactory())


def held_review() -> ReviewMeeting:
    """A held review with attendance of a lead partner and a member (for the admin pages)."""
    lead = LeadMembershipFactory()
    member = MembershipFactory(partnership=lead.partnership)
    meeting = HeldReviewFactory(partnership=lead.partnership)
    ReviewAttendanceFactory(meeting=meeting, organisation=lead.organisation, attended=True)
    ReviewAttendanceFactory(meeting=meeting, organisation=member.organisation, attended=False)
    return meeting
