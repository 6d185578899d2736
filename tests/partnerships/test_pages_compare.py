"""Comparing partnerships: the form's messages, the side-by-side values, the CSV download and a
bounded number of queries."""

from __future__ import annotations

import csv
import datetime
import io
import re
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from composition.selectors.compare import partnership_lookup
from partnerships.choices import AgreementStatus, PartnershipStatus
from partnerships.selectors import financial_year_of
from tests.partnerships.factories import (
    AgreementFactory,
    FundingFactory,
    LeadMembershipFactory,
    LeadResponsibilityFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
    region,
    standard_activity,
)
from tests.services.factories import ServiceAtLocationFactory, ServiceFactory, category

pytestmark = pytest.mark.django_db

D = datetime.date
COMPARE = "/partnerships/compare/"
EXPORT = "/partnerships/compare/export.csv"


def text(html: str) -> str:
    words = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()
    return re.sub(r" ([:,.;)])", r"\1", words)


def query(*terms: str) -> str:
    """What the form sends: always four ``p`` values, empty ones included."""
    values = list(terms) + [""] * (4 - len(terms))
    return "?" + "&".join(f"p={v.replace(' ', '+')}" for v in values)


def error_summary(html: str) -> list[str]:
    if "govuk-error-summary" not in html:
        return []
    block = html[html.index("govuk-error-summary__list"):]
    block = block[:block.index("</ul>")]
    return [text(m) for m in re.findall(r"<li>(.*?)</li>", block, re.S)]


@pytest.fixture
def hub():
    p = PartnershipFactory(name="Marchshire Women's Centre Partnership", slug="marchshire-hub",
                           started_on=D(2013, 4, 1))
    p.regions.set([region("south-west")])
    centre = OrganisationFactory(name="Women's Centre")
    LeadMembershipFactory(partnership=p, organisation=centre, joined_on=D(2013, 4, 1))
    tide = OrganisationFactory(name="Turning Tide")
    MembershipFactory(partnership=p, organisation=tide, joined_on=D(2013, 4, 1))
    MembershipFactory(partnership=p, organisation=OrganisationFactory(name="Safe Harbour"),
                      joined_on=D(2013, 4, 1), left_on=D(2020, 4, 1), notes="Recommissioning")
    LeadResponsibilityFactory(partnership=p, organisation=centre, contact="Centre Manager",
                              activity=standard_activity("case-management"))
    AgreementFactory(partnership=p, review_due=D(2021, 10, 1))  # overdue
    AgreementFactory(partnership=p, review_due=D(2099, 1, 1))
    AgreementFactory(partnership=p, status=AgreementStatus.SUPERSEDED, reference="old",
                     effective_from=D(2013, 4, 1), review_due=D(2015, 1, 1))
    ServiceFactory(provider=tide, partnership=p,
                   categories=[category("substance-misuse"), category("womens-services")])
    ServiceFactory(provider=tide, partnership=p, categories=[category("substance-misuse")])
    ServiceFactory(provider=tide, partnership=p, is_active=False,
                   categories=[category("domestic-abuse")])
    FundingFactory(partnership=p, amount="1400000.00", period_start=D(2013, 4, 1),
                   period_end=D(2020, 3, 31))
    FundingFactory(partnership=p, amount="700000.00", period_start=D(2020, 4, 1),
                   period_end=D(2099, 3, 31))
    return p


@pytest.fixture
def pennine():
    p = PartnershipFactory(name="North Pennine Prisons Recovery Partnership",
                           slug="north-pennine", started_on=D(2013, 4, 1))
    lead = OrganisationFactory(name="Northgate Recovery Trust")
    LeadMembershipFactory(partnership=p, organisation=lead, joined_on=D(2013, 4, 1))
    this_year = financial_year_of(datetime.date.today())
    FundingFactory(partnership=p, amount="365000.00", period_start=D(this_year, 4, 1),
                   period_end=D(this_year + 1, 3, 31))
    return p


def test_anonymous_is_sent_to_sign_in(client):
    for url in (COMPARE, EXPORT):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_empty_form_has_no_errors(client, commissioner_user):
    client.force_login(commissioner_user)
    response = client.get(COMPARE)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Compare partnerships – Partnership Registry</title>" in html
    assert error_summary(html) == []
    for n in range(1, 5):
        assert f'<label class="govuk-label govuk-label--s" for="p-{n}">' in html
        assert f'id="p-{n}" name="p"' in html
    assert response.context["nav_section"] == "compare"


def test_link_from_partnership_page_prefills_without_error(client, commissioner_user, hub):
    client.force_login(commissioner_user)
    html = client.get(f"{COMPARE}?p=marchshire-hub").content.decode()
    assert error_summary(html) == []
    assert 'id="p-1" name="p" type="text" value="marchshire-hub"' in html


def test_fewer_than_two(client, commissioner_user, hub):
    client.force_login(commissioner_user)
    html = client.get(COMPARE + query("marchshire-hub")).content.decode()
    assert error_summary(html) == ["Choose at least two partnerships to compare"]
    assert '<a href="#p-2">' in html
    assert "<title>Error: Compare partnerships – Partnership Registry</title>" in html
    html = client.get(COMPARE + query()).content.decode()
    assert error_summary(html) == ["Choose at least two partnerships to compare"]


def test_more_than_four(client, commissioner_user):
    client.force_login(commissioner_user)
    slugs = [PartnershipFactory().slug for _ in range(5)]
    response = client.get(COMPARE + "?" + "&".join(f"p={s}" for s in slugs))
    html = response.content.decode()
    assert error_summary(html) == [
        "Choose no more than four partnerships to compare (you entered 5): clear the ones "
        "you do not need"]
    # Every entry stays on the page so the user can clear one.
    for n, slug in enumerate(slugs, start=1):
        assert f'id="p-{n}" name="p" type="text" value="{slug}"' in html
    assert response.context["comparison"] is None


def test_unknown_slug(client, commissioner_user, hub):
    client.force_login(commissioner_user)
    html = client.get(COMPARE + query("marchshire-hub", "no-such-thing")).content.decode()
    assert error_summary(html) == [
        "We could not find a partnership called “no-such-thing”: check the spelling, or use "
        "its short name from the end of its web address"]
    assert 'id="p-2-error"' in html and 'aria-describedby="p-2-error"' in html


def test_name_any_case_and_unique_part_of_a_name(client, commissioner_user, hub, pennine):
    client.force_login(commissioner_user)
    response = client.get(COMPARE + query("MARCHSHIRE women's centre partnership", "pennine"))
    assert error_summary(response.content.decode()) == []
    assert [c.partnership for c in response.context["comparison"].columns] == [hub, pennine]


def test_ambiguous_name_lists_candidates(client, commissioner_user, hub):
    north = PartnershipFactory(name="Recovery Alliance North", slug="recovery-alliance-north")
    south = PartnershipFactory(name="Recovery Alliance South", slug="recovery-alliance-south")
    client.force_login(commissioner_user)
    html = client.get(COMPARE + query("marchshire-hub", "recovery alliance")).content.decode()
    assert error_summary(html) == [
        "More than one partnership matches “recovery alliance”: choose one of those listed "
        "under partnership 2"]
    candidates = html[html.index('id="p-2-candidates"'):]
    candidates = candidates[:candidates.index("</ul>")]
    assert north.name in candidates and south.name in candidates
    # Each candidate link keeps the other entries and swaps in the candidate's slug.
    assert 'href="/partnerships/compare/?p=marchshire-hub&amp;p=recovery-alliance-north"' in (
        candidates)


def test_two_partnerships_with_the_same_name_are_ambiguous(client, commissioner_user):
    PartnershipFactory(name="Twin Partnership", slug="twin-a")
    PartnershipFactory(name="Twin Partnership", slug="twin-b")
    lookups = partnership_lookup(user=commissioner_user, terms=["twin partnership", "twin-b"])
    assert lookups[0].match is None and len(lookups[0].candidates) == 2
    assert lookups[1].match.slug == "twin-b"


def test_same_partnership_twice(client, commissioner_user, hub):
    client.force_login(commissioner_user)
    html = client.get(COMPARE + query("marchshire-hub", "Marchshire Women's Centre Partnership")
                      ).content.decode()
    assert error_summary(html) == [
        "You entered Marchshire Women's Centre Partnership more than once: choose a different "
        "partnership"]


def test_over_long_and_odd_input_is_explained(client, commissioner_user, hub):
    client.force_login(commissioner_user)
    response = client.get(COMPARE + query("x" * 300, "marchshire-hub"))
    assert response.status_code == 200
    assert error_summary(response.content.decode()) == [
        "Partnership 1 must be 200 characters or fewer: enter its name or its short name "
        "from the web address"]
    # A control character is refused before the page runs (core.middleware), as everywhere.
    assert client.get(COMPARE + query("marchshire-hub\x00")).status_code == 400


def test_side_by_side_values(client, commissioner_user, hub, pennine):
    client.force_login(commissioner_user)
    response = client.get(COMPARE + query("marchshire-hub", "north-pennine"))
    html = response.content.decode()
    assert error_summary(html) == []
    comparison = response.context["comparison"]
    hub_col, pennine_col = comparison.columns
    assert hub_col.lead_partner.name == "Women's Centre"
    assert [o.name for o in hub_col.current_members] == ["Turning Tide", "Women's Centre"]
    assert hub_col.services_total == 2
    assert hub_col.agreements_active == 2 and hub_col.agreements_overdue == 1
    assert hub_col.agreements_superseded == 1
    assert hub_col.next_review == D(2021, 10, 1) and hub_col.next_review_overdue
    assert hub_col.funding_all_time == Decimal("2100000.00")
    assert pennine_col.funding_this_year == Decimal("365000.00")
    assert [c.slug for c in comparison.categories] == ["substance-misuse", "womens-services"]

    words = text(html[html.index('id="comparison"'):])
    assert ("Marchshire Women's Centre Partnership North Pennine Prisons Recovery Partnership "
            "Status Active Active") in words
    assert "Regions served South West None recorded" in words
    assert "Lead partner Women's Centre Northgate Recovery Trust" in words
    assert "Number of current members 2 1" in words
    assert "Case management Women's Centre Centre Manager No lead agreed" in words
    assert "Overall supervision of the person No lead agreed No lead agreed" in words
    assert "Active services 2 0" in words
    assert "Substance misuse 2 0" in words
    assert "Active agreements overdue for review 1 0" in words
    assert "Most urgent review date 1 October 2021 Review overdue None due" in words
    assert "Funding, all periods £2,100,000 £365,000" in words
    # Money is right-aligned with tabular figures, so amounts line up down a column.
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">£2,100,000' in html
    # Accessible tables: a caption each, partnerships as column headers, attributes as rows.
    main = html[html.index('id="comparison"'):html.index("</main>")]
    assert main.count("<table") == main.count("<caption") == 6
    assert main.count('<th scope="col"') == 6 * 2
    assert f'href="{reverse("partnerships:detail", args=["north-pennine"])}"' in main
    assert 'href="/partnerships/compare/export.csv?p=marchshire-hub&amp;p=north-pennine"' in html


def test_headings_in_order(client, commissioner_user, hub, pennine):
    client.force_login(commissioner_user)
    html = client.get(COMPARE + query("marchshire-hub", "north-pennine")).content.decode()
    main = html[html.index("<main"):html.index("</main>")]
    levels = [int(h) for h in re.findall(r"<h([1-6])", main)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    assert "style=" not in main and "<script" not in main


def test_csv_export(client, commissioner_user, hub, pennine):
    client.force_login(commissioner_user)
    response = client.get(EXPORT + "?p=marchshire-hub&p=north-pennine")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="partnership-comparison-' in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["Section", "Attribute", "Marchshire Women's Centre Partnership",
                       "North Pennine Prisons Recovery Partnership"]
    by_label = {(r[0], r[1]): r[2:] for r in rows[1:]}
    assert by_label[("Summary", "Short name")] == ["marchshire-hub", "north-pennine"]
    assert by_label[("Summary", "Status")] == ["Active", "Active"]
    assert by_label[("Summary", "Started")] == ["2013-04-01", "2013-04-01"]
    assert by_label[("Members", "Current members")] == ["Turning Tide; Women's Centre",
                                                        "Northgate Recovery Trust"]
    assert by_label[("Lead agencies", "Case management")] == [
        "Women's Centre (Centre Manager)", "No lead agreed"]
    assert by_label[("Services", "Women's services")] == ["1", "0"]
    assert by_label[("Agreements", "Most urgent review date")] == ["2021-10-01", "None due"]
    assert by_label[("Funding", "Funding, all periods")] == ["2100000.00", "365000.00"]
    assert all(len(r) == 4 for r in rows)


def test_csv_header_escapes_a_partnership_name_that_starts_like_a_formula(
        client, commissioner_user, hub):
    PartnershipFactory(name="=HYPERLINK(\"http://evil\")", slug="evil")
    client.force_login(commissioner_user)
    response = client.get(EXPORT + "?p=marchshire-hub&p=evil")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(body)))
    assert header[3] == "'=HYPERLINK(\"http://evil\")"


def test_csv_with_bad_input_goes_back_to_the_form(client, commissioner_user, hub):
    client.force_login(commissioner_user)
    response = client.get(EXPORT + "?p=marchshire-hub&p=nowhere")
    assert response.status_code == 302
    assert response["Location"] == COMPARE + "?p=marchshire-hub&p=nowhere"
    assert client.get(EXPORT)["Location"] == COMPARE


def test_ended_partnership_compares(client, commissioner_user, hub):
    ended = PartnershipFactory(status=PartnershipStatus.ENDED, ended_on=D(2024, 3, 31),
                               slug="ended-one")
    client.force_login(commissioner_user)
    words = text(client.get(COMPARE + query("marchshire-hub", "ended-one")).content.decode())
    assert "Ended Not ended 31 March 2024" in words
    assert "Funding, all periods £2,100,000 None recorded" in words
    assert ended.name in words


def _partnership_with(n: int, name: str):
    p = PartnershipFactory(name=name)
    p.regions.set([region("london"), region("wales")])
    LeadMembershipFactory(partnership=p)
    categories = [category("substance-misuse"), category("housing"), category("alcohol")]
    for i in range(n):
        org = OrganisationFactory()
        MembershipFactory(partnership=p, organisation=org)
        AgreementFactory(partnership=p)
        FundingFactory(partnership=p, recipient=org)
        service = ServiceFactory(provider=org, partnership=p, categories=categories[:1 + i % 3])
        ServiceAtLocationFactory(service=service)
    LeadResponsibilityFactory(partnership=p)
    return p


def test_bounded_queries(client, commissioner_user, django_assert_max_num_queries):
    """Same number of queries comparing four small and four large partnerships, entered as a
    slug, a name and parts of names (each part of a name costs one lookup)."""
    client.force_login(commissioner_user)
    counts = []
    for size in (1, 10):
        partnerships = [_partnership_with(size, f"Alpha {size}-{i} Recovery Partnership")
                        for i in range(4)]
        terms = [partnerships[0].slug, partnerships[1].name.upper(), f"alpha {size}-2",
                 f"{size}-3 recovery"]
        client.get(COMPARE)
        with django_assert_max_num_queries(16) as captured:
            response = client.get(COMPARE + query(*terms))
        assert len(response.context["comparison"].columns) == 4
        counts.append(len(captured.captured_queries))
        with django_assert_max_num_queries(16) as captured:
            response = client.get(EXPORT + query(*terms))
            rows = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
        assert response.status_code == 200 and len(rows[0].split(",")) == 2 + 4
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[2] and counts[1] == counts[3], counts
