"""Custody through the API (issue 18): a case's custody episodes, reception, transfer, release,
the first community appointment and the release plan, under /api/v1/cases/<reference>/custody/.

Who may (caseworkers of the organisations involved in the case now: the lead agency, the prison
holding the person, the community provider through its referral), who cannot tell the case
exists (everyone else: 404, byte for byte a made-up reference), and anonymous callers (401);
each refused action is a 400 on the field it names and changes nothing; reads are logged as
reads of the case; access follows the person through a transfer and ends for the sending
prison after the handover period."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import AuditEvent
from partnerships.choices import OrganisationKind
from referrals import actions
from referrals.choices import ExpectedReleaseKind
from referrals.models import CaseAccess, CaseworkSettings, CustodyEpisode, ReleasePlan
from tests.accounts.factories import (
    CommissionerFactory,
    PartnershipManagerFactory,
    PlatformAdminFactory,
    ProviderStaffFactory,
)
from tests.partnerships.factories import OrganisationFactory
from tests.referrals.factories import (
    Casework,
    casework_setup,
    days,
    open_case,
    send_referral,
    unchanged_state,
)
from tests.referrals.helpers import client_of

from .test_permissions import REFUSED

pytestmark = pytest.mark.django_db

MISSING_REFERENCE = "C-XXXX-XXXX"


@dataclass
class Custody:
    """A probation-led case referred to the treatment provider, its person held at a prison."""

    cw: Casework
    case: Any
    referral: Any
    prison: Any
    other_prison: Any
    area: Any
    episode: CustodyEpisode


def build(*, in_custody: bool = True) -> Custody:
    cw = casework_setup()
    case = open_case(cw, initials="ZS")
    referral = send_referral(cw, case)  # the provider is involved through its referral
    prison = OrganisationFactory(name="HMP Zedbury", kind=OrganisationKind.PRISON)
    other_prison = OrganisationFactory(name="HMP Sandmoor", kind=OrganisationKind.PRISON)
    area = OrganisationFactory(name="Zedshire Council", kind=OrganisationKind.LOCAL_AUTHORITY)
    episode = None
    if in_custody:
        episode = actions.custody_episode_start(
            case=case, establishment=prison, received_on=days(-30), by=cw.officer,
            expected_release_on=days(60), expected_release_kind=ExpectedReleaseKind.LICENCE)
    return Custody(cw=cw, case=case, referral=referral, prison=prison,
                   other_prison=other_prison, area=area, episode=episode)


@pytest.fixture
def w(db) -> Custody:
    return build()


def list_url(case: Any, reference: str | None = None) -> str:
    return reverse("custody-list", kwargs={"reference": reference or case.reference})


def url(w: Custody, name: str = "detail", episode: Any = None,
        reference: str | None = None) -> str:
    return reverse(f"custody-{name}", kwargs={"reference": reference or w.case.reference,
                                              "pk": (episode or w.episode).pk})


def state() -> tuple[Any, ...]:
    """Every casework row (release plans too), the audit trail and the access log."""
    return (unchanged_state(), list(ReleasePlan.objects.order_by("pk").values()),
            CaseAccess.objects.count())


def release(w: Custody, on: int = -5) -> None:
    actions.custody_release(episode=w.episode, released_on=days(on), release_area=w.area,
                            by=w.cw.officer)


# --------------------------------------------------------------------------------------------
# The permission matrix: role × organisation → the answer, for every write (and the reads)
# --------------------------------------------------------------------------------------------

ROLES = {"provider_staff": ProviderStaffFactory,
         "partnership_manager": PartnershipManagerFactory,
         "commissioner": CommissionerFactory,
         "platform_admin": PlatformAdminFactory}
ORGANISATIONS = ("lead", "prison", "provider", "uninvolved")
WHO = [("anonymous", None)] + [(role, org) for role in ROLES for org in ORGANISATIONS]


def user_for(w: Custody, role: str, org: str) -> Any:
    organisation = {"lead": w.cw.probation, "prison": w.prison, "provider": w.cw.provider,
                    "uninvolved": w.cw.outsider_org}[org]
    return ROLES[role](organisation=organisation)


def prepare(w: Custody, call: str) -> None:
    """Bring the world to where ``call`` makes sense: no episode yet before a reception (so the
    prison holds nobody on this case), released before the first appointment."""
    if call == "create":
        CustodyEpisode.objects.filter(pk=w.episode.pk).delete()
    if call == "first-appointment":
        release(w)


def request_for(w: Custody, call: str) -> tuple[str, str, dict[str, Any] | None]:
    """(method, address, body) of one call."""
    if call == "create":
        return "post", list_url(w.case), {
            "establishment": w.prison.slug, "received_on": days(-30).isoformat(),
            "expected_release_on": days(60).isoformat(), "expected_release_kind": "licence"}
    if call == "transfer":
        return "post", url(w, "transfer"), {"to_establishment": w.other_prison.slug,
                                            "transferred_on": days(-1).isoformat()}
    if call == "release":
        return "post", url(w, "release"), {"released_on": days(-1).isoformat(),
                                           "release_area": w.area.slug}
    if call == "first-appointment":
        return "post", url(w, "first-appointment"), {"attended_on": days(-1).isoformat()}
    if call == "plan-put":
        return "put", url(w, "release-plan"), {
            "referral": w.referral.reference, "appointment_on": days(62).isoformat(),
            "appointment_time": "10:30", "appointment_place": "Zedbury Recovery Hub",
            "appointment_with": "Recovery worker", "bridging_prescription": True,
            "naloxone_offered": True}
    if call == "plan-patch":
        return "patch", url(w, "release-plan"), {"naloxone_offered": True}
    if call == "list":
        return "get", list_url(w.case), None
    if call == "plan":
        return "get", url(w, "release-plan"), None
    return "get", url(w), None


WRITES = ["create", "transfer", "release", "first-appointment", "plan-put", "plan-patch"]
READS = ["list", "detail", "plan"]


def expected_status(call: str, role: str, org: str | None) -> int:
    if role == "anonymous":
        return REFUSED
    # Commissioners see counts only and platform admins are never involved: for them, as for
    # an uninvolved organisation, the case does not exist.
    if role in ("commissioner", "platform_admin") or org == "uninvolved":
        return 404
    if call == "create" and org == "prison":
        return 404  # before reception the prison holds nobody on this case: the lead records it
    return 201 if call in ("create", "transfer") else 200


def _check_success(w: Custody, call: str, data: dict[str, Any]) -> None:
    if call == "create":
        assert (data["establishment"]["slug"], data["custody_state"]) == (w.prison.slug,
                                                                          "in_custody")
    elif call == "transfer":
        assert data["establishment"]["slug"] == w.other_prison.slug
        assert data["transferred_from"]["id"] == w.episode.pk
    elif call == "release":
        assert (data["custody_state"], data["continuity"]["outcome"]) == ("released",
                                                                          "awaiting")
    elif call == "first-appointment":
        assert data["continuity"]["outcome"] == "engaged"
    elif call == "plan-put":
        assert data["community_provider"]["slug"] == w.cw.provider.slug
        assert data["referral"]["reference"] == w.referral.reference
    else:
        assert data["naloxone_offered"] is True and data["started"] is True


@pytest.mark.parametrize("call", WRITES + READS)
@pytest.mark.parametrize(("role", "org"), WHO)
def test_permission_matrix(w: Custody, call: str, role: str, org: str | None) -> None:
    prepare(w, call)
    client = APIClient() if role == "anonymous" else client_of(user_for(w, role, org))
    method, address, body = request_for(w, call)
    before = state()
    audits = AuditEvent.objects.count()
    response = getattr(client, method)(address, body, format="json")
    expected = expected_status(call, role, org)
    assert response.status_code == expected, (call, role, org, response.content)
    if expected >= 400:
        assert state() == before, "a refused call changed something"
        if expected == 404:
            missing = address.replace(w.case.reference, MISSING_REFERENCE)
            assert response.content == getattr(client, method)(missing, body,
                                                               format="json").content
            assert w.case.reference not in response.content.decode()
        return
    data = response.json()
    if call in READS:
        # One read of the case in its access log, and nothing else changed.
        assert CaseAccess.objects.filter(case=w.case, channel="api").count() == 1
        assert AuditEvent.objects.count() == audits
        return
    assert AuditEvent.objects.count() > audits, "a write without an audit row"
    assert not CaseAccess.objects.exists(), "the answer to a write is not a read"
    _check_success(w, call, data)


# --------------------------------------------------------------------------------------------
# What each endpoint answers
# --------------------------------------------------------------------------------------------

EPISODE_FIELDS = {"url", "id", "case", "establishment", "received_on", "expected_release_on",
                  "expected_release_kind", "custody_state", "transferred_on", "transferred_to",
                  "transferred_from", "released_on", "release_area", "access_ends_on",
                  "treatment_need", "attended_on", "did_not_attend", "continuity",
                  "release_plan"}


def test_the_list_shows_the_episodes_with_plan_summary_and_no_personal_data(w: Custody) -> None:
    response = client_of(w.cw.officer).get(list_url(w.case))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["count"] == 1
    episode = body["results"][0]
    assert set(episode) == EPISODE_FIELDS
    assert episode["url"].endswith(url(w))
    assert episode["case"]["reference"] == w.case.reference
    assert episode["establishment"] == {"slug": w.prison.slug, "name": "HMP Zedbury",
                                        "kind": "prison"}
    assert (episode["received_on"], episode["expected_release_on"]) == (
        days(-30).isoformat(), days(60).isoformat())
    assert episode["expected_release_kind"] == "licence"
    assert episode["custody_state"] == "in_custody"
    assert episode["continuity"] is None and episode["transferred_to"] is None
    plan = episode["release_plan"]
    # Due twelve weeks (the default) before the expected release; nothing recorded yet.
    assert plan["url"].endswith(url(w, "release-plan"))
    assert (plan["started"], plan["due_on"], plan["is_due"]) == (
        False, (days(60) - datetime.timedelta(weeks=12)).isoformat(), True)
    assert plan["missing"] == ["community_provider", "referral", "appointment",
                               "bridging_prescription", "naloxone"]
    text = response.content.decode()
    assert "ZS" not in text and "1985" not in text


def test_an_episode_and_its_release_plan_read_in_full(w: Custody) -> None:
    client = client_of(w.cw.worker)
    assert set(client.get(url(w)).json()) == EPISODE_FIELDS
    actions.release_plan_update(episode=w.episode, by=w.cw.officer,
                                community_provider=w.cw.provider, naloxone_offered=False)
    plan = client.get(url(w, "release-plan")).json()
    assert plan["started"] is True
    assert plan["episode"]["id"] == w.episode.pk
    assert plan["community_provider"]["slug"] == w.cw.provider.slug
    assert (plan["referral"], plan["naloxone_offered"], plan["bridging_prescription"]) == (
        None, False, None)
    assert plan["hand_lead_to_provider"] is True
    assert plan["updated_by"]
    tasks = {task["key"]: task for task in plan["tasks"]}
    assert set(tasks) == {"referral", "appointment", "bridging_prescription"}
    # The provider books the first appointment; the prison arranges the rest.
    assert (tasks["appointment"]["owner"], tasks["appointment"]["organisation"]["slug"]) == (
        "provider", w.cw.provider.slug)
    assert (tasks["referral"]["owner"], tasks["referral"]["organisation"]["slug"]) == (
        "prison", w.prison.slug)
    assert CaseAccess.objects.filter(case=w.case, user=w.cw.worker).count() == 2


def test_a_plan_not_started_shows_every_task_and_the_defaults(w: Custody) -> None:
    plan = client_of(w.cw.officer).get(url(w, "release-plan")).json()
    assert plan["started"] is False and plan["updated_at"] is None
    assert plan["community_provider"] is None and plan["hand_lead_to_provider"] is True
    assert [task["key"] for task in plan["tasks"]] == [
        "community_provider", "referral", "appointment", "bridging_prescription", "naloxone"]
    assert not ReleasePlan.objects.exists()


def test_transfer_answers_the_receiving_episode_and_the_list_shows_both(w: Custody) -> None:
    actions.release_plan_update(episode=w.episode, by=w.cw.officer, naloxone_offered=True)
    client = client_of(w.cw.officer)
    response = client.post(url(w, "transfer"), {"to_establishment": w.other_prison.slug,
                                                "transferred_on": days(-2).isoformat()},
                           format="json")
    assert response.status_code == 201
    receiving = response.json()
    assert receiving["received_on"] == days(-2).isoformat()
    assert receiving["expected_release_on"] == days(60).isoformat()
    assert receiving["release_plan"]["started"] is True  # the plan moved with the person
    sending, moved = client.get(list_url(w.case)).json()["results"]
    assert (sending["custody_state"], sending["transferred_on"]) == ("transferred",
                                                                     days(-2).isoformat())
    assert sending["transferred_to"]["id"] == receiving["id"] == moved["id"]
    assert sending["transferred_to"]["establishment"]["slug"] == w.other_prison.slug
    assert sending["release_plan"] is None
    assert sending["access_ends_on"] == days(12).isoformat()  # the 14-day handover
    assert sending["continuity"] is None  # a transfer is not a release


def test_release_then_the_first_appointment_on_day_21_counts(w: Custody) -> None:
    client = client_of(w.cw.officer)
    response = client.post(url(w, "release"), {"released_on": days(-25).isoformat(),
                                               "release_area": w.area.slug}, format="json")
    assert response.status_code == 200
    episode = response.json()
    assert episode["release_area"]["slug"] == w.area.slug
    # Nothing recorded 25 days after release: not engaged.
    assert episode["continuity"] == {"outcome": "not_engaged",
                                     "counts_until": days(-4).isoformat(),
                                     "days_to_first_appointment": None}
    assert episode["release_plan"]["missing"] == []
    response = client.post(url(w, "first-appointment"), {"attended_on": days(-4).isoformat()},
                           format="json")
    assert response.status_code == 200
    assert response.json()["attended_on"] == days(-4).isoformat()
    assert response.json()["continuity"] == {"outcome": "engaged",
                                             "counts_until": days(-4).isoformat(),
                                             "days_to_first_appointment": 21}


def test_did_not_attend_is_recorded_by_the_community_provider(w: Custody) -> None:
    release(w, on=-3)
    response = client_of(w.cw.worker).post(url(w, "first-appointment"),
                                           {"did_not_attend": True}, format="json")
    assert response.status_code == 200
    assert (response.json()["did_not_attend"], response.json()["continuity"]["outcome"]) == (
        True, "not_engaged")


def test_put_replaces_the_plan_and_patch_changes_only_what_is_sent(w: Custody) -> None:
    client = client_of(ProviderStaffFactory(organisation=w.prison))
    put = client.put(url(w, "release-plan"), {
        "referral": w.referral.reference, "appointment_on": days(62).isoformat(),
        "appointment_time": "10:30", "appointment_place": "Zedbury Recovery Hub",
        "appointment_with": "Recovery worker", "bridging_prescription": True,
        "naloxone_offered": True, "hand_lead_to_provider": False}, format="json")
    assert put.status_code == 200, put.content
    plan = put.json()
    # A referral chosen without a provider names the organisation it is to.
    assert plan["community_provider"]["slug"] == w.cw.provider.slug
    assert (plan["appointment_on"], plan["appointment_time"]) == (days(62).isoformat(),
                                                                  "10:30")
    assert plan["tasks"] == [] and plan["hand_lead_to_provider"] is False
    patch = client.patch(url(w, "release-plan"), {"appointment_place": "Mill Lane clinic"},
                         format="json")
    assert patch.status_code == 200
    assert patch.json()["appointment_place"] == "Mill Lane clinic"
    assert patch.json()["naloxone_offered"] is True
    # PUT again with less: what is not sent is cleared.
    again = client.put(url(w, "release-plan"), {"naloxone_offered": False}, format="json")
    assert again.status_code == 200
    cleared = again.json()
    assert (cleared["community_provider"], cleared["referral"], cleared["appointment_on"],
            cleared["appointment_place"], cleared["bridging_prescription"]) == (
        None, None, None, "", None)
    assert cleared["hand_lead_to_provider"] is True
    assert ReleasePlan.objects.count() == 1


def test_release_hands_the_lead_to_the_plans_provider(w: Custody) -> None:
    client = client_of(w.cw.officer)
    client.patch(url(w, "release-plan"), {"referral": w.referral.reference}, format="json")
    response = client.post(url(w, "release"), {"released_on": days(0).isoformat(),
                                               "release_area": w.area.slug}, format="json")
    assert response.status_code == 200
    assert w.case.lead_agencies.current().get().organisation == w.cw.provider
    # The provider leads now and reads the case's custody; the answer said nothing about a read.
    assert client_of(w.cw.worker).get(list_url(w.case)).status_code == 200


# --------------------------------------------------------------------------------------------
# Refusals: each DomainError is a 400 on its field, and nothing changes
# --------------------------------------------------------------------------------------------


def refused(client: APIClient, method: str, address: str, body: dict[str, Any], field: str,
            match: str) -> None:
    before = state()
    response = getattr(client, method)(address, body, format="json")
    assert response.status_code == 400, response.content
    messages = response.json()[field]
    assert any(match in message for message in messages), messages
    assert state() == before


def test_reception_refusals(db) -> None:
    w = build(in_custody=False)
    client = client_of(w.cw.officer)
    good = {"establishment": w.prison.slug, "received_on": days(-30).isoformat()}
    address = list_url(w.case)
    refused(client, "post", address, {**good, "establishment": w.cw.provider.slug},
            "establishment", "is not a prison")
    refused(client, "post", address, {**good, "establishment": "no-such-prison"},
            "establishment", "does not exist")
    refused(client, "post", address, {**good, "received_on": days(1).isoformat()},
            "received_on", "cannot be in the future")
    refused(client, "post", address, {**good, "expected_release_on": days(-31).isoformat()},
            "expected_release_on", "cannot come before reception")
    refused(client, "post", address, {**good, "expected_release_kind": "parole"},
            "expected_release_kind", "not a valid choice")
    assert client.post(address, good, format="json").status_code == 201
    refused(client, "post", address, {**good, "establishment": w.other_prison.slug},
            "non_field_errors", "already has an open custody episode")


def test_transfer_refusals(w: Custody) -> None:
    client = client_of(w.cw.officer)
    address = url(w, "transfer")
    good = {"to_establishment": w.other_prison.slug, "transferred_on": days(-2).isoformat()}
    refused(client, "post", address, {**good, "to_establishment": w.area.slug},
            "to_establishment", "is not a prison")
    refused(client, "post", address, {**good, "to_establishment": w.prison.slug},
            "to_establishment", "already at")
    refused(client, "post", address, {**good, "transferred_on": days(-31).isoformat()},
            "transferred_on", "cannot come before reception")
    refused(client, "post", address, {**good, "transferred_on": days(1).isoformat()},
            "transferred_on", "cannot be in the future")
    refused(client, "post", address, {"transferred_on": days(-2).isoformat()},
            "to_establishment", "required")
    assert client.post(address, good, format="json").status_code == 201
    refused(client, "post", address, good, "non_field_errors", "ended with a transfer")


def test_release_refusals(w: Custody) -> None:
    client = client_of(w.cw.officer)
    address = url(w, "release")
    good = {"released_on": days(-2).isoformat(), "release_area": w.area.slug}
    refused(client, "post", address, {**good, "release_area": w.cw.provider.slug},
            "release_area", "local authority")
    refused(client, "post", address, {**good, "released_on": days(-31).isoformat()},
            "released_on", "cannot come before reception")
    refused(client, "post", address, {**good, "released_on": days(1).isoformat()},
            "released_on", "cannot be in the future")
    refused(client, "post", address, {"released_on": days(-2).isoformat()},
            "release_area", "required")
    assert client.post(address, good, format="json").status_code == 200
    refused(client, "post", address, good, "non_field_errors", "ended with a release")


def test_first_appointment_refusals(w: Custody) -> None:
    client = client_of(w.cw.worker)
    address = url(w, "first-appointment")
    refused(client, "post", address, {"attended_on": days(-1).isoformat()},
            "non_field_errors", "record the release first")
    release(w, on=-5)
    refused(client, "post", address, {"attended_on": days(-6).isoformat()},
            "attended_on", "cannot come before the release")
    refused(client, "post", address, {"attended_on": days(1).isoformat()},
            "attended_on", "cannot be in the future")
    refused(client, "post", address, {"attended_on": days(-1).isoformat(),
                                      "did_not_attend": True}, "attended_on", "not both")
    refused(client, "post", address, {}, "attended_on", "either")
    assert client.post(address, {"did_not_attend": True}, format="json").status_code == 200
    refused(client, "post", address, {"attended_on": days(-1).isoformat()},
            "non_field_errors", "already recorded")


def test_release_plan_refusals(w: Custody) -> None:
    client = client_of(w.cw.officer)
    address = url(w, "release-plan")
    refused(client, "patch", address, {"community_provider": w.other_prison.slug},
            "community_provider", "cannot be a prison")
    refused(client, "patch", address, {"appointment_time": "10:00"},
            "appointment_on", "as well as its time")
    refused(client, "patch", address, {"appointment_on": days(-31).isoformat()},
            "appointment_on", "cannot come before reception")
    refused(client, "patch", address, {}, "non_field_errors", "Say what to change")
    # Another case's referral is no referral of this case (its reference is not confirmed).
    other = send_referral(w.cw, open_case(w.cw, initials="SZ"))
    refused(client, "patch", address, {"referral": other.reference}, "referral",
            f"No referral {other.reference} on this case")
    refused(client, "put", address, {"referral": w.referral.reference,
                                     "community_provider": w.cw.outsider_org.slug},
            "referral", "choose the referral to the community provider")
    actions.referral_withdraw(referral=w.referral, by=w.cw.officer, reason="Moved away.")
    refused(client, "patch", address, {"referral": w.referral.reference}, "referral",
            "refer again on an agreed pathway")
    release(w)
    refused(client, "patch", address, {"naloxone_offered": True}, "non_field_errors",
            "no longer changes")


def test_a_closed_case_refuses_custody_writes(w: Custody) -> None:
    actions.case_close(case=w.case, closed_on=days(0), by=w.cw.officer)
    refused(client_of(w.cw.officer), "post", url(w, "release"),
            {"released_on": days(-1).isoformat(), "release_area": w.area.slug},
            "non_field_errors", "cannot be changed")


def test_an_episode_of_another_case_is_not_found_under_this_one(w: Custody) -> None:
    other_case = open_case(w.cw, initials="SZ")
    other = actions.custody_episode_start(case=other_case, establishment=w.other_prison,
                                          received_on=days(-10), by=w.cw.officer)
    client = client_of(w.cw.officer)
    assert client.get(url(w, episode=other)).status_code == 404
    assert client.post(url(w, "release", episode=other),
                       {"released_on": days(-1).isoformat(), "release_area": w.area.slug},
                       format="json").status_code == 404
    assert client.get(reverse("custody-detail", kwargs={"reference": w.case.reference,
                                                       "pk": 99999999})).status_code == 404
    other.refresh_from_db()
    assert other.released_on is None


# --------------------------------------------------------------------------------------------
# Access follows the person: the sending prison until the handover period ends
# --------------------------------------------------------------------------------------------


def shift_today(monkeypatch: pytest.MonkeyPatch, by_days: int) -> None:
    """Move ``timezone.now`` (which ``core.clock`` follows) ``by_days`` ahead."""
    moment = timezone.now() + datetime.timedelta(days=by_days)
    monkeypatch.setattr(timezone, "now", lambda: moment)


def authenticated(user: Any) -> APIClient:
    """A client whose every request is the user's (a session would time out as days pass)."""
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_after_a_transfer_the_sending_prison_reads_until_the_handover_ends(
        w: Custody, monkeypatch: pytest.MonkeyPatch) -> None:
    CaseworkSettings.objects.create(partnership=w.cw.partnership, custody_handover_days=10)
    sending = authenticated(ProviderStaffFactory(organisation=w.prison))
    receiving = authenticated(ProviderStaffFactory(organisation=w.other_prison))
    assert receiving.get(list_url(w.case)).status_code == 404  # not holding the person yet
    response = sending.post(url(w, "transfer"), {"to_establishment": w.other_prison.slug,
                                                 "transferred_on": days(0).isoformat()},
                            format="json")
    assert response.status_code == 201
    moved = CustodyEpisode.objects.get(pk=response.json()["id"])
    assert receiving.get(list_url(w.case)).status_code == 200
    assert receiving.get(url(w, "release-plan", episode=moved)).status_code == 200
    shift_today(monkeypatch, 9)  # the last day of the ten-day handover
    assert sending.get(list_url(w.case)).status_code == 200
    assert sending.get(url(w)).status_code == 200
    shift_today(monkeypatch, 1)  # day 10: the handover is over
    assert sending.get(list_url(w.case)).status_code == 404
    assert sending.get(url(w)).status_code == 404
    assert sending.patch(url(w, "release-plan", episode=moved), {"naloxone_offered": True},
                         format="json").status_code == 404
    assert receiving.get(list_url(w.case)).status_code == 200


# --------------------------------------------------------------------------------------------
# Query counts
# --------------------------------------------------------------------------------------------


def _queries(client: APIClient, address: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(address).status_code == 200
    return len(captured.captured_queries)


def test_the_list_costs_the_same_for_one_episode_and_five(db) -> None:
    one, five = build(), build()
    prisons = [OrganisationFactory(kind=OrganisationKind.PRISON) for _ in range(4)]
    episode = five.episode
    actions.release_plan_update(episode=episode, by=five.cw.officer,
                                community_provider=five.cw.provider)
    for number, prison in enumerate(prisons):
        episode = actions.custody_transfer(episode=episode, to_establishment=prison,
                                           transferred_on=days(-20 + number), by=five.cw.officer)
    release(Custody(**{**five.__dict__, "episode": episode}), on=-1)
    assert five.case.custody_episodes.count() == 5
    small = _queries(client_of(one.cw.officer), list_url(one.case))
    large = _queries(client_of(five.cw.officer), list_url(five.case))
    assert large == small
    assert small <= 8  # session, user, case, involvement, access-log row, count, rows, settings
