"""The partnership-level casework endpoints (referral pathways, sharing protocols) that every
signed-in user may read, and the case counts: numbers only, for commissioners and everyone."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from partnerships.choices import AgreementStatus
from referrals import actions
from tests.accounts.factories import CommissionerFactory, ProviderStaffFactory
from tests.referrals.factories import (
    InformationSharingAgreementFactory,
    SharingProtocolFactory,
    open_case,
    send_referral,
)
from tests.referrals.helpers import client_of

from .test_permissions import REFUSED, token_client

pytestmark = pytest.mark.django_db


READABLE = ["referralpathway-list", "sharingprotocol-list", "case-counts"]


@pytest.mark.parametrize("name", READABLE)
def test_anonymous_is_refused(name):
    response = APIClient().get(reverse(name))
    assert response.status_code == REFUSED
    assert response.json()["detail"] == "Authentication credentials were not provided."


@pytest.mark.parametrize("name", READABLE)
def test_inactive_token_is_refused(name):
    assert token_client(ProviderStaffFactory(is_active=False)).get(
        reverse(name)).status_code == REFUSED


@pytest.mark.parametrize("who", ["officer", "outsider", "commissioner", "admin"])
@pytest.mark.parametrize("name", READABLE)
def test_every_signed_in_role_reads_them(world, who, name):
    response = client_of(getattr(world.cw, who)).get(reverse(name))
    assert response.status_code == 200, response.content


def test_pathways_say_from_where_to_where_and_how_fast(world):
    cw = world.cw
    client = client_of(cw.commissioner)
    [row] = client.get(reverse("referralpathway-list")).json()["results"]
    assert (row["name"], row["from_service"]["slug"], row["to_service"]["slug"],
            row["target_response_days"], row["partnership"]["slug"]) == (
        "Probation to drug treatment", cw.probation_service.slug, cw.treatment.slug, 5,
        cw.partnership.slug)
    detail = client.get(row["url"]).json()
    assert detail["agreement"]["id"] == cw.agreement.pk
    assert "eligibility_notes" in detail
    assert client.get(reverse("referralpathway-list"),
                      {"to_service": cw.probation_service.slug}).json()["results"] == []
    assert client.get(reverse("referralpathway-detail", kwargs={"pk": 99999999})
                      ).status_code == 404


def test_protocols_record_what_the_law_asks(world):
    cw = world.cw
    client = client_of(cw.outsider)
    [row] = client.get(reverse("sharingprotocol-list")).json()["results"]
    assert {p["slug"] for p in row["parties"]} == {cw.probation.slug, cw.provider.slug}
    assert (row["lawful_basis"], row["special_category_condition"],
            row["criminal_offence_condition"], row["retention_months"], row["in_force"]) == (
        "6_1_e", "9_2_h", "sch1_p2_6", 72, True)
    assert row["partnership"]["slug"] == cw.partnership.slug
    detail = client.get(row["url"]).json()
    assert detail["purpose"] and detail["data_items"]


def test_protocol_filters(world):
    cw = world.cw
    lapsed = SharingProtocolFactory(
        agreement=InformationSharingAgreementFactory(partnership=cw.partnership,
                                                     status=AgreementStatus.EXPIRED),
        parties=[cw.probation, cw.outsider_org])
    client = client_of(cw.officer)

    def ids(**params: str) -> set[int]:
        response = client.get(reverse("sharingprotocol-list"), params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids() == {cw.protocol.pk, lapsed.pk}
    assert ids(in_force="true") == {cw.protocol.pk}
    assert ids(in_force="false") == {lapsed.pk}
    assert ids(party=cw.outsider_org.slug) == {lapsed.pk}
    assert ids(partnership=cw.partnership.slug) == {cw.protocol.pk, lapsed.pk}
    response = client.get(reverse("sharingprotocol-list"), {"partnership": "nowhere"})
    assert response.status_code == 400


def test_case_counts_are_numbers_only(world):
    cw = world.cw
    high = open_case(cw, seriousness="high", order_type="licence")
    send_referral(cw, high)
    closed = open_case(cw)
    actions.case_close(case=closed, by=cw.officer)
    body = client_of(CommissionerFactory()).get(reverse("case-counts")).json()
    assert body["open_cases"] == 2
    assert body["by_partnership"] == [{"partnership": {"slug": cw.partnership.slug,
                                                       "name": cw.partnership.name},
                                       "open_cases": 2}]
    by_type = {row["order_type"]: row["open_cases"] for row in body["by_order_type"]}
    assert (by_type["community_order"], by_type["licence"], by_type["voluntary"]) == (1, 1, 0)
    assert {row["seriousness"]: row["open_cases"] for row in body["by_seriousness"]} == {
        "low": 1, "medium": 0, "high": 1}
    statuses = {row["status"]: row["referrals"] for row in body["referrals_by_status"]}
    assert (statuses["sent"], statuses["withdrawn"]) == (2, 0)
    assert sum(statuses.values()) == 2


def test_case_counts_for_one_partnership(world):
    client = client_of(world.cw.commissioner)
    other = client.get(reverse("case-counts"), {"partnership": "no-such"})
    assert other.status_code == 400
    assert "No such partnership" in other.json()["partnership"][0]
    from tests.partnerships.factories import PartnershipFactory

    empty = PartnershipFactory()
    body = client.get(reverse("case-counts"), {"partnership": empty.slug}).json()
    assert (body["open_cases"], body["by_partnership"]) == (0, [])
    assert client.get(reverse("case-counts"), {"partnership": world.cw.partnership.slug}
                      ).json()["open_cases"] == 1


def test_pathway_and_protocol_ids_must_be_numbers():
    client = client_of(ProviderStaffFactory())
    assert client.get("/api/v1/referral-pathways/abc/").status_code == 404
    assert client.get(f"/api/v1/sharing-protocols/{'9' * 40}/").status_code == 404
    assert client.get(f"/api/v1/conferences/{'9' * 40}/").status_code == 404
