"""Who may call each registry write endpoint: every endpoint × every role, on the hub (led by the
Women's Centre). Anonymous is 401; a platform admin may do everything; a partnership manager of
the hub's lead organisation manages the hub (not organisations, not registering partnerships);
a partnership manager of another partnership's lead, of a (non-lead) member, provider staff and
commissioners read only (403), except that the member's manager records their own
organisation's signature (and only theirs). Every refusal changes nothing, audit trail included;
every success writes an audit row.

"Today" is 25 November 2026 (the reviews' fixed day).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import resolve, reverse
from rest_framework.test import APIClient

from core.models import AuditEvent
from partnerships import actions
from partnerships.choices import AgreementKind
from partnerships.models import (
    Agreement,
    AgreementReview,
    Funding,
    LeadResponsibility,
    Membership,
    Organisation,
    Partnership,
    Signatory,
)
from tests.accounts.factories import (
    CommissionerFactory,
    PartnershipManagerFactory,
    PlatformAdminFactory,
    ProviderStaffFactory,
)
from tests.partnerships.factories import LeadMembershipFactory, OrganisationFactory

from .conftest import Registry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("today")]

D = dt.date
DRAFTS = itertools.count(1)
TABLES = (Organisation, Partnership, Membership, LeadResponsibility, Agreement, Signatory,
          AgreementReview, Funding)


def fingerprint() -> tuple[Any, ...]:
    """Everything a write could touch: every registry row as stored, and the audit trail."""
    return (*(list(model.objects.order_by("pk").values()) for model in TABLES),
            AuditEvent.objects.count())


def draft(r: Registry, *parties: Organisation) -> Agreement:
    """A draft agreement of the hub, made through the action (as a manager would)."""
    return actions.agreement_create(partnership=r.hub, kind=AgreementKind.SERVICE_LEVEL,
                                    title=f"Referral SLA {next(DRAFTS)}", by=None,
                                    parties=parties or (r.hub_lead, r.current_partner))


def current_partner_membership(r: Registry) -> Membership:
    return Membership.objects.get(partnership=r.hub, organisation=r.current_partner)


@dataclass(frozen=True)
class Call:
    """One write: its method, and its URL and body for the registry (setting up what it needs)."""

    method: str
    request: Callable[[Registry], tuple[str, dict[str, Any]]]


def _url(name: str, **kwargs: Any) -> str:
    return reverse(name, kwargs=kwargs or None)


def _sign_other_party(r: Registry) -> tuple[str, dict[str, Any]]:
    agreement = draft(r)
    return (_url("agreement-signatures", pk=agreement.pk),
            {"organisation": r.hub_lead.slug, "signed_by": "Jo Lead", "signed_on": "2026-11-20"})


def _withdraw(r: Registry) -> tuple[str, dict[str, Any]]:
    agreement = draft(r)
    return (_url("agreement-party-withdraw", pk=agreement.pk,
                 organisation=r.current_partner.slug), {"reason": "Left"})


#: Every write endpoint, by name: how to call it so that an allowed user succeeds.
CALLS: dict[str, Call] = {
    "organisation-create": Call("post", lambda r: (
        _url("organisation-list"), {"name": "New Start", "kind": "charity"})),
    "organisation-update": Call("patch", lambda r: (
        _url("organisation-detail", slug=r.current_partner.slug),
        {"website": "https://safehomes.example.org"})),
    "partnership-create": Call("post", lambda r: (
        _url("partnership-list"), {"name": "Hub South", "setting": "community"})),
    "partnership-update": Call("patch", lambda r: (
        _url("partnership-detail", slug=r.hub.slug), {"summary": "A changed summary."})),
    "membership-add": Call("post", lambda r: (
        _url("partnership-memberships", slug=r.hub.slug),
        {"organisation": r.sibling.slug, "role": "delivery_partner",
         "joined_on": "2026-11-01"})),
    "membership-end": Call("post", lambda r: (
        _url("membership-end", pk=current_partner_membership(r).pk),
        {"left_on": "2026-11-20", "reason": "Not recommissioned."})),
    "lead-partner-change": Call("post", lambda r: (
        _url("partnership-lead-partner", slug=r.hub.slug),
        {"organisation": r.current_partner.slug, "effective_on": "2026-11-25",
         "previous_lead_continues_as": "delivery_partner"})),
    "lead-responsibility-assign": Call("post", lambda r: (
        _url("partnership-lead-responsibilities", slug=r.hub.slug),
        {"activity": "case-management", "organisation": r.current_partner.slug,
         "starts_on": "2026-11-01"})),
    "lead-responsibility-end": Call("post", lambda r: (
        _url("leadresponsibility-end", pk=r.lead_responsibility.pk), {"ends_on": "2026-11-25"})),
    "funding-add": Call("post", lambda r: (
        _url("partnership-funding", slug=r.hub.slug),
        {"funder": r.funder.slug, "amount": "5000.00", "source": "grant",
         "period_start": "2026-04-01", "period_end": "2027-03-31"})),
    "funding-end": Call("post", lambda r: (
        _url("funding-end", pk=Funding.objects.get(partnership=r.hub).pk),
        {"ends_on": "2020-12-31"})),
    "agreement-create": Call("post", lambda r: (
        _url("agreement-list"),
        {"partnership": r.hub.slug, "kind": "service_level", "title": "Referral SLA",
         "parties": [r.hub_lead.slug, r.current_partner.slug]})),
    "agreement-new-version": Call("post", lambda r: (
        _url("agreement-new-version", pk=r.agreement_v2.pk), {"reason": "New partner."})),
    "agreement-party-add": Call("post", lambda r: (
        _url("agreement-parties", pk=draft(r).pk), {"organisation": r.sibling.slug})),
    "agreement-party-withdraw": Call("post", _withdraw),
    "agreement-sign-own": Call("post", lambda r: (
        _url("agreement-signatures", pk=r.agreement_v2.pk),
        {"organisation": r.current_partner.slug, "signed_by": "Amina Shah",
         "signer_role": "Chief Executive", "signed_on": "2026-11-20"})),
    "agreement-sign-other-party": Call("post", _sign_other_party),
    "agreement-put-into-effect": Call("post", lambda r: (
        _url("agreement-put-into-effect", pk=draft(r).pk),
        {"effective_on": "2026-11-25", "reason": "Signatures follow at the next meeting."})),
    "agreement-review": Call("post", lambda r: (
        _url("agreement-reviews", pk=r.agreement_v2.pk),
        {"reviewed_on": "2026-11-20", "outcome": "Continues unchanged."})),
    "agreement-end": Call("post", lambda r: (
        _url("agreement-end", pk=r.agreement_v2.pk),
        {"ended_on": "2026-11-25", "reason": "Not recommissioned."})),
}

ROLES = ["anonymous", "provider_staff", "commissioner", "lead_manager", "other_manager",
         "member_manager", "platform_admin"]

ADMIN_ONLY = {"organisation-create", "organisation-update", "partnership-create"}
#: Besides the hub's managers, who may make each call.
ALSO_ALLOWED = {"agreement-sign-own": {"member_manager"}}
CREATED = {"organisation-create", "partnership-create", "membership-add", "lead-partner-change",
           "lead-responsibility-assign", "funding-add", "agreement-create",
           "agreement-new-version", "agreement-review"}


def expected_status(endpoint: str, role: str) -> int:
    if role == "anonymous":
        return 401
    allowed = {"platform_admin"} if endpoint in ADMIN_ONLY else {"platform_admin", "lead_manager"}
    if role in allowed | ALSO_ALLOWED.get(endpoint, set()):
        return 201 if endpoint in CREATED else 200
    return 403


def user_for(role: str, r: Registry) -> Any:
    """The user in ``role``; the other manager's organisation leads the other partnership."""
    if role == "anonymous":
        return None
    if role == "other_manager":
        other_lead = OrganisationFactory(name="Northgate Trust", slug="northgate-trust")
        LeadMembershipFactory(partnership=r.other, organisation=other_lead,
                              joined_on=D(2024, 1, 1))
        return PartnershipManagerFactory(organisation=other_lead)
    return {
        "provider_staff": lambda: ProviderStaffFactory(organisation=r.hub_lead),
        "commissioner": lambda: CommissionerFactory(organisation=r.funder),
        "lead_manager": lambda: PartnershipManagerFactory(organisation=r.hub_lead),
        "member_manager": lambda: PartnershipManagerFactory(organisation=r.current_partner),
        "platform_admin": lambda: PlatformAdminFactory(),
    }[role]()


def client_of(user: Any) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(CALLS))
def test_write_permission_matrix(registry: Registry, endpoint: str, role: str) -> None:
    call = CALLS[endpoint]
    client = client_of(user_for(role, registry))
    url, body = call.request(registry)
    before = fingerprint()
    response = getattr(client, call.method)(url, body, format="json")
    expected = expected_status(endpoint, role)
    assert response.status_code == expected, (endpoint, role, response.content)
    if expected >= 400:
        assert fingerprint() == before, "a refused call changed something"
        assert "detail" in response.json()
        if expected == 403:
            assert "may" in response.json()["detail"] or "by" in response.json()["detail"]
    else:
        assert AuditEvent.objects.count() > before[-1], "a write without an audit row"


def test_matrix_covers_every_write_route(registry: Registry) -> None:
    """Every POST/PATCH route of the registry API (reviews apart: tests/api/test_reviews_api.py;
    governance apart: tests/api/test_governance_*.py) is in the matrix, so a new write endpoint
    must be added to CALLS."""
    from config.api_urls import urlpatterns

    prefixes = ("organisations", "partnerships", "agreements", "memberships",
                "lead-responsibilities", "funding")
    routes = set()
    for pattern in urlpatterns:
        route = str(pattern.pattern).lstrip("^")
        handled = getattr(getattr(pattern, "callback", None), "actions", None) or {}
        partnership_reviews = route.startswith("partnerships/") and "/reviews" in route
        # A partnership's governance has its own matrices (tests/api/test_governance_*.py).
        governance = route.startswith("partnerships/") and "/governance/" in route
        if (not route.startswith(prefixes) or partnership_reviews or governance
                or "format" in route):
            continue
        routes |= {(method, pattern.name) for method in ("post", "patch") if method in handled}
    called = {(call.method, resolve(urlsplit(call.request(registry)[0]).path).url_name)
              for call in CALLS.values()}
    assert called == routes
    assert len(routes) == 19


def test_member_manager_records_only_their_own_signature(registry: Registry) -> None:
    """The member organisation's manager signs for their organisation; for another party the
    answer is 403 with the reason, and nothing changes."""
    client = client_of(PartnershipManagerFactory(organisation=registry.current_partner))
    agreement = draft(registry)
    url = reverse("agreement-signatures", kwargs={"pk": agreement.pk})
    before = fingerprint()
    refused = client.post(url, {"organisation": registry.hub_lead.slug, "signed_by": "Jo",
                                "signed_on": "2026-11-20"}, format="json")
    assert refused.status_code == 403
    assert "own organisation" in refused.json()["detail"]
    assert fingerprint() == before
    signed = client.post(url, {"organisation": registry.current_partner.slug,
                               "signed_by": "Amina Shah", "signed_on": "2026-11-20"},
                         format="json")
    assert signed.status_code == 200, signed.content
    party = Signatory.objects.get(agreement=agreement, organisation=registry.current_partner)
    assert party.signed_by == "Amina Shah"
    assert party.signed_on == D(2026, 11, 20)


def test_member_manager_of_a_non_party_may_not_sign(registry: Registry) -> None:
    """A member's manager whose organisation is not a party to the version: 403."""
    client = client_of(PartnershipManagerFactory(organisation=registry.current_partner))
    agreement = draft(registry, registry.hub_lead)
    before = fingerprint()
    response = client.post(reverse("agreement-signatures", kwargs={"pk": agreement.pk}),
                           {"organisation": registry.current_partner.slug, "signed_by": "Jo",
                            "signed_on": "2026-11-20"}, format="json")
    assert response.status_code == 403
    assert fingerprint() == before


@pytest.mark.parametrize("name", ["membership-end", "leadresponsibility-end", "funding-end",
                                  "agreement-end", "agreement-signatures"])
def test_unknown_row_is_404(registry: Registry, name: str) -> None:
    client = client_of(PlatformAdminFactory())
    before = fingerprint()
    response = client.post(reverse(name, kwargs={"pk": 999999}), {}, format="json")
    assert response.status_code == 404
    assert fingerprint() == before


@pytest.mark.parametrize("name", ["partnership-memberships", "partnership-lead-partner",
                                  "partnership-lead-responsibilities", "partnership-funding"])
def test_unknown_partnership_is_404(registry: Registry, name: str) -> None:
    client = client_of(PlatformAdminFactory())
    response = client.post(reverse(name, kwargs={"slug": "no-such-partnership"}), {},
                           format="json")
    assert response.status_code == 404


def test_inactive_manager_is_refused(registry: Registry) -> None:
    """A switched-off account of the lead's manager: refused, nothing changed."""
    user = PartnershipManagerFactory(organisation=registry.hub_lead)
    client = client_of(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    url, body = CALLS["partnership-update"].request(registry)
    before = fingerprint()
    response = client.patch(url, body, format="json")
    assert response.status_code in (401, 403)
    assert fingerprint() == before
