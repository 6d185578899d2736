"""The search page and its CSV cost the same number of queries for 3 partnerships or 30.

Page: session and user (2), the user's organisation in the header (1), the region and category
choices of the filter form (2), the count and the page (2), the page's regions (1, or none on
PostgreSQL, where the page's own query reads their names); a member or
funder filter adds one look-up each to name the organisation in its tag; search words add the
counts of matching organisations and services (2), or, listing one of those kinds, its count and
page instead of the partnerships' regions.
CSV: session and user (2), the form's choices (2), then per chunk of 500 rows the rows, their
regions and their current members (3).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.partnerships.factories import (
    EndedMembershipFactory,
    FundingFactory,
    LeadMembershipFactory,
    MembershipFactory,
    OverdueAgreementFactory,
    PartnershipFactory,
    region,
)
from tests.services.factories import ServiceFactory, category

pytestmark = pytest.mark.django_db

PAGE_QUERIES = 8
FILTERED_PAGE_QUERIES = PAGE_QUERIES + 2 + 2
CSV_QUERIES = 7

EVERY_FILTER = {"q": "harbour", "status": "active", "setting": "custody", "region": "london",
                "category": "housing", "kind": "charity", "member": "lead", "funder": "fund",
                "overdue": "true", "sort": "-members"}


def build(n: int) -> None:
    """n partnerships that every filter in EVERY_FILTER finds, each with the relations the
    page and the CSV show."""
    for i in range(n):
        p = PartnershipFactory(name=f"Harbour {i}")
        p.regions.set([region("london"), region("wales")])
        lead = LeadMembershipFactory(partnership=p, organisation__name=f"Lead charity {i}")
        MembershipFactory(partnership=p)
        EndedMembershipFactory(partnership=p)
        ServiceFactory(partnership=p, provider=lead.organisation, name=f"Harbour service {i}",
                       categories=[category("housing"), category("alcohol")])
        OverdueAgreementFactory(partnership=p)
        FundingFactory(partnership=p, funder__name=f"Funder {i}")


@pytest.fixture
def signed_in(client, commissioner_user):
    client.force_login(commissioner_user)
    return client


def count_queries(fetch) -> int:
    with CaptureQueriesContext(connection) as queries:
        fetch()
    return len(queries)


@pytest.mark.parametrize("size", [3, 30])
def test_search_page_queries_are_bounded(signed_in, django_assert_max_num_queries, size):
    build(size)
    with django_assert_max_num_queries(PAGE_QUERIES):
        response = signed_in.get(reverse("home"))
    assert response.context["count"] == size
    with django_assert_max_num_queries(FILTERED_PAGE_QUERIES):
        response = signed_in.get(reverse("home"), EVERY_FILTER)
    assert response.context["count"] == size


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize("show", ["organisations", "services"])
def test_other_kinds_queries_are_bounded(signed_in, django_assert_max_num_queries, size, show):
    build(size)
    with django_assert_max_num_queries(PAGE_QUERIES + 2):
        response = signed_in.get(reverse("home"), {"q": "harbour", "show": show})
    # Each partnership, its service, and the lead charity providing that service.
    assert response.context["shown"].key == show
    assert len(response.context["page"].object_list) == min(size, 25)
    assert {kind.key: kind.count for kind in response.context["kinds"]} == {
        "partnerships": size, "organisations": size, "services": size}


@pytest.mark.parametrize("size", [3, 30])
def test_search_export_queries_are_bounded(signed_in, django_assert_max_num_queries, size):
    build(size)
    with django_assert_max_num_queries(CSV_QUERIES):
        response = signed_in.get(reverse("partnerships:search-export"), EVERY_FILTER)
        rows = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(rows) == size + 1


def test_query_count_does_not_grow_with_rows(signed_in):
    build(3)
    url, export = reverse("home"), reverse("partnerships:search-export")
    small = (count_queries(lambda: signed_in.get(url, EVERY_FILTER)),
             count_queries(lambda: b"".join(signed_in.get(export).streaming_content)))
    build(27)
    large = (count_queries(lambda: signed_in.get(url, EVERY_FILTER)),
             count_queries(lambda: b"".join(signed_in.get(export).streaming_content)))
    assert small == large


@pytest.mark.parametrize("page", ["2", "99", "x"])
def test_later_and_missing_pages_cost_what_the_first_does(signed_in, page):
    """A page of results is read by its ids (issue 17): page 2 costs what page 1 does; a page
    that is not a number costs the count that picks the page, and one past the end also the
    read that found it empty."""
    build(30)
    first = count_queries(lambda: signed_in.get(reverse("home"), {"q": "harbour"}))
    later = count_queries(lambda: signed_in.get(reverse("home"), {"q": "harbour", "page": page}))
    assert later == first + {"2": 0, "x": 1, "99": 2}[page]
