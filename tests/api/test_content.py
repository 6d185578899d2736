"""What the detail endpoints show: members now and before, lead agencies, agreements, groups."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from partnerships.choices import AgreementStatus, MemberRole
from tests.partnerships.factories import (
    AgreementFactory,
    EndedMembershipFactory,
    MembershipFactory,
    PartnershipFactory,
)
from tests.services.factories import PrisonLocationFactory, ServiceAtLocationFactory

pytestmark = pytest.mark.django_db


def get_ok(client, name: str, **kwargs: object) -> dict:
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200, response.content
    return response.json()


def slugs_and_roles(members: list[dict]) -> set[tuple[str, str]]:
    return {(m["organisation"]["slug"], m["role"]) for m in members}


class TestPartnershipDetail:
    """A partnership's page must show who is in it now and who was in it before."""

    def test_current_members_leave_out_those_who_left(self, registry, signed_in):
        body = get_ok(signed_in, "partnership-detail", slug="womens-hub")
        assert slugs_and_roles(body["current_members"]) == {
            ("womens-centre", MemberRole.LEAD_PARTNER),
            ("safe-homes", MemberRole.DELIVERY_PARTNER),
        }
        assert all(m["left_on"] is None for m in body["current_members"])

    def test_history_keeps_past_members_with_when_and_why_they_left(self, registry, signed_in):
        body = get_ok(signed_in, "partnership-detail", slug="womens-hub")
        history = {m["organisation"]["slug"]: m for m in body["membership_history"]}
        assert set(history) == {"womens-centre", "safe-homes", "mind-matters"}
        assert history["mind-matters"]["left_on"] == "2023-03-31"
        assert history["mind-matters"]["joined_on"] == "2018-04-01"
        assert "recommissioning" in history["mind-matters"]["notes"]
        assert history["safe-homes"]["left_on"] is None

    def test_member_who_left_and_rejoined_appears_twice_in_history(self, registry, signed_in):
        MembershipFactory(partnership=registry.hub, organisation=registry.past_partner,
                          joined_on=datetime.date(2024, 4, 1))
        body = get_ok(signed_in, "partnership-detail", slug="womens-hub")
        periods = [(m["joined_on"], m["left_on"]) for m in body["membership_history"]
                   if m["organisation"]["slug"] == "mind-matters"]
        assert periods == [("2018-04-01", "2023-03-31"), ("2024-04-01", None)]
        assert ("mind-matters", MemberRole.DELIVERY_PARTNER) in slugs_and_roles(
            body["current_members"])

    def test_member_joining_in_future_is_not_current_yet(self, registry, signed_in):
        future = timezone.localdate() + datetime.timedelta(days=30)
        MembershipFactory(partnership=registry.hub, organisation=registry.probation,
                          joined_on=future)
        body = get_ok(signed_in, "partnership-detail", slug="womens-hub")
        assert "probation-north" not in {m["organisation"]["slug"]
                                         for m in body["current_members"]}
        assert "probation-north" in {m["organisation"]["slug"]
                                     for m in body["membership_history"]}

    def test_lead_responsibilities_are_the_current_ones(self, registry, signed_in):
        body = get_ok(signed_in, "partnership-detail", slug="womens-hub")
        assert body["lead_responsibilities"] == [{
            "activity": "Treatment delivery and its integrity",
            "activity_slug": "treatment-delivery",
            "organisation": {"slug": "womens-centre", "name": "Women's Centre",
                             "kind": "charity"},
            "starts_on": "2018-04-01",
            "ends_on": None,
            "contact": "Head of Services",
        }]

    def test_agreements_summary_flags_overdue_reviews(self, registry, signed_in):
        body = get_ok(signed_in, "partnership-detail", slug="womens-hub")
        by_version = {a["version"]: a for a in body["agreements"]}
        assert by_version[2]["status"] == AgreementStatus.ACTIVE
        assert by_version[2]["review_overdue"] is True
        # A superseded version with a past review date is not overdue: it is no longer in force.
        assert by_version[1]["review_overdue"] is False
        assert by_version[2]["title"] == "Hub working agreement"
        assert by_version[2]["kind"] == "partnership_working"
        assert by_version[2]["review_due"] == "2022-04-01"

    def test_agreement_with_future_review_is_not_overdue(self, registry, signed_in):
        AgreementFactory(partnership=registry.hub, reference="sla", version=1,
                         review_due=timezone.localdate() + datetime.timedelta(days=1))
        body = get_ok(signed_in, "partnership-detail", slug="womens-hub")
        sla = next(a for a in body["agreements"] if a["reference"] == "sla")
        assert sla["review_overdue"] is False

    def test_regions_and_funding(self, registry, signed_in):
        body = get_ok(signed_in, "partnership-detail", slug="womens-hub")
        assert [r["code"] for r in body["regions"]] == ["london", "south-east"]
        assert body["funding"] == [{
            "funder": {"slug": "big-lottery", "name": "Big Lottery",
                       "kind": "commissioning_body"},
            "recipient": {"slug": "womens-centre", "name": "Women's Centre", "kind": "charity"},
            "source": "contract",
            "amount": "125000.00",
            "period_start": "2020-04-01",
            "period_end": "2021-03-31",
            "reference": "",
        }]

    def test_list_shows_current_members_only(self, registry, signed_in):
        body = signed_in.get(reverse("partnership-list")).json()
        hub = next(p for p in body["results"] if p["slug"] == "womens-hub")
        assert {m["organisation"]["slug"] for m in hub["current_members"]} == {
            "womens-centre", "safe-homes"}
        assert "membership_history" not in hub

    def test_shrunken_hub_keeps_its_history(self, signed_in):
        """After recommissioning only two agencies remain, but all six are in the history."""
        hub = PartnershipFactory(slug="shrunk")
        for _ in range(4):
            EndedMembershipFactory(partnership=hub)
        MembershipFactory.create_batch(2, partnership=hub)
        body = get_ok(signed_in, "partnership-detail", slug="shrunk")
        assert len(body["current_members"]) == 2
        assert len(body["membership_history"]) == 6


class TestOrganisationDetail:
    """An organisation's group and current partnerships."""

    def test_member_of_a_group_shows_its_group_and_fellow_members(self, registry, signed_in):
        body = get_ok(signed_in, "organisation-detail", slug="womens-centre")
        assert body["parent"] == {"slug": "aurora-group", "name": "Aurora Group",
                                  "kind": "charity"}
        assert [o["slug"] for o in body["group_members"]] == ["aurora-housing"]
        assert body["region"] == {"code": "london", "name": "London"}

    def test_group_shows_its_members(self, registry, signed_in):
        body = get_ok(signed_in, "organisation-detail", slug="aurora-group")
        assert body["parent"] is None
        assert [o["slug"] for o in body["group_members"]] == ["aurora-housing", "womens-centre"]

    def test_current_partnerships_with_roles(self, registry, signed_in):
        body = get_ok(signed_in, "organisation-detail", slug="womens-centre")
        assert body["current_partnerships"] == [{
            "partnership": {"slug": "womens-hub", "name": "Women's Hub"},
            "role": MemberRole.LEAD_PARTNER,
            "joined_on": "2018-04-01",
        }]

    def test_past_partnerships_are_not_current(self, registry, signed_in):
        body = get_ok(signed_in, "organisation-detail", slug="mind-matters")
        assert body["current_partnerships"] == []
        assert body["group_members"] == []


class TestAgreementDetail:
    """Agreement versions link to what they replaced and who signed."""

    def test_shows_version_it_replaced_why_and_signatories(self, registry, signed_in):
        body = get_ok(signed_in, "agreement-detail", pk=registry.agreement_v2.pk)
        assert body["partnership"] == {"slug": "womens-hub", "name": "Women's Hub"}
        assert body["replaces"] == {"id": registry.agreement_v1.pk, "version": 1}
        assert body["change_reason"] == "Mind Matters left the partnership."
        assert body["effective_from"] == "2021-04-01"
        assert body["review_overdue"] is True
        signed = {s["organisation"]["slug"]: s for s in body["signatories"]}
        assert signed["womens-centre"]["signed_by"] == "Director"
        assert signed["womens-centre"]["signed_on"] == "2020-10-01"
        assert signed["safe-homes"]["signed_on"] is None
        assert body["document"] is None

    def test_first_version_replaces_nothing(self, registry, signed_in):
        body = get_ok(signed_in, "agreement-detail", pk=registry.agreement_v1.pk)
        assert body["replaces"] is None
        assert body["status"] == AgreementStatus.SUPERSEDED

    def test_document_link_when_there_is_one(self, registry, signed_in):
        agreement = registry.agreement_v2
        agreement.document.name = "agreements/2021/hub-pwa-v2.pdf"
        agreement.save(update_fields=["document"])
        body = get_ok(signed_in, "agreement-detail", pk=agreement.pk)
        assert body["document"] == f"http://testserver/agreements/{agreement.pk}/document/"


class TestServiceAndLocation:
    """The directory: who a service is for, and where it is delivered."""

    def test_service_shows_eligibility_routes_categories_and_sites(self, registry, signed_in):
        ServiceAtLocationFactory(service=registry.service, location=registry.prison)
        body = get_ok(signed_in, "service-detail", slug="womens-recovery")
        assert body["provider"]["slug"] == "womens-centre"
        assert body["partnership"] == {"slug": "womens-hub", "name": "Women's Hub"}
        assert [c["slug"] for c in body["categories"]] == ["substance-misuse", "womens-services"]
        assert body["eligibility"] == {"gender": "women", "min_age": 18, "max_age": 65,
                                       "setting": "community"}
        assert body["referral_routes"] == ["Professional", "Court-ordered"]
        sites = {s["location"]["slug"]: s["co_located"] for s in body["locations"]}
        assert sites == {"hub-building": True, "hmp-northgate": False}
        assert body["description"] == "A service for tests."

    def test_prison_location(self, registry, signed_in):
        body = get_ok(signed_in, "location-detail", slug="hmp-northgate")
        assert body["kind"] == "prison"
        assert body["prison_category"] == "C"
        assert body["operational_capacity"] == 600
        assert body["region"] == {"code": "north-west", "name": "North West"}
        assert body["operator"]["slug"] == "probation-north"
        assert body["services"] == []

    def test_location_lists_the_services_delivered_there(self, registry, signed_in):
        body = get_ok(signed_in, "location-detail", slug="hub-building")
        assert body["address"] == "1 High Street, London"
        assert body["postcode"] == "E1 6AN"
        assert body["services"] == [{
            "service": {"slug": "womens-recovery", "name": "Women's recovery group",
                        "provider": {"slug": "womens-centre", "name": "Women's Centre",
                                     "kind": "charity"}},
            "co_located": True,
            "notes": "Tuesdays and Thursdays",
        }]

    def test_location_without_operator_or_region(self, signed_in):
        PrisonLocationFactory(slug="hmp-bare")
        body = get_ok(signed_in, "location-detail", slug="hmp-bare")
        assert body["operator"] is None
        assert body["region"] is None
