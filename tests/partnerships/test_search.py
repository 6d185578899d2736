"""The registry search (home page): text search and ranking, filters, sorting, paging, bad input
and the empty state. Runs on SQLite (word-match fallback) and PostgreSQL (full-text search)."""

from __future__ import annotations

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from composition.search import (
    MAX_QUERY_LENGTH,
    MAX_TERMS,
    SearchForm,
    SearchParams,
    parse_query,
    search_partnerships,
)
from partnerships.choices import (
    AgreementStatus,
    MemberRole,
    OrganisationKind,
    PartnershipStatus,
    Setting,
)
from services.models import ServiceCategory
from tests.partnerships.factories import (
    AgreementFactory,
    EndedMembershipFactory,
    EndedPartnershipFactory,
    FundingFactory,
    LeadMembershipFactory,
    MembershipFactory,
    OrganisationFactory,
    OverdueAgreementFactory,
    PartnershipFactory,
    StatutoryOrganisationFactory,
    region,
)
from tests.services.factories import ServiceFactory, category

pytestmark = pytest.mark.django_db

HOME = reverse("home")


@pytest.fixture
def signed_in(client, commissioner_user):
    client.force_login(commissioner_user)
    return client


def names(response) -> list[str]:
    return [p.name for p in response.context["page"].object_list]


def search(client, **params) -> list[str]:
    response = client.get(HOME, params)
    assert response.status_code == 200
    return names(response)


# --------------------------------------------------------------------------------------------
# Access
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [HOME, reverse("partnerships:search-export")])
def test_anonymous_is_sent_to_sign_in(client, url):
    response = client.get(url, {"q": "housing"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_inactive_user_is_sent_to_sign_in(client, commissioner_user):
    commissioner_user.is_active = False
    commissioner_user.save()
    client.force_login(commissioner_user)
    assert client.get(HOME).status_code == 302


def test_page_basics(signed_in):
    PartnershipFactory(name="Harbour Recovery")
    response = signed_in.get(HOME)
    text = response.content.decode()
    assert "<title>Search the registry – Partnership Registry</title>" in text
    assert text.count("<h1") == 1
    assert 'aria-current="true"' in text  # "Search the registry" is the current section
    assert "1 partnership" in text and "Harbour Recovery" in text
    assert 'class="moj-filter-layout"' in text and "Apply filters" in text
    # The MOJ filter's show/hide button hides the whole panel on small screens only.
    assert 'data-module="moj-filter" data-start-hidden="false"' in text
    assert "<caption" in text and 'scope="col"' in text and 'scope="row"' in text


# --------------------------------------------------------------------------------------------
# Text search
# --------------------------------------------------------------------------------------------


def test_search_by_partnership_name_and_summary(signed_in):
    PartnershipFactory(name="Lantern Harbour Partnership", summary="Resettlement support.")
    PartnershipFactory(name="Quayside Group", summary="Weekly lantern-making workshops.")
    PartnershipFactory(name="Unrelated", summary="Nothing to see.")
    assert set(search(signed_in, q="lantern")) == {"Lantern Harbour Partnership",
                                                   "Quayside Group"}
    assert search(signed_in, q="resettlement") == ["Lantern Harbour Partnership"]


def test_search_by_member_organisation_name_including_past_members(signed_in):
    current = MembershipFactory(organisation=OrganisationFactory(name="Brightwater Trust"))
    past = EndedMembershipFactory(organisation=OrganisationFactory(name="Brightwater Housing"))
    MembershipFactory(organisation=OrganisationFactory(name="Other Charity"))
    assert set(search(signed_in, q="brightwater")) == {current.partnership.name,
                                                       past.partnership.name}


def test_search_by_service_name_and_description(signed_in):
    by_name = MembershipFactory()
    ServiceFactory(name="Gardening Project", provider=by_name.organisation,
                   partnership=by_name.partnership)
    by_description = MembershipFactory()
    ServiceFactory(name="Wednesday group", description="A gardening club for prisoners.",
                   provider=by_description.organisation, partnership=by_description.partnership)
    closed = MembershipFactory()
    ServiceFactory(name="Gardening (closed)", is_active=False, provider=closed.organisation,
                   partnership=closed.partnership)
    ServiceFactory(name="Gardening without a partnership")
    assert set(search(signed_in, q="gardening")) == {by_name.partnership.name,
                                                     by_description.partnership.name}


def test_every_word_must_match(signed_in):
    PartnershipFactory(name="Harbour Recovery Network")
    PartnershipFactory(name="Harbour Families")
    assert search(signed_in, q="harbour recovery") == ["Harbour Recovery Network"]


def test_ranking_puts_name_above_summary_above_member(signed_in):
    member_only = MembershipFactory(
        partnership=PartnershipFactory(name="Aardvark Alliance", summary="Quiet."),
        organisation=OrganisationFactory(name="Kestrel Trust"))
    PartnershipFactory(name="Aardvark Summary", summary="Run with the kestrel project team.")
    PartnershipFactory(name="Zebra Kestrel Partnership", summary="Quiet.")
    response = signed_in.get(HOME, {"q": "kestrel"})
    assert names(response) == ["Zebra Kestrel Partnership", "Aardvark Summary",
                               member_only.partnership.name]
    assert "sorted by best match" in response.content.decode()


def test_search_words_are_kept_when_sorting_by_a_column(signed_in):
    PartnershipFactory(name="Beta Kestrel")
    PartnershipFactory(name="Alpha", summary="kestrel")
    assert search(signed_in, q="kestrel", sort="name") == ["Alpha", "Beta Kestrel"]
    response = signed_in.get(HOME, {"q": "kestrel", "sort": "-name"})
    assert names(response) == ["Beta Kestrel", "Alpha"]
    assert 'href="/?q=kestrel">Sort by best match</a>' in response.content.decode()


def test_query_parsing_for_the_fallback():
    parsed = parse_query('Women\'s "Centre hub" -police  -"drug test" housing OR hostel, women\'s')
    assert parsed.groups == (("women's",), ("centre hub",), ("housing", "hostel"))
    assert parsed.excluded == ("police", "drug test")
    assert parse_query("or or -").groups == ()
    assert len(parse_query(" ".join(f"w{i}" for i in range(50))).groups) == MAX_TERMS


def test_websearch_syntax_means_the_same_on_every_database(signed_in):
    PartnershipFactory(name="Harbour Recovery Network")
    PartnershipFactory(name="Harbour Families")
    PartnershipFactory(name="Lighthouse Families")
    assert search(signed_in, q="harbour -families") == ["Harbour Recovery Network"]
    assert search(signed_in, q="recovery or lighthouse", sort="name") == [
        "Harbour Recovery Network", "Lighthouse Families"]
    assert search(signed_in, q='"harbour families"') == ["Harbour Families"]


def test_partnerships_are_never_repeated(signed_in):
    partnership = PartnershipFactory(name="Kestrel Partnership", summary="kestrel")
    for n in range(3):
        membership = MembershipFactory(partnership=partnership,
                                       organisation=OrganisationFactory(name=f"Kestrel {n}"))
        ServiceFactory(name=f"Kestrel service {n}", provider=membership.organisation,
                       partnership=partnership)
    assert search(signed_in, q="kestrel") == ["Kestrel Partnership"]
    assert search(signed_in, q="kestrel", kind="charity") == ["Kestrel Partnership"]


# --------------------------------------------------------------------------------------------
# Filters: each includes what it should and excludes what it should not
# --------------------------------------------------------------------------------------------


def test_filter_status(signed_in):
    PartnershipFactory(name="Active one")
    EndedPartnershipFactory(name="Ended one")
    PartnershipFactory(name="Forming one", status=PartnershipStatus.FORMING, started_on=None)
    assert search(signed_in, status="ended") == ["Ended one"]
    assert search(signed_in, status=["forming", "active"]) == ["Active one", "Forming one"]


def test_filter_setting_counts_both_as_either(signed_in):
    PartnershipFactory(name="Custody", setting=Setting.CUSTODY)
    PartnershipFactory(name="Community", setting=Setting.COMMUNITY)
    PartnershipFactory(name="Both", setting=Setting.BOTH)
    assert search(signed_in, setting="custody") == ["Both", "Custody"]
    assert search(signed_in, setting="community") == ["Both", "Community"]
    assert search(signed_in, setting=["custody", "community"]) == ["Both", "Community",
                                                                    "Custody"]


def test_filter_region_served(signed_in):
    london = PartnershipFactory(name="London and Wales")
    london.regions.set([region("london"), region("wales")])
    PartnershipFactory(name="North West").regions.set([region("north-west")])
    PartnershipFactory(name="Nowhere recorded")
    assert search(signed_in, region="wales") == ["London and Wales"]
    assert search(signed_in, region=["wales", "north-west"]) == ["London and Wales",
                                                                 "North West"]


def test_filter_service_category_of_active_services(signed_in):
    housing = MembershipFactory(partnership=PartnershipFactory(name="Housing partnership"))
    ServiceFactory(provider=housing.organisation, partnership=housing.partnership,
                   categories=[category("housing"), category("alcohol")])
    closed = MembershipFactory(partnership=PartnershipFactory(name="Closed housing"))
    ServiceFactory(provider=closed.organisation, partnership=closed.partnership,
                   categories=[category("housing")], is_active=False)
    other = MembershipFactory(partnership=PartnershipFactory(name="Mental health"))
    ServiceFactory(provider=other.organisation, partnership=other.partnership,
                   categories=[category("mental-health")])
    assert search(signed_in, category="housing") == ["Housing partnership"]
    assert search(signed_in, category=["housing", "mental-health"]) == [
        "Housing partnership", "Mental health"]


def test_filter_service_category_includes_subcategories(signed_in):
    parent = category("substance-misuse")
    child = ServiceCategory.objects.create(name="Opiate substitution", slug="opiate",
                                           parent=parent)
    m = MembershipFactory(partnership=PartnershipFactory(name="Opiate clinic"))
    ServiceFactory(provider=m.organisation, partnership=m.partnership, categories=[child])
    assert search(signed_in, category="substance-misuse") == ["Opiate clinic"]


def test_filter_kind_of_current_member(signed_in):
    MembershipFactory(partnership=PartnershipFactory(name="With probation"),
                      organisation=StatutoryOrganisationFactory())
    EndedMembershipFactory(partnership=PartnershipFactory(name="Probation left"),
                           organisation=StatutoryOrganisationFactory())
    MembershipFactory(partnership=PartnershipFactory(name="Charities only"))
    assert search(signed_in, kind="probation") == ["With probation"]
    assert search(signed_in, kind=["probation", "charity"]) == ["Charities only",
                                                                "With probation"]


def test_filter_member_by_slug_or_part_of_name(signed_in):
    nacro = OrganisationFactory(name="Northgate Recovery Trust", slug="northgate")
    MembershipFactory(partnership=PartnershipFactory(name="Current"), organisation=nacro)
    EndedMembershipFactory(partnership=PartnershipFactory(name="Left"), organisation=nacro)
    MembershipFactory(partnership=PartnershipFactory(name="Other"))
    assert search(signed_in, member="northgate") == ["Current"]
    assert search(signed_in, member="recovery tr") == ["Current"]
    response = signed_in.get(HOME, {"member": "northgate"})
    # A slug from an organisation page reads as the organisation's name in the filter tag.
    assert "Northgate Recovery Trust</a>" in response.content.decode()


def test_filter_funder_by_slug_or_part_of_name(signed_in):
    lottery = OrganisationFactory(name="Community Futures Lottery", slug="cf-lottery",
                                  kind=OrganisationKind.COMMISSIONING_BODY)
    FundingFactory(partnership=PartnershipFactory(name="Lottery funded"), funder=lottery)
    FundingFactory(partnership=PartnershipFactory(name="Contract funded"))
    PartnershipFactory(name="Unfunded")
    assert search(signed_in, funder="cf-lottery") == ["Lottery funded"]
    assert search(signed_in, funder="futures") == ["Lottery funded"]


def test_filter_agreement_review_overdue(signed_in):
    OverdueAgreementFactory(partnership=PartnershipFactory(name="Overdue"))
    AgreementFactory(partnership=PartnershipFactory(name="Up to date"))
    OverdueAgreementFactory(partnership=PartnershipFactory(name="Overdue draft"),
                            status=AgreementStatus.DRAFT, effective_from=None)
    response = signed_in.get(HOME, {"overdue": "true"})
    assert names(response) == ["Overdue"]
    text = response.content.decode()
    assert "govuk-tag--red" in text and "Review overdue" in text


def test_combined_filters_and_words(signed_in):
    def make(name, setting, region_code, kind_factory, status=PartnershipStatus.ACTIVE):
        p = PartnershipFactory(name=name, setting=setting, status=status,
                               ended_on=datetime.date(2024, 1, 1)
                               if status == PartnershipStatus.ENDED else None)
        p.regions.set([region(region_code)])
        MembershipFactory(partnership=p, organisation=kind_factory())
        return p

    make("Harbour custody London", Setting.CUSTODY, "london", StatutoryOrganisationFactory)
    make("Harbour community London", Setting.COMMUNITY, "london", StatutoryOrganisationFactory)
    make("Harbour custody Wales", Setting.CUSTODY, "wales", StatutoryOrganisationFactory)
    make("Harbour custody London charity", Setting.CUSTODY, "london", OrganisationFactory)
    make("Harbour custody London ended", Setting.CUSTODY, "london",
         StatutoryOrganisationFactory, status=PartnershipStatus.ENDED)
    make("Other custody London", Setting.CUSTODY, "london", StatutoryOrganisationFactory)
    assert search(signed_in, q="harbour", setting="custody", region="london", kind="probation",
                  status="active") == ["Harbour custody London"]


# --------------------------------------------------------------------------------------------
# Sorting
# --------------------------------------------------------------------------------------------


@pytest.fixture
def three_to_sort():
    a = PartnershipFactory(name="alpha", status=PartnershipStatus.ENDED,
                           started_on=datetime.date(2015, 1, 1),
                           ended_on=datetime.date(2020, 1, 1))
    b = PartnershipFactory(name="Bravo", status=PartnershipStatus.ACTIVE,
                           started_on=datetime.date(2019, 1, 1))
    c = PartnershipFactory(name="charlie", status=PartnershipStatus.FORMING, started_on=None)
    # alpha's lead left when it ended: no current lead, no current members.
    LeadMembershipFactory(partnership=a, organisation=OrganisationFactory(name="Acorn Trust"),
                          joined_on=datetime.date(2015, 1, 1), left_on=datetime.date(2020, 1, 1))
    LeadMembershipFactory(partnership=b, organisation=OrganisationFactory(name="acorn trust b"))
    for _ in range(3):
        MembershipFactory(partnership=b)
    LeadMembershipFactory(partnership=c, organisation=OrganisationFactory(name="Zed Trust"),
                          joined_on=datetime.date(2021, 1, 1))
    # A member who left does not count, nor does an organisation holding two current roles.
    EndedMembershipFactory(partnership=c)
    m = MembershipFactory(partnership=c, joined_on=datetime.date(2021, 1, 1))
    MembershipFactory(partnership=c, organisation=m.organisation, role=MemberRole.FUNDER,
                      joined_on=datetime.date(2021, 1, 1))
    return a, b, c


@pytest.mark.parametrize("sort, expected", [
    ("name", ["alpha", "Bravo", "charlie"]),  # case-insensitive
    ("-name", ["charlie", "Bravo", "alpha"]),
    ("status", ["charlie", "Bravo", "alpha"]),  # forming, active, ended
    ("-status", ["alpha", "Bravo", "charlie"]),
    ("started", ["alpha", "Bravo", "charlie"]),  # not started yet goes last both ways
    ("-started", ["Bravo", "alpha", "charlie"]),
    ("members", ["alpha", "charlie", "Bravo"]),  # 0, 2, 4
    ("-members", ["Bravo", "charlie", "alpha"]),
    ("lead", ["Bravo", "charlie", "alpha"]),  # acorn, Zed, no current lead last both ways
    ("-lead", ["charlie", "Bravo", "alpha"]),
])
def test_sort_each_column_both_ways(signed_in, three_to_sort, sort, expected):
    response = signed_in.get(HOME, {"sort": sort})
    assert names(response) == expected
    shown = {p.name: (p.current_member_count, p.lead_partner_name)
             for p in response.context["page"].object_list}
    assert shown == {"alpha": (0, None), "Bravo": (4, "acorn trust b"),
                     "charlie": (2, "Zed Trust")}


def test_sort_headers_keep_filters_and_mark_the_current_order(signed_in, three_to_sort):
    text = signed_in.get(HOME, {"status": "active", "sort": "-name", "page": "1"}
                         ).content.decode()
    assert 'aria-sort="descending"' in text
    assert 'href="?sort=name&amp;status=active"' in text  # page dropped, filter kept
    # The filter form carries the sort, so applying filters keeps the order.
    assert '<input type="hidden" name="sort" value="-name">' in text


# --------------------------------------------------------------------------------------------
# Pagination
# --------------------------------------------------------------------------------------------


@pytest.fixture
def thirty():
    return [PartnershipFactory(name=f"Partnership {n:02d}") for n in range(30)]


def test_pages_of_25(signed_in, thirty):
    first = signed_in.get(HOME)
    assert len(names(first)) == 25 and first.context["count"] == 30
    text = first.content.decode()
    assert "Showing 1 to 25 of 30" in text and 'rel="next"' in text
    assert search(signed_in, page=2) == [f"Partnership {n:02d}" for n in range(25, 30)]


@pytest.mark.parametrize("page, shown, message", [
    ("99", 2, "There is no page 99: these results fit on 2 pages, so the last page is shown."),
    ("0", 1, "Pages are numbered from 1, so the first page is shown."),
    ("-3", 1, "Pages are numbered from 1, so the first page is shown."),
    ("two", 1, "The page number must be a whole number, so the first page is shown."),
    ("9" * 50, 2, "There is no such page: these results fit on 2 pages"),
    ("9" * 5000, 2, "There is no such page: these results fit on 2 pages"),
])
def test_out_of_range_or_bad_page_shows_a_page_and_says_why(signed_in, thirty, page, shown,
                                                            message):
    response = signed_in.get(HOME, {"page": page})
    assert response.status_code == 200
    assert response.context["page"].number == shown
    assert message in response.content.decode()


# --------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------


def test_bad_filter_value_is_explained_and_the_rest_still_applies(signed_in):
    PartnershipFactory(name="Active London").regions.set([region("london")])
    PartnershipFactory(name="Active Wales").regions.set([region("wales")])
    EndedPartnershipFactory(name="Ended London").regions.set([region("london")])
    response = signed_in.get(HOME, {"status": ["bogus", "active"], "region": "london",
                                    "kind": "wizard", "sort": "sideways"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "There is a problem" in text and "<title>Error: Search the registry" in text
    assert "Choose a status from the list" in text
    assert "Choose a kind of organisation from the list" in text
    assert "Sort the results by choosing a column heading" in text
    assert 'href="#id_status_0"' in text and 'href="#results"' in text
    assert 'id="id_status_0"' in text
    assert names(response) == ["Active London"]  # the valid tick and region still apply


def test_over_long_query_is_cut_and_explained(signed_in):
    PartnershipFactory(name="Kestrel Partnership")
    long_query = "kestrel " + "x" * 300
    response = signed_in.get(HOME, {"q": long_query})
    assert response.status_code == 200
    text = response.content.decode()
    assert f"Search words must be {MAX_QUERY_LENGTH} characters or fewer" in text
    assert response.context["params"].q == long_query[:MAX_QUERY_LENGTH]
    assert 'maxlength="200"' in text


def test_blank_parameters_mean_not_set(signed_in):
    PartnershipFactory(name="Only one")
    response = signed_in.get(HOME, {"q": "", "status": "", "region": ["", " "], "member": "",
                                    "page": "", "sort": ""})
    assert not response.context["errors"]
    assert names(response) == ["Only one"]


def test_generated_links_leave_out_bad_values(signed_in):
    PartnershipFactory(name="Active")
    response = signed_in.get(HOME, {"status": ["active", "bogus"], "q": "active"})
    assert "status=bogus" not in response.context["export_url"]
    assert "status=bogus" not in response.context["clear_filters_url"]


# --------------------------------------------------------------------------------------------
# Selected filters and the empty state
# --------------------------------------------------------------------------------------------


def test_selected_filter_tags_remove_one_value_each(signed_in):
    PartnershipFactory(name="Active")
    response = signed_in.get(HOME, {"q": "active", "status": ["active", "forming"],
                                    "region": "london", "sort": "-name"})
    groups = {g.key: g for g in response.context["selected_filters"]}
    assert set(groups) == {"status", "region"}
    active_tag = groups["status"].tags[0]
    assert active_tag.text == "Active"
    query = parse_qs(urlsplit(active_tag.href).query)
    assert query == {"q": ["active"], "status": ["forming"], "region": ["london"],
                     "sort": ["-name"]}
    clear = parse_qs(urlsplit(response.context["clear_filters_url"]).query)
    assert clear == {"q": ["active"], "sort": ["-name"]}
    text = response.content.decode()
    assert "Selected filters" in text and "Remove this filter" in text


def test_empty_state_helps(signed_in):
    PartnershipFactory(name="Kestrel", status=PartnershipStatus.ACTIVE)
    response = signed_in.get(HOME, {"q": "kestrle", "status": "ended", "region": "wales"})
    assert names(response) == []
    text = response.content.decode()
    assert "0 partnerships matching “kestrle”" in text
    assert "No partnerships matched your search for “kestrle”" in text
    assert "status: Ended" in text and "region served: Wales" in text
    for group in response.context["selected_filters"]:
        assert f'href="{group.remove_href.replace("&", "&amp;")}"' in text
        assert group.key not in parse_qs(urlsplit(group.remove_href).query)
    assert "check the spelling" in text
    assert f'href="{reverse("services:directory")}"' in text
    assert "remove your search words and keep the filters" in text
    assert "<table" not in text


def test_search_params_default_sort():
    assert SearchParams().effective_sort == "name"
    assert SearchParams(q="x").effective_sort == "relevance"
    assert SearchParams(sort="relevance").effective_sort == "name"
    assert SearchParams(q="x", sort="-members").effective_sort == "-members"


def test_selector_can_be_called_without_a_request(commissioner_user):
    PartnershipFactory(name="Kestrel")
    form = SearchForm({"q": "kestrel"}, user=commissioner_user)
    found = search_partnerships(commissioner_user, form.search_params())
    assert [p.name for p in found] == ["Kestrel"]


def test_selector_shows_nothing_to_anonymous():
    from django.contrib.auth.models import AnonymousUser

    PartnershipFactory(name="Kestrel")
    assert list(search_partnerships(AnonymousUser(), SearchParams())) == []
