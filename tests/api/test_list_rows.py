"""The organisation, partnership and service lists build their rows from plain rows for the
whole page (core.api.RowsListSerializer) and join only the page's rows
(core.pagination.JoinAfterSlicingPagination). They must show exactly what DRF's declared
fields show, field by field: each row equals the same fields of the object's detail answer
(whose serializer extends the list's and still works field by field), and paging, ordering,
searching and filtering pick the same rows as before."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from partnerships.choices import MemberRole
from tests.monitoring.factories import quarter
from tests.monitoring.workflow import approved, submitted
from tests.partnerships.factories import (
    EndedMembershipFactory,
    FundingFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
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

LISTS = ["organisation-list", "partnership-list", "service-list"]


def rows(client: Any, name: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get(reverse(name), {"page_size": 100, **params})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def assert_rows_match_details(client: Any, results: list[dict[str, Any]]) -> None:
    assert results
    for row in results:
        detail = client.get(row["url"]).json()
        assert {key: detail[key] for key in row} == row


@pytest.mark.parametrize("name", LISTS)
def test_each_row_shows_what_the_detail_shows(registry: Any, signed_in: Any, name: str) -> None:
    assert_rows_match_details(signed_in, rows(signed_in, name))


def test_rows_keep_every_nested_field(signed_in: Any) -> None:
    """Null and filled relations, past and current members, several regions, categories and
    sites: the rows still equal the detail answers."""
    group = OrganisationFactory(region=region("wales"))
    OrganisationFactory(parent=group, region=None)
    partnership: Any = PartnershipFactory()
    partnership.regions.set([region("wales"), region("london")])
    MembershipFactory(partnership=partnership, role=MemberRole.BOARD_MEMBER)
    MembershipFactory(partnership=partnership, organisation=group)
    EndedMembershipFactory(partnership=partnership)
    service = ServiceFactory(partnership=None, categories=[category("housing"),
                                                           category("alcohol")])
    ServiceAtLocationFactory(service=service, location=PrisonLocationFactory(),
                             co_located=True, notes="Tuesdays")
    ServiceAtLocationFactory(service=service, location=LocationFactory())
    ServiceFactory(categories=[])
    for name in LISTS:
        assert_rows_match_details(signed_in, rows(signed_in, name))


@pytest.mark.parametrize("name", LISTS)
def test_format_suffix_links_as_before(registry: Any, signed_in: Any, name: str) -> None:
    """``/organisations.json``: each row links to ``.../<slug>.json``, as DRF's
    HyperlinkedIdentityField answers."""
    url = reverse(name, kwargs={"format": "json"})
    results = signed_in.get(url, {"page_size": 100}).json()["results"]
    assert results and all(row["url"].endswith(f"/{row['slug']}.json") for row in results)
    assert_rows_match_details(signed_in, results)


@pytest.mark.parametrize(("name", "ordering"), [
    ("organisation-list", "-name"), ("organisation-list", "name"),
    ("service-list", "-name"), ("partnership-list", "-name"),
])
def test_pages_follow_the_ordering(registry: Any, signed_in: Any, name: str,
                                   ordering: str) -> None:
    """Paging one row at a time through an ordering gives the rows of the whole list, in
    its order: the page is cut before the joins and keeps the list's order."""
    whole = rows(signed_in, name, ordering=ordering)
    paged = []
    for page in range(1, len(whole) + 1):
        body = signed_in.get(reverse(name), {"page_size": 1, "page": page,
                                             "ordering": ordering}).json()
        assert body["count"] == len(whole)
        paged += body["results"]
    assert paged == whole


def test_filters_and_search_still_apply(registry: Any, signed_in: Any) -> None:
    found = rows(signed_in, "service-list", category="substance-misuse")
    assert found and all("substance-misuse" in [c["slug"] for c in row["categories"]]
                         for row in found)
    assert {r["slug"] for r in rows(signed_in, "organisation-list", parent="aurora-group")} \
        == {"womens-centre", "aurora-housing"}
    assert [r["slug"] for r in rows(signed_in, "organisation-list", search="Aurora Gr")] \
        == ["aurora-group"]
    for name, params in [("organisation-list", {"kind": "not-a-kind"}),
                         ("partnership-list", {"member": "no-such-organisation"}),
                         ("service-list", {"category": "no-such-category"})]:
        assert signed_in.get(reverse(name), params).status_code == 400


def test_past_the_last_page_is_still_404(registry: Any, signed_in: Any) -> None:
    for name in LISTS:
        assert signed_in.get(reverse(name), {"page": 999}).status_code == 404


def test_returns_list_rows_show_what_the_detail_shows(s: Any, client_for: Any) -> None:
    """A commissioner funding the partnership twice sees each submitted or approved return
    once (visibility is an EXISTS, not a join), and each row equals the detail's fields,
    timestamps in UK time included."""
    FundingFactory(partnership=s.partnership, funder=s.commissioner.organisation)
    first = approved(s)
    second = submitted(s, period=quarter(2025, 2))
    client = client_for(s.commissioner)
    body = client.get(reverse("return-list"), {"page_size": 100}).json()
    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [second.pk, first.pk]
    assert_rows_match_details(client, body["results"])
