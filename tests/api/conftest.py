"""A small, realistic registry for the API tests, and the list of every endpoint."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from partnerships.choices import (
    AgreementKind,
    AgreementStatus,
    MemberRole,
    OrganisationKind,
    PartnershipStatus,
    Setting,
)
from partnerships.models import Agreement, LeadResponsibility, Organisation, Partnership
from services.choices import Gender, LocationKind
from services.models import Location, Service
from tests.monitoring.conftest import ret, s  # noqa: F401  (the monitoring fixtures, shared)
from tests.partnerships.factories import (
    AgreementFactory,
    EndedMembershipFactory,
    FundingFactory,
    LeadMembershipFactory,
    LeadResponsibilityFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
    SignatoryFactory,
    StatutoryOrganisationFactory,
    region,
    standard_activity,
)
from tests.partnerships.review_factories import today  # noqa: F401  (the reviews' fixed day)
from tests.referrals.helpers import World, build_world
from tests.services.factories import (
    LocationFactory,
    PrisonLocationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    category,
)


@dataclass
class Registry:
    """The objects the API tests look at (a women's-centre hub that shrank, and its world)."""

    group: Organisation
    hub_lead: Organisation
    sibling: Organisation
    current_partner: Organisation
    past_partner: Organisation
    probation: Organisation
    funder: Organisation
    hub: Partnership
    other: Partnership
    lead_responsibility: LeadResponsibility
    ended_responsibility: LeadResponsibility
    agreement_v1: Agreement
    agreement_v2: Agreement
    service: Service
    prison: Location
    office: Location


@pytest.fixture
def registry(db) -> Registry:
    """A hub led by a women's centre (in a group of charities) with one current and one past
    partner, lead responsibilities, two versions of its agreement, funding and a service; plus
    an unrelated custody partnership with a prison."""
    group = OrganisationFactory(name="Aurora Group", slug="aurora-group", region=region("london"))
    hub_lead = OrganisationFactory(name="Women's Centre", slug="womens-centre", parent=group,
                                   region=region("london"))
    sibling = OrganisationFactory(name="Aurora Housing", slug="aurora-housing", parent=group,
                                  region=region("north-west"))
    current_partner = OrganisationFactory(name="Safe Homes", slug="safe-homes")
    past_partner = OrganisationFactory(name="Mind Matters", slug="mind-matters")
    probation = StatutoryOrganisationFactory(name="Probation North", slug="probation-north",
                                             region=region("north-west"))
    funder = OrganisationFactory(name="Big Lottery", slug="big-lottery",
                                 kind=OrganisationKind.COMMISSIONING_BODY)

    hub = PartnershipFactory(name="Women's Hub", slug="womens-hub", setting=Setting.COMMUNITY,
                             started_on=datetime.date(2018, 4, 1))
    hub.regions.set([region("london"), region("south-east")])
    LeadMembershipFactory(partnership=hub, organisation=hub_lead)
    MembershipFactory(partnership=hub, organisation=current_partner)
    EndedMembershipFactory(partnership=hub, organisation=past_partner,
                           notes="Left after recommissioning halved the contract.")
    lead_responsibility = LeadResponsibilityFactory(
        partnership=hub, organisation=hub_lead, activity=standard_activity("treatment-delivery"),
        contact="Head of Services")
    ended_responsibility = LeadResponsibilityFactory(
        partnership=hub, organisation=past_partner,
        activity=standard_activity("case-management"), ends_on=datetime.date(2023, 3, 31))
    agreement_v1 = AgreementFactory(
        partnership=hub, reference="pwa", title="Hub working agreement", version=1,
        status=AgreementStatus.SUPERSEDED, review_due=datetime.date(2019, 4, 1),
        effective_from=datetime.date(2018, 10, 1))
    agreement_v2 = AgreementFactory(
        partnership=hub, reference="pwa", title="Hub working agreement", version=2,
        status=AgreementStatus.ACTIVE, effective_from=datetime.date(2021, 4, 1),
        review_due=datetime.date(2022, 4, 1), replaces=agreement_v1,
        change_reason="Mind Matters left the partnership.")
    SignatoryFactory(agreement=agreement_v2, organisation=hub_lead, signed_by="Director")
    SignatoryFactory(agreement=agreement_v2, organisation=current_partner, signed_on=None,
                     signed_by="")
    FundingFactory(partnership=hub, funder=funder, recipient=hub_lead, amount="125000.00")

    other = PartnershipFactory(name="Prison Recovery Partnership", slug="prison-recovery",
                               setting=Setting.CUSTODY, status=PartnershipStatus.FORMING,
                               started_on=None)
    other.regions.set([region("north-west")])
    MembershipFactory(partnership=other, organisation=probation,
                      joined_on=datetime.date(2024, 1, 1), role=MemberRole.STATUTORY_PARTNER)
    AgreementFactory(partnership=other, reference="isp", kind=AgreementKind.INFORMATION_SHARING,
                     title="Information-sharing protocol", status=AgreementStatus.DRAFT,
                     effective_from=None, review_due=None)

    prison = PrisonLocationFactory(name="HMP Northgate", slug="hmp-northgate",
                                   region=region("north-west"), operator=probation)
    office = LocationFactory(name="Hub building", slug="hub-building",
                             kind=LocationKind.COMMUNITY_HUB, region=region("london"),
                             address="1 High Street, London", postcode="E1 6AN",
                             operator=hub_lead)
    service = ServiceFactory(
        name="Women's recovery group", slug="womens-recovery", provider=hub_lead, partnership=hub,
        gender=Gender.WOMEN, setting=Setting.COMMUNITY, min_age=18, max_age=65,
        accepts_court_ordered=True,
        categories=[category("substance-misuse"), category("womens-services")])
    ServiceAtLocationFactory(service=service, location=office, co_located=True,
                             notes="Tuesdays and Thursdays")
    return Registry(group=group, hub_lead=hub_lead, sibling=sibling,
                    current_partner=current_partner, past_partner=past_partner,
                    probation=probation, funder=funder, hub=hub, other=other,
                    lead_responsibility=lead_responsibility,
                    ended_responsibility=ended_responsibility, agreement_v1=agreement_v1,
                    agreement_v2=agreement_v2, service=service, prison=prison, office=office)


# Every endpoint: (url name, how to find the detail object's lookup value in the registry).
ENDPOINTS: list[tuple[str, Callable[[Registry], dict[str, object]] | None]] = [
    ("organisation-list", None),
    ("organisation-detail", lambda r: {"slug": r.hub_lead.slug}),
    ("partnership-list", None),
    ("partnership-detail", lambda r: {"slug": r.hub.slug}),
    ("agreement-list", None),
    ("agreement-detail", lambda r: {"pk": r.agreement_v2.pk}),
    ("service-list", None),
    ("service-detail", lambda r: {"slug": r.service.slug}),
    ("location-list", None),
    ("location-detail", lambda r: {"slug": r.prison.slug}),
]
ENDPOINT_IDS = [name for name, _ in ENDPOINTS]


def endpoint_url(name: str, kwargs_for: Callable[[Registry], dict[str, object]] | None,
                 registry: Registry) -> str:
    """The URL of one endpoint for the registry fixture."""
    return reverse(name, kwargs=kwargs_for(registry) if kwargs_for else None)


@pytest.fixture
def client_for() -> Callable[[object], APIClient]:
    """A client signed in (by session, as the browser would be) as the given user."""

    def make(user: object) -> APIClient:
        client = APIClient()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def signed_in(admin_user, client_for) -> APIClient:
    """A client signed in as a platform admin."""
    return client_for(admin_user)


@pytest.fixture
def world(db) -> World:
    """A probation-led case referred to the treatment provider (the casework API tests)."""
    return build_world()
