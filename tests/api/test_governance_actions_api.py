"""The action log API: the permission matrix of reading, adding, changing, completing and
dropping (role x own organisation), each write end to end with its audit row, bad input a 400
with nothing changed, and the filters."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core import clock
from core.display import display_name
from core.models import AuditEvent
from governance import actions
from governance.choices import ActionStatus
from governance.models import ActionItem
from tests.governance.factories import BodyFactory, GovernanceSetup, governance_setup

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "staff", "manager", "commissioner", "admin"]
ORGS = ["lead", "member", "non_member"]


@pytest.fixture
def s() -> GovernanceSetup:
    return governance_setup()


def day(n: int) -> datetime.date:
    return clock.today() + datetime.timedelta(days=n)


def client_of(user: Any) -> APIClient:
    client = APIClient()
    if getattr(user, "is_authenticated", False):
        client.force_login(user)
    return client


def list_url(s: GovernanceSetup) -> str:
    return reverse("governance-action-list", kwargs={"slug": s.partnership.slug})


def item_url(s: GovernanceSetup, item: ActionItem, verb: str = "detail") -> str:
    return reverse(f"governance-action-{verb}", kwargs={"slug": s.partnership.slug,
                                                        "pk": item.pk})


def add(s: GovernanceSetup, **fields: Any) -> ActionItem:
    fields.setdefault("owner_organisation", s.member)
    fields.setdefault("due_on", day(7))
    return actions.action_item_create(partnership=s.partnership, text="Share the calendar",
                                      by=s.manager, **fields)


def state() -> tuple[Any, ...]:
    return (tuple(ActionItem.objects.order_by("pk").values_list("status", "due_on", "text")),
            AuditEvent.objects.count())


def expected(table: dict[str, Any], role: str, org: str) -> int:
    answer = table[role]
    return answer[org] if isinstance(answer, dict) else answer


READ = {"anonymous": 401, "staff": {"lead": 200, "member": 200, "non_member": 404},
        "manager": {"lead": 200, "member": 200, "non_member": 404},
        "commissioner": 200, "admin": 200}
MANAGE = {"anonymous": 401, "staff": {"lead": 403, "member": 403, "non_member": 404},
          "manager": {"lead": "ok", "member": 403, "non_member": 404},
          "commissioner": 403, "admin": "ok"}
# The action is owned by the member organisation, no person named: its partnership managers
# own it too.
COMPLETE = {"anonymous": 401, "staff": {"lead": 403, "member": 403, "non_member": 404},
            "manager": {"lead": 200, "member": 200, "non_member": 404},
            "commissioner": 403, "admin": 200}


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize("role", ROLES)
def test_who_may_read(s: GovernanceSetup, role: str, org: str) -> None:
    item = add(s)
    client = client_of(s.user(role, org))
    assert client.get(list_url(s)).status_code == expected(READ, role, org)
    assert client.get(item_url(s, item)).status_code == expected(READ, role, org)


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize("role", ROLES)
def test_who_may_add(s: GovernanceSetup, role: str, org: str) -> None:
    before = state()
    response = client_of(s.user(role, org)).post(list_url(s), {
        "text": "Send the pathway", "owner_organisation": s.member.slug,
        "due_on": day(10).isoformat()}, format="json")
    want = expected(MANAGE, role, org)
    assert response.status_code == (201 if want == "ok" else want)
    if want != "ok":
        assert state() == before
    else:
        assert response.json()["owner_organisation"]["slug"] == s.member.slug


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize("role", ROLES)
def test_who_may_change(s: GovernanceSetup, role: str, org: str) -> None:
    item = add(s)
    before = state()
    response = client_of(s.user(role, org)).patch(item_url(s, item),
                                                  {"due_on": day(20).isoformat()},
                                                  format="json")
    want = expected(MANAGE, role, org)
    assert response.status_code == (200 if want == "ok" else want)
    if want == "ok":
        assert response.json()["due_on"] == day(20).isoformat()
    else:
        assert state() == before


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize("role", ROLES)
def test_who_may_drop(s: GovernanceSetup, role: str, org: str) -> None:
    item = add(s)
    before = state()
    response = client_of(s.user(role, org)).post(item_url(s, item, "drop"),
                                                 {"reason": "Covered elsewhere"},
                                                 format="json")
    want = expected(MANAGE, role, org)
    assert response.status_code == (200 if want == "ok" else want)
    if want == "ok":
        assert response.json()["status"] == ActionStatus.DROPPED
    else:
        assert state() == before


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize("role", ROLES)
def test_who_may_complete(s: GovernanceSetup, role: str, org: str) -> None:
    item = add(s)
    before = state()
    response = client_of(s.user(role, org)).post(item_url(s, item, "complete"), {},
                                                 format="json")
    want = expected(COMPLETE, role, org)
    assert response.status_code == want
    if want == 200:
        assert (response.json()["status"], response.json()["completed_on"]) == (
            ActionStatus.DONE, clock.today().isoformat())
    else:
        assert state() == before


def test_the_owner_person_completes_their_own(s: GovernanceSetup) -> None:
    item = add(s, owner=s.member_staff)
    response = client_of(s.member_staff).post(item_url(s, item, "complete"),
                                              {"completed_on": day(-1).isoformat()},
                                              format="json")
    assert response.status_code == 200
    assert response.json()["owner"] == display_name(s.member_staff)


def test_bad_input_is_a_400_on_its_field_and_changes_nothing(s: GovernanceSetup) -> None:
    item = add(s)
    client = client_of(s.manager)
    before = state()
    response = client.post(item_url(s, item, "complete"), {"completed_on": day(2).isoformat()},
                           format="json")
    assert response.status_code == 400 and "completed_on" in str(response.json())
    response = client.post(list_url(s), {"text": "X", "owner_organisation": s.non_member.slug,
                                         "due_on": day(3).isoformat()}, format="json")
    assert response.status_code == 400 and "owner_organisation" in str(response.json())
    assert client.post(item_url(s, item, "drop"), {"reason": ""},
                       format="json").status_code == 400
    assert client.patch(item_url(s, item), {}, format="json").status_code == 400
    assert client.patch(item_url(s, item), {"owner": s.outsider.pk},
                        format="json").status_code == 400
    assert state() == before


def test_a_closed_action_cannot_change(s: GovernanceSetup) -> None:
    item = add(s)
    client = client_of(s.manager)
    assert client.post(item_url(s, item, "drop"), {"reason": "No longer needed"},
                       format="json").status_code == 200
    assert client.post(item_url(s, item, "complete"), {}, format="json").status_code == 400
    assert client.patch(item_url(s, item), {"text": "Again"}, format="json").status_code == 400


def test_the_filters_of_the_page_apply(s: GovernanceSetup) -> None:
    board = BodyFactory(partnership=s.partnership)
    late = add(s)
    ActionItem.objects.filter(pk=late.pk).update(due_on=day(-2))
    on_board = add(s, owner_organisation=s.lead, body=board)
    client = client_of(s.member_staff)

    def ids(**query: Any) -> list[int]:
        response = client.get(list_url(s), query)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [late.pk, on_board.pk]
    assert ids(overdue="true") == [late.pk]
    assert ids(overdue="false") == [late.pk, on_board.pk]
    assert ids(owner_organisation=s.lead.slug) == [on_board.pk]
    assert ids(body=board.pk) == [on_board.pk]
    assert ids(status="done") == []
    response = client.get(list_url(s), {"owner_organisation": "nowhere"})
    assert response.status_code == 400 and "owner_organisation" in response.json()
    assert client.get(list_url(s)).json()["results"][0]["overdue"] is True
