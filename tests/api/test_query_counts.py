"""Every endpoint costs the same number of queries for 3 rows or 30 (the acceptance criterion).

Each bound K is the count measured for the small case; the large case must not exceed it. A
session-authenticated request spends 2 of them (session, user); a list spends 2 more (count,
page) before its prefetches.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.urls import reverse

from partnerships.choices import AgreementStatus, MemberRole
from partnerships.models import Activity
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
    region,
)
from tests.services.factories import (
    LocationFactory,
    PrisonLocationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    category,
)

pytestmark = pytest.mark.django_db

SIZES = [3, 30]


def full_partnership(**kwargs: object):
    """A partnership with regions, a lead, a current and a past member, a lead agency,
    an agreement with a signatory, and funding."""
    partnership = PartnershipFactory(**kwargs)
    partnership.regions.set([region("london"), region("wales")])
    lead = LeadMembershipFactory(partnership=partnership).organisation
    MembershipFactory(partnership=partnership)
    EndedMembershipFactory(partnership=partnership)
    LeadResponsibilityFactory(partnership=partnership, organisation=lead)
    agreement = AgreementFactory(partnership=partnership)
    SignatoryFactory(agreement=agreement, organisation=lead)
    FundingFactory(partnership=partnership, recipient=lead)
    return partnership


def build_organisations(n: int) -> None:
    group = OrganisationFactory(region=region("london"))
    for _ in range(n - 1):
        MembershipFactory(organisation=OrganisationFactory(parent=group,
                                                           region=region("wales")))


def build_partnerships(n: int) -> None:
    for _ in range(n):
        full_partnership()


def build_agreements(n: int) -> None:
    for _ in range(n):
        agreement = AgreementFactory(replaces=AgreementFactory(
            status=AgreementStatus.SUPERSEDED))
        SignatoryFactory.create_batch(2, agreement=agreement)


def build_services(n: int) -> None:
    partnership = PartnershipFactory()
    for _ in range(n):
        service = ServiceFactory(partnership=partnership,
                                 categories=[category("alcohol"), category("housing")])
        ServiceAtLocationFactory(service=service, location=PrisonLocationFactory(),
                                 co_located=True)
        ServiceAtLocationFactory(service=service, location=LocationFactory())


def build_locations(n: int) -> None:
    for _ in range(n):
        PrisonLocationFactory(region=region("north-west"), operator=OrganisationFactory())


# (list endpoint, builder, rows it makes for n, related field every row must fill, K)
LIST_CASES: list[tuple[str, Callable[[int], None], Callable[[int], int], str, int]] = [
    ("organisation-list", build_organisations, lambda n: n, "region", 4),
    ("partnership-list", build_partnerships, lambda n: n, "current_members", 6),
    ("agreement-list", build_agreements, lambda n: n * 2, "partnership", 4),
    ("service-list", build_services, lambda n: n, "locations", 6),
    ("location-list", build_locations, lambda n: n, "operator", 4),
]


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(("name", "build", "rows", "nested", "max_queries"), LIST_CASES,
                         ids=[case[0] for case in LIST_CASES])
def test_list_queries_do_not_grow_with_rows(signed_in, django_assert_max_num_queries,
                                            name, build, rows, nested, max_queries, n):
    build(n)
    with django_assert_max_num_queries(max_queries):
        response = signed_in.get(reverse(name), {"page_size": 100})
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == rows(n)
    assert all(row[nested] for row in results)


def test_partnership_list_serializes_members_without_extra_queries(
        signed_in, django_assert_max_num_queries):
    build_partnerships(30)
    with django_assert_max_num_queries(6):
        results = signed_in.get(reverse("partnership-list"), {"page_size": 100}).json()["results"]
    assert len(results) == 30
    assert all(len(row["current_members"]) == 2 for row in results)


# ---- detail endpoints: one object with n related rows ---------------------------------------


def partnership_with(n: int) -> dict[str, object]:
    partnership = full_partnership()
    for i in range(n):
        member = MembershipFactory(partnership=partnership, role=MemberRole.BOARD_MEMBER)
        EndedMembershipFactory(partnership=partnership)
        activity = Activity.objects.create(name=f"Local activity {i}", slug=f"local-{i}",
                                           partnership=partnership)
        LeadResponsibilityFactory(partnership=partnership, activity=activity,
                                  organisation=member.organisation)
        AgreementFactory(partnership=partnership)
        FundingFactory(partnership=partnership)
    return {"slug": partnership.slug}


def organisation_with(n: int) -> dict[str, object]:
    group = OrganisationFactory()
    organisation = OrganisationFactory(parent=group, region=region("london"))
    OrganisationFactory.create_batch(n, parent=group)
    for _ in range(n):
        MembershipFactory(organisation=organisation)
    return {"slug": organisation.slug}


def agreement_with(n: int) -> dict[str, object]:
    agreement = AgreementFactory(replaces=AgreementFactory(status=AgreementStatus.SUPERSEDED))
    SignatoryFactory.create_batch(n, agreement=agreement)
    return {"pk": agreement.pk}


def service_with(n: int) -> dict[str, object]:
    service = ServiceFactory(partnership=PartnershipFactory(),
                             categories=[category("alcohol"), category("housing")])
    for _ in range(n):
        ServiceAtLocationFactory(service=service)
    return {"slug": service.slug}


def location_with(n: int) -> dict[str, object]:
    location = PrisonLocationFactory(region=region("wales"), operator=OrganisationFactory())
    for _ in range(n):
        ServiceAtLocationFactory(location=location)
    return {"slug": location.slug}


# (detail endpoint, builder, nested list that must hold at least n rows, K)
DETAIL_CASES: list[tuple[str, Callable[[int], dict[str, object]], str, int]] = [
    ("organisation-detail", organisation_with, "current_partnerships", 6),
    ("partnership-detail", partnership_with, "membership_history", 9),
    ("agreement-detail", agreement_with, "signatories", 4),
    ("service-detail", service_with, "locations", 5),
    ("location-detail", location_with, "services", 4),
]


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(("name", "build", "nested", "max_queries"), DETAIL_CASES,
                         ids=[case[0] for case in DETAIL_CASES])
def test_detail_queries_do_not_grow_with_related_rows(signed_in, django_assert_max_num_queries,
                                                      name, build, nested, max_queries, n):
    kwargs = build(n)
    with django_assert_max_num_queries(max_queries):
        response = signed_in.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200
    assert len(response.json()[nested]) >= n


def test_partnership_detail_fills_every_section(signed_in, django_assert_max_num_queries):
    kwargs = partnership_with(30)
    with django_assert_max_num_queries(9):
        body = signed_in.get(reverse("partnership-detail", kwargs=kwargs)).json()
    assert len(body["current_members"]) == 32
    assert len(body["membership_history"]) == 63
    assert len(body["lead_responsibilities"]) == 31
    assert len(body["agreements"]) == 31
    assert len(body["funding"]) == 31
    assert len(body["regions"]) == 2
    assert body["membership_history"][0]["joined_on"] <= str(datetime.date(2020, 4, 1))
