"""The case access log (``actions.case_read``): every permitted read writes exactly one row;
everyone else gets a 404 that looks like a missing case and leaves no trace."""

from __future__ import annotations

import datetime
import logging

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import timezone

from core.models import AuditEvent
from referrals import actions
from referrals.choices import Gender, LawfulBasis, OrderType, ReferralStatus
from referrals.models import Case, CaseAccess, LeadAgency, Person, Referral
from tests.accounts.factories import (
    CommissionerFactory,
    PartnershipManagerFactory,
    PlatformAdminFactory,
    ProviderStaffFactory,
)
from tests.partnerships.factories import MembershipFactory, OrganisationFactory
from tests.referrals.factories import year_in
from tests.services.factories import ServiceFactory

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = timezone.localdate()


def make_case(lead_org) -> Case:
    """An open case led by ``lead_org`` (rows written directly: this file tests reads)."""
    partnership = MembershipFactory(organisation=lead_org).partnership
    person = Person.objects.create(initials="ZO", year_of_birth=1917, gender=Gender.FEMALE)
    case = Case.objects.create(person=person, partnership=partnership,
                               order_type=OrderType.COMMUNITY_ORDER,
                               order_starts_on=TODAY - datetime.timedelta(days=60),
                               order_ends_on=TODAY + datetime.timedelta(days=300))
    LeadAgency.objects.create(case=case, organisation=lead_org, starts_on=case.order_starts_on)
    return case


def refer(case: Case, to_org, status: str = ReferralStatus.SENT) -> Referral:
    lead = case.lead_agencies.get().organisation
    return Referral.objects.create(
        case=case, from_organisation=lead, to_service=ServiceFactory(provider=to_org),
        to_organisation=to_org, reason="Needs treatment.", lawful_basis=LawfulBasis.PUBLIC_TASK,
        response_due_on=TODAY + datetime.timedelta(days=7), status=status,
        decline_reason="Full" if status == ReferralStatus.DECLINED else "")


@pytest.fixture
def lead_org():
    return OrganisationFactory()


@pytest.fixture
def case(lead_org):
    return make_case(lead_org)


def state() -> tuple[int, int]:
    return CaseAccess.objects.count(), AuditEvent.objects.count()


# -- permitted reads ------------------------------------------------------------------------------

@pytest.mark.parametrize("factory", [ProviderStaffFactory, PartnershipManagerFactory])
@pytest.mark.parametrize("channel", ["page", "api"])
def test_a_lead_agency_read_writes_one_row(case, lead_org, factory, channel):
    user = factory(organisation=lead_org)
    audits = AuditEvent.objects.count()

    row = actions.case_read(case=case, by=user, channel=channel)

    assert CaseAccess.objects.get() == row
    assert (row.case, row.user, row.organisation, row.channel, row.reason) == (
        case, user, lead_org, channel, "")
    assert row.accessed_at is not None
    assert AuditEvent.objects.count() == audits  # the access log is the record, no audit row


def test_each_read_is_one_more_row(case, lead_org):
    user = ProviderStaffFactory(organisation=lead_org)
    for expected in (1, 2, 3):
        actions.case_read(case=case, by=user, channel="page")
        assert case.access_log.count() == expected


@pytest.mark.parametrize("status", [ReferralStatus.SENT, ReferralStatus.ACCEPTED])
def test_the_receiving_organisation_of_an_open_referral_may_read(case, status):
    receiver = OrganisationFactory()
    refer(case, receiver, status)
    user = ProviderStaffFactory(organisation=receiver)

    row = actions.case_read(case=case, by=user, channel="api")

    assert row.organisation == receiver


def test_a_platform_admin_reads_with_a_reason(case):
    admin = PlatformAdminFactory()

    row = actions.case_read(case=case, by=admin, channel="page",
                            reason="  Subject access request SAR-2026-114  ")

    assert (row.user, row.organisation, row.reason) == (admin, None,
                                                        "Subject access request SAR-2026-114")


def test_a_reading_costs_a_bounded_number_of_queries(case, lead_org,
                                                     django_assert_max_num_queries):
    user = ProviderStaffFactory(organisation=lead_org)
    for n in range(5):
        refer(case, OrganisationFactory(), ReferralStatus.COMPLETED if n % 2 else
              ReferralStatus.SENT)
    with django_assert_max_num_queries(4):
        actions.case_read(case=case, by=user, channel="page")


# -- refusals: a 404, and nothing written ---------------------------------------------------------

@pytest.mark.parametrize("who", ["uninvolved_staff", "uninvolved_manager", "commissioner",
                                 "anonymous", "inactive_lead_staff"])
def test_others_get_a_404_and_no_row(case, lead_org, who):
    user = {
        "uninvolved_staff": lambda: ProviderStaffFactory(),
        "uninvolved_manager": lambda: PartnershipManagerFactory(),
        "commissioner": lambda: CommissionerFactory(),
        "anonymous": AnonymousUser,
        "inactive_lead_staff": lambda: ProviderStaffFactory(organisation=lead_org,
                                                            is_active=False),
    }[who]()
    before = state()

    with pytest.raises(Http404):
        actions.case_read(case=case, by=user, channel="page", reason="A long enough reason")

    assert state() == before


@pytest.mark.parametrize("reason", ["", "   ", "checking", "  short    "])
def test_a_platform_admin_without_a_real_reason_gets_a_404(case, reason):
    before = state()

    with pytest.raises(Http404):
        actions.case_read(case=case, by=PlatformAdminFactory(), channel="api", reason=reason)

    assert state() == before


def test_a_refusal_is_the_same_as_for_a_missing_case(case):
    """Same exception type and message whether the case exists or not."""
    with pytest.raises(Http404) as refused:
        actions.case_read(case=case, by=ProviderStaffFactory(), channel="page")
    assert str(refused.value) == "No case matches the given query."


@pytest.mark.parametrize("status", [ReferralStatus.DECLINED, ReferralStatus.COMPLETED,
                                    ReferralStatus.WITHDRAWN])
def test_a_closed_referral_no_longer_gives_access(case, status):
    receiver = OrganisationFactory()
    refer(case, receiver, status)

    with pytest.raises(Http404):
        actions.case_read(case=case, by=ProviderStaffFactory(organisation=receiver),
                          channel="page")


def test_involvement_ending_removes_access(case, lead_org):
    user = ProviderStaffFactory(organisation=lead_org)
    actions.case_read(case=case, by=user, channel="page")
    new_lead = OrganisationFactory()
    LeadAgency.objects.filter(case=case).update(ends_on=TODAY)
    LeadAgency.objects.create(case=case, organisation=new_lead, starts_on=TODAY)

    with pytest.raises(Http404):
        actions.case_read(case=case, by=user, channel="page")

    assert CaseAccess.objects.count() == 1
    actions.case_read(case=case, by=ProviderStaffFactory(organisation=new_lead), channel="api")
    assert CaseAccess.objects.count() == 2


def test_an_unknown_channel_is_a_programming_error(case, lead_org):
    with pytest.raises(ValueError):
        actions.case_read(case=case, by=ProviderStaffFactory(organisation=lead_org),
                          channel="email")
    assert not CaseAccess.objects.exists()


# -- no personal data -----------------------------------------------------------------------------

def test_a_read_logs_and_stores_nothing_about_the_person(case, lead_org, caplog):
    caplog.set_level(logging.DEBUG)
    row = actions.case_read(case=case, by=ProviderStaffFactory(organisation=lead_org),
                            channel="page")

    stored = CaseAccess.objects.filter(pk=row.pk).values().get()
    # Only who, when, how and why: ids, a time, the channel and an (empty) reason.
    assert set(stored) == {"id", "case_id", "user_id", "organisation_id", "accessed_at",
                           "channel", "reason", "api_token_id"}
    assert (stored["channel"], stored["reason"]) == ("page", "")
    assert not year_in(caplog.text, 1917)
    for personal in ("ZO", "female"):
        assert personal not in caplog.text
    assert str(row).startswith(f"Read of {case.reference} at ")
