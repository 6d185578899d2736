"""The service directory page and its CSV export: filters, sorting, paging, bad input, cost."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from partnerships.choices import Setting
from services.choices import Gender, LocationKind
from services.models import Service
from tests.partnerships.factories import MembershipFactory, OrganisationFactory, region
from tests.services.factories import (
    LocationFactory,
    PrisonLocationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    category,
)

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("services:directory")
EXPORT = reverse("services:directory-export")


@pytest.fixture
def signed_in(client: Client, provider_user: Any) -> Client:
    client.force_login(provider_user)
    return client


def names(response: Any) -> list[str]:
    """The services listed on the page, in order."""
    assert response.status_code == 200
    return [s.name for s in response.context["services"]]


def text(response: Any) -> str:
    return response.content.decode()


def csv_lines(response: Any) -> list[list[str]]:
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def at(service: Service, location: Any, co_located: bool = False) -> Service:
    ServiceAtLocationFactory(service=service, location=location, co_located=co_located)
    return service


# ---- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [DIRECTORY, EXPORT])
def test_anonymous_is_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_page_basics(signed_in):
    ServiceFactory(name="Recovery group")
    response = signed_in.get(DIRECTORY)
    page = text(response)
    assert "<title>Service directory – Partnership Registry</title>" in page
    assert page.count("<h1") == 1
    assert response.context["nav_section"] == "directory"
    assert "1 service<" in page
    assert 'class="moj-filter-layout"' in page
    assert "<caption" in page and 'scope="col"' in page and 'scope="row"' in page


# ---- each filter ----------------------------------------------------------------------------


def test_running_services_only_unless_inactive_included(signed_in):
    ServiceFactory(name="Running")
    ServiceFactory(name="Closed", is_active=False)
    assert names(signed_in.get(DIRECTORY)) == ["Running"]
    response = signed_in.get(DIRECTORY, {"include_inactive": "true"})
    assert names(response) == ["Closed", "Running"]
    assert "No longer running" in text(response)


def test_text_matches_name_description_and_provider(signed_in):
    ServiceFactory(name="Harbour recovery group")
    ServiceFactory(name="Group B", description="Meets at the HARBOUR hub")
    ServiceFactory(name="Group C", provider=OrganisationFactory(name="Harbour Trust"))
    ServiceFactory(name="Unrelated")
    assert names(signed_in.get(DIRECTORY, {"q": "harbour"})) == [
        "Group B", "Group C", "Harbour recovery group"]


def test_category_filter_one_or_several(signed_in):
    ServiceFactory(name="Drugs", categories=[category("substance-misuse")])
    ServiceFactory(name="Drink", categories=[category("alcohol")])
    ServiceFactory(name="Both", categories=[category("alcohol"), category("substance-misuse")])
    ServiceFactory(name="Housing", categories=[category("housing")])
    assert names(signed_in.get(DIRECTORY, {"category": "alcohol"})) == ["Both", "Drink"]
    # Several categories: services in any of them, each listed once.
    assert names(signed_in.get(DIRECTORY, {"category": ["alcohol", "substance-misuse"]})) == [
        "Both", "Drink", "Drugs"]


def test_location_kind_filter(signed_in):
    at(ServiceFactory(name="In prison"), PrisonLocationFactory())
    at(ServiceFactory(name="At hub"), LocationFactory())
    at(ServiceFactory(name="At probation"),
       LocationFactory(kind=LocationKind.PROBATION_OFFICE))
    ServiceFactory(name="Nowhere recorded")
    assert names(signed_in.get(DIRECTORY, {"kind": "prison"})) == ["In prison"]
    assert names(signed_in.get(DIRECTORY, {"kind": ["prison", "probation_office"]})) == [
        "At probation", "In prison"]


def test_location_filter_by_name_or_slug_from_a_link(signed_in):
    styal = PrisonLocationFactory(name="HMP Styal", slug="hmp-styal")
    at(ServiceFactory(name="Styal group"), styal)
    at(ServiceFactory(name="Elsewhere"), PrisonLocationFactory(name="HMP Risley"))
    assert names(signed_in.get(DIRECTORY, {"location": "styal"})) == ["Styal group"]
    response = signed_in.get(DIRECTORY, {"location": "hmp-styal"})
    assert names(response) == ["Styal group"]
    # The tag and the box show the location's name, not its slug; the name finds it too.
    assert "</span> HMP Styal</a>" in text(response)
    assert 'name="location" type="text" value="HMP Styal"' in text(response)
    assert names(signed_in.get(DIRECTORY, {"location": "HMP Styal"})) == ["Styal group"]


def test_region_filter_uses_the_locations_region(signed_in):
    at(ServiceFactory(name="London service"), LocationFactory(region=region("london")))
    at(ServiceFactory(name="Welsh service"), LocationFactory(region=region("wales")))
    assert names(signed_in.get(DIRECTORY, {"region": "wales"})) == ["Welsh service"]


def test_setting_filter_includes_services_in_both(signed_in):
    ServiceFactory(name="Custody", setting=Setting.CUSTODY)
    ServiceFactory(name="Community", setting=Setting.COMMUNITY)
    ServiceFactory(name="Both", setting=Setting.BOTH)
    assert names(signed_in.get(DIRECTORY, {"setting": "custody"})) == ["Both", "Custody"]
    assert names(signed_in.get(DIRECTORY, {"setting": "community"})) == ["Both", "Community"]


def test_gender_filter_includes_services_for_any_gender(signed_in):
    ServiceFactory(name="Women's", gender=Gender.WOMEN)
    ServiceFactory(name="Men's", gender=Gender.MEN)
    ServiceFactory(name="Anyone", gender=Gender.ANY)
    assert names(signed_in.get(DIRECTORY, {"gender": "women"})) == ["Anyone", "Women's"]
    assert names(signed_in.get(DIRECTORY, {"gender": "men"})) == ["Anyone", "Men's"]


def test_referral_route_filter(signed_in):
    ServiceFactory(name="Court", accepts_court_ordered=True)
    ServiceFactory(name="Self", accepts_self_referral=True, accepts_professional_referral=False)
    ServiceFactory(name="Professional")
    assert names(signed_in.get(DIRECTORY, {"route": "court_ordered"})) == ["Court"]
    assert names(signed_in.get(DIRECTORY, {"route": "self"})) == ["Self"]
    assert names(signed_in.get(DIRECTORY, {"route": ["self", "court_ordered"]})) == [
        "Court", "Self"]


def test_co_located_only(signed_in):
    at(ServiceFactory(name="Based on site"), LocationFactory(), co_located=True)
    at(ServiceFactory(name="Visiting"), LocationFactory())
    response = signed_in.get(DIRECTORY, {"co_located": "true"})
    assert names(response) == ["Based on site"]
    assert "Co-located</strong>" in text(response)


# ---- combined filters -----------------------------------------------------------------------


def test_filters_combine(signed_in):
    women = category("womens-services")
    hub = LocationFactory(region=region("north-west"))
    at(ServiceFactory(name="Match", categories=[women], gender=Gender.WOMEN,
                      accepts_court_ordered=True), hub, co_located=True)
    at(ServiceFactory(name="Wrong category", gender=Gender.WOMEN, accepts_court_ordered=True),
       hub, co_located=True)
    at(ServiceFactory(name="Not court-ordered", categories=[women], gender=Gender.WOMEN), hub,
       co_located=True)
    at(ServiceFactory(name="Wrong region", categories=[women], accepts_court_ordered=True),
       LocationFactory(region=region("london")), co_located=True)
    response = signed_in.get(DIRECTORY, {"category": "womens-services", "gender": "women",
                                         "route": "court_ordered", "region": "north-west",
                                         "co_located": "true", "setting": "community"})
    assert names(response) == ["Match"]


def test_location_conditions_describe_one_site(signed_in):
    """Co-located at a hub and visiting a prison is not "co-located in a prison"."""
    service = ServiceFactory(name="Split")
    at(service, LocationFactory(), co_located=True)
    at(service, PrisonLocationFactory(), co_located=False)
    assert names(signed_in.get(DIRECTORY, {"kind": "prison", "co_located": "true"})) == []
    assert names(signed_in.get(DIRECTORY, {"kind": "prison"})) == ["Split"]


# ---- sorting and paging ---------------------------------------------------------------------


def test_sort_by_name_and_provider_both_ways(signed_in):
    ServiceFactory(name="Alpha", provider=OrganisationFactory(name="Zeta Trust"))
    ServiceFactory(name="Bravo", provider=OrganisationFactory(name="Avon Trust"))
    ServiceFactory(name="Charlie", provider=OrganisationFactory(name="Mersey Trust"))
    assert names(signed_in.get(DIRECTORY)) == ["Alpha", "Bravo", "Charlie"]
    assert names(signed_in.get(DIRECTORY, {"sort": "-name"})) == ["Charlie", "Bravo", "Alpha"]
    assert names(signed_in.get(DIRECTORY, {"sort": "provider"})) == ["Bravo", "Charlie", "Alpha"]
    response = signed_in.get(DIRECTORY, {"sort": "-provider"})
    assert names(response) == ["Alpha", "Charlie", "Bravo"]
    page = text(response)
    assert 'aria-sort="descending"' in page
    assert "sorted by provider (Z to A)" in page


def test_sort_by_setting_reads_as_its_label(signed_in):
    ServiceFactory(name="A", setting=Setting.CUSTODY)
    ServiceFactory(name="B", setting=Setting.BOTH)
    ServiceFactory(name="C", setting=Setting.COMMUNITY)
    # Community < Custody < Custody and community
    assert names(signed_in.get(DIRECTORY, {"sort": "setting"})) == ["C", "A", "B"]
    assert names(signed_in.get(DIRECTORY, {"sort": "-setting"})) == ["B", "A", "C"]


def test_sort_links_keep_the_filters(signed_in):
    ServiceFactory(categories=[category("alcohol")])
    page = text(signed_in.get(DIRECTORY, {"category": "alcohol", "page": "1"}))
    assert 'href="?category=alcohol&amp;sort=-name"' in page
    assert 'href="?category=alcohol&amp;sort=provider"' in page


def test_pages_of_25_with_govuk_pagination(signed_in):
    ServiceFactory.create_batch(30)
    first = signed_in.get(DIRECTORY)
    assert len(names(first)) == 25
    assert "30 services" in text(first)
    assert 'class="govuk-pagination"' in text(first)
    second = signed_in.get(DIRECTORY, {"page": "2"})
    assert len(names(second)) == 5
    assert not set(names(first)) & set(names(second))
    assert "Showing 26 to 30 of 30" in text(second)


@pytest.mark.parametrize(("page", "shown", "message"), [
    ("99", 2, "There is no page 99: these results fit on 2 pages, so the last page is shown."),
    ("abc", 1, "The page number must be a whole number, so the first page is shown."),
    ("0", 1, "Pages are numbered from 1, so the first page is shown."),
    ("9" * 5000, 2, "There is no such page: these results fit on 2 pages"),
])
def test_page_out_of_range_shows_a_page_and_says_why(signed_in, page, shown, message):
    ServiceFactory.create_batch(30)
    response = signed_in.get(DIRECTORY, {"page": page})
    assert response.status_code == 200
    assert response.context["page"].number == shown
    assert message in text(response)


# ---- bad input ------------------------------------------------------------------------------


def test_unknown_values_are_reported_and_the_rest_still_applies(signed_in):
    ServiceFactory(name="Drink in custody", categories=[category("alcohol")],
                   setting=Setting.CUSTODY)
    ServiceFactory(name="Drink in community", categories=[category("alcohol")],
                   setting=Setting.COMMUNITY)
    ServiceFactory(name="Housing in custody", categories=[category("housing")],
                   setting=Setting.CUSTODY)
    response = signed_in.get(DIRECTORY, {"category": ["alcohol", "nope"], "setting": "custody",
                                         "region": "atlantis", "kind": "spaceport",
                                         "gender": "x"})
    assert names(response) == ["Drink in custody"]
    page = text(response)
    assert "<title>Error: Service directory – Partnership Registry</title>" in page
    assert "There is a problem" in page
    assert "There is no category ‘nope’: choose categories from the list" in page
    assert "Choose a region from the list" in page
    assert "There is no type of location ‘spaceport’" in page
    assert "Choose women or men for gender" in page
    # The error summary links to the field in error.
    assert 'href="#id_category"' in page and 'id="id_category"' in page


def test_over_long_search_is_refused_politely(signed_in):
    ServiceFactory(name="Drink", categories=[category("alcohol")])
    ServiceFactory(name="Housing", categories=[category("housing")])
    response = signed_in.get(DIRECTORY, {"q": "x" * 5000, "category": "alcohol"})
    assert names(response) == ["Drink"]
    assert "Search text must be 200 characters or fewer" in text(response)


def test_unknown_sort_falls_back_to_name_with_a_message(signed_in):
    ServiceFactory(name="B")
    ServiceFactory(name="A")
    response = signed_in.get(DIRECTORY, {"sort": "password"})
    assert names(response) == ["A", "B"]
    assert "cannot be sorted that way" in text(response)


def test_null_characters_do_not_reach_the_database(signed_in):
    # Refused before the page runs (core.middleware), with the styled page saying why.
    response = signed_in.get(DIRECTORY, {"q": "a\x00b", "location": "\x00"})
    assert response.status_code == 400
    assert "contains a control character (such as a NUL byte)" in text(response)


# ---- selected filters, empty state, browsing ------------------------------------------------


def test_selected_filter_tags_remove_one_value_each(signed_in):
    ServiceFactory(categories=[category("alcohol")])
    page = text(signed_in.get(DIRECTORY, {"category": ["alcohol", "housing"],
                                          "setting": "custody", "page": "1"}))
    assert "Selected filters" in page
    # Removing "Alcohol" keeps housing and the setting, and goes back to page 1.
    assert ('href="?category=housing&amp;setting=custody"><span class="govuk-visually-hidden">'
            'Remove this filter:</span> Alcohol</a>') in page
    assert 'href="?category=alcohol&amp;category=housing"><span' in page
    assert ">Clear filters</a>" in page


def test_empty_state_helps(signed_in):
    ServiceFactory(name="Drink", categories=[category("alcohol")], setting=Setting.COMMUNITY)
    response = signed_in.get(DIRECTORY, {"q": "drnk", "setting": "custody"})
    assert names(response) == []
    page = text(response)
    assert "0 services" in page
    assert "There are no services that match your filters" in page
    assert 'href="?setting=custody">remove Search: ‘drnk’</a>' in page
    assert 'href="?q=drnk">remove Setting: Custody</a>' in page
    assert "checking your spelling" in page
    assert f'href="{reverse("home")}?q=drnk">searching the whole registry</a>' in page
    assert "including services that are no longer running" in page
    assert "Download these results" not in page


def test_browse_by_category_when_nothing_is_filtered(signed_in):
    ServiceFactory.create_batch(2, categories=[category("alcohol")])
    ServiceFactory(categories=[category("alcohol")], is_active=False)
    page = text(signed_in.get(DIRECTORY))
    assert "Browse by category" in page
    assert 'href="?category=alcohol">Alcohol</a> (2)' in page
    assert "Housing and accommodation (none yet)" in page
    assert "Browse by category" not in text(signed_in.get(DIRECTORY, {"category": "alcohol"}))


# ---- CSV ------------------------------------------------------------------------------------


def test_download_link_keeps_filters_and_sort_but_not_the_page(signed_in):
    ServiceFactory(categories=[category("alcohol")])
    page = text(signed_in.get(DIRECTORY, {"category": "alcohol", "sort": "-name", "page": "1"}))
    assert f'href="{EXPORT}?category=alcohol&amp;sort=-name"' in page
    assert "Download these results (CSV)" in page


def test_csv_holds_every_filtered_row_in_the_page_order(signed_in):
    membership = MembershipFactory()
    women = ServiceFactory(
        name="Women's group", provider=membership.organisation,
        partnership=membership.partnership, gender=Gender.WOMEN, min_age=18, max_age=25,
        setting=Setting.COMMUNITY, accepts_court_ordered=True,
        categories=[category("womens-services"), category("substance-misuse")])
    at(women, LocationFactory(name="Harbour hub"), co_located=True)
    at(women, LocationFactory(name="Anchor office"))
    ServiceFactory.create_batch(27, categories=[category("substance-misuse")])
    ServiceFactory(name="Housing only", categories=[category("housing")])
    query = {"category": "substance-misuse", "sort": "-name"}

    lines = csv_lines(signed_in.get(EXPORT, query))
    assert lines[0] == ["Name", "Provider", "Partnership", "Categories", "Gender",
                        "Minimum age", "Maximum age", "Setting", "Referral routes",
                        "Locations", "Active"]
    expected = list(Service.objects.filter(categories__slug="substance-misuse")
                    .order_by("-name", "-slug").values_list("name", flat=True))
    assert [line[0] for line in lines[1:]] == expected  # all 28, not one page of 25
    assert len(expected) == 28
    row = next(line for line in lines if line[0] == "Women's group")
    assert row == ["Women's group", membership.organisation.name, membership.partnership.name,
                   "Substance misuse; Women's services", "Women", "18", "25", "Community",
                   "Professional; Court-ordered", "Anchor office; Harbour hub (co-located)",
                   "Yes"]


def test_csv_applies_valid_filters_despite_a_bad_one(signed_in):
    ServiceFactory(name="Drink", categories=[category("alcohol")])
    ServiceFactory(name="Housing", categories=[category("housing")])
    lines = csv_lines(signed_in.get(EXPORT, {"category": ["alcohol", "nope"], "page": "x"}))
    assert [line[0] for line in lines[1:]] == ["Drink"]


def test_csv_neutralises_formulas(signed_in):
    ServiceFactory(name="=HYPERLINK(\"http://evil\")")
    lines = csv_lines(signed_in.get(EXPORT))
    assert lines[1][0].startswith("'=")


# ---- bounded queries ------------------------------------------------------------------------


def build_directory(n: int) -> None:
    """n services, each under a partnership, in two categories, at two locations."""
    prisons = [PrisonLocationFactory(region=region("north-west")) for _ in range(3)]
    hubs = [LocationFactory(region=region("london")) for _ in range(3)]
    for i in range(n):
        membership = MembershipFactory()
        service = ServiceFactory(provider=membership.organisation,
                                 partnership=membership.partnership,
                                 categories=[category("alcohol"), category("housing")])
        at(service, prisons[i % 3], co_located=True)
        at(service, hubs[i % 3])


# Session, user, the header's organisation, category and region choices, count, rows, their
# categories, their delivery sites; plus browse counts (no filter) or the location's name.
DIRECTORY_QUERIES = 10


@pytest.mark.parametrize("n", [3, 30])
@pytest.mark.parametrize("query", [{}, {"category": "alcohol", "kind": "prison",
                                        "co_located": "true", "location": "hmp",
                                        "sort": "-provider", "page": "2"}])
def test_directory_queries_do_not_grow_with_rows(signed_in, django_assert_max_num_queries,
                                                 n, query):
    build_directory(n)
    with django_assert_max_num_queries(DIRECTORY_QUERIES):
        response = signed_in.get(DIRECTORY, query)
    assert response.status_code == 200
    assert len(names(response)) == (min(n, 25) if not query.get("page") or n <= 25 else n - 25)
    assert text(response).count("Co-located</strong>") >= len(names(response))


@pytest.mark.parametrize("n", [3, 30])
def test_csv_queries_do_not_grow_with_rows(signed_in, django_assert_max_num_queries, n):
    build_directory(n)
    with django_assert_max_num_queries(7):
        lines = csv_lines(signed_in.get(EXPORT, {"category": "housing"}))
    assert len(lines) == n + 1
    assert all(re.search(r"\(co-located\)", line[9]) for line in lines[1:])


def test_remove_links_are_clean_urls(signed_in):
    """Removing a filter also drops unknown values and stray spaces from the user's URL."""
    ServiceFactory(name="Drink", categories=[category("alcohol")])
    page = text(signed_in.get(DIRECTORY, {"category": ["alcohol", "nope"], "q": "  drink  ",
                                          "sort": "-name"}))
    assert 'href="?q=drink&amp;sort=-name"><span class="govuk-visually-hidden">' in page
    assert 'href="?category=alcohol&amp;sort=-name"><span' in page
