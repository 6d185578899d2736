"""The partnership page: each section shows the right data, only admins see the audit link, and
the page costs the same number of queries however big the partnership is."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from partnerships.choices import AgreementStatus, MemberRole, PartnershipStatus
from partnerships.models import Activity
from partnerships.selectors import financial_year_of, spread_over_financial_years
from tests.partnerships.factories import (
    AgreementFactory,
    EndedPartnershipFactory,
    FundingFactory,
    LeadMembershipFactory,
    LeadResponsibilityFactory,
    MembershipFactory,
    OrganisationFactory,
    OverdueAgreementFactory,
    PartnershipFactory,
    SignatoryFactory,
    standard_activity,
)
from tests.services.factories import LocationFactory, ServiceAtLocationFactory, ServiceFactory

pytestmark = pytest.mark.django_db

D = datetime.date
RECOMMISSIONED = D(2020, 4, 1)


def page_url(partnership) -> str:
    return reverse("partnerships:detail", args=[partnership.slug])


def section(html: str, start_id: str, end_id: str | None = None) -> str:
    """The part of the page from the heading with ``start_id`` to the next one given."""
    start = html.index(f'id="{start_id}"')
    end = html.index(f'id="{end_id}"') if end_id else len(html)
    return html[start:end]


def text(html: str) -> str:
    """Tags stripped and whitespace collapsed, to assert on what people read."""
    words = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()
    return re.sub(r" ([:,.;)])", r"\1", words)


@pytest.fixture
def hub():
    """A women's centre hub: lead and five partners from 2013, a sixth from 2016, and five
    leaving at recommissioning in April 2020, leaving two organisations."""
    hub = PartnershipFactory(name="Marchshire Hub", slug="marchshire-hub",
                             started_on=D(2013, 4, 1))
    centre = OrganisationFactory(name="Women's Centre")
    LeadMembershipFactory(partnership=hub, organisation=centre, joined_on=D(2013, 4, 1))
    MembershipFactory(partnership=hub, organisation=OrganisationFactory(name="Turning Tide"),
                      joined_on=D(2013, 4, 1))
    for name in ("Safe Harbour", "Sexual Violence Centre", "MindWell", "Life Skills"):
        MembershipFactory(partnership=hub, organisation=OrganisationFactory(name=name),
                          joined_on=D(2013, 4, 1), left_on=RECOMMISSIONED,
                          notes="Recommissioning")
    MembershipFactory(partnership=hub, organisation=OrganisationFactory(name="Open Door"),
                      joined_on=D(2016, 4, 1), left_on=RECOMMISSIONED,
                      notes="Recommissioning")
    return hub


def test_anonymous_is_sent_to_sign_in(client, hub):
    response = client.get(page_url(hub))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_unknown_partnership_is_404(client, commissioner_user):
    client.force_login(commissioner_user)
    assert client.get("/partnerships/no-such-partnership/").status_code == 404


def test_title_heading_and_summary(client, commissioner_user, hub):
    client.force_login(commissioner_user)
    response = client.get(page_url(hub))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Marchshire Hub – Partnership Registry</title>" in html
    assert html.count("<h1") == 1
    summary = text(section(html, "summary", "members"))
    assert "Status Active" in summary
    assert "Started 1 April 2013" in summary
    assert "Lead partner Women's Centre" in summary
    assert "Current members 2 (down from 7 at its largest)" in summary
    assert response.context["nav_section"] == "search"


def test_current_and_past_members(client, commissioner_user, hub):
    client.force_login(commissioner_user)
    page = client.get(page_url(hub)).context["page"]
    assert [m.organisation.name for m in page.current_members] == ["Women's Centre",
                                                                   "Turning Tide"]
    assert [m.organisation.name for m in page.past_members] == [
        "Life Skills", "MindWell", "Open Door", "Safe Harbour", "Sexual Violence Centre"]

    html = client.get(page_url(hub)).content.decode()
    members = text(section(html, "members", "timeline"))
    assert "Current members (2)" in members
    assert "Past members (5)" in members
    assert "Open Door Delivery partner 1 April 2016 1 April 2020 Recommissioning" in members


def test_the_hub_that_shrank_is_visibly_so(client, commissioner_user, hub):
    client.force_login(commissioner_user)
    html = client.get(page_url(hub)).content.decode()
    members = text(section(html, "members", "timeline"))
    assert "Membership has shrunk from 7 organisations to 2." in members
    assert "7 organisations from 1 April 2016 → 2 organisations now" in members
    assert "on 1 April 2020, when 5 left (Recommissioning): from 7 to 2" in members

    timeline_html = section(html, "timeline", "lead-agencies")
    assert 'class="moj-timeline"' in timeline_html
    timeline = text(timeline_html)
    assert "5 organisations left Down by 5 7 → 2 members 1 April 2020" in timeline
    assert "1 organisation joined Up by 1 6 → 7 members 1 April 2016" in timeline
    assert ("Partnership formed with 6 organisations 0 → 6 members 1 April 2013 Women's Centre "
            "joined as lead partner") in timeline  # the lead partner first
    assert "Safe Harbour left (delivery partner): Recommissioning" in timeline
    # The MOJ timeline shows the most recent event first.
    assert (timeline.index("1 April 2020") < timeline.index("1 April 2016")
            < timeline.index("1 April 2013"))
    assert '<time datetime="2020-04-01">' in timeline_html


def test_role_change_is_not_a_departure(client, commissioner_user):
    p = PartnershipFactory(started_on=D(2018, 4, 1))
    org = OrganisationFactory(name="Switching Charity")
    MembershipFactory(partnership=p, organisation=org, joined_on=D(2018, 4, 1),
                      left_on=D(2021, 4, 1))
    LeadMembershipFactory(partnership=p, organisation=org, joined_on=D(2021, 4, 1))
    client.force_login(commissioner_user)
    html = client.get(page_url(p)).content.decode()
    timeline = text(section(html, "timeline", "lead-agencies"))
    assert ("Switching Charity changed role from delivery partner to lead partner"
            in timeline)
    assert "Membership has shrunk" not in html


def test_lead_matrix_shows_no_lead_agreed(client, commissioner_user, hub):
    centre = hub.memberships.get(role=MemberRole.LEAD_PARTNER).organisation
    LeadResponsibilityFactory(partnership=hub, organisation=centre,
                              activity=standard_activity("case-management"),
                              starts_on=D(2013, 4, 1), contact="Centre Manager")
    custom = Activity.objects.create(name="Receiving group materials",
                                     slug="receiving-group-materials", partnership=hub)
    client.force_login(commissioner_user)
    response = client.get(page_url(hub))
    rows = response.context["page"].lead_matrix
    standard = Activity.objects.filter(is_standard=True, partnership=None).count()
    assert len(rows) == standard + 1
    assert rows[-1].activity == custom  # the partnership's own activities come last

    matrix = text(section(response.content.decode(), "lead-agencies", "agreements"))
    assert "Case management Women's Centre 1 April 2013 Centre Manager" in matrix
    assert "Overall supervision of the person No lead agreed" in matrix
    assert matrix.count("No lead agreed") == standard  # every other activity, custom too
    assert "Receiving group materials Added by this partnership No lead agreed" in matrix


def test_ended_lead_is_not_shown_as_current(client, commissioner_user, hub):
    LeadResponsibilityFactory(partnership=hub, activity=standard_activity("case-management"),
                              starts_on=D(2013, 4, 1), ends_on=D(2020, 4, 1))
    client.force_login(commissioner_user)
    matrix = text(section(client.get(page_url(hub)).content.decode(), "lead-agencies",
                          "agreements"))
    assert "Case management No lead agreed" in matrix


def test_overdue_tag_only_when_active_and_past_review(client, commissioner_user):
    p = PartnershipFactory()
    OverdueAgreementFactory(partnership=p, title="Overdue working agreement")
    AgreementFactory(partnership=p, title="Up-to-date protocol", review_due=D(2099, 1, 1))
    AgreementFactory(partnership=p, title="Old draft", status=AgreementStatus.DRAFT,
                     review_due=D(2021, 1, 1))
    AgreementFactory(partnership=p, title="Expired contract", status=AgreementStatus.EXPIRED,
                     review_due=D(2021, 1, 1))
    client.force_login(commissioner_user)
    response = client.get(page_url(p))
    groups = {g.current.agreement.title: g.current for g in response.context["page"].agreements}
    assert groups["Overdue working agreement"].is_review_overdue
    assert not groups["Up-to-date protocol"].is_review_overdue
    assert not groups["Old draft"].is_review_overdue
    assert not groups["Expired contract"].is_review_overdue

    agreements = section(response.content.decode(), "agreements", "funding")
    # The tag sits in the heading and by the review date of the overdue agreement only.
    assert agreements.count("Review overdue") == 2
    overdue = agreements[agreements.index("Overdue working agreement"):]
    overdue = overdue[:overdue.index("registry-agreement")]
    assert 'govuk-tag govuk-tag--red">Review overdue' in overdue
    summary = text(section(response.content.decode(), "summary", "members"))
    assert "1 review overdue" in summary


def test_agreement_versions_document_and_signatories(client, commissioner_user):
    p = PartnershipFactory()
    v1 = AgreementFactory(partnership=p, reference="pwa", title="Working agreement",
                          version=1, status=AgreementStatus.SUPERSEDED,
                          effective_from=D(2013, 10, 1), review_due=D(2015, 10, 1))
    v2 = AgreementFactory(partnership=p, reference="pwa", title="Working agreement",
                          version=2, replaces=v1, effective_from=D(2021, 7, 1),
                          review_due=D(2099, 7, 1), expires_on=D(2100, 1, 1),
                          change_reason="Rewritten after the probation reforms",
                          document="agreements/2021/pwa-v2.pdf")
    signer = OrganisationFactory(name="Clearwater")
    SignatoryFactory(agreement=v2, organisation=signer, signed_by="Director",
                     signed_on=D(2021, 6, 15))
    SignatoryFactory(agreement=v2, organisation=OrganisationFactory(name="Latecomer"),
                     signed_by="", signed_on=None)
    client.force_login(commissioner_user)
    html = client.get(page_url(p)).content.decode()
    agreements = section(html, "agreements", "funding")
    words = text(agreements)
    assert "Version Version 2 Replaces version 1: Rewritten after the probation reforms" in words
    assert "Kind Partnership working agreement" in words
    assert "Effective from 1 July 2021" in words
    assert "Review due 1 July 2099" in words
    assert "Expires 1 January 2100" in words
    assert "Clearwater: signed by Director on 15 June 2021" in words
    assert "Latecomer: Not yet signed" in words
    assert reverse("partnerships:agreement-document", args=[v2.pk]) in agreements
    # The superseded version is folded away, without a document link of its own.
    assert "Other versions of Working agreement (1)" in words
    assert reverse("partnerships:agreement-document", args=[v1.pk]) not in agreements
    assert "No document uploaded" in words


def test_funding_by_period_with_totals(client, commissioner_user):
    p = PartnershipFactory()
    funder = OrganisationFactory(name="Police and Crime Commissioner")
    recipient = OrganisationFactory(name="Women's Centre")
    FundingFactory(partnership=p, funder=funder, recipient=recipient, amount="1400000.00",
                   period_start=D(2013, 4, 1), period_end=D(2020, 3, 31),
                   reference="MPCC/2013")
    FundingFactory(partnership=p, funder=funder, recipient=None, amount="700000.50",
                   period_start=D(2020, 4, 1), period_end=D(2021, 3, 31))
    client.force_login(commissioner_user)
    response = client.get(page_url(p))
    funding = text(section(response.content.decode(), "funding", "services"))
    assert ("Police and Crime Commissioner Reference MPCC/2013 Contract 1 April 2013 to "
            "31 March 2020 £1,400,000 Women's Centre") in funding  # pence only where there are
    assert "£700,000.50 The partnership as a whole" in funding
    assert "Total, all periods £2,100,000.50" in funding
    years = response.context["page"].funding_by_year
    assert [y.label for y in years][0] == "2013 to 2014"
    assert years[-1].label == "2020 to 2021" and years[-1].amount == Decimal("700000.50")
    assert sum(y.amount for y in years) == Decimal("2100000.50")


def test_funding_by_financial_year_is_right_aligned_in_whole_pounds(client, commissioner_user):
    """Totals by financial year line up as figures do (right-aligned, tabular numbers) and are
    written as people write money: whole pounds without ".00"."""
    p = PartnershipFactory()
    FundingFactory(partnership=p, amount="120000.00", period_start=D(2024, 4, 1),
                   period_end=D(2025, 3, 31))
    client.force_login(commissioner_user)
    html = section(client.get(page_url(p)).content.decode(), "funding", "services")
    by_year = html[html.index("Estimated funding by financial year"):]
    assert ('<td class="govuk-table__cell govuk-table__cell--numeric registry-nowrap">'
            "£120,000</td>") in by_year
    assert '<th scope="col" class="govuk-table__header govuk-table__header--numeric">' \
        "Amount</th>" in by_year
    assert "120,000.00" not in html


def test_no_funding_says_so(client, commissioner_user):
    p = PartnershipFactory()
    client.force_login(commissioner_user)
    html = client.get(page_url(p)).content.decode()
    assert "No funding is recorded for this partnership." in html


def test_services_and_co_located_locations(client, commissioner_user):
    p = PartnershipFactory()
    provider = OrganisationFactory(name="Turning Tide")
    MembershipFactory(partnership=p, organisation=provider)
    treatment = ServiceFactory(name="Women's treatment", provider=provider, partnership=p)
    ServiceAtLocationFactory(service=treatment, co_located=True,
                             location=LocationFactory(name="Marchbridge Probation Office"))
    ServiceAtLocationFactory(service=treatment, co_located=False,
                             location=LocationFactory(name="Hub"))
    ServiceFactory(name="Old advocacy", provider=provider, partnership=p, is_active=False)
    ServiceFactory(name="Elsewhere", provider=provider)  # not under this partnership
    client.force_login(commissioner_user)
    html = client.get(page_url(p)).content.decode()
    services = section(html, "services")
    words = text(services)
    assert "2 services delivered at 2 locations." in words
    assert "At 1 of 2 service sites the provider’s staff are co-located" in words
    assert "Hub Marchbridge Probation Office Co-located" in words
    assert words.count("Co-located") == 1
    assert "Old advocacy No longer delivered" in words
    assert "Elsewhere" not in words
    assert reverse("services:detail", args=[treatment.slug]) in services


def test_audit_link_only_for_platform_admins(client, commissioner_user, admin_user, hub):
    audit = reverse("admin:core_auditevent_changelist") + f"?partnership_id={hub.pk}"
    client.force_login(commissioner_user)
    html = client.get(page_url(hub)).content.decode()
    assert "Audit history" not in html and audit not in html
    client.force_login(admin_user)
    html = client.get(page_url(hub)).content.decode()
    assert f'href="{audit}"' in html and "Audit history" in html


def test_compare_link_prefills_this_partnership(client, commissioner_user, hub):
    client.force_login(commissioner_user)
    html = client.get(page_url(hub)).content.decode()
    assert f'href="{reverse("partnerships:compare")}?p=marchshire-hub"' in html
    assert "Compare with other partnerships" in html


def test_ended_partnership_is_described_as_it_ended(client, commissioner_user):
    p = EndedPartnershipFactory(started_on=D(2018, 4, 1), ended_on=D(2024, 3, 31))
    MembershipFactory(partnership=p, joined_on=D(2018, 4, 1), left_on=D(2024, 3, 31),
                      organisation=OrganisationFactory(name="Last Member"))
    client.force_login(commissioner_user)
    response = client.get(page_url(p))
    page = response.context["page"]
    assert page.as_it_ended
    assert [m.organisation.name for m in page.current_members] == ["Last Member"]
    assert not page.size.has_shrunk
    words = text(response.content.decode())
    assert "Members when the partnership ended (1)" in words
    assert "Status Ended" in words and "Ended 31 March 2024" in words


def test_headings_in_order_and_tables_accessible(client, commissioner_user, hub):
    client.force_login(commissioner_user)
    html = client.get(page_url(hub)).content.decode()
    main = html[html.index("<main"):html.index("</main>")]
    levels = [int(h) for h in re.findall(r"<h([1-6])", main)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    assert main.count("<table") == main.count("<caption")
    assert "style=" not in main and "<script" not in main


def _grow(partnership, n: int) -> None:
    """Add ``n`` of everything the page lists."""
    lead = OrganisationFactory()
    LeadMembershipFactory(partnership=partnership, organisation=lead)
    activities = list(Activity.objects.filter(is_standard=True))
    for i in range(n):
        org = OrganisationFactory()
        MembershipFactory(partnership=partnership, organisation=org)
        MembershipFactory(partnership=partnership, left_on=D(2023, 3, 31),
                          notes="Recommissioning")
        agreement = AgreementFactory(partnership=partnership)
        SignatoryFactory(agreement=agreement, organisation=org)
        FundingFactory(partnership=partnership, recipient=org)
        service = ServiceFactory(provider=org, partnership=partnership)
        ServiceAtLocationFactory(service=service, co_located=bool(i % 2))
        if i < len(activities):
            LeadResponsibilityFactory(partnership=partnership, organisation=org,
                                      activity=activities[i])


@pytest.mark.parametrize("who", ["admin_user", "commissioner_user"])
def test_bounded_queries(client, who, request, django_assert_max_num_queries):
    """Same number of queries for a partnership of 1 and of 15 of everything, for an admin and
    for a commissioner (whose permission facts come from the rows the page reads: no rules
    query). On PostgreSQL 6: the session, the user, the partnership (with every membership
    and funding row, its regions, whether monitoring applies, the sites' totals), the
    agreements with their signatories, the lead-agency matrix, the services with their
    categories and sites. Elsewhere the memberships, funding, regions, signatories,
    categories and sites cost one query each (no arrays): 12. A reader of the partnership's
    governance (the admin) costs two more: the last year's joint training and the current
    governance bodies (issue 19)."""
    from django.db import connection

    small, large = PartnershipFactory(), PartnershipFactory()
    _grow(small, 1)
    _grow(large, 15)
    client.force_login(request.getfixturevalue(who))
    client.get(page_url(small))  # warm the session and content-type caches
    counts = []
    for p, size in ((small, 1), (large, 15)):
        governance = 2 if who == "admin_user" else 0
        with django_assert_max_num_queries((6 if connection.vendor == "postgresql" else 12)
                                           + governance) as captured:
            response = client.get(page_url(p))
        assert response.status_code == 200
        assert len(response.context["page"].current_members) == size + 1
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], counts


def test_forming_partnership_without_dates(client, commissioner_user):
    p = PartnershipFactory(status=PartnershipStatus.FORMING, started_on=None)
    client.force_login(commissioner_user)
    response = client.get(page_url(p))
    assert response.status_code == 200
    words = text(response.content.decode())
    assert "Started Not recorded" in words
    assert "No membership changes are recorded yet." in words


def test_spread_over_financial_years_adds_up():
    parts = spread_over_financial_years(Decimal("1000.00"), D(2020, 1, 1), D(2021, 12, 31))
    assert list(parts) == [2019, 2020, 2021]
    assert sum(parts.values()) == Decimal("1000.00")
    assert parts[2020] > parts[2019] > 0
    assert financial_year_of(D(2026, 3, 31)) == 2025
    assert financial_year_of(D(2026, 4, 1)) == 2026


# ---------------------------------------------------------------------------------------------
# Long lists are capped in SQL, with accurate counts and a "Show all" link.
# ---------------------------------------------------------------------------------------------
@pytest.fixture
def big():
    """52 current members (a lead partner and 51 others) since 2018."""
    big = PartnershipFactory(name="Big Partnership", started_on=D(2018, 4, 1))
    LeadMembershipFactory(partnership=big, joined_on=D(2018, 4, 1),
                          organisation=OrganisationFactory(name="ZZ Lead"))
    for i in range(51):
        MembershipFactory(partnership=big, joined_on=D(2018, 4, 1),
                          organisation=OrganisationFactory(name=f"Member {i:02}"))
    return big


def test_current_members_capped_with_show_all_link(client, commissioner_user, big):
    client.force_login(commissioner_user)
    response = client.get(page_url(big))
    page = response.context["page"]
    assert len(page.current_members) == 50 and page.current_count == 52
    # The lead partner first, then by name: the cap keeps the lead.
    assert page.current_members[0].organisation.name == "ZZ Lead"
    assert page.current_members[-1].organisation.name == "Member 48"
    assert page.lead_partner.name == "ZZ Lead"
    html = response.content.decode()
    words = text(html)
    assert "Current members 52" in words and "Current members (52)" in words
    assert 'href="?show=members#members">Show all 52 current members</a>' in html
    assert "Member 49" not in section(html, "members", "timeline")


def test_no_show_all_link_under_the_cap(client, commissioner_user, hub):
    client.force_login(commissioner_user)
    html = client.get(page_url(hub)).content.decode()
    assert "Show all" not in html
    assert "?show=" not in html


def test_show_members_lifts_the_cap(client, commissioner_user, big):
    client.force_login(commissioner_user)
    response = client.get(page_url(big) + "?show=members")
    page = response.context["page"]
    assert len(page.current_members) == 52 and page.current_count == 52
    html = response.content.decode()
    assert "Show all 52 current members" not in html
    assert "Member 50" in section(html, "members", "timeline")


def test_unknown_show_value_is_ignored(client, commissioner_user, big):
    client.force_login(commissioner_user)
    response = client.get(page_url(big) + "?show=everything&show=")
    assert response.status_code == 200
    assert len(response.context["page"].current_members) == 50
    assert "Show all 52 current members" in response.content.decode()


def test_past_timeline_and_services_capped(client, commissioner_user):
    """27 leavers on 27 different days (29 timeline events) and 51 services."""
    p = PartnershipFactory(started_on=D(2010, 4, 1))
    lead = OrganisationFactory(name="Lead")
    LeadMembershipFactory(partnership=p, organisation=lead, joined_on=D(2010, 4, 1))
    for i in range(27):
        MembershipFactory(partnership=p, joined_on=D(2010, 4, 1),
                          left_on=D(2011 + i // 12, 1 + i % 12, 1),
                          organisation=OrganisationFactory(name=f"Leaver {i:02}"))
    for i in range(51):
        service = ServiceFactory(provider=lead, partnership=p, name=f"Service {i:02}")
        ServiceAtLocationFactory(service=service, co_located=i < 3)
    client.force_login(commissioner_user)
    response = client.get(page_url(p))
    page = response.context["page"]
    assert (len(page.past_members), page.past_count) == (25, 27)
    assert page.past_members[0].organisation.name == "Leaver 26"  # most recently left first
    assert (len(page.timeline), page.timeline_count) == (20, 28)
    assert page.timeline[0].date == D(2013, 3, 1)
    assert (len(page.services), page.services_count) == (50, 51)
    html = response.content.decode()
    words = text(html)
    assert "Past members (27)" in words
    assert "51 services delivered at 51 locations." in words
    assert "At 3 of 51 service sites" in words
    assert 'href="?show=past#past-members">Show all 27 past members</a>' in html
    assert 'href="?show=timeline#timeline">Show all 28 membership changes</a>' in html
    assert 'href="?show=services#services">Show all 51 services</a>' in html

    # Several lists at once; each link keeps the lists already shown in full.
    response = client.get(page_url(p) + "?show=past&show=services")
    page = response.context["page"]
    assert (len(page.past_members), len(page.timeline), len(page.services)) == (27, 20, 51)
    html = response.content.decode()
    assert "Show all 27 past members" not in html and "Show all 51 services" not in html
    assert 'href="?show=past&amp;show=services&amp;show=timeline#timeline"' in html


def test_shrink_summary_correct_when_timeline_truncated(client, commissioner_user):
    """The big departure is older than the 20 most recent changes, which are single joins:
    the summary still comes from the whole history."""
    p = PartnershipFactory(started_on=D(2013, 4, 1))
    LeadMembershipFactory(partnership=p, joined_on=D(2013, 4, 1))
    for i in range(29):
        MembershipFactory(partnership=p, joined_on=D(2013, 4, 1),
                          left_on=RECOMMISSIONED if i < 26 else None,
                          notes="Recommissioning" if i < 26 else "")
    for i in range(22):
        MembershipFactory(partnership=p, joined_on=D(2021 + i // 12, 1 + i % 12, 1))
    client.force_login(commissioner_user)
    response = client.get(page_url(p))
    page = response.context["page"]
    assert page.timeline_count == 24 and len(page.timeline) == 20
    assert RECOMMISSIONED not in [ev.date for ev in page.timeline]
    assert page.size.peak == 30 and page.size.now == 26 and page.size.has_shrunk
    words = text(response.content.decode())
    assert "Membership has shrunk from 30 organisations to 26." in words
    assert "30 organisations from 1 April 2013 → 26 organisations now" in words
    assert "on 1 April 2020, when 26 left (Recommissioning): from 30 to 4" in words
    assert "Current members 26 (down from 30 at its largest)" in words
    # The most recent events still carry member numbers counted from the whole history.
    assert page.timeline[0].members_before == 25 and page.timeline[0].members_after == 26


def test_audit_link_check_costs_no_permission_queries(client, commissioner_user, hub):
    """The rules registry answers without ModelBackend's permission queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(commissioner_user)
    client.get(page_url(hub))
    with CaptureQueriesContext(connection) as captured:
        assert client.get(page_url(hub)).status_code == 200
    assert not [q for q in captured.captured_queries if "auth_permission" in q["sql"]]
    assert len(captured) <= 14


def test_lead_handover_reads_once_in_the_timeline(client, commissioner_user, admin_user):
    from partnerships import actions

    p = PartnershipFactory(started_on=D(2018, 4, 1))
    LeadMembershipFactory(partnership=p, organisation__name="Old Lead Trust",
                          joined_on=D(2018, 4, 1))
    new = MembershipFactory(partnership=p, organisation__name="New Lead CIC",
                            joined_on=D(2018, 4, 1))
    actions.lead_partner_change(partnership=p, organisation=new.organisation,
                                effective_on=D(2022, 4, 1), by=admin_user,
                                previous_lead_continues_as=MemberRole.DELIVERY_PARTNER)
    client.force_login(commissioner_user)
    timeline = text(section(client.get(page_url(p)).content.decode(), "timeline",
                            "lead-agencies"))
    assert "Old Lead Trust handed the lead role to New Lead CIC" in timeline
    assert "Old Lead Trust stays on as delivery partner" in timeline
    assert "changed role" not in timeline
    assert "Lead partner changed 2 members" in timeline


def test_rows_built_in_python_escape_what_people_typed(client, commissioner_user):
    """Members, leavers, the timeline and services are built by ``partnership_rows`` tags, not
    the template engine: names and notes are still escaped, and links still lead to each
    organisation and service."""
    p = PartnershipFactory(started_on=D(2015, 4, 1))
    odd = OrganisationFactory(name="Smith & <Jones>", slug="smith-jones")
    LeadMembershipFactory(partnership=p, organisation=odd, joined_on=D(2015, 4, 1),
                          notes='"Founding" <lead>')
    MembershipFactory(partnership=p, joined_on=D(2015, 4, 1), left_on=D(2019, 1, 1),
                      notes="<b>Recommissioned</b>",
                      organisation=OrganisationFactory(name="O'Leary Trust"))
    service = ServiceFactory(provider=odd, partnership=p, name="Drop-in <evenings>")
    ServiceAtLocationFactory(service=service, location=LocationFactory(name="Hub & Annex"),
                             notes="<i>Tuesdays</i>", co_located=True)
    client.force_login(commissioner_user)
    html = client.get(page_url(p)).content.decode()
    assert "<Jones>" not in html and "<b>Recommissioned" not in html and "<i>" not in html
    members = section(html, "members", "timeline")
    assert ('<a class="govuk-link" href="/organisations/smith-jones/">Smith &amp; &lt;Jones&gt;'
            "</a>") in members
    assert "&quot;Founding&quot; &lt;lead&gt;" in members
    assert "O&#x27;Leary Trust" in members and "&lt;b&gt;Recommissioned&lt;/b&gt;" in members
    timeline = text(section(html, "timeline", "lead-agencies"))
    assert "Smith & <Jones> joined as lead partner" in timeline
    assert "O'Leary Trust left (delivery partner): <b>Recommissioned</b>" in timeline
    services = section(html, "services")
    assert f'href="/services/{service.slug}/">Drop-in &lt;evenings&gt;</a>' in services
    assert "Hub &amp; Annex" in services and "&lt;i&gt;Tuesdays&lt;/i&gt;" in services
    assert "Co-located" in text(services)
