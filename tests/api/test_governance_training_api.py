"""The joint training and feedback API (issue 19, points 5 and 6): who may read and record
(a permission matrix of role × organisation for each write), 400s on bad input with nothing
changed, the last year's totals, the quarterly feedback summary, and comments only for members.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from governance import actions
from governance.models import FeedbackResponse, TrainingEvent
from tests.governance.factories import GovernanceSetup, governance_setup
from tests.partnerships.review_factories import today  # noqa: F401  (the fixed day)

from .test_schema import fresh_generator_stats  # noqa: F401  (autouse here too)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("today")]

D = dt.date
ROLES = ["anonymous", "staff", "manager", "commissioner", "admin"]
ORGS = ["lead", "member", "non_member"]
COMMENT = "The group helped me keep my first appointment."


@pytest.fixture
def s() -> GovernanceSetup:
    return governance_setup()


def client_of(user: Any) -> APIClient:
    client = APIClient()
    if user.is_authenticated:
        client.force_login(user)
    return client


def url(s: GovernanceSetup, what: str) -> str:
    return reverse(f"governance-{what}", kwargs={"slug": s.partnership.slug})


def training_body(s: GovernanceSetup, host: str = "") -> dict[str, Any]:
    return {"kind": "training", "topic": "Naloxone awareness", "held_on": "2026-10-01",
            "host": host or s.lead.slug,
            "attendance": [{"organisation": s.lead.slug, "role": "frontline", "attendees": 4},
                           {"organisation": s.member.slug, "role": "manager", "attendees": 1}]}


def feedback_body(s: GovernanceSetup) -> dict[str, Any]:
    return {"source": "person", "method": "worker", "rating": 4, "comment": COMMENT,
            "received_on": "2026-11-20", "about_organisation": s.member.slug}


# What each role at each organisation gets (lead partner, member, non-member); anonymous,
# commissioner (of the funder) and admin are the same whatever the column.
TRAINING_POST = {
    "anonymous": (401, 401, 401),
    "staff": (403, 403, 404),
    # A member's partnership manager may record only sessions their organisation hosted: this
    # one was hosted by the lead partner.
    "manager": (201, 403, 404),
    "commissioner": (403, 403, 403),
    "admin": (201, 201, 201),
}
FEEDBACK_POST = {
    "anonymous": (401, 401, 401),
    "staff": (201, 201, 404),
    "manager": (201, 201, 404),
    "commissioner": (403, 403, 403),
    "admin": (201, 201, 201),
}
READ = {
    "anonymous": (401, 401, 401),
    "staff": (200, 200, 404),
    "manager": (200, 200, 404),
    "commissioner": (200, 200, 200),
    "admin": (200, 200, 200),
}


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize("role", ROLES)
def test_training_post_matrix(s, role, org):
    expected = TRAINING_POST[role][ORGS.index(org)]
    response = client_of(s.user(role, org)).post(url(s, "training"), training_body(s),
                                                format="json")
    assert response.status_code == expected, response.content
    assert TrainingEvent.objects.count() == (1 if expected == 201 else 0)
    if expected == 403:
        assert "Training is recorded by" in response.json()["detail"]


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize("role", ROLES)
def test_feedback_post_matrix(s, role, org):
    expected = FEEDBACK_POST[role][ORGS.index(org)]
    response = client_of(s.user(role, org)).post(url(s, "feedback"), feedback_body(s),
                                                format="json")
    assert response.status_code == expected, response.content
    assert FeedbackResponse.objects.count() == (1 if expected == 201 else 0)
    if expected == 403:
        assert "Feedback is recorded by staff" in response.json()["detail"]


@pytest.mark.parametrize("what", ["training", "feedback"])
@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize("role", ROLES)
def test_read_matrix(s, role, org, what):
    response = client_of(s.user(role, org)).get(url(s, what))
    assert response.status_code == READ[role][ORGS.index(org)]


def test_member_manager_records_their_own_session(s):
    response = client_of(s.member_manager).post(url(s, "training"),
                                                training_body(s, host=s.member.slug),
                                                format="json")
    assert response.status_code == 201
    data = response.json()
    assert data["host"]["slug"] == s.member.slug
    assert {(a["organisation"]["slug"], a["role"], a["attendees"]) for a in data["attendance"]} \
        == {(s.lead.slug, "frontline", 4), (s.member.slug, "manager", 1)}


@pytest.mark.parametrize("change, field", [
    ({"held_on": "2026-11-26"}, "held_on"),
    ({"attendance": []}, "attendance"),
    ({"host": "no-such-organisation"}, "host"),
    ({"kind": "lecture"}, "kind"),
])
def test_training_bad_input_is_400_on_its_field(s, change, field):
    response = client_of(s.manager).post(url(s, "training"), {**training_body(s), **change},
                                         format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not TrainingEvent.objects.exists()


def test_training_duplicate_rows_are_400(s):
    body = training_body(s)
    body["attendance"].append({"organisation": s.lead.slug, "role": "frontline",
                               "attendees": 2})
    response = client_of(s.manager).post(url(s, "training"), body, format="json")
    assert response.status_code == 400
    assert "listed twice" in str(response.json()["attendance"])


@pytest.mark.parametrize("change, field", [
    ({"comment": "Prison number Z1234SS"}, "comment"),
    ({"rating": 9}, "rating"),
    ({"received_on": "2026-11-26"}, "received_on"),
    ({"about_organisation": "no-such-organisation"}, "about_organisation"),
])
def test_feedback_bad_input_is_400_on_its_field(s, change, field):
    response = client_of(s.member_staff).post(url(s, "feedback"),
                                              {**feedback_body(s), **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not FeedbackResponse.objects.exists()


def test_training_get_lists_events_and_last_year(s):
    actions.training_record(partnership=s.partnership, kind="training", topic="Naloxone",
                            held_on=D(2026, 10, 1), host=s.lead, by=s.manager,
                            attendance=[(s.lead, "frontline", 4), (s.member, "frontline", 3)])
    data = client_of(s.commissioner).get(url(s, "training")).json()
    assert data["count"] == 1
    assert data["results"][0]["topic"] == "Naloxone"
    assert data["last_year"] == {"since": "2025-11-26", "until": "2026-11-25", "events": 1,
                                 "organisations": 2, "attendees": 7}


def test_feedback_get_summary_and_comments_only_for_members(s):
    for rating in (5, 2):
        actions.feedback_record(partnership=s.partnership, source="person", method="paper",
                                rating=rating, comment=COMMENT, received_on=D(2026, 10, 2),
                                by=s.member_staff)
    member = client_of(s.member_staff).get(url(s, "feedback")).json()
    current = member["quarters"][-1]
    assert current["quarter"] == "2026–27 Q3"
    assert current["responses"] == 2 and current["average_rating"] == 3.5
    assert current["ratings"] == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}
    assert current["by_source"] == {"provider": 0, "person": 2, "family": 0}
    assert [c["comment"] for c in member["comments"]] == [COMMENT, COMMENT]
    commissioner = client_of(s.commissioner).get(url(s, "feedback"))
    assert commissioner.json()["comments"] is None
    assert COMMENT not in commissioner.content.decode()
    assert commissioner.json()["quarters"] == member["quarters"]
