"""Memberships: history, the partnership's life, one lead partner at a time."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from core.errors import DomainError
from core.models import AuditEvent
from partnerships import actions
from partnerships.choices import MemberRole
from partnerships.models import Membership
from tests.partnerships.factories import (
    EndedPartnershipFactory,
    LeadMembershipFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
)

pytestmark = pytest.mark.django_db
D = dt.date


def counts():
    return Membership.objects.count(), AuditEvent.objects.count()


def test_add_member_records_membership_and_audit(admin_user):
    p = PartnershipFactory()
    org = OrganisationFactory()
    m = actions.membership_add(partnership=p, organisation=org, role=MemberRole.SUB_CONTRACTOR,
                               joined_on=D(2021, 1, 1), by=admin_user)
    assert m.pk and m.left_on is None
    event = AuditEvent.objects.get(object_id=str(m.pk), content_type__model="membership")
    assert event.action == "create" and event.actor == admin_user
    assert event.partnership_id == p.pk
    assert event.changes["role"] == [None, "sub_contractor"]


def test_second_lead_partner_on_overlapping_dates_is_refused(admin_user):
    lead = LeadMembershipFactory(joined_on=D(2020, 4, 1), left_on=D(2023, 4, 1))
    before = counts()
    with pytest.raises(DomainError, match=r"already the lead partner.*one lead partner at a time"):
        actions.membership_add(partnership=lead.partnership, organisation=OrganisationFactory(),
                               role=MemberRole.LEAD_PARTNER, joined_on=D(2022, 1, 1),
                               by=admin_user)
    assert counts() == before


def test_second_open_lead_refused_even_when_starting_later(admin_user):
    lead = LeadMembershipFactory()
    with pytest.raises(DomainError, match="already the lead partner"):
        actions.membership_add(partnership=lead.partnership, organisation=OrganisationFactory(),
                               role=MemberRole.LEAD_PARTNER, joined_on=D(2030, 1, 1),
                               by=admin_user)


def test_successive_lead_partners_do_not_overlap(admin_user):
    lead = LeadMembershipFactory(joined_on=D(2020, 4, 1), left_on=D(2023, 4, 1))
    m = actions.membership_add(partnership=lead.partnership, organisation=OrganisationFactory(),
                               role=MemberRole.LEAD_PARTNER, joined_on=D(2023, 4, 1),
                               by=admin_user)
    assert m.pk


def test_membership_ending_before_it_starts_is_refused(admin_user):
    p = PartnershipFactory()
    before = counts()
    with pytest.raises(DomainError, match=r"cannot end \(1 January 2021\) before it starts"):
        actions.membership_add(partnership=p, organisation=OrganisationFactory(),
                               role=MemberRole.DELIVERY_PARTNER, joined_on=D(2022, 1, 1),
                               left_on=D(2021, 1, 1), by=admin_user)
    assert counts() == before


def test_membership_before_partnership_started_is_refused(admin_user):
    p = PartnershipFactory(started_on=D(2013, 4, 1))
    with pytest.raises(DomainError, match=r"started on 1 April 2013; a member cannot join before"):
        actions.membership_add(partnership=p, organisation=OrganisationFactory(),
                               role=MemberRole.DELIVERY_PARTNER, joined_on=D(2013, 3, 31),
                               by=admin_user)
    assert not Membership.objects.filter(partnership=p).exists()


@pytest.mark.parametrize("joined, left, message", [
    (D(2024, 6, 1), D(2024, 7, 1), "a member cannot join after that"),
    (D(2021, 1, 1), None, "must end on or before that date"),
    (D(2021, 1, 1), D(2024, 5, 1), "must end on or before that date"),
])
def test_membership_outside_ended_partnership_is_refused(admin_user, joined, left, message):
    p = EndedPartnershipFactory()  # 1 April 2020 – 31 March 2024
    with pytest.raises(DomainError, match=message):
        actions.membership_add(partnership=p, organisation=OrganisationFactory(),
                               role=MemberRole.DELIVERY_PARTNER, joined_on=joined, left_on=left,
                               by=admin_user)
    assert not Membership.objects.filter(partnership=p).exists()


def test_same_organisation_same_role_overlap_refused(admin_user):
    m = MembershipFactory()
    with pytest.raises(DomainError, match="is already a delivery partner"):
        actions.membership_add(partnership=m.partnership, organisation=m.organisation,
                               role=MemberRole.DELIVERY_PARTNER, joined_on=D(2022, 1, 1),
                               by=admin_user)


def test_same_organisation_may_hold_two_roles(admin_user):
    m = LeadMembershipFactory()
    board = actions.membership_add(partnership=m.partnership, organisation=m.organisation,
                                   role=MemberRole.BOARD_MEMBER, joined_on=D(2021, 1, 1),
                                   by=admin_user)
    assert board.pk


def test_end_membership_keeps_history_and_audits(admin_user):
    m = MembershipFactory()
    actions.membership_end(membership=m, left_on=D(2023, 3, 31), by=admin_user,
                           reason="Recommissioning")
    m.refresh_from_db()
    assert m.left_on == D(2023, 3, 31) and m.notes == "Recommissioning"
    assert Membership.objects.active_on(D(2023, 3, 30)).filter(pk=m.pk).exists()
    assert not Membership.objects.active_on(D(2023, 3, 31)).filter(pk=m.pk).exists()
    event = AuditEvent.objects.get(content_type__model="membership", action="update")
    assert event.changes["left_on"] == [None, "2023-03-31"]
    assert event.summary == "Recommissioning"


def test_end_membership_twice_or_backwards_is_refused(admin_user):
    m = MembershipFactory(joined_on=D(2021, 1, 1))
    with pytest.raises(DomainError, match="before it starts"):
        actions.membership_end(membership=m, left_on=D(2020, 12, 31), by=admin_user)
    actions.membership_end(membership=m, left_on=D(2022, 1, 1), by=admin_user)
    before = counts()
    with pytest.raises(DomainError, match="already left on 1 January 2022"):
        actions.membership_end(membership=m, left_on=D(2023, 1, 1), by=admin_user)
    assert counts() == before


def test_ending_membership_ends_its_lead_responsibilities(admin_user):
    from tests.partnerships.factories import LeadResponsibilityFactory

    lr = LeadResponsibilityFactory()
    m = Membership.objects.get(partnership=lr.partnership, organisation=lr.organisation)
    actions.membership_end(membership=m, left_on=D(2022, 6, 1), by=admin_user)
    lr.refresh_from_db()
    assert lr.ends_on == D(2022, 6, 1)


def test_change_lead_partner_ends_old_lead_on_the_day(admin_user):
    old = LeadMembershipFactory(joined_on=D(2020, 4, 1))
    newcomer = OrganisationFactory()
    new = actions.lead_partner_change(partnership=old.partnership, organisation=newcomer,
                                      effective_on=D(2024, 4, 1), by=admin_user,
                                      previous_lead_continues_as=MemberRole.DELIVERY_PARTNER)
    old.refresh_from_db()
    assert old.left_on == D(2024, 4, 1)
    assert new.role == MemberRole.LEAD_PARTNER and new.joined_on == D(2024, 4, 1)
    leads = Membership.objects.filter(partnership=old.partnership, role="lead_partner")
    assert [m.organisation for m in leads.active_on(D(2024, 3, 31))] == [old.organisation]
    assert [m.organisation for m in leads.active_on(D(2024, 4, 1))] == [newcomer]
    assert Membership.objects.current().filter(
        organisation=old.organisation, role=MemberRole.DELIVERY_PARTNER).exists()


def test_change_lead_partner_bad_inputs_change_nothing(admin_user):
    old = LeadMembershipFactory(joined_on=D(2020, 4, 1))
    before = counts()
    with pytest.raises(DomainError, match="already the lead partner"):
        actions.lead_partner_change(partnership=old.partnership, organisation=old.organisation,
                                    effective_on=D(2024, 1, 1), by=admin_user)
    with pytest.raises(DomainError, match="the change must be after that"):
        actions.lead_partner_change(partnership=old.partnership, organisation=OrganisationFactory(),
                                    effective_on=D(2020, 4, 1), by=admin_user)
    assert counts()[0] == before[0]
    old.refresh_from_db()
    assert old.left_on is None


def test_change_lead_with_no_lead_just_adds_one(admin_user):
    p = PartnershipFactory()
    m = actions.lead_partner_change(partnership=p, organisation=OrganisationFactory(),
                                    effective_on=D(2021, 1, 1), by=admin_user)
    assert m.role == MemberRole.LEAD_PARTNER


def test_database_holds_date_order_and_single_open_lead():
    p = PartnershipFactory()
    org = OrganisationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(partnership=p, organisation=org, role="delivery_partner",
                                  joined_on=D(2022, 1, 1), left_on=D(2021, 1, 1))
    LeadMembershipFactory(partnership=p)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(partnership=p, organisation=org, role="lead_partner",
                                  joined_on=D(2022, 1, 1))


def test_partnership_end_closes_open_memberships(admin_user):
    lead = LeadMembershipFactory()
    member = MembershipFactory(partnership=lead.partnership)
    actions.partnership_end(partnership=lead.partnership, ended_on=D(2025, 3, 31), by=admin_user)
    for m in (lead, member):
        m.refresh_from_db()
        assert m.left_on == D(2025, 3, 31)
    lead.partnership.refresh_from_db()
    assert lead.partnership.status == "ended"
    with pytest.raises(DomainError, match="already ended"):
        actions.partnership_end(partnership=lead.partnership, ended_on=D(2025, 4, 1),
                                by=admin_user)


def test_partnership_end_before_start_refused(admin_user):
    p = PartnershipFactory(started_on=D(2020, 4, 1))
    with pytest.raises(DomainError, match="cannot end before"):
        actions.partnership_end(partnership=p, ended_on=D(2019, 1, 1), by=admin_user)
    p.refresh_from_db()
    assert p.status == "active" and p.ended_on is None


def test_changing_the_lead_when_the_old_lead_leaves_ends_its_leads(admin_user):
    from tests.partnerships.factories import LeadResponsibilityFactory

    old = LeadMembershipFactory(joined_on=D(2020, 4, 1))
    lr = LeadResponsibilityFactory(partnership=old.partnership, organisation=old.organisation,
                                   starts_on=D(2021, 1, 1))
    newcomer = MembershipFactory(partnership=old.partnership, joined_on=D(2021, 1, 1),
                                 role=MemberRole.DELIVERY_PARTNER)
    actions.lead_partner_change(partnership=old.partnership, organisation=newcomer.organisation,
                                effective_on=D(2024, 4, 1), by=admin_user)
    old.refresh_from_db()
    lr.refresh_from_db()
    newcomer.refresh_from_db()
    assert old.left_on == D(2024, 4, 1) and lr.ends_on == D(2024, 4, 1)
    # The new lead's delivery-partner membership gives way to the lead role the same day.
    assert newcomer.left_on == D(2024, 4, 1)
    current = Membership.objects.filter(partnership=old.partnership).active_on(D(2024, 4, 1))
    assert [(m.organisation, m.role) for m in current] == [
        (newcomer.organisation, MemberRole.LEAD_PARTNER)]
