"""Organisations, partnerships and funding: identifiers, dates, money, readable names."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.errors import DomainError
from core.models import AuditEvent
from partnerships import actions
from partnerships.choices import OrganisationKind, PartnershipStatus
from partnerships.models import Funding, Organisation, Partnership
from tests.partnerships.factories import (
    FundingFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
    region,
)

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.mark.parametrize("identifier", ["GB-CHC-1074546", "GB-COH-03562176", "GB-NHS-RT1",
                                        "GB-GOR-PB187", "XI-CHC-NIC100000"])
def test_org_id_identifiers_accepted(admin_user, identifier):
    org = actions.organisation_create(by=admin_user, name="Some Charity",
                                      kind=OrganisationKind.CHARITY, identifier=identifier)
    assert org.identifier == identifier


@pytest.mark.parametrize("identifier", ["1074546", "gb-chc-1074546", "GB CHC 1074546", "GB--1"])
def test_bad_identifiers_refused_with_example(admin_user, identifier):
    with pytest.raises(DomainError, match="org-id.guide form COUNTRY-REGISTER-ID"):
        actions.organisation_create(by=admin_user, name="Some Charity",
                                    kind=OrganisationKind.CHARITY, identifier=identifier)
    assert not Organisation.objects.exists()


def test_identifier_unique_but_may_be_blank(admin_user):
    OrganisationFactory(identifier="GB-CHC-1")
    OrganisationFactory(identifier="")
    OrganisationFactory(identifier="")
    with pytest.raises(DomainError, match="identifier"):
        actions.organisation_create(by=admin_user, name="Copy", kind="charity",
                                    identifier="GB-CHC-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name="Copy", slug="copy", kind="charity",
                                    identifier="GB-CHC-1")


def test_organisation_slug_is_unique_and_readable(admin_user):
    a = actions.organisation_create(by=admin_user, name="Women's Centre", kind="charity")
    b = actions.organisation_create(by=admin_user, name="Women's Centre", kind="charity")
    assert (a.slug, b.slug) == ("womens-centre", "womens-centre-2")
    assert str(a) == "Women's Centre"


def test_group_cannot_contain_itself(admin_user):
    group = OrganisationFactory()
    member = OrganisationFactory(parent=group)
    group.parent = member
    with pytest.raises(ValidationError, match="cannot be in a group that it heads"):
        group.full_clean()
    assert list(group.members_of_group.all()) == [member]


def test_partnership_create_with_regions(admin_user):
    p = actions.partnership_create(by=admin_user, name="Northern Prisons Partnership",
                                   setting="custody", status=PartnershipStatus.ACTIVE,
                                   started_on=D(2013, 4, 1),
                                   regions=[region("north-east"), region("north-west")])
    assert p.slug == "northern-prisons-partnership"
    assert sorted(p.regions.values_list("code", flat=True)) == ["north-east", "north-west"]
    assert AuditEvent.objects.get(partnership_id=p.pk).summary == "Registered partnership"


@pytest.mark.parametrize("fields, message", [
    ({"status": "active", "started_on": None}, "needs the date it started"),
    ({"status": "ended", "started_on": D(2020, 1, 1)}, "needs the date it ended"),
])
def test_partnership_status_needs_dates(admin_user, fields, message):
    with pytest.raises(DomainError, match=message):
        actions.partnership_create(by=admin_user, name="P", setting="both", **fields)
    assert not Partnership.objects.exists()


def test_partnership_database_checks():
    with pytest.raises(IntegrityError), transaction.atomic():
        Partnership.objects.create(name="P", slug="p", status="active", started_on=D(2020, 1, 1),
                                   ended_on=D(2019, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Partnership.objects.create(name="P", slug="p2", status="ended", started_on=D(2020, 1, 1))


def test_managed_by_is_current_lead_partner(manager_user):
    from tests.partnerships.factories import LeadMembershipFactory

    led = LeadMembershipFactory(organisation=manager_user.organisation).partnership
    MembershipFactory(organisation=manager_user.organisation)  # a delivery partner elsewhere
    formerly = LeadMembershipFactory(organisation=manager_user.organisation,
                                     left_on=D(2022, 1, 1)).partnership
    assert list(Partnership.objects.managed_by(manager_user)) == [led]
    assert formerly not in Partnership.objects.managed_by(manager_user)


def test_funding_in_pounds(admin_user):
    p = PartnershipFactory()
    funder = OrganisationFactory(kind="commissioning_body", name="Ministry")
    f = actions.funding_add(partnership=p, funder=funder, amount=Decimal("1200000.5"),
                            source="contract", period_start=D(2021, 4, 1),
                            period_end=D(2022, 3, 31), by=admin_user)
    f.refresh_from_db()
    assert f.amount == Decimal("1200000.50")
    assert str(f) == "£1,200,000.50 from Ministry (Apr 2021–Mar 2022)"


@pytest.mark.parametrize("fields, message", [
    ({"amount": Decimal("-1")}, "cannot be negative|greater than or equal to 0"),
    ({"period_end": D(2020, 1, 1)}, "cannot end before it starts"),
    ({"amount": Decimal("1.234")}, "2 decimal places"),
])
def test_funding_bad_input(admin_user, fields, message):
    args = {"amount": Decimal("100"), "period_start": D(2021, 4, 1),
            "period_end": D(2022, 3, 31)} | fields
    with pytest.raises(DomainError, match=message):
        actions.funding_add(partnership=PartnershipFactory(), funder=OrganisationFactory(),
                            source="grant", by=admin_user, **args)
    assert not Funding.objects.exists()


def test_funding_database_checks():
    f = FundingFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Funding.objects.filter(pk=f.pk).update(amount=Decimal("-5"))


def test_readable_names():
    m = MembershipFactory(organisation__name="Hope Trust", partnership__name="Hub",
                          joined_on=D(2020, 4, 1), left_on=D(2023, 3, 31))
    assert str(m) == ("Hope Trust — Delivery partner of Hub "
                      "(joined 1 April 2020, left 31 March 2023)")


def test_reserved_slugs_are_never_given(admin_user):
    p = actions.partnership_create(by=admin_user, name="Compare", setting="both")
    assert p.slug == "compare-2"
