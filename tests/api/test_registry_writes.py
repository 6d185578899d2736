"""The registry's write API end to end: the exact paths an external client depends on, each
write changing the database through its action with an audit row, bad input answered 400 with
the errors on their fields and nothing changed, GETs unchanged, and the OpenAPI schema (every
write summarised, with an example; every operation tagged by area).

"Today" is 25 November 2026 (the reviews' fixed day). Who may call what is
test_registry_write_permissions.py.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import AuditEvent
from partnerships import actions
from partnerships.choices import AgreementStatus, MemberRole
from partnerships.models import (
    Agreement,
    AgreementReview,
    Funding,
    LeadResponsibility,
    Membership,
    Organisation,
    Partnership,
)
from tests.accounts.factories import PartnershipManagerFactory, PlatformAdminFactory

from .conftest import Registry
from .test_registry_write_permissions import fingerprint
from .test_schema import fresh_generator_stats, generate  # noqa: F401  (autouse here too)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("today")]

D = dt.date


@pytest.fixture
def admin(registry: Registry) -> APIClient:
    client = APIClient()
    client.force_login(PlatformAdminFactory())
    return client


@pytest.fixture
def manager(registry: Registry) -> APIClient:
    """A partnership manager of the hub's lead partner."""
    client = APIClient()
    client.force_login(PartnershipManagerFactory(organisation=registry.hub_lead))
    return client


def audited(obj: Any, action: str = AuditEvent.Action.UPDATE) -> AuditEvent:
    """The newest audit row of ``obj`` with ``action`` (fails if there is none)."""
    return (AuditEvent.objects.filter(object_id=str(obj.pk), action=action,
                                      object_repr__isnull=False)
            .filter(content_type__model=obj._meta.model_name).latest("pk"))


def post(client: APIClient, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, format="json")


def refused(client: APIClient, method: str, url: str, body: dict[str, Any],
            fields: set[str]) -> dict[str, Any]:
    """Assert a 400 naming ``fields`` and that nothing changed; the errors."""
    before = fingerprint()
    response = getattr(client, method)(url, body, format="json")
    assert response.status_code == 400, response.content
    assert fields <= set(response.json()), response.json()
    assert fingerprint() == before
    return response.json()


# --------------------------------------------------------------------------------------------
# The exact paths
# --------------------------------------------------------------------------------------------


def test_the_paths_the_external_client_uses() -> None:
    paths = {
        ("organisation-list", None): "/api/v1/organisations/",
        ("organisation-detail", ("slug", "acme")): "/api/v1/organisations/acme/",
        ("partnership-list", None): "/api/v1/partnerships/",
        ("partnership-detail", ("slug", "hub")): "/api/v1/partnerships/hub/",
        ("partnership-memberships", ("slug", "hub")): "/api/v1/partnerships/hub/memberships/",
        ("partnership-lead-partner", ("slug", "hub")): "/api/v1/partnerships/hub/lead-partner/",
        ("partnership-lead-responsibilities", ("slug", "hub")):
            "/api/v1/partnerships/hub/lead-responsibilities/",
        ("partnership-funding", ("slug", "hub")): "/api/v1/partnerships/hub/funding/",
        ("membership-end", ("pk", 7)): "/api/v1/memberships/7/end/",
        ("leadresponsibility-end", ("pk", 7)): "/api/v1/lead-responsibilities/7/end/",
        ("funding-end", ("pk", 7)): "/api/v1/funding/7/end/",
        ("agreement-list", None): "/api/v1/agreements/",
        ("agreement-new-version", ("pk", 7)): "/api/v1/agreements/7/new-version/",
        ("agreement-signatures", ("pk", 7)): "/api/v1/agreements/7/signatures/",
        ("agreement-put-into-effect", ("pk", 7)): "/api/v1/agreements/7/put-into-effect/",
        ("agreement-reviews", ("pk", 7)): "/api/v1/agreements/7/reviews/",
        ("agreement-end", ("pk", 7)): "/api/v1/agreements/7/end/",
        ("agreement-parties", ("pk", 7)): "/api/v1/agreements/7/parties/",
    }
    for (name, kwarg), path in paths.items():
        assert reverse(name, kwargs=dict([kwarg]) if kwarg else None) == path
    assert reverse("agreement-party-withdraw", kwargs={"pk": 7, "organisation": "acme"}) == (
        "/api/v1/agreements/7/parties/acme/withdraw/")


def test_reads_are_unchanged_and_put_and_delete_are_not_allowed(registry, admin) -> None:
    detail = reverse("partnership-detail", kwargs={"slug": registry.hub.slug})
    assert admin.get(detail).json()["name"] == "Women's Hub"
    for method in ("put", "delete"):
        assert getattr(admin, method)(detail, {"name": "X"}, format="json").status_code == 405
    agreement = reverse("agreement-detail", kwargs={"pk": registry.agreement_v2.pk})
    for method in ("put", "patch", "delete"):
        assert getattr(admin, method)(agreement, {"title": "X"}, format="json").status_code == 405


# --------------------------------------------------------------------------------------------
# Organisations and partnerships
# --------------------------------------------------------------------------------------------


def test_organisation_create_and_update(registry, admin) -> None:
    response = post(admin, reverse("organisation-list"),
                    {"name": " New Start ", "kind": "charity", "region": "london",
                     "parent": registry.group.slug, "identifier": "GB-CHC-7654321"})
    assert response.status_code == 201, response.content
    organisation = Organisation.objects.get(slug=response.json()["slug"])
    assert (organisation.name, organisation.parent) == ("New Start", registry.group)
    assert response.json()["region"]["code"] == "london"
    audited(organisation, AuditEvent.Action.CREATE)

    url = reverse("organisation-detail", kwargs={"slug": organisation.slug})
    response = admin.patch(url, {"website": "https://newstart.example.org"}, format="json")
    assert response.status_code == 200, response.content
    organisation.refresh_from_db()
    assert organisation.website == "https://newstart.example.org"
    assert response.json()["website"] == "https://newstart.example.org"
    assert audited(organisation).summary == "Changed details"


def test_organisation_bad_input(registry, admin) -> None:
    refused(admin, "post", reverse("organisation-list"), {"name": "", "kind": "castle"},
            {"name", "kind"})
    url = reverse("organisation-detail", kwargs={"slug": registry.current_partner.slug})
    refused(admin, "patch", url, {"parent": "no-such-group", "website": "not a url"},
            {"parent", "website"})
    refused(admin, "patch", url, {}, {"non_field_errors"})
    # The action's own refusal (its model's validation) lands on its field too.
    registry.hub_lead.identifier = "GB-CHC-1111111"
    registry.hub_lead.save()
    refused(admin, "patch", url, {"identifier": "GB-CHC-1111111"}, {"identifier"})


def test_partnership_create_and_update(registry, admin, manager) -> None:
    response = post(admin, reverse("partnership-list"),
                    {"name": "Hub South", "setting": "community", "started_on": "2026-04-01",
                     "regions": ["south-east"], "summary": "For women in the south east."})
    assert response.status_code == 201, response.content
    partnership = Partnership.objects.get(slug=response.json()["slug"])
    assert [r.code for r in partnership.regions.all()] == ["south-east"]
    assert response.json()["membership_history"] == []
    audited(partnership, AuditEvent.Action.CREATE)

    url = reverse("partnership-detail", kwargs={"slug": registry.hub.slug})
    response = manager.patch(url, {"summary": "Women's services, whole system.",
                                   "regions": ["london"]}, format="json")
    assert response.status_code == 200, response.content
    registry.hub.refresh_from_db()
    assert registry.hub.summary == "Women's services, whole system."
    assert registry.hub.slug == "womens-hub"
    assert [r["code"] for r in response.json()["regions"]] == ["london"]
    assert AuditEvent.objects.filter(object_id=str(registry.hub.pk),
                                     summary="Changed regions served").exists()
    details = AuditEvent.objects.get(object_id=str(registry.hub.pk), summary="Changed details")
    assert details.changes["summary"][1] == "Women's services, whole system."


def test_partnership_bad_input(registry, admin, manager) -> None:
    refused(admin, "post", reverse("partnership-list"), {"setting": "moon", "regions": ["x"]},
            {"name", "setting", "regions"})
    url = reverse("partnership-detail", kwargs={"slug": registry.hub.slug})
    refused(manager, "patch", url, {"started_on": "1 April"}, {"started_on"})
    refused(manager, "patch", url, {}, {"non_field_errors"})


# --------------------------------------------------------------------------------------------
# Members, the lead partner, leads, funding
# --------------------------------------------------------------------------------------------


def test_membership_add_and_end(registry, manager) -> None:
    response = post(manager, reverse("partnership-memberships", kwargs={"slug": "womens-hub"}),
                    {"organisation": registry.sibling.slug, "role": "delivery_partner",
                     "joined_on": "2026-11-01"})
    assert response.status_code == 201, response.content
    membership = Membership.objects.get(pk=response.json()["id"])
    assert (membership.organisation, membership.role, membership.joined_on) == (
        registry.sibling, MemberRole.DELIVERY_PARTNER, D(2026, 11, 1))
    assert response.json()["organisation"]["slug"] == "aurora-housing"
    audited(membership, AuditEvent.Action.CREATE)

    response = post(manager, reverse("membership-end", kwargs={"pk": membership.pk}),
                    {"left_on": "2026-11-25", "reason": "Merged into Aurora Group."})
    assert response.status_code == 200, response.content
    membership.refresh_from_db()
    assert membership.left_on == D(2026, 11, 25)
    assert response.json()["left_on"] == "2026-11-25"
    assert audited(membership).summary == "Merged into Aurora Group."


def test_membership_bad_input(registry, manager) -> None:
    url = reverse("partnership-memberships", kwargs={"slug": "womens-hub"})
    refused(manager, "post", url, {"organisation": "nobody", "role": "king",
                                   "joined_on": "soon"}, {"organisation", "role", "joined_on"})
    ended = Membership.objects.get(organisation=registry.past_partner)
    errors = refused(manager, "post", reverse("membership-end", kwargs={"pk": ended.pk}),
                     {"left_on": "2026-11-25"}, {"left_on"})
    assert "already left on 31 March 2023" in errors["left_on"][0]


def test_lead_partner_change(registry, manager) -> None:
    url = reverse("partnership-lead-partner", kwargs={"slug": "womens-hub"})
    response = post(manager, url, {"organisation": registry.current_partner.slug,
                                   "effective_on": "2026-11-25",
                                   "previous_lead_continues_as": "delivery_partner"})
    assert response.status_code == 201, response.content
    assert response.json()["role"] == "lead_partner"
    old = Membership.objects.get(organisation=registry.hub_lead, role=MemberRole.LEAD_PARTNER)
    assert old.left_on == D(2026, 11, 25)
    assert Membership.objects.filter(organisation=registry.hub_lead, left_on__isnull=True,
                                     role=MemberRole.DELIVERY_PARTNER).exists()
    audited(Membership.objects.get(pk=response.json()["id"]), AuditEvent.Action.CREATE)


def test_lead_partner_bad_input(registry, manager) -> None:
    url = reverse("partnership-lead-partner", kwargs={"slug": "womens-hub"})
    refused(manager, "post", url, {"organisation": registry.current_partner.slug,
                                   "effective_on": "2026-11-25",
                                   "previous_lead_continues_as": "lead_partner"},
            {"previous_lead_continues_as"})
    errors = refused(manager, "post", url, {"organisation": registry.hub_lead.slug,
                                            "effective_on": "2026-11-25"}, {"organisation"})
    assert "already the lead partner" in errors["organisation"][0]


def test_lead_responsibility_assign_and_end(registry, manager) -> None:
    url = reverse("partnership-lead-responsibilities", kwargs={"slug": "womens-hub"})
    response = post(manager, url, {"activity": "case-management",
                                   "organisation": registry.current_partner.slug,
                                   "starts_on": "2026-11-01", "contact": "Case team"})
    assert response.status_code == 201, response.content
    responsibility = LeadResponsibility.objects.get(pk=response.json()["id"])
    assert (responsibility.organisation, responsibility.contact) == (
        registry.current_partner, "Case team")
    assert response.json()["activity_slug"] == "case-management"
    audited(responsibility, AuditEvent.Action.CREATE)

    response = post(manager, reverse("leadresponsibility-end", kwargs={"pk": responsibility.pk}),
                    {"ends_on": "2026-12-01"})
    assert response.status_code == 200, response.content
    responsibility.refresh_from_db()
    assert responsibility.ends_on == D(2026, 12, 1)
    audited(responsibility)


def test_lead_responsibility_bad_input(registry, manager) -> None:
    url = reverse("partnership-lead-responsibilities", kwargs={"slug": "womens-hub"})
    refused(manager, "post", url, {"activity": "juggling", "organisation": "safe-homes",
                                   "starts_on": "2026-11-01"}, {"activity"})
    # A former member can never lead: the action's refusal, on its field.
    errors = refused(manager, "post", url, {"activity": "case-management",
                                            "organisation": registry.past_partner.slug,
                                            "starts_on": "2026-11-01"}, {"organisation"})
    assert errors["organisation"]
    refused(manager, "post", reverse("leadresponsibility-end",
                                     kwargs={"pk": registry.ended_responsibility.pk}),
            {"ends_on": "2026-11-25"}, {"ends_on"})


def test_funding_add_and_end(registry, manager) -> None:
    response = post(manager, reverse("partnership-funding", kwargs={"slug": "womens-hub"}),
                    {"funder": registry.funder.slug, "recipient": registry.hub_lead.slug,
                     "amount": "5000.50", "source": "grant", "period_start": "2026-04-01",
                     "period_end": "2027-03-31", "reference": "BL-1"})
    assert response.status_code == 201, response.content
    funding = Funding.objects.get(pk=response.json()["id"])
    assert (funding.amount, funding.recipient) == (Decimal("5000.50"), registry.hub_lead)
    audited(funding, AuditEvent.Action.CREATE)

    response = post(manager, reverse("funding-end", kwargs={"pk": funding.pk}),
                    {"ends_on": "2026-12-31", "reason": "Grant cut."})
    assert response.status_code == 200, response.content
    funding.refresh_from_db()
    assert funding.period_end == D(2026, 12, 31)
    assert audited(funding).summary == "Ended early on 31 December 2026: Grant cut."


def test_funding_bad_input(registry, manager) -> None:
    url = reverse("partnership-funding", kwargs={"slug": "womens-hub"})
    refused(manager, "post", url, {"funder": registry.funder.slug, "amount": "-1",
                                   "source": "gift", "period_start": "2026-04-01",
                                   "period_end": "2027-03-31"}, {"amount", "source"})
    refused(manager, "post", url, {"funder": registry.funder.slug, "amount": "10",
                                   "source": "grant", "period_start": "2026-04-01",
                                   "period_end": "2026-03-31"}, {"period_end"})
    funding = Funding.objects.get(partnership=registry.hub)
    refused(manager, "post", reverse("funding-end", kwargs={"pk": funding.pk}),
            {"ends_on": "2030-01-01"}, {"ends_on"})


# --------------------------------------------------------------------------------------------
# The agreement lifecycle
# --------------------------------------------------------------------------------------------


def test_agreement_lifecycle_draft_sign_put_into_effect(registry, manager) -> None:
    response = post(manager, reverse("agreement-list"),
                    {"partnership": "womens-hub", "kind": "service_level",
                     "title": "Referral SLA", "parties": ["womens-centre", "safe-homes"],
                     "summary": "Referrals within 5 days.", "review_cycle_months": 6})
    assert response.status_code == 201, response.content
    draft = Agreement.objects.get(pk=response.json()["id"])
    assert (draft.status, draft.version, draft.review_cycle_months) == (
        AgreementStatus.DRAFT, 1, 6)
    assert sorted(s["organisation"]["slug"] for s in response.json()["signatories"]) == [
        "safe-homes", "womens-centre"]
    audited(draft, AuditEvent.Action.CREATE)

    url = reverse("agreement-parties", kwargs={"pk": draft.pk})
    assert post(manager, url, {"organisation": "aurora-housing"}).status_code == 200
    withdraw = reverse("agreement-party-withdraw",
                       kwargs={"pk": draft.pk, "organisation": "aurora-housing"})
    assert post(manager, withdraw, {"reason": "Not delivering."}).status_code == 200
    assert not draft.signatories.filter(organisation=registry.sibling).exists()

    sign = reverse("agreement-signatures", kwargs={"pk": draft.pk})
    for slug in ("womens-centre", "safe-homes"):
        response = post(manager, sign, {"organisation": slug, "signed_by": "A Person",
                                        "signer_role": "Director", "signed_on": "2026-11-20"})
        assert response.status_code == 200, response.content
    assert not actions.unsigned_parties(draft)

    response = post(manager, reverse("agreement-put-into-effect", kwargs={"pk": draft.pk}),
                    {"effective_on": "2026-11-25"})
    assert response.status_code == 200, response.content
    draft.refresh_from_db()
    assert draft.status == AgreementStatus.ACTIVE
    assert response.json()["status"] == "active"
    assert draft.review_due == D(2027, 5, 25)  # the six-month cycle


def test_new_version_review_and_end(registry, manager) -> None:
    v2 = registry.agreement_v2
    response = post(manager, reverse("agreement-new-version", kwargs={"pk": v2.pk}),
                    {"reason": "Safe Homes takes on case management."})
    assert response.status_code == 201, response.content
    v3 = Agreement.objects.get(pk=response.json()["id"])
    assert (v3.version, v3.status, v3.replaces) == (3, AgreementStatus.DRAFT, v2)
    assert response.json()["replaces"] == {"id": v2.pk, "version": 2}

    response = post(manager, reverse("agreement-reviews", kwargs={"pk": v2.pk}),
                    {"reviewed_on": "2026-11-20", "outcome": "Continues until version 3.",
                     "next_review_due": "2027-05-20"})
    assert response.status_code == 201, response.content
    review = AgreementReview.objects.get(pk=response.json()["id"])
    assert review.outcome == "Continues until version 3."
    v2.refresh_from_db()
    assert v2.review_due == D(2027, 5, 20)
    audited(review, AuditEvent.Action.CREATE)

    # Ending the version in effect while version 3 is being agreed is refused, on its field.
    errors = refused(manager, "post", reverse("agreement-end", kwargs={"pk": v2.pk}),
                     {"ended_on": "2026-11-25", "reason": "Stopping."}, {"ended_on"})
    assert "Version 3 is being agreed" in errors["ended_on"][0]
    actions.agreement_draft_discard(agreement=v3, by=None)
    response = post(manager, reverse("agreement-end", kwargs={"pk": v2.pk}),
                    {"ended_on": "2026-11-25", "reason": "Not recommissioned."})
    assert response.status_code == 200, response.content
    v2.refresh_from_db()
    assert (v2.status, v2.end_reason) == (AgreementStatus.ENDED, "Not recommissioned.")
    audited(v2)


def test_put_into_effect_while_unsigned_needs_a_reason(registry, manager) -> None:
    v3 = actions.agreement_new_version(agreement=registry.agreement_v2, by=None)
    url = reverse("agreement-put-into-effect", kwargs={"pk": v3.pk})
    errors = refused(manager, "post", url, {"effective_on": "2026-11-25"}, {"reason"})
    assert "Not every party has signed" in errors["reason"][0]
    response = post(manager, url, {"effective_on": "2026-12-01",
                                   "reason": "Signatures follow at the board."})
    assert response.status_code == 200, response.content
    v3.refresh_from_db()
    assert v3.status == AgreementStatus.SCHEDULED
    assert v3.unsigned_reason == "Signatures follow at the board."


def test_agreement_bad_input(registry, manager) -> None:
    refused(manager, "post", reverse("agreement-list"),
            {"partnership": "womens-hub", "kind": "treaty", "title": "",
             "parties": ["nobody"], "review_cycle_months": 0},
            {"kind", "title", "parties", "review_cycle_months"})
    refused(manager, "post", reverse("agreement-list"), {"partnership": "nowhere"},
            {"partnership"})
    body = {"partnership": "womens-hub", "kind": "partnership_working", "title": "Referral SLA"}
    assert post(manager, reverse("agreement-list"), body).status_code == 201
    errors = refused(manager, "post", reverse("agreement-list"), body, {"title"})
    assert "already has an agreement" in errors["title"][0]
    v2 = registry.agreement_v2
    refused(manager, "post", reverse("agreement-signatures", kwargs={"pk": v2.pk}),
            {"organisation": "safe-homes", "signed_by": "A", "signed_on": "2030-01-01"},
            {"signed_on"})
    refused(manager, "post", reverse("agreement-reviews", kwargs={"pk": v2.pk}),
            {"reviewed_on": "2026-11-20", "outcome": "Fine",
             "next_review_due": "2026-11-01"}, {"next_review_due"})
    refused(manager, "post", reverse("agreement-party-withdraw",
                                     kwargs={"pk": v2.pk, "organisation": "nobody"}),
            {}, {"organisation"})
    refused(manager, "post", reverse("agreement-parties", kwargs={"pk": v2.pk}),
            {"organisation": "aurora-housing"}, {"organisation"})  # v2 is in effect


def test_bad_json_changes_nothing(registry, manager) -> None:
    before = fingerprint()
    response = manager.post(reverse("agreement-list"), data="{not json",
                            content_type="application/json")
    assert response.status_code == 400
    assert fingerprint() == before


def test_a_write_by_token_is_audited_as_its_user(registry) -> None:
    from accounts.actions import api_token_create

    user = PartnershipManagerFactory(organisation=registry.hub_lead)
    _token, key = api_token_create(user=user, name="Sync")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.patch(reverse("partnership-detail", kwargs={"slug": "womens-hub"}),
                            {"name": "Women's Hub London"}, format="json")
    assert response.status_code == 200, response.content
    assert audited(registry.hub).actor == user


# --------------------------------------------------------------------------------------------
# The schema
# --------------------------------------------------------------------------------------------


def test_schema_tags_by_area_and_documents_every_write(tmp_path: Path) -> None:
    schema = generate(tmp_path)
    tags: dict[str, str] = {}
    writes = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            assert operation["tags"] and operation["tags"] != ["v1"], (path, method)
            tags[f"{method} {path}"] = operation["tags"][0]
            if method in ("post", "patch") and path.startswith(
                    ("/api/v1/organisations", "/api/v1/partnerships", "/api/v1/agreements",
                     "/api/v1/memberships", "/api/v1/lead-responsibilities",
                     "/api/v1/funding")) and "/reviews/" not in path.replace(
                        "/agreements/{id}/reviews/", ""):
                # Governance has its own area and its own tests (tests/api/test_governance_*).
                if "/governance/" in path:
                    assert tags[f"{method} {path}"] == "Governance", (path, method)
                    continue
                writes.append((path, method, operation))
    assert tags["post /api/v1/partnerships/"] == "Partnerships"
    assert tags["post /api/v1/organisations/"] == "Organisations"
    assert tags["post /api/v1/agreements/{id}/signatures/"] == "Agreements"
    assert tags["post /api/v1/partnerships/{slug}/memberships/"] == "Memberships and leads"
    assert tags["post /api/v1/memberships/{id}/end/"] == "Memberships and leads"
    assert tags["post /api/v1/partnerships/{slug}/funding/"] == "Funding"
    assert tags["post /api/v1/partnerships/{slug}/reviews/"] == "Reviews"
    assert tags["get /api/v1/partnerships/{slug}/engagement/"] == "Reviews"
    assert tags["get /api/v1/services/"] == "Services"
    assert tags["get /api/v1/returns/"] == "Monitoring"
    assert tags["get /api/v1/cases/"] == "Casework"
    assert tags["get /api/v1/notifications/"] == "Notifications"
    declared = {tag["name"] for tag in schema["tags"]}
    assert set(tags.values()) <= declared
    assert len(writes) == 19
    for path, method, operation in writes:
        assert operation.get("summary"), (path, method)
        content = operation["requestBody"]["content"]["application/json"]
        assert content.get("examples"), (path, method)
