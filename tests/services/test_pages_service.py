"""A service's page: provider, partnership, eligibility, referral routes, locations."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from partnerships.choices import Setting
from services.choices import Gender, PrisonCategory
from services.views import age_range
from tests.partnerships.factories import MembershipFactory, region
from tests.services.factories import (
    LocationFactory,
    PrisonLocationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    category,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client: Client, provider_user: Any) -> Client:
    client.force_login(provider_user)
    return client


def page_of(client: Client, service: Any) -> str:
    response = client.get(reverse("services:detail", args=[service.slug]))
    assert response.status_code == 200
    return response.content.decode()


def test_anonymous_is_sent_to_sign_in(client):
    service = ServiceFactory()
    response = client.get(reverse("services:detail", args=[service.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_unknown_service_is_not_found(signed_in):
    assert signed_in.get(reverse("services:detail", args=["no-such-service"])).status_code == 404


def test_service_page_shows_everything_a_referrer_needs(signed_in):
    membership = MembershipFactory()
    service = ServiceFactory(
        name="Women's specified activity programme", provider=membership.organisation,
        partnership=membership.partnership, gender=Gender.WOMEN, min_age=18, max_age=25,
        setting=Setting.COMMUNITY, accepts_court_ordered=True,
        description="Group work for women.\n\nReferred by the courts.",
        categories=[category("womens-services"), category("substance-misuse")])
    prison = PrisonLocationFactory(name="HMP Styal", slug="hmp-styal", region=region("north-west"),
                                   postcode="SK9 4HR", prison_category=PrisonCategory.WOMEN_CLOSED,
                                   operational_capacity=486)
    ServiceAtLocationFactory(service=service, location=prison, co_located=True,
                             notes="Tuesdays and Thursdays")
    ServiceAtLocationFactory(service=service, location=LocationFactory(name="Harbour hub"))

    page = page_of(signed_in, service)
    assert "<title>Women&#x27;s specified activity programme – Partnership Registry</title>" in page
    assert page.count("<h1") == 1
    assert '<h1 class="govuk-heading-l">Women&#x27;s specified activity programme</h1>' in page
    org_url = reverse("partnerships:organisation", args=[membership.organisation.slug])
    partnership_url = reverse("partnerships:detail", args=[membership.partnership.slug])
    assert f'href="{org_url}">{membership.organisation.name}</a>' in page
    assert f'href="{partnership_url}">{membership.partnership.name}</a>' in page
    assert '<strong class="govuk-tag govuk-tag--blue">Women&#x27;s services</strong>' in page
    assert '<p class="govuk-body">Group work for women.</p>' in page
    assert '<p class="govuk-body">Referred by the courts.</p>' in page
    assert "Women only" in page
    assert "18 to 25" in page
    assert "Community" in page
    assert "<li>Professional referral</li>" in page
    assert "<li>Court-ordered (for example a specified activity requirement)</li>" in page
    assert "Self-referral" not in page
    # Locations table: prison details, co-location, notes, link to the directory's filter.
    assert "<caption" in page and 'scope="col"' in page
    assert f'href="{reverse("services:directory")}?location=hmp-styal"' in page
    for shown in ("HMP Styal", "North West", "SK9 4HR", "Women&#x27;s closed", "486",
                  "Tuesdays and Thursdays", "Co-located</strong>", "Harbour hub"):
        assert shown in page
    assert "This service is no longer running" not in page
    # Breadcrumbs back to the directory.
    assert f'class="govuk-breadcrumbs__link" href="{reverse("services:directory")}"' in page


def test_inactive_service_says_so(signed_in):
    page = page_of(signed_in, ServiceFactory(is_active=False))
    assert '<div class="govuk-inset-text">This service is no longer running.</div>' in page


def test_service_without_partnership_or_locations(signed_in):
    page = page_of(signed_in, ServiceFactory(accepts_self_referral=True, description=""))
    assert "Not delivered under a partnership" in page
    assert "No locations have been recorded for this service." in page
    assert "No description has been recorded." in page
    assert "<li>Self-referral</li>" in page
    assert "18 and over" in page
    assert "Any gender" in page


@pytest.mark.parametrize(("low", "high", "said"), [
    (18, None, "18 and over"), (18, 25, "18 to 25"), (0, None, "Any age"), (0, 17, "Up to 17"),
    (21, 21, "21 only"),
])
def test_age_range_in_words(low, high, said):
    assert age_range(low, high) == said


@pytest.mark.parametrize("n", [3, 30])
def test_page_queries_do_not_grow_with_locations(signed_in, django_assert_max_num_queries, n):
    membership = MembershipFactory()
    service = ServiceFactory(provider=membership.organisation,
                             partnership=membership.partnership,
                             categories=[category("alcohol"), category("housing"),
                                         category("health")])
    for i in range(n):
        location = (PrisonLocationFactory(region=region("wales")) if i % 2
                    else LocationFactory(region=region("london")))
        ServiceAtLocationFactory(service=service, location=location, co_located=bool(i % 2))
    # Session, user, the header's organisation, the service, its categories, its sites.
    with django_assert_max_num_queries(6):
        page = page_of(signed_in, service)
    assert page.count("govuk-tag--turquoise") == n // 2
