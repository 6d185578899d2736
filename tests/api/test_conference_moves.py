"""Moving and cancelling a conference through the API (issue 16): POST
/api/v1/conferences/<id>/move/ and /cancel/, beside /record/. Who may (the case's lead agency's
caseworkers: provider staff and partnership managers), who gets a refusal that says why (an
involved organisation that does not lead: 400, as every casework write refused by its action),
and who cannot tell the conference exists (404, byte for byte a made-up id); nothing changes on
any refusal."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from referrals.choices import ConferenceKind, ConferenceStatus
from referrals.models import CaseAccess
from referrals.working_days import next_working_day
from tests.accounts.factories import (
    CommissionerFactory,
    PartnershipManagerFactory,
    PlatformAdminFactory,
    ProviderStaffFactory,
)
from tests.referrals.factories import days, unchanged_state
from tests.referrals.helpers import World, client_of

from .test_permissions import REFUSED

pytestmark = pytest.mark.django_db

MISSING_ID = 99999999
REASON = "The treatment worker is on leave that week."


def url(pk: int, verb: str) -> str:
    return reverse(f"conference-{verb}", kwargs={"pk": pk})


def body(verb: str) -> dict[str, Any]:
    if verb == "move":
        return {"planned_on": next_working_day(days(20)).isoformat(), "planned_time": "10:00",
                "reason": REASON}
    return {"reason": REASON}


def middle(world: World) -> Any:
    return world.case.conferences.get(kind=ConferenceKind.MIDDLE)


def state() -> tuple[Any, ...]:
    return unchanged_state(), CaseAccess.objects.count()


def user_for(world: World, who: str) -> Any:
    cw = world.cw
    return {
        "lead_staff": lambda: cw.officer,
        "lead_manager": lambda: PartnershipManagerFactory(organisation=cw.probation),
        "involved_staff": lambda: cw.worker,
        "involved_manager": lambda: PartnershipManagerFactory(organisation=cw.provider),
        "other_org_staff": lambda: cw.outsider,
        "other_partnership_manager": lambda: PartnershipManagerFactory(),
        "other_provider_staff": lambda: ProviderStaffFactory(),
        "commissioner": lambda: CommissionerFactory(),
        "platform_admin": lambda: PlatformAdminFactory(),
    }[who]()


#: Role × organisation → the answer.
MATRIX = [
    ("lead_staff", 200), ("lead_manager", 200),
    ("involved_staff", 400), ("involved_manager", 400),
    ("other_org_staff", 404), ("other_partnership_manager", 404),
    ("other_provider_staff", 404), ("commissioner", 404), ("platform_admin", 404),
]


@pytest.mark.parametrize("verb", ["move", "cancel"])
@pytest.mark.parametrize(("who", "expected"), MATRIX)
def test_permission_matrix(world, verb, who, expected):
    conference = middle(world)
    client = client_of(user_for(world, who))
    before = state()
    response = client.post(url(conference.pk, verb), body(verb), format="json")
    assert response.status_code == expected, response.content
    conference.refresh_from_db()
    if expected == 200:
        data = response.json()
        if verb == "move":
            assert (data["planned_on"], data["planned_time"], data["status"]) == (
                body("move")["planned_on"], "10:00:00", "planned")
        else:
            assert data["status"] == ConferenceStatus.CALLED_OFF
        return
    assert state() == before
    if expected == 400:
        assert "Only caseworkers of the lead agency" in response.content.decode()
    if expected == 404:
        assert response.content == client.post(url(MISSING_ID, verb), body(verb),
                                               format="json").content
        assert world.case.reference not in response.content.decode()


@pytest.mark.parametrize("verb", ["move", "cancel"])
def test_anonymous_is_refused(world, verb):
    before = state()
    response = APIClient().post(url(middle(world).pk, verb), body(verb), format="json")
    assert response.status_code == REFUSED
    assert state() == before


@pytest.mark.parametrize("verb", ["move", "cancel"])
def test_an_inactive_lead_caseworker_is_refused(world, verb):
    user = world.cw.officer
    user.is_active = False
    user.save()
    client = APIClient()
    client.force_authenticate(user)
    before = state()
    assert client.post(url(middle(world).pk, verb), body(verb),
                       format="json").status_code in (401, 403, 404)
    assert state() == before


def test_a_move_to_a_saturday_is_a_400_naming_the_next_working_day(world):
    day = days(20)
    saturday = day + datetime.timedelta(days=(5 - day.weekday()) % 7 or 7)
    before = state()
    response = client_of(world.cw.officer).post(
        url(middle(world).pk, "move"), {"planned_on": saturday.isoformat(), "reason": REASON},
        format="json")
    assert response.status_code == 400
    assert "is a Saturday" in response.json()["planned_on"][0]
    assert state() == before


@pytest.mark.parametrize("verb", ["move", "cancel"])
def test_the_reason_is_required(world, verb):
    before = state()
    response = client_of(world.cw.officer).post(
        url(middle(world).pk, verb), {**body(verb), "reason": ""}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    assert state() == before


def test_the_case_detail_carries_the_move_in_its_history(world):
    client = client_of(world.cw.officer)
    conference = middle(world)
    was = conference.planned_on
    client.post(url(conference.pk, "move"), body("move"), format="json")
    case = client.get(reverse("case-detail", kwargs={"reference": world.case.reference})).json()
    assert [(h["kind"], h["from_date"], h["to_date"], h["to_time"], h["reason"])
            for h in case["history"]] == [
        ("conference_moved", was.isoformat(), body("move")["planned_on"], "10:00:00", REASON)]
    moved = next(c for c in case["conferences"] if c["id"] == conference.pk)
    assert moved["planned_time"] == "10:00:00"
