"""The organisation page: its details, its group, partnerships past and present, services,
locations, and a bounded number of queries."""

from __future__ import annotations

import datetime
import re
from html import unescape

import pytest
from django.db import connection
from django.urls import reverse

from partnerships.choices import MemberRole, OrganisationKind
from tests.partnerships.factories import (
    EndedPartnershipFactory,
    LeadMembershipFactory,
    LeadResponsibilityFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
    region,
    standard_activity,
)
from tests.services.factories import (
    LocationFactory,
    PrisonLocationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date


def page_url(organisation) -> str:
    return reverse("partnerships:organisation", args=[organisation.slug])


def text(html: str) -> str:
    words = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()
    return re.sub(r" ([:,.;)])", r"\1", words)


def section(html: str, start_id: str, end_id: str | None = None) -> str:
    start = html.index(f'id="{start_id}"')
    end = html.index(f'id="{end_id}"') if end_id else len(html)
    return html[start:end]


@pytest.fixture
def group():
    """A parent charity heading a group of three member charities."""
    parent = OrganisationFactory(name="Northgate Group", slug="northgate-group")
    members = [OrganisationFactory(name=name, parent=parent)
               for name in ("Brightwater Family Support", "Meridian Mentoring",
                            "Open Door Housing Advice")]
    return parent, members


def test_anonymous_is_sent_to_sign_in(client, group):
    response = client.get(page_url(group[0]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_unknown_organisation_is_404(client, commissioner_user):
    client.force_login(commissioner_user)
    assert client.get("/organisations/nobody-at-all/").status_code == 404


def test_details(client, commissioner_user):
    org = OrganisationFactory(name="Haven Family Links", slug="haven", identifier="GB-CHC-1076215",
                              region=region("london"), website="https://haven.example.org",
                              description="National charity.\n\nKeeps families in touch.")
    client.force_login(commissioner_user)
    response = client.get(page_url(org))
    html = response.content.decode()
    assert "<title>Haven Family Links – Partnership Registry</title>" in html
    assert html.count("<h1") == 1
    words = text(html)
    assert "Kind of organisation Charity" in words
    assert "Identifier GB-CHC-1076215" in words
    assert "Region London" in words
    assert 'href="https://haven.example.org" rel="noopener noreferrer external"' in html
    assert '<p class="govuk-body">Keeps families in touch.</p>' in html
    assert "Parent group None" in words
    assert f'href="{reverse("home")}?member=haven"' in html
    assert response.context["nav_section"] == "search"


def test_parent_lists_its_member_charities(client, commissioner_user, group):
    parent, members = group
    client.force_login(commissioner_user)
    html = client.get(page_url(parent)).content.decode()
    words = text(section(html, "group", "partnerships"))
    assert "Northgate Group heads a group of 3 member organisations" in words
    for member in members:
        assert member.name in words
        assert page_url(member) in html


def test_member_shows_parent_and_fellow_members(client, commissioner_user, group):
    parent, members = group
    OrganisationFactory(name="Unrelated Charity")
    client.force_login(commissioner_user)
    html = client.get(page_url(members[0])).content.decode()
    words = text(html)
    assert "Parent group Northgate Group" in words
    assert page_url(parent) in html
    group_words = text(section(html, "group", "partnerships"))
    assert "Other members of Northgate Group: Meridian Mentoring Open Door Housing Advice" in (
        group_words)
    assert "Brightwater" not in group_words  # not its own fellow member
    assert "Unrelated" not in group_words


def test_no_group_section_without_a_group(client, commissioner_user):
    org = OrganisationFactory()
    client.force_login(commissioner_user)
    assert 'id="group"' not in client.get(page_url(org)).content.decode()


def test_current_and_past_partnerships(client, commissioner_user):
    org = OrganisationFactory(name="Open Door")
    current = PartnershipFactory(name="Kestrelford Programme", started_on=D(2019, 4, 1))
    MembershipFactory(partnership=current, organisation=org, role=MemberRole.BOARD_MEMBER,
                      joined_on=D(2019, 4, 1))
    hub = PartnershipFactory(name="Marchshire Hub", started_on=D(2013, 4, 1))
    MembershipFactory(partnership=hub, organisation=org, joined_on=D(2016, 4, 1),
                      left_on=D(2020, 4, 1), notes="Recommissioning")
    ended = EndedPartnershipFactory(name="Closed Pilot", started_on=D(2018, 4, 1),
                                    ended_on=D(2022, 3, 31))
    MembershipFactory(partnership=ended, organisation=org, joined_on=D(2018, 4, 1))
    switched = PartnershipFactory(name="Recovery Partnership", started_on=D(2013, 4, 1))
    MembershipFactory(partnership=switched, organisation=org, joined_on=D(2013, 4, 1),
                      left_on=D(2016, 4, 1))
    LeadMembershipFactory(partnership=switched, organisation=org, joined_on=D(2016, 4, 1))

    client.force_login(commissioner_user)
    response = client.get(page_url(org))
    page = response.context["page"]
    assert [e.partnership.name for e in page.current_partnerships] == [
        "Kestrelford Programme", "Recovery Partnership"]
    assert [e.partnership.name for e in page.past_partnerships] == [
        "Closed Pilot", "Marchshire Hub"]  # most recently left first

    words = text(section(response.content.decode(), "partnerships", "services"))
    assert "Current partnerships (2)" in words
    assert "Kestrelford Programme Board member 1 April 2019" in words
    assert ("Recovery Partnership Lead partner Previously delivery partner, 1 April 2013 to "
            "1 April 2016 1 April 2013") in words
    assert "Past partnerships (2)" in words
    assert ("Marchshire Hub Delivery partner 1 April 2016 Left on 1 April 2020 "
            "Recommissioning") in words
    assert "Closed Pilot Delivery partner 1 April 2018 Left on 31 March 2022 " \
           "(the partnership ended)" in words
    assert reverse("partnerships:detail", args=[hub.slug]) in response.content.decode()


def test_no_partnerships_says_so(client, commissioner_user):
    org = OrganisationFactory(name="Loner")
    client.force_login(commissioner_user)
    words = text(client.get(page_url(org)).content.decode())
    assert "Loner is not a member of any partnership now." in words
    assert "No past partnerships are recorded." in words


def test_services_locations_and_lead_responsibilities(client, commissioner_user):
    org = OrganisationFactory(name="Turning Tide", kind=OrganisationKind.CHARITY)
    p = PartnershipFactory(name="Marchshire Hub")
    MembershipFactory(partnership=p, organisation=org)
    service = ServiceFactory(name="Women's treatment", provider=org, partnership=p)
    ServiceAtLocationFactory(service=service, co_located=True,
                             location=LocationFactory(name="Probation Office"))
    ServiceFactory(name="Drop-in", provider=org)  # not under a partnership
    PrisonLocationFactory(name="HMP Example", operator=org, region=region("south-west"),
                          postcode="TA1 1AA")
    LeadResponsibilityFactory(partnership=p, organisation=org, contact="Team Leader",
                              activity=standard_activity("treatment-delivery"))
    client.force_login(commissioner_user)
    html = client.get(page_url(org)).content.decode()
    words = text(html)
    assert ("Treatment delivery and its integrity Marchshire Hub 1 April 2020 Team Leader"
            in words)
    services = text(section(html, "services", "locations"))
    assert "Women's treatment Marchshire Hub" in services
    assert "Probation Office Co-located" in services
    assert "Drop-in Not under a partnership" in services
    locations = text(section(html, "locations"))
    assert "HMP Example Prison (Category C) South West TA1 1AA" in locations


@pytest.mark.parametrize("kind", ["heads", "member"])
def test_bounded_queries(client, commissioner_user, django_assert_max_num_queries, kind):
    """Same number of queries for an organisation with 1 and with 12 of everything."""
    client.force_login(commissioner_user)
    counts = []
    for size in (1, 12):
        parent = OrganisationFactory()
        org = OrganisationFactory(parent=parent if kind == "member" else None)
        for _ in range(size):
            OrganisationFactory(parent=org if kind == "heads" else parent)
            p = PartnershipFactory()
            MembershipFactory(partnership=p, organisation=org)
            MembershipFactory(partnership=PartnershipFactory(), organisation=org,
                              left_on=D(2023, 3, 31))
            service = ServiceFactory(provider=org, partnership=p)
            ServiceAtLocationFactory(service=service)
            LocationFactory(operator=org)
            LeadResponsibilityFactory(partnership=p, organisation=org)
        client.get(page_url(org))
        # On PostgreSQL 5: the session, the user, the organisation (with its group, the
        # activities it leads and its locations as arrays), memberships, services (with their
        # categories and sites as arrays). Elsewhere each array is a query of its own: 10.
        with django_assert_max_num_queries(5 if connection.vendor == "postgresql"
                                           else 10) as captured:
            response = client.get(page_url(org))
        assert response.status_code == 200
        assert len(response.context["page"].current_partnerships) == size
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
