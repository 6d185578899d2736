"""The frontline insights API: the permission matrix of reading, recording and triaging (role x
own organisation), each write end to end, bad input a 400 with nothing changed, the reply only
on the caller's own insights, filters, and the schema."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core import clock
from core.models import AuditEvent
from governance import actions
from governance.choices import InsightStatus, InsightTheme
from governance.models import ActionItem, Insight
from tests.accounts.factories import ProviderStaffFactory
from tests.governance.factories import BodyFactory, GovernanceSetup, governance_setup

from .test_schema import fresh_generator_stats, generate  # noqa: F401  (autouse here too)

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "staff", "manager", "commissioner", "admin"]
ORGS = ["lead", "member", "non_member"]
REPLY = "The prison now sends release letters a week ahead."


@pytest.fixture
def s() -> GovernanceSetup:
    return governance_setup()


def client_of(user: Any) -> APIClient:
    client = APIClient()
    if getattr(user, "is_authenticated", False):
        client.force_login(user)
    return client


def list_url(s: GovernanceSetup, query: str = "") -> str:
    return reverse("governance-insight-list", kwargs={"slug": s.partnership.slug}) + query


def triage_url(s: GovernanceSetup, insight: Insight) -> str:
    return reverse("governance-insight-triage",
                   kwargs={"slug": s.partnership.slug, "pk": insight.pk})


def record(s: GovernanceSetup, text: str = "Release letters arrive late.", by=None) -> Insight:
    return actions.insight_record(partnership=s.partnership, theme=InsightTheme.RELEASE,
                                  text=text, by=by or s.member_staff)


def counts() -> tuple[int, int, int]:
    return Insight.objects.count(), ActionItem.objects.count(), AuditEvent.objects.count()


def expected(table: dict[str, Any], role: str, org: str) -> int:
    answer = table[role]
    return answer[org] if isinstance(answer, dict) else answer


READ = {"anonymous": 401, "staff": {"lead": 200, "member": 200, "non_member": 404},
        "manager": {"lead": 200, "member": 200, "non_member": 404},
        "commissioner": 200, "admin": 200}
RECORD = {"anonymous": 401, "staff": {"lead": 201, "member": 201, "non_member": 404},
          "manager": {"lead": 201, "member": 201, "non_member": 404},
          "commissioner": 403, "admin": 403}
TRIAGE = {"anonymous": 401, "staff": {"lead": 403, "member": 403, "non_member": 404},
          "manager": {"lead": 200, "member": 403, "non_member": 404},
          "commissioner": 403, "admin": 200}


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize("role", ROLES)
def test_who_may_read(s: GovernanceSetup, role: str, org: str) -> None:
    record(s)
    response = client_of(s.user(role, org)).get(list_url(s))
    assert response.status_code == expected(READ, role, org)
    if response.status_code == 200:
        assert response.json()["count"] == 1
    if response.status_code == 404:
        assert "Northgate" not in response.content.decode()


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize("role", ROLES)
def test_who_may_record(s: GovernanceSetup, role: str, org: str) -> None:
    user = s.user(role, org)
    before = counts()
    response = client_of(user).post(list_url(s), {"theme": "release",
                                                  "text": "Letters arrive late."}, format="json")
    code = expected(RECORD, role, org)
    assert response.status_code == code, response.content
    if code == 201:
        body = response.json()
        assert body["status"] == "new" and body["mine"] is True
        assert body["organisation"]["slug"] == user.organisation.slug
    else:
        assert counts() == before
    if code == 403:
        assert response.json() == {"detail": "Insights are recorded by staff of the "
                                             "partnership's member organisations."}


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize("role", ROLES)
def test_who_may_triage(s: GovernanceSetup, role: str, org: str) -> None:
    insight = record(s)
    before = counts()
    response = client_of(s.user(role, org)).post(
        triage_url(s, insight), {"outcome": "close", "reply": REPLY}, format="json")
    code = expected(TRIAGE, role, org)
    assert response.status_code == code, response.content
    if code == 200:
        assert response.json()["status"] == "closed" and response.json()["reply"] == REPLY
    else:
        assert counts() == before
    if code == 403:
        assert "managers and the chairs" in response.json()["detail"]


def test_a_chair_may_triage(s: GovernanceSetup) -> None:
    chair = ProviderStaffFactory(organisation=s.member)
    board = BodyFactory(partnership=s.partnership, chair=chair)
    response = client_of(chair).post(triage_url(s, record(s)),
                                     {"outcome": "agenda", "body": board.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["agenda_body"] == {"id": board.pk, "name": board.name}


def test_triage_to_an_action(s: GovernanceSetup) -> None:
    due = clock.today() + datetime.timedelta(days=21)
    response = client_of(s.manager).post(triage_url(s, record(s)), {
        "outcome": "action", "owner_organisation": s.member.slug, "due_on": due.isoformat(),
        "text": "Agree a release-letter timetable."}, format="json")
    assert response.status_code == 200, response.content
    item = ActionItem.objects.get(pk=response.json()["action"])
    assert (item.owner_organisation, item.due_on, item.text) == (
        s.member, due, "Agree a release-letter timetable.")


@pytest.mark.parametrize("body, field", [
    ({"outcome": "agenda"}, "body"),
    ({"outcome": "action", "owner_organisation": "riverside"}, "owner_organisation"),
    ({"outcome": "action", "due_on": "2030-01-01"}, "owner_organisation"),
    ({"outcome": "close"}, "reply"),
    ({"outcome": "ignore"}, "outcome"),
])
def test_triage_input_is_checked(s: GovernanceSetup, body: dict[str, Any], field: str) -> None:
    insight = record(s)
    before = counts()
    response = client_of(s.manager).post(triage_url(s, insight), body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert counts() == before


def test_personal_data_is_a_400_on_the_text(s: GovernanceSetup) -> None:
    before = counts()
    for text in ("Person A1234BC released late.", "DOB 12/03/1985.", "born on 3 March 1990"):
        response = client_of(s.member_staff).post(list_url(s), {"theme": "release",
                                                                "text": text}, format="json")
        assert response.status_code == 400
        assert "must not identify anyone" in response.json()["text"][0]
    assert counts() == before
    ok = client_of(s.member_staff).post(list_url(s), {"theme": "release",
                                                      "text": "Late letters since 2019."},
                                        format="json")
    assert ok.status_code == 201


def test_a_closed_insight_is_not_triaged_again(s: GovernanceSetup) -> None:
    insight = actions.insight_close(insight=record(s), reply=REPLY, by=s.manager)
    response = client_of(s.manager).post(triage_url(s, insight),
                                         {"outcome": "close", "reply": "Again."}, format="json")
    assert response.status_code == 400 and "closed" in str(response.json())


def test_an_insight_of_another_partnership_is_not_found(s: GovernanceSetup) -> None:
    other = governance_setup(name="Other Partnership")
    theirs = record(other)
    url = reverse("governance-insight-triage",
                  kwargs={"slug": s.partnership.slug, "pk": theirs.pk})
    response = client_of(s.admin).post(url, {"outcome": "close", "reply": "x"}, format="json")
    assert response.status_code == 404


def test_the_reply_is_only_on_the_callers_own_insights_and_filters(s: GovernanceSetup) -> None:
    mine = record(s, "Mine.")
    actions.insight_close(insight=mine, reply=REPLY, by=s.manager)
    colleague = ProviderStaffFactory(organisation=s.lead)
    record(s, "Theirs.", by=colleague)
    rows = {r["text"]: r for r in client_of(s.member_staff).get(list_url(s)).json()["results"]}
    assert rows["Mine."]["reply"] == REPLY and rows["Mine."]["mine"] is True
    others = {r["text"]: r for r in client_of(colleague).get(list_url(s)).json()["results"]}
    assert others["Mine."]["reply"] is None
    only_mine = client_of(colleague).get(list_url(s, "?mine=true")).json()["results"]
    assert [r["text"] for r in only_mine] == ["Theirs."]
    closed = client_of(colleague).get(list_url(s, "?status=closed")).json()["results"]
    assert [r["text"] for r in closed] == ["Mine."]
    assert client_of(colleague).get(list_url(s, "?theme=staffing")).json()["count"] == 0
    assert InsightStatus.CLOSED == "closed"


def test_the_schema_documents_the_insights_endpoints(tmp_path: Path) -> None:
    schema = generate(tmp_path)
    paths = schema["paths"]
    listing = paths["/api/v1/partnerships/{slug}/governance/insights/"]
    triage = paths["/api/v1/partnerships/{slug}/governance/insights/{id}/triage/"]
    assert listing["get"]["tags"] == ["Governance"] and "post" in listing
    assert {"400", "403", "404"} <= set(triage["post"]["responses"])


def test_the_list_costs_the_same_queries_for_2_or_12_insights(s: GovernanceSetup) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    board = BodyFactory(partnership=s.partnership)
    client = client_of(s.member_staff)

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(list_url(s)).status_code == 200
        return len(queries)

    for _ in range(2):
        actions.insight_to_agenda(insight=record(s), body=board, by=s.manager)
    few = cost()
    for _ in range(10):
        actions.insight_to_action(insight=record(s), by=s.manager, owner_organisation=s.member,
                                  due_on=clock.today() + datetime.timedelta(days=7))
    assert cost() == few
