"""The search's CSV download: the same partnerships as the page (every page of them), in the
same order, with the header and the columns commissioners asked for."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from composition.search import EXPORT_HEADER, SearchForm, search_partnerships
from partnerships.choices import AgreementStatus, MemberRole, PartnershipStatus
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
    region,
)
from tests.services.factories import ServiceFactory

pytestmark = pytest.mark.django_db

EXPORT = reverse("partnerships:search-export")


@pytest.fixture
def signed_in(client, commissioner_user):
    client.force_login(commissioner_user)
    return client


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_csv_has_the_header_and_one_row_per_partnership_with_its_details(signed_in):
    p = PartnershipFactory(name="Harbour Recovery", started_on=datetime.date(2013, 4, 1))
    p.regions.set([region("wales"), region("london")])
    lead = LeadMembershipFactory(partnership=p,
                                 organisation=OrganisationFactory(name="Zephyr Trust"))
    MembershipFactory(partnership=p, organisation=OrganisationFactory(name="acorn Project"))
    # The lead also funds it: one organisation, listed once.
    MembershipFactory(partnership=p, organisation=lead.organisation, role=MemberRole.FUNDER)
    EndedMembershipFactory(partnership=p, organisation=OrganisationFactory(name="Gone Charity"))
    ServiceFactory(partnership=p, provider=lead.organisation)
    ServiceFactory(partnership=p, provider=lead.organisation)
    ServiceFactory(partnership=p, provider=lead.organisation, is_active=False)
    AgreementFactory(partnership=p)
    OverdueAgreementFactory(partnership=p)
    AgreementFactory(partnership=p, status=AgreementStatus.DRAFT)
    FundingFactory(partnership=p, amount="1000.50")
    FundingFactory(partnership=p, amount="250000.00")
    EndedPartnershipFactory(name="Ended one")

    rows = read_csv(signed_in.get(EXPORT, {"sort": "name"}))
    assert rows[0] == EXPORT_HEADER
    assert [r[0] for r in rows[1:]] == ["Ended one", "Harbour Recovery"]
    assert dict(zip(EXPORT_HEADER, rows[2], strict=True)) == {
        "Name": "Harbour Recovery",
        "URL path": reverse("partnerships:detail", args=[p.slug]),
        "Status": "Active",
        "Setting": "Custody and community",
        "Regions": "London; Wales",  # in the registry's region order
        "Started on": "2013-04-01",
        "Ended on": "",
        "Lead partner": "Zephyr Trust",
        "Current members": "acorn Project; Zephyr Trust",
        "Services": "2",
        "Active agreements": "2",
        "Agreements overdue for review": "1",
        "Total funding (£)": str(Decimal("251000.50")),
    }
    ended = dict(zip(EXPORT_HEADER, rows[1], strict=True))
    assert ended["Ended on"] == "2024-03-31" and ended["Total funding (£)"] == "0.00"
    assert ended["Current members"] == "" and ended["Services"] == "0"


def test_csv_has_every_row_the_search_finds_in_the_same_order(signed_in, commissioner_user):
    for n in range(32):
        p = PartnershipFactory(name=f"Harbour {n:02d}", started_on=datetime.date(2000 + n, 1, 1))
        for _ in range(n % 4):
            MembershipFactory(partnership=p)
    EndedPartnershipFactory(name="Harbour ended")
    PartnershipFactory(name="Elsewhere")
    params = {"q": "harbour", "status": "active", "sort": "-members"}

    page = signed_in.get(reverse("home"), params)
    assert page.context["count"] == 32 and len(page.context["page"].object_list) == 25
    expected = [p.name for p in search_partnerships(
        commissioner_user, SearchForm(params, user=commissioner_user).search_params())]

    rows = read_csv(signed_in.get(EXPORT, params))
    assert [r[0] for r in rows[1:]] == expected
    assert len(expected) == 32  # all pages, not just the first 25


def test_the_page_links_to_the_export_with_the_same_search(signed_in):
    PartnershipFactory(name="Harbour")
    response = signed_in.get(reverse("home"), {"q": "harbour", "status": ["active", "nope"],
                                               "region": "london", "sort": "-name", "page": "2"})
    url = response.context["export_url"]
    assert urlsplit(url).path == EXPORT
    assert parse_qs(urlsplit(url).query) == {"q": ["harbour"], "status": ["active"],
                                             "region": ["london"], "sort": ["-name"]}
    assert "Download these results (CSV)" in response.content.decode()


def test_bad_values_are_left_out_of_the_export_too(signed_in):
    PartnershipFactory(name="Active")
    EndedPartnershipFactory(name="Ended")
    rows = read_csv(signed_in.get(EXPORT, {"status": ["ended", "bogus"], "sort": "nonsense",
                                           "q": "x" * 500}))
    assert rows[0] == EXPORT_HEADER
    assert rows[1:] == []  # "x"*200 matches nothing; the bad status and sort are ignored
    rows = read_csv(signed_in.get(EXPORT, {"status": ["ended", "bogus"], "sort": "nonsense"}))
    assert [r[0] for r in rows[1:]] == ["Ended"]


def test_export_of_a_forming_partnership(signed_in):
    PartnershipFactory(name="New", status=PartnershipStatus.FORMING, started_on=None)
    rows = read_csv(signed_in.get(EXPORT))
    new = dict(zip(EXPORT_HEADER, rows[1], strict=True))
    assert new["Status"] == "Forming" and new["Started on"] == "" and new["Lead partner"] == ""
