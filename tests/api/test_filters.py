"""Filters return the right rows (and not the wrong ones); bad values are a clear 400."""

from __future__ import annotations

import pytest
from django.urls import reverse

from partnerships.choices import PartnershipStatus, Setting
from services.choices import Gender, PrisonCategory
from tests.partnerships.factories import (
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
)
from tests.services.factories import PrisonLocationFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def listed(client, name: str, key: str = "slug", **params: object) -> set:
    response = client.get(reverse(name), {"page_size": 100, **params})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["results"])
    return {row[key] for row in body["results"]}


@pytest.fixture
def more_services(registry):
    """A men's custody service, an any-gender service in both settings, and a closed one."""
    ServiceFactory(slug="men-custody", provider=registry.probation, partnership=registry.other,
                   gender=Gender.MEN, setting=Setting.CUSTODY)
    ServiceFactory(slug="open-to-all", provider=registry.current_partner, gender=Gender.ANY,
                   setting=Setting.BOTH, categories=[])
    ServiceFactory(slug="closed", provider=registry.current_partner, is_active=False,
                   setting=Setting.COMMUNITY, gender=Gender.ANY)


class TestOrganisationFilters:
    """kind, region, parent and q."""

    def test_kind(self, registry, signed_in):
        assert listed(signed_in, "organisation-list", kind="probation") == {"probation-north"}

    def test_region(self, registry, signed_in):
        assert listed(signed_in, "organisation-list", region="north-west") == {
            "aurora-housing", "probation-north"}

    def test_parent(self, registry, signed_in):
        assert listed(signed_in, "organisation-list", parent="aurora-group") == {
            "aurora-housing", "womens-centre"}

    def test_q_searches_names_ignoring_case(self, registry, signed_in):
        assert listed(signed_in, "organisation-list", q="AURORA") == {
            "aurora-group", "aurora-housing"}

    def test_filters_combine(self, registry, signed_in):
        assert listed(signed_in, "organisation-list", parent="aurora-group",
                      region="london") == {"womens-centre"}

    def test_ordering(self, registry, signed_in):
        body = signed_in.get(reverse("organisation-list"), {"ordering": "-name"}).json()
        names = [row["name"] for row in body["results"]]
        assert names == sorted(names, reverse=True)
        assert len(names) >= 7


class TestPartnershipFilters:
    """status, setting, region, member, funder and review_overdue."""

    def test_status(self, registry, signed_in):
        assert listed(signed_in, "partnership-list", status="forming") == {"prison-recovery"}
        assert listed(signed_in, "partnership-list", status="active") == {"womens-hub"}

    def test_setting_includes_partnerships_working_in_both(self, registry, signed_in):
        PartnershipFactory(slug="through-the-gate", setting=Setting.BOTH)
        assert listed(signed_in, "partnership-list", setting="custody") == {
            "prison-recovery", "through-the-gate"}
        assert listed(signed_in, "partnership-list", setting="community") == {
            "womens-hub", "through-the-gate"}
        assert listed(signed_in, "partnership-list", setting="both") == {"through-the-gate"}

    def test_region(self, registry, signed_in):
        assert listed(signed_in, "partnership-list", region="south-east") == {"womens-hub"}
        assert listed(signed_in, "partnership-list", region="wales") == set()

    def test_member_means_current_member(self, registry, signed_in):
        assert listed(signed_in, "partnership-list", member="safe-homes") == {"womens-hub"}
        assert listed(signed_in, "partnership-list", member="probation-north") == {
            "prison-recovery"}
        # Mind Matters left the hub: it is in the history but not a member now.
        assert listed(signed_in, "partnership-list", member="mind-matters") == set()

    def test_funder(self, registry, signed_in):
        assert listed(signed_in, "partnership-list", funder="big-lottery") == {"womens-hub"}
        assert listed(signed_in, "partnership-list", funder="safe-homes") == set()

    def test_review_overdue(self, registry, signed_in):
        assert listed(signed_in, "partnership-list", review_overdue="true") == {"womens-hub"}
        assert listed(signed_in, "partnership-list", review_overdue="false") == {
            "prison-recovery"}

    def test_review_overdue_ignores_superseded_versions(self, registry, signed_in):
        registry.agreement_v2.review_due = registry.agreement_v2.effective_from.replace(
            year=2099)
        registry.agreement_v2.save()
        # v1 still has a past review date, but it is superseded, so nothing is overdue.
        assert listed(signed_in, "partnership-list", review_overdue="true") == set()

    def test_filters_combine(self, registry, signed_in):
        assert listed(signed_in, "partnership-list", status=PartnershipStatus.ACTIVE,
                      member="safe-homes", region="london") == {"womens-hub"}
        assert listed(signed_in, "partnership-list", status=PartnershipStatus.FORMING,
                      member="safe-homes") == set()

    def test_member_with_two_roles_is_listed_once(self, registry, signed_in):
        MembershipFactory(partnership=registry.hub, organisation=registry.current_partner,
                          role="board_member")
        assert listed(signed_in, "partnership-list", member="safe-homes") == {"womens-hub"}
        body = signed_in.get(reverse("partnership-list"), {"member": "safe-homes"}).json()
        assert body["count"] == 1


class TestAgreementFilters:
    """partnership, kind, status and review_overdue."""

    def test_partnership(self, registry, signed_in):
        assert listed(signed_in, "agreement-list", key="reference",
                      partnership="prison-recovery") == {"isp"}
        assert listed(signed_in, "agreement-list", key="id", partnership="womens-hub") == {
            registry.agreement_v1.pk, registry.agreement_v2.pk}

    def test_kind(self, registry, signed_in):
        assert listed(signed_in, "agreement-list", key="reference",
                      kind="information_sharing") == {"isp"}

    def test_status(self, registry, signed_in):
        assert listed(signed_in, "agreement-list", key="id", status="superseded") == {
            registry.agreement_v1.pk}

    def test_review_overdue(self, registry, signed_in):
        assert listed(signed_in, "agreement-list", key="id", review_overdue="true") == {
            registry.agreement_v2.pk}
        overdue_false = listed(signed_in, "agreement-list", key="id", review_overdue="false")
        assert registry.agreement_v1.pk in overdue_false
        assert registry.agreement_v2.pk not in overdue_false
        assert len(overdue_false) == 2

    def test_list_flags_overdue(self, registry, signed_in):
        body = signed_in.get(reverse("agreement-list")).json()
        flags = {row["id"]: row["review_overdue"] for row in body["results"]}
        assert flags[registry.agreement_v2.pk] is True
        assert flags[registry.agreement_v1.pk] is False


class TestServiceFilters:
    """provider, partnership, category, setting, gender and is_active."""

    def test_provider(self, registry, more_services, signed_in):
        assert listed(signed_in, "service-list", provider="womens-centre") == {"womens-recovery"}
        assert listed(signed_in, "service-list", provider="safe-homes") == {
            "open-to-all", "closed"}

    def test_partnership(self, registry, more_services, signed_in):
        assert listed(signed_in, "service-list", partnership="prison-recovery") == {
            "men-custody"}

    def test_category(self, registry, more_services, signed_in):
        assert listed(signed_in, "service-list", category="womens-services") == {
            "womens-recovery"}
        assert listed(signed_in, "service-list", category="substance-misuse") == {
            "womens-recovery", "men-custody", "closed"}

    def test_setting_includes_services_in_both(self, registry, more_services, signed_in):
        assert listed(signed_in, "service-list", setting="custody") == {
            "men-custody", "open-to-all"}
        assert listed(signed_in, "service-list", setting="both") == {"open-to-all"}

    def test_gender_includes_services_open_to_any(self, registry, more_services, signed_in):
        assert listed(signed_in, "service-list", gender="women") == {
            "womens-recovery", "open-to-all", "closed"}
        assert listed(signed_in, "service-list", gender="men") == {
            "men-custody", "open-to-all", "closed"}
        assert listed(signed_in, "service-list", gender="any") == {"open-to-all", "closed"}

    def test_is_active(self, registry, more_services, signed_in):
        assert listed(signed_in, "service-list", is_active="false") == {"closed"}
        assert "closed" not in listed(signed_in, "service-list", is_active="true")


class TestLocationFilters:
    """kind, region and prison_category."""

    def test_kind(self, registry, signed_in):
        assert listed(signed_in, "location-list", kind="prison") == {"hmp-northgate"}
        assert listed(signed_in, "location-list", kind="community_hub") == {"hub-building"}

    def test_region(self, registry, signed_in):
        assert listed(signed_in, "location-list", region="london") == {"hub-building"}

    def test_prison_category(self, registry, signed_in):
        PrisonLocationFactory(slug="hmp-open", prison_category=PrisonCategory.D)
        assert listed(signed_in, "location-list", prison_category="C") == {"hmp-northgate"}
        assert listed(signed_in, "location-list", prison_category="D") == {"hmp-open"}
        assert listed(signed_in, "location-list", prison_category="A") == set()


CHOICE = "Select a valid choice. bogus is not one of the available choices."
UNKNOWN = "Select a valid choice. That choice is not one of the available choices."
BOOLEAN = "Enter true or false."


@pytest.mark.parametrize(
    ("name", "param", "value", "message"),
    [
        ("organisation-list", "kind", "bogus", CHOICE),
        ("organisation-list", "region", "atlantis", UNKNOWN),
        ("organisation-list", "parent", "no-such-group", UNKNOWN),
        ("partnership-list", "status", "bogus", CHOICE),
        ("partnership-list", "setting", "bogus", CHOICE),
        ("partnership-list", "region", "atlantis", UNKNOWN),
        ("partnership-list", "member", "nobody", UNKNOWN),
        ("partnership-list", "funder", "nobody", UNKNOWN),
        ("partnership-list", "review_overdue", "maybe", BOOLEAN),
        ("agreement-list", "partnership", "nowhere", UNKNOWN),
        ("agreement-list", "kind", "bogus", CHOICE),
        ("agreement-list", "status", "bogus", CHOICE),
        ("agreement-list", "review_overdue", "yes please", BOOLEAN),
        ("service-list", "provider", "nobody", UNKNOWN),
        ("service-list", "partnership", "nowhere", UNKNOWN),
        ("service-list", "category", "knitting", UNKNOWN),
        ("service-list", "setting", "bogus", CHOICE),
        ("service-list", "gender", "bogus", CHOICE),
        ("service-list", "is_active", "perhaps", BOOLEAN),
        ("location-list", "kind", "bogus", CHOICE),
        ("location-list", "region", "atlantis", UNKNOWN),
        ("location-list", "prison_category", "bogus", CHOICE),
    ],
)
def test_invalid_filter_value_is_a_clear_400(registry, signed_in, name, param, value, message):
    response = signed_in.get(reverse(name), {param: value})
    assert response.status_code == 400
    assert response.json() == {param: [message]}


def test_invalid_filter_among_valid_ones_names_only_the_bad_one(registry, signed_in):
    response = signed_in.get(reverse("partnership-list"),
                             {"status": "active", "review_overdue": "sometimes"})
    assert response.status_code == 400
    assert response.json() == {"review_overdue": [BOOLEAN]}


def test_numeric_booleans_are_accepted(registry, signed_in):
    assert listed(signed_in, "partnership-list", review_overdue="1") == {"womens-hub"}
    assert listed(signed_in, "partnership-list", review_overdue="0") == {"prison-recovery"}


class TestPagination:
    """25 a page, ?page_size up to 100, and a clear 404 past the end."""

    def test_page_size_gives_that_many_with_count_and_next(self, registry, signed_in):
        response = signed_in.get(reverse("organisation-list"), {"page_size": 2})
        body = response.json()
        assert response.status_code == 200
        assert len(body["results"]) == 2
        assert body["count"] == 7
        assert "page=2" in body["next"]
        assert body["previous"] is None

    def test_last_page(self, registry, signed_in):
        body = signed_in.get(reverse("organisation-list"), {"page_size": 2, "page": 4}).json()
        assert len(body["results"]) == 1
        assert body["next"] is None
        assert "page=3" in body["previous"]

    def test_pages_do_not_overlap(self, registry, signed_in):
        seen = []
        for page in (1, 2, 3, 4):
            body = signed_in.get(reverse("organisation-list"),
                                 {"page_size": 2, "page": page}).json()
            seen += [row["slug"] for row in body["results"]]
        assert len(seen) == len(set(seen)) == 7

    def test_default_page_size_is_25_and_max_is_100(self, signed_in):
        OrganisationFactory.create_batch(105)
        assert len(signed_in.get(reverse("organisation-list")).json()["results"]) == 25
        body = signed_in.get(reverse("organisation-list"), {"page_size": 100}).json()
        assert len(body["results"]) == 100
        # Over the maximum is a clear 400 now, not quietly capped (issue 12).
        response = signed_in.get(reverse("organisation-list"), {"page_size": 500})
        assert response.status_code == 400
        assert response.json() == {
            "page_size": ["page_size must be a whole number from 1 to 100."]}

    def test_page_out_of_range_is_404_with_message(self, registry, signed_in):
        response = signed_in.get(reverse("organisation-list"), {"page_size": 2, "page": 99})
        assert response.status_code == 404
        assert response.json() == {"detail": "Invalid page."}

    def test_page_that_is_not_a_number_is_404_with_message(self, registry, signed_in):
        response = signed_in.get(reverse("partnership-list"), {"page": "first"})
        assert response.status_code == 404
        assert response.json() == {"detail": "Invalid page."}
