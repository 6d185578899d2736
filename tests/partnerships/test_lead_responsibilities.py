"""The lead-agency matrix: one lead per activity at a time, and only a current member leads."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.errors import DomainError
from core.models import AuditEvent
from partnerships import actions
from partnerships.choices import MemberRole
from partnerships.models import Activity, LeadResponsibility
from tests.partnerships.factories import (
    EndedMembershipFactory,
    LeadResponsibilityFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
    standard_activity,
)

pytestmark = pytest.mark.django_db
D = dt.date


def test_standard_activities_are_seeded():
    slugs = set(Activity.objects.filter(is_standard=True).values_list("slug", flat=True))
    assert {"overall-supervision", "offending-behaviour-programmes", "treatment-delivery",
            "treatment-commissioning", "performance-management"} <= slugs


def test_assign_lead_to_member(admin_user):
    m = MembershipFactory()
    lr = actions.lead_responsibility_assign(partnership=m.partnership, activity=standard_activity(),
                                            organisation=m.organisation, starts_on=D(2021, 1, 1),
                                            contact="Head of Treatment", by=admin_user)
    assert list(LeadResponsibility.objects.current()) == [lr]
    assert AuditEvent.objects.filter(content_type__model="leadresponsibility",
                                     partnership_id=m.partnership_id).count() == 1


def test_lead_given_to_non_member_is_refused(admin_user):
    p = PartnershipFactory()
    outsider = OrganisationFactory(name="Outsider Trust")
    with pytest.raises(DomainError, match=r"Outsider Trust is not a member of .* on "
                                          r"1 January 2021\. Add it as a member"):
        actions.lead_responsibility_assign(partnership=p, activity=standard_activity(),
                                           organisation=outsider, starts_on=D(2021, 1, 1),
                                           by=admin_user)
    assert not LeadResponsibility.objects.exists()
    assert not AuditEvent.objects.exists()


def test_lead_given_to_former_member_is_refused(admin_user):
    m = EndedMembershipFactory()  # left 31 March 2023
    with pytest.raises(DomainError, match="is not a member"):
        actions.lead_responsibility_assign(partnership=m.partnership, activity=standard_activity(),
                                           organisation=m.organisation, starts_on=D(2023, 4, 1),
                                           by=admin_user)


def test_handover_ends_current_lead_same_day(admin_user):
    current = LeadResponsibilityFactory(starts_on=D(2020, 4, 1))
    successor = MembershipFactory(partnership=current.partnership).organisation
    new = actions.lead_responsibility_assign(partnership=current.partnership,
                                             activity=current.activity, organisation=successor,
                                             starts_on=D(2022, 4, 1), by=admin_user)
    current.refresh_from_db()
    assert current.ends_on == D(2022, 4, 1)
    on = LeadResponsibility.objects.filter(partnership=current.partnership)
    assert [r.organisation for r in on.active_on(D(2022, 3, 31))] == [current.organisation]
    assert [r.organisation for r in on.active_on(D(2022, 4, 1))] == [successor]
    assert new.pk


def test_handover_to_non_member_changes_nothing(admin_user):
    current = LeadResponsibilityFactory()
    with pytest.raises(DomainError, match="is not a member"):
        actions.lead_responsibility_assign(partnership=current.partnership,
                                           activity=current.activity,
                                           organisation=OrganisationFactory(),
                                           starts_on=D(2022, 4, 1), by=admin_user)
    current.refresh_from_db()
    assert current.ends_on is None
    assert LeadResponsibility.objects.count() == 1


def test_handover_bad_dates_and_same_lead(admin_user):
    current = LeadResponsibilityFactory(starts_on=D(2021, 1, 1))
    with pytest.raises(DomainError, match="already leads"):
        actions.lead_responsibility_assign(partnership=current.partnership,
                                           activity=current.activity,
                                           organisation=current.organisation,
                                           starts_on=D(2022, 1, 1), by=admin_user)
    other = MembershipFactory(partnership=current.partnership).organisation
    with pytest.raises(DomainError, match="the new lead must start after that"):
        actions.lead_responsibility_assign(partnership=current.partnership,
                                           activity=current.activity, organisation=other,
                                           starts_on=D(2021, 1, 1), by=admin_user)


def test_second_lead_for_same_activity_at_once_is_refused_by_validation():
    current = LeadResponsibilityFactory(starts_on=D(2020, 4, 1), ends_on=D(2023, 1, 1))
    other = MembershipFactory(partnership=current.partnership).organisation
    clash = LeadResponsibility(partnership=current.partnership, activity=current.activity,
                               organisation=other, starts_on=D(2022, 1, 1), ends_on=D(2024, 1, 1))
    with pytest.raises(Exception, match="already leads"):
        clash.full_clean()


def test_database_holds_one_open_lead_per_activity():
    current = LeadResponsibilityFactory()
    other = MembershipFactory(partnership=current.partnership).organisation
    with pytest.raises(IntegrityError), transaction.atomic():
        LeadResponsibility.objects.create(partnership=current.partnership,
                                          activity=current.activity, organisation=other,
                                          starts_on=D(2022, 1, 1))


def test_custom_activity_belongs_to_its_partnership(admin_user):
    m = MembershipFactory()
    materials = actions.activity_create_custom(partnership=m.partnership,
                                               name="Receives course materials", by=admin_user)
    actions.lead_responsibility_assign(partnership=m.partnership, activity=materials,
                                       organisation=m.organisation, starts_on=D(2021, 1, 1),
                                       by=admin_user)
    elsewhere = MembershipFactory()
    with pytest.raises(DomainError, match="custom activity of another partnership"):
        actions.lead_responsibility_assign(partnership=elsewhere.partnership, activity=materials,
                                           organisation=elsewhere.organisation,
                                           starts_on=D(2021, 1, 1), by=admin_user)


def test_end_lead_responsibility(admin_user):
    lr = LeadResponsibilityFactory(starts_on=D(2021, 1, 1))
    with pytest.raises(DomainError, match="cannot end"):
        actions.lead_responsibility_end(responsibility=lr, ends_on=D(2020, 1, 1), by=admin_user)
    lr.refresh_from_db()
    assert lr.ends_on is None
    actions.lead_responsibility_end(responsibility=lr, ends_on=D(2022, 1, 1), by=admin_user)
    with pytest.raises(DomainError, match="already ended"):
        actions.lead_responsibility_end(responsibility=lr, ends_on=D(2023, 1, 1), by=admin_user)


# -- a lead is a member on every day it leads (issue 14) -------------------------------------


def test_a_lead_cannot_outlast_the_membership(admin_user):
    """Assigning beyond the membership's end is refused with the date it ends."""
    m = MembershipFactory(joined_on=D(2020, 4, 1), left_on=D(2027, 4, 1))
    before = AuditEvent.objects.count()
    with pytest.raises(DomainError, match=r"membership of .* ends on 1 April 2027\. Set the end "
                                          r"date to 1 April 2027 or earlier") as refused:
        actions.lead_responsibility_assign(partnership=m.partnership, activity=standard_activity(),
                                           organisation=m.organisation, starts_on=D(2024, 1, 1),
                                           by=admin_user)
    assert refused.value.field == "ends_on"
    with pytest.raises(DomainError, match="ends on 1 April 2027"):
        actions.lead_responsibility_assign(partnership=m.partnership, activity=standard_activity(),
                                           organisation=m.organisation, starts_on=D(2024, 1, 1),
                                           ends_on=D(2027, 5, 1), by=admin_user)
    assert AuditEvent.objects.count() == before and not LeadResponsibility.objects.exists()
    lr = actions.lead_responsibility_assign(partnership=m.partnership,
                                            activity=standard_activity(),
                                            organisation=m.organisation, starts_on=D(2024, 1, 1),
                                            ends_on=D(2027, 4, 1), by=admin_user)
    assert lr.ends_on == D(2027, 4, 1)


def test_membership_periods_end_to_end_cover_a_lead(admin_user):
    """A delivery partner that became lead partner the day it stopped being a delivery partner
    is a member throughout."""
    first = MembershipFactory(joined_on=D(2020, 4, 1), left_on=D(2023, 4, 1))
    MembershipFactory(partnership=first.partnership, organisation=first.organisation,
                      role=MemberRole.LEAD_PARTNER, joined_on=D(2023, 4, 1))
    lr = actions.lead_responsibility_assign(partnership=first.partnership,
                                            activity=standard_activity(),
                                            organisation=first.organisation,
                                            starts_on=D(2021, 1, 1), by=admin_user)
    assert lr.ends_on is None


def test_a_gap_in_membership_is_refused(admin_user):
    first = MembershipFactory(joined_on=D(2020, 4, 1), left_on=D(2021, 4, 1))
    MembershipFactory(partnership=first.partnership, organisation=first.organisation,
                      joined_on=D(2022, 4, 1))
    with pytest.raises(DomainError, match="ends on 1 April 2021"):
        actions.lead_responsibility_assign(partnership=first.partnership,
                                           activity=standard_activity(),
                                           organisation=first.organisation,
                                           starts_on=D(2021, 1, 1), by=admin_user)


def test_ending_a_membership_cuts_leads_that_would_outlast_it(admin_user):
    m = MembershipFactory(joined_on=D(2020, 4, 1))
    lr = LeadResponsibilityFactory(partnership=m.partnership, organisation=m.organisation,
                                   starts_on=D(2021, 1, 1), ends_on=D(2028, 1, 1))
    actions.membership_end(membership=m, left_on=D(2026, 1, 1), by=admin_user)
    lr.refresh_from_db()
    assert lr.ends_on == D(2026, 1, 1)


def test_a_former_member_is_never_a_current_lead(admin_user):
    """Whatever way the lead is recorded (action or a direct full_clean, as the admin does)."""
    m = EndedMembershipFactory()  # left 31 March 2023
    stale = LeadResponsibility(partnership=m.partnership, activity=standard_activity(),
                               organisation=m.organisation, starts_on=m.joined_on)
    with pytest.raises(ValidationError, match="ends on"):
        stale.full_clean()
