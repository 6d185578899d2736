"""Need-to-know through the casework API: who may reach which case object, that an uninvolved
organisation cannot tell a case exists (the same 404 as a made-up reference, and absent from
every list), that involvement ending ends access, that each detail read writes exactly one
access-log row (and lists none), platform admins with and without a reason, and that no list
carries personal data."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from referrals import actions
from referrals.models import CaseAccess, PersonIdentifier
from tests.accounts.factories import PartnershipManagerFactory, ProviderStaffFactory
from tests.referrals.factories import (
    days,
    pathway_to,
    unchanged_state,
)
from tests.referrals.helpers import World, client_of

from .test_permissions import REFUSED, token_client

pytestmark = pytest.mark.django_db

MISSING_CASE = "C-XXXX-XXXX"
MISSING_REFERRAL = "R-XXXX-XXXX"
MISSING_ID = 99999999
REASON = "Subject access request SAR-2291 from the person."


def case_url(reference: str, name: str = "case-detail") -> str:
    return reverse(name, kwargs={"reference": reference})


def referral_url(reference: str, name: str = "referral-detail") -> str:
    return reverse(name, kwargs={"reference": reference})


def conference_url(pk: int, name: str = "conference-detail") -> str:
    return reverse(name, kwargs={"pk": pk})


def reads() -> int:
    return CaseAccess.objects.count()


# --------------------------------------------------------------------------------------------
# Every endpoint that names a case object: (name, method, url for the world, url for a made-up
# object, body). Writes carry bodies that would succeed for the right user.
# --------------------------------------------------------------------------------------------

CASE_ENDPOINTS: list[tuple[str, str, Any, Any, dict[str, Any]]] = [
    ("case-detail", "get", lambda w: case_url(w.case.reference),
     lambda: case_url(MISSING_CASE), {}),
    ("case-access-log", "get", lambda w: case_url(w.case.reference, "case-access-log"),
     lambda: case_url(MISSING_CASE, "case-access-log"), {}),
    ("case-update", "patch", lambda w: case_url(w.case.reference),
     lambda: case_url(MISSING_CASE), {"seriousness": "high"}),
    ("case-lead", "post", lambda w: case_url(w.case.reference, "case-lead"),
     lambda: case_url(MISSING_CASE, "case-lead"), {"organisation": "PROVIDER"}),
    ("case-close", "post", lambda w: case_url(w.case.reference, "case-close"),
     lambda: case_url(MISSING_CASE, "case-close"), {}),
    ("case-assessments", "post", lambda w: case_url(w.case.reference, "case-assessments"),
     lambda: case_url(MISSING_CASE, "case-assessments"), {"assessed_on": "TODAY"}),
    ("case-referrals", "post", lambda w: case_url(w.case.reference, "case-referrals"),
     lambda: case_url(MISSING_CASE, "case-referrals"),
     {"to_service": "TREATMENT2", "reason": "Housing need.", "lawful_basis": "6_1_e"}),
    ("referral-detail", "get", lambda w: referral_url(w.referral.reference),
     lambda: referral_url(MISSING_REFERRAL), {}),
    ("referral-accept", "post", lambda w: referral_url(w.referral.reference, "referral-accept"),
     lambda: referral_url(MISSING_REFERRAL, "referral-accept"), {}),
    ("referral-decline", "post",
     lambda w: referral_url(w.referral.reference, "referral-decline"),
     lambda: referral_url(MISSING_REFERRAL, "referral-decline"), {"reason": "No capacity."}),
    ("referral-withdraw", "post",
     lambda w: referral_url(w.referral.reference, "referral-withdraw"),
     lambda: referral_url(MISSING_REFERRAL, "referral-withdraw"), {"reason": "Moved away."}),
    ("conference-detail", "get", lambda w: conference_url(w.conference.pk),
     lambda: conference_url(MISSING_ID), {}),
    ("conference-record", "post", lambda w: conference_url(w.conference.pk, "conference-record"),
     lambda: conference_url(MISSING_ID, "conference-record"),
     {"held": True, "held_on": "TODAY", "outcome": "Agreed a plan."}),
]
CASE_IDS = [name for name, *_ in CASE_ENDPOINTS]

# Who may call each endpoint, and with what status (the lead agency's officer unless told).
RIGHT_USER = {"referral-accept": ("worker", 200), "referral-decline": ("worker", 200),
              "case-referrals": ("officer", 201), "case-assessments": ("officer", 201)}


def concrete(body: dict[str, Any], world: World) -> dict[str, Any]:
    """The body with the world's slugs and today's date filled in."""
    from tests.services.factories import ServiceFactory

    filled = dict(body)
    for key, value in body.items():
        if value == "TODAY":
            filled[key] = days(0).isoformat()
        elif value == "PROVIDER":
            filled[key] = world.cw.provider.slug
        elif value == "TREATMENT2":  # another of the provider's services, a pathway to it
            service = ServiceFactory(provider=world.cw.provider,
                                     partnership=world.cw.partnership)
            pathway_to(world.cw, service)
            filled[key] = service.slug
    return filled


def call(client: APIClient, method: str, url: str, body: dict[str, Any]) -> Any:
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, body, format="json")


@pytest.mark.parametrize(("name", "method", "url", "missing", "body"), CASE_ENDPOINTS,
                         ids=CASE_IDS)
def test_anonymous_is_refused_and_nothing_changes(world, name, method, url, missing, body):
    before = unchanged_state(), reads()
    response = call(APIClient(), method, url(world), concrete(body, world))
    assert response.status_code == REFUSED
    assert response.json()["detail"] == "Authentication credentials were not provided."
    assert (unchanged_state(), reads()) == before


# Platform admins may read any case's access log (rule ``referrals.view_access_log``).
UNINVOLVED = [pytest.param(who, *endpoint, id=f"{who}-{endpoint[0]}")
              for who in ("outsider", "manager_elsewhere", "commissioner", "admin")
              for endpoint in CASE_ENDPOINTS
              if (who, endpoint[0]) != ("admin", "case-access-log")]


@pytest.mark.parametrize(("who", "name", "method", "url", "missing", "body"), UNINVOLVED)
def test_uninvolved_gets_the_same_404_as_for_a_made_up_object(world, who, name, method, url,
                                                              missing, body):
    """A caseworker of a member organisation not involved, another partnership's manager, a
    commissioner and a platform admin (without a reason) cannot tell the object exists: the
    answer is byte for byte the one for an object that does not exist, and nothing changes."""
    user = (PartnershipManagerFactory() if who == "manager_elsewhere"
            else getattr(world.cw, who))
    client = client_of(user)
    data = concrete(body, world)
    before = unchanged_state(), reads()
    response = call(client, method, url(world), data)
    assert response.status_code == 404, response.content
    assert response.content == call(client, method, missing(), data).content
    assert (unchanged_state(), reads()) == before
    for secret in (world.case.reference, world.referral.reference, "J.D.", "A1234BC"):
        assert secret not in response.content.decode()


@pytest.mark.parametrize("authentication", ["session", "token"])
@pytest.mark.parametrize(("name", "method", "url", "missing", "body"), CASE_ENDPOINTS,
                         ids=CASE_IDS)
def test_the_involved_organisation_may(world, authentication, name, method, url, missing,
                                       body):
    who, ok = RIGHT_USER.get(name, ("officer", 200))
    user = getattr(world.cw, who)
    client = client_of(user) if authentication == "session" else token_client(user)
    response = call(client, method, url(world), concrete(body, world))
    assert response.status_code == ok, response.content


def test_a_missing_object_looks_the_same_to_the_involved(world):
    """The 404 body does not depend on who asks (so comparing answers reveals nothing)."""
    outsider = client_of(world.cw.outsider).get(case_url(world.case.reference))
    involved = client_of(world.cw.officer).get(case_url(MISSING_CASE))
    assert outsider.status_code == involved.status_code == 404
    assert outsider.content == involved.content


def test_the_receiving_organisation_reads_the_case_while_its_referral_is_open(world):
    response = client_of(world.cw.worker).get(case_url(world.case.reference))
    assert response.status_code == 200
    assert response.json()["person"]["identifiers"] == [{"kind": "prison_number",
                                                         "value": "A1234BC"}]


def test_inactive_user_is_refused(world):
    world.cw.officer.is_active = False
    world.cw.officer.save()
    client = APIClient()
    client.force_authenticate(world.cw.officer)
    assert client.get(case_url(world.case.reference)).status_code == 403  # the rules refuse
    assert client.get(reverse("case-list")).status_code == 403


# --------------------------------------------------------------------------------------------
# Lists: only what the user's organisation is involved in
# --------------------------------------------------------------------------------------------

LISTS = ["case-list", "referral-list", "referral-inbox", "conference-list"]


def listed(client: APIClient, name: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get(reverse(name), {"page_size": 100, **params})
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.mark.parametrize("name", LISTS)
def test_anonymous_cannot_list(name):
    assert APIClient().get(reverse(name)).status_code == REFUSED


@pytest.mark.parametrize("who", ["outsider", "commissioner", "admin"])
@pytest.mark.parametrize("name", LISTS)
def test_uninvolved_users_list_nothing(world, who, name):
    assert listed(client_of(getattr(world.cw, who)), name) == []


def test_each_involved_organisation_lists_the_case_and_its_objects(world):
    officer, worker = client_of(world.cw.officer), client_of(world.cw.worker)
    for client in (officer, worker):
        assert [row["reference"] for row in listed(client, "case-list")] == [
            world.case.reference]
        assert [row["reference"] for row in listed(client, "referral-list")] == [
            world.referral.reference]
        conferences = listed(client, "conference-list")
        assert {row["id"] for row in conferences} == set(
            world.case.conferences.values_list("pk", flat=True))
    assert [r["reference"] for r in listed(worker, "referral-inbox")] == [
        world.referral.reference]
    assert listed(officer, "referral-inbox") == []
    assert [r["reference"] for r in listed(officer, "referral-list", box="sent")] == [
        world.referral.reference]
    assert [r["reference"] for r in listed(worker, "referral-list", box="inbox")] == [
        world.referral.reference]
    assert listed(worker, "referral-list", box="sent") == []


def test_list_reads_are_not_logged(world):
    before = reads()
    for name in LISTS:
        listed(client_of(world.cw.officer), name)
    assert reads() == before


# Personal data and free text, by value and by the keys that would carry them.
PERSONAL = ["J.D.", "A1234BC", "prison_number", "\"initials\"", "\"year_of_birth\"",
            "\"gender\"", "\"identifiers\"", "\"person\"", "Opiate use", "\"reason\"",
            "\"outcome\"", "relapse"]


@pytest.mark.parametrize("who", ["officer", "worker", "outsider", "commissioner", "admin"])
def test_no_list_carries_personal_data_or_free_text(world, who):
    """Lists are not logged, so they hold references, organisations, dates and states only:
    no initials, year of birth, gender, identifiers, person reference or referral reason."""
    actions.conference_record(conference=world.conference, by=world.cw.officer, held=True,
                              held_on=days(-1), outcome="Discussed relapse triggers.")
    client = client_of(getattr(world.cw, who))
    person = world.case.person.reference
    for name in [*LISTS, "notice-list", "case-counts"]:
        response = client.get(reverse(name), {"page_size": 100})
        assert response.status_code == 200, (name, response.content)
        text = response.content.decode()
        for secret in [*PERSONAL, person]:
            assert secret not in text, (name, secret)


def test_case_counts_hold_no_references(world):
    text = client_of(world.cw.commissioner).get(reverse("case-counts")).content.decode()
    assert world.case.reference not in text
    assert world.referral.reference not in text
    assert world.case.person.reference not in text


# --------------------------------------------------------------------------------------------
# Involvement ending ends access
# --------------------------------------------------------------------------------------------


def assert_worker_has_no_access(world: World) -> None:
    client = client_of(world.cw.worker)
    assert client.get(case_url(world.case.reference)).status_code == 404
    assert client.get(referral_url(world.referral.reference)).status_code == 404
    assert client.get(conference_url(world.conference.pk)).status_code == 404
    for name in LISTS:
        assert listed(client, name) == [], name


def test_declining_the_referral_ends_the_providers_access(world):
    response = client_of(world.cw.worker).post(
        referral_url(world.referral.reference, "referral-decline"),
        {"reason": "Outside our area."}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "declined"
    assert_worker_has_no_access(world)
    # the lead agency still reads the case, and sees the declined referral with its reason
    detail = client_of(world.cw.officer).get(case_url(world.case.reference)).json()
    assert detail["referrals"][0]["decline_reason"] == "Outside our area."


def test_withdrawing_the_referral_ends_the_providers_access(world):
    response = client_of(world.cw.officer).post(
        referral_url(world.referral.reference, "referral-withdraw"),
        {"reason": "The person moved away."}, format="json")
    assert response.status_code == 200, response.content
    assert_worker_has_no_access(world)


def test_completing_the_referral_ends_the_providers_access(world):
    worker = client_of(world.cw.worker)
    assert worker.post(referral_url(world.referral.reference, "referral-accept")).status_code \
        == 200
    assert worker.get(case_url(world.case.reference)).status_code == 200
    assert worker.post(referral_url(world.referral.reference,
                                    "referral-complete")).status_code == 200
    assert_worker_has_no_access(world)


def test_handing_over_the_lead_ends_the_old_leads_access(world):
    officer = client_of(world.cw.officer)
    actions.referral_withdraw(referral=world.referral, reason="Lead moving.", by=world.cw.officer)
    response = officer.post(case_url(world.case.reference, "case-lead"),
                            {"organisation": world.cw.provider.slug}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["lead_agency"]["slug"] == world.cw.provider.slug
    assert officer.get(case_url(world.case.reference)).status_code == 404
    assert officer.get(case_url(world.case.reference, "case-access-log")).status_code == 404
    assert listed(officer, "case-list") == []
    # the new lead reads it, and its access log
    worker = client_of(world.cw.worker)
    assert worker.get(case_url(world.case.reference)).status_code == 200
    assert worker.get(case_url(world.case.reference, "case-access-log")).status_code == 200


# --------------------------------------------------------------------------------------------
# The access log
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "url"), [
    ("case", lambda w: case_url(w.case.reference)),
    ("referral", lambda w: referral_url(w.referral.reference)),
    ("conference", lambda w: conference_url(w.conference.pk)),
])
def test_each_detail_read_writes_exactly_one_access_log_row(world, name, url):
    client = client_of(world.cw.worker)
    for _ in range(2):
        before = reads()
        assert client.get(url(world)).status_code == 200
        assert reads() == before + 1
        row = CaseAccess.objects.order_by("-pk").first()
        assert (row.case_id, row.user_id, row.organisation_id, row.channel, row.reason) == (
            world.case.pk, world.cw.worker.pk, world.cw.provider.pk, "api", "")


def test_writes_and_refusals_write_no_read(world):
    before = reads()
    officer = client_of(world.cw.officer)
    officer.patch(case_url(world.case.reference), {"seriousness": "high"}, format="json")
    officer.patch(case_url(world.case.reference), {"order_ends_on": "2000-01-01"},
                  format="json")
    client_of(world.cw.outsider).get(case_url(world.case.reference))
    assert reads() == before


def test_lead_agency_reads_the_access_log_newest_first(world):
    client_of(world.cw.worker).get(case_url(world.case.reference))
    client_of(world.cw.officer).get(case_url(world.case.reference))
    before = reads()
    response = client_of(world.cw.officer).get(case_url(world.case.reference,
                                                        "case-access-log"))
    assert response.status_code == 200
    assert reads() == before  # reading the log is not a read of the case
    rows = response.json()["results"]
    assert [row["organisation"]["slug"] for row in rows] == [world.cw.probation.slug,
                                                             world.cw.provider.slug]
    assert rows[0] == {"accessed_at": rows[0]["accessed_at"],
                       "user": world.cw.officer.username,
                       "organisation": rows[0]["organisation"], "channel": "api",
                       "api_token": None, "reason": ""}


def test_only_the_lead_agency_reads_the_access_log(world):
    """The receiving organisation is involved but does not lead: 404, like a stranger."""
    response = client_of(world.cw.worker).get(case_url(world.case.reference, "case-access-log"))
    assert response.status_code == 404


# --------------------------------------------------------------------------------------------
# Platform admins: a stated reason, logged
# --------------------------------------------------------------------------------------------


def test_admin_with_a_reason_reads_the_case_and_the_reason_is_logged(world):
    before = reads()
    response = client_of(world.cw.admin).get(case_url(world.case.reference),
                                             HTTP_X_ACCESS_REASON=f"  {REASON}  ")
    assert response.status_code == 200, response.content
    assert response.json()["reference"] == world.case.reference
    assert reads() == before + 1
    row = CaseAccess.objects.order_by("-pk").first()
    assert (row.user_id, row.organisation_id, row.channel, row.reason) == (
        world.cw.admin.pk, None, "api", REASON)
    # and the lead agency sees who read it and why
    log = client_of(world.cw.officer).get(case_url(world.case.reference,
                                                   "case-access-log")).json()["results"]
    assert log[0]["reason"] == REASON


def test_admin_without_a_reason_gets_the_404_of_a_missing_case(world):
    admin = client_of(world.cw.admin)
    for headers in ({}, {"HTTP_X_ACCESS_REASON": ""}, {"HTTP_X_ACCESS_REASON": "   "}):
        response = admin.get(case_url(world.case.reference), **headers)
        assert response.status_code == 404
        assert response.content == admin.get(case_url(MISSING_CASE)).content
    assert not CaseAccess.objects.exists()


def test_admin_reason_too_short_is_a_400_whether_or_not_the_case_exists(world):
    admin = client_of(world.cw.admin)
    real = admin.get(case_url(world.case.reference), HTTP_X_ACCESS_REASON="curious")
    made_up = admin.get(case_url(MISSING_CASE), HTTP_X_ACCESS_REASON="curious")
    assert real.status_code == made_up.status_code == 400
    assert real.content == made_up.content
    assert "at least 10 characters" in real.json()["reason"][0]
    assert not CaseAccess.objects.exists()


def test_admin_with_a_reason_for_a_made_up_case_gets_404(world):
    assert client_of(world.cw.admin).get(case_url(MISSING_CASE),
                                         HTTP_X_ACCESS_REASON=REASON).status_code == 404


@pytest.mark.parametrize("who", ["outsider", "commissioner"])
def test_a_reason_opens_nothing_for_anyone_else(world, who):
    response = client_of(getattr(world.cw, who)).get(case_url(world.case.reference),
                                                     HTTP_X_ACCESS_REASON=REASON)
    assert response.status_code == 404
    assert not CaseAccess.objects.exists()


def test_admin_reads_the_access_log_but_not_nested_objects_without_a_case_read(world):
    admin = client_of(world.cw.admin)
    assert admin.get(case_url(world.case.reference, "case-access-log")).status_code == 200
    assert admin.get(referral_url(world.referral.reference)).status_code == 404


# --------------------------------------------------------------------------------------------
# The detail: everything an involved agency needs
# --------------------------------------------------------------------------------------------


def test_case_detail_shows_the_person_order_lead_history_and_timeline(world):
    actions.assessment_record(case=world.case, organisation=world.cw.probation,
                              assessed_on=days(-1), by=world.cw.officer, summary="OASys.")
    body = client_of(world.cw.officer).get(case_url(world.case.reference)).json()
    assert body["person"] == {"reference": world.case.person.reference, "initials": "JD",
                              "year_of_birth": 1985, "gender": "male",
                              "identifiers": [{"kind": "prison_number", "value": "A1234BC"}]}
    assert (body["order_type"], body["seriousness"], body["compliance"],
            body["complex_needs"], body["status"]) == (
        "community_order", "low", "complying", False, "open")
    assert body["lead_agency"]["slug"] == world.cw.probation.slug
    assert [(lead["organisation"]["slug"], lead["ends_on"], lead["set_by"])
            for lead in body["lead_agencies"]] == [
        (world.cw.probation.slug, None, world.cw.officer.username)]
    assert body["lead_agencies"][0]["set_at"]
    [referral] = body["referrals"]
    assert (referral["reference"], referral["status"], referral["reason"],
            referral["to_organisation"]["slug"], referral["pathway"]["id"]) == (
        world.referral.reference, "sent", "Opiate use; needs structured treatment.",
        world.cw.provider.slug, world.cw.pathway.pk)
    assert [c["kind"] for c in body["conferences"]] == ["start", "middle", "end"]
    assert [(a["summary"], a["organisation"]["slug"]) for a in body["assessments"]] == [
        ("OASys.", world.cw.probation.slug)]
    assert body["notices"] == []


def test_identifiers_are_shown_only_to_the_involved(world):
    """The same person's identifiers on one case are not reachable through another's lists."""
    assert PersonIdentifier.objects.filter(value="A1234BC").exists()
    for name in LISTS:
        assert "A1234BC" not in json.dumps(listed(client_of(world.cw.officer), name))


def test_referral_detail_has_its_reason_and_names_who_sent_it(world):
    body = client_of(world.cw.worker).get(referral_url(world.referral.reference)).json()
    assert body["reason"] == "Opiate use; needs structured treatment."
    assert body["sent_by"] == world.cw.officer.username
    assert body["case"]["reference"] == world.case.reference


def test_another_provider_staff_of_an_uninvolved_organisation_sees_nothing(world):
    stranger = ProviderStaffFactory()
    for name in LISTS:
        assert listed(client_of(stranger), name) == []
