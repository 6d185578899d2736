"""The governance bodies API (issue 19): the permission matrix for every write and the reads
(role × organisation → status, nothing changed on a refusal, an audit row on success), what the
reads answer, and bad input as a 400 on its field."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import AuditEvent
from governance.models import Body, BodySeat, Decision
from tests.accounts.factories import (
    CommissionerFactory,
    PartnershipManagerFactory,
    ProviderStaffFactory,
)
from tests.governance.factories import (
    DecisionFactory,
    GovernanceSetup,
    SeatFactory,
    board_with_group,
    governance_setup,
)

from .test_permissions import REFUSED

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def s() -> GovernanceSetup:
    return governance_setup()


def client_of(user: Any) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def state() -> tuple[int, int, int, list[Any]]:
    return (Body.objects.count(), BodySeat.objects.count(), Decision.objects.count(),
            list(BodySeat.objects.values_list("left_on", flat=True).order_by("pk")))


# --------------------------------------------------------------------------------------------
# The permission matrix
# --------------------------------------------------------------------------------------------

WHO = [("anonymous", None),
       ("staff", "lead"), ("staff", "member"), ("staff", "non_member"),
       ("chair", "member"),
       ("manager", "lead"), ("manager", "member"), ("manager", "non_member"),
       ("commissioner", "funder"), ("commissioner", "non_member"),
       ("admin", None)]
WRITES = ["body-create", "seat-add", "seat-end", "decision"]
READS = ["list", "detail"]


def user_for(s: GovernanceSetup, board: Body, role: str, org: str | None) -> Any:
    if role == "admin":
        return s.admin
    if role == "commissioner":
        return s.commissioner if org == "funder" else CommissionerFactory()
    if role == "chair":
        board.chair = ProviderStaffFactory(organisation=s.member)
        board.save()
        return board.chair
    organisation = getattr(s, org or "")
    factory = PartnershipManagerFactory if role == "manager" else ProviderStaffFactory
    return factory(organisation=organisation)


def request_for(s: GovernanceSetup, board: Body, seat: BodySeat,
                call: str) -> tuple[str, str, dict[str, Any] | None]:
    slug = s.partnership.slug
    if call == "body-create":
        return "post", reverse("governance-body-list", args=[slug]), {
            "name": "Service-user group", "kind": "service_user", "formed_on": "2022-02-01",
            "reports_to": board.pk}
    if call == "seat-add":
        return "post", reverse("governance-body-seats", args=[slug, board.pk]), {
            "organisation": s.lead.slug, "seat": "Chair's organisation",
            "joined_on": "2022-01-01"}
    if call == "seat-end":
        return "post", reverse("governance-seat-end", args=[slug, seat.pk]), {
            "left_on": "2024-03-31"}
    if call == "decision":
        return "post", reverse("governance-body-decisions", args=[slug, board.pk]), {
            "decided_on": "2025-01-09", "text": "Adopt the new referral form."}
    if call == "list":
        return "get", reverse("governance-body-list", args=[slug]), None
    return "get", reverse("governance-body-detail", args=[slug, board.pk]), None


def expected_status(call: str, role: str, org: str | None) -> int:
    if role == "anonymous":
        return REFUSED
    if org == "non_member":
        return 404  # may not read the partnership's governance: it does not exist for them
    if call in READS:
        return 200
    if role in ("admin", "chair") or (role == "manager" and org == "lead"):
        return 200 if call == "seat-end" else 201
    return 403


@pytest.mark.parametrize("call", WRITES + READS)
@pytest.mark.parametrize(("role", "org"), WHO)
def test_permission_matrix(s: GovernanceSetup, call: str, role: str, org: str | None) -> None:
    board, _ = board_with_group(s)
    seat = SeatFactory(body=board, organisation=s.member, joined_on=D(2021, 6, 1))
    client = APIClient() if role == "anonymous" else client_of(user_for(s, board, role, org))
    method, address, data = request_for(s, board, seat, call)
    before, audits = state(), AuditEvent.objects.count()
    response = getattr(client, method)(address, data, format="json")
    expected = expected_status(call, role, org)
    assert response.status_code == expected, (call, role, org, response.content)
    if expected >= 400:
        assert state() == before, "a refused call changed something"
        if expected == 403:
            assert "partnership managers" in response.json()["detail"]
        if expected == 404:
            assert s.partnership.name not in response.content.decode()
        return
    if call in READS:
        assert AuditEvent.objects.count() == audits
        return
    assert state() != before
    assert AuditEvent.objects.count() > audits, "a write without an audit row"


# --------------------------------------------------------------------------------------------
# What the endpoints answer
# --------------------------------------------------------------------------------------------


def test_the_list_and_detail_show_the_structure_seats_and_decisions(s):
    board, group = board_with_group(s)
    board.chair = s.manager
    board.save()
    SeatFactory(body=board, organisation=s.member, seat="Vice-chair")
    SeatFactory(body=board, organisation=s.lead, joined_on=D(2021, 4, 1),
                left_on=D(2023, 3, 31))
    DecisionFactory(body=board, text="Adopted the working agreement.")
    client = client_of(s.member_staff)
    listed = client.get(reverse("governance-body-list", args=[s.partnership.slug])).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    by_name = {row["name"]: row for row in rows}
    assert by_name["Operational working group"]["reports_to"] == board.pk
    assert by_name["Partnership board"]["chair_organisation"]["slug"] == s.lead.slug
    assert [seat["organisation"]["slug"] for seat in
            by_name["Partnership board"]["current_seats"]] == [s.member.slug]
    detail = client.get(reverse("governance-body-detail",
                                args=[s.partnership.slug, board.pk])).json()
    assert len(detail["seats"]) == 2
    assert detail["decisions"][0]["text"] == "Adopted the working agreement."
    assert "chair" not in detail  # no individual is named


def test_a_body_of_another_partnership_is_not_found(s):
    other = governance_setup(name="Elsewhere Partnership")
    board, _ = board_with_group(other)
    response = client_of(s.manager).get(reverse("governance-body-detail",
                                                args=[s.partnership.slug, board.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize(("path", "data", "field"), [
    ("seats", {"organisation": "elsewhere-family-support", "joined_on": "2022-01-01"},
     "organisation"),
    ("decisions", {"decided_on": "2099-01-01", "text": "Agreed."}, "decided_on"),
    ("decisions", {"decided_on": "2025-01-01"}, "text"),
])
def test_bad_input_is_a_400_on_its_field(s, path, data, field):
    board, _ = board_with_group(s)
    s.non_member.slug = "elsewhere-family-support"
    s.non_member.save()
    before = state()
    response = client_of(s.manager).post(
        reverse(f"governance-body-{path}", args=[s.partnership.slug, board.pk]), data,
        format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert state() == before


def test_a_body_cannot_report_to_one_of_another_partnership(s):
    other = governance_setup(name="Elsewhere Partnership")
    elsewhere, _ = board_with_group(other)
    response = client_of(s.manager).post(
        reverse("governance-body-list", args=[s.partnership.slug]),
        {"name": "Board", "kind": "board", "formed_on": "2022-01-01",
         "reports_to": elsewhere.pk}, format="json")
    assert response.status_code == 400
    assert "reports_to" in response.json()
