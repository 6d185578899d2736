"""Every casework write through the API: the journey works end to end, and each bad input is a
400 with a message that says why, changing nothing (rows, audit trail and access log)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from referrals import actions
from referrals.choices import ConferenceStatus, ReferralStatus
from referrals.models import Case, CaseAccess, EndOfOrderNotice, LeadAgency, Referral
from tests.accounts.factories import ProviderStaffFactory
from tests.referrals.factories import days, open_case, pathway_to, unchanged_state
from tests.referrals.helpers import World, client_of
from tests.services.factories import ServiceFactory

from .test_referrals_access import (
    MISSING_CASE,
    case_url,
    conference_url,
    referral_url,
)

pytestmark = pytest.mark.django_db



def state() -> tuple[Any, ...]:
    """What a refusal must leave alone: casework rows, the audit trail and the access log."""
    return unchanged_state(), CaseAccess.objects.count()


def assert_refused(response: Any, *words: str, before: tuple[Any, ...]) -> None:
    """A 400 whose body says why (each of ``words``), and nothing changed."""
    assert response.status_code == 400, response.content
    text = response.content.decode()
    for word in words:
        assert word in text, text
    assert state() == before


def open_body(w: World, **overrides: Any) -> dict[str, Any]:
    return {"partnership": w.cw.partnership.slug, "order_type": "licence",
            "order_starts_on": days(-10).isoformat(), "order_ends_on": days(355).isoformat(),
            "initials": "A.B.", "year_of_birth": 1990, "gender": "female",
            "identifiers": {"crn": "X123456"}, **overrides}


# --------------------------------------------------------------------------------------------
# Opening and changing a case
# --------------------------------------------------------------------------------------------


def test_probation_opens_a_case_led_by_its_own_organisation(world):
    response = client_of(world.cw.officer).post(reverse("case-list"), open_body(world),
                                                format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(reference=body["reference"])
    assert body["lead_agency"]["slug"] == world.cw.probation.slug
    assert body["url"].endswith(f"/api/v1/cases/{case.reference}/")
    assert (case.person.initials, case.person.year_of_birth, case.order_type) == (
        "AB", 1990, "licence")  # initials typed with dots are kept as letters (issue 16)
    assert case.person.identifiers.get().value == "X123456"
    assert case.conferences.count() == 3
    # the answer is a summary: no personal data
    assert "A.B." not in response.content.decode()
    assert "X123456" not in response.content.decode()


def test_a_new_order_for_a_person_already_on_a_case(world):
    response = client_of(world.cw.officer).post(
        reverse("case-list"), open_body(world, person=world.case.person.reference),
        format="json")
    assert response.status_code == 201, response.content
    assert Case.objects.get(reference=response.json()["reference"]).person == world.case.person


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"order_ends_on": "2020-01-01", "order_starts_on": "2020-06-01"}, "order_ends_on",
     "The order cannot end before it starts."),
    ({"partnership": "no-such-partnership"}, "partnership", "does not exist"),
    ({"order_type": "parole"}, "order_type", "not a valid choice"),
    ({"identifiers": {"passport": "123"}}, "identifiers", "Unknown identifier kind: passport"),
    ({"person": "P-XXXX-XXXX"}, "person", "No such person on a case you are involved in."),
    ({"lead_organisation": "no-such-org"}, "lead_organisation", "does not exist"),
])
def test_bad_case_inputs_are_refused(world, overrides, field, message):
    before = state()
    response = client_of(world.cw.officer).post(reverse("case-list"),
                                                open_body(world, **overrides), format="json")
    assert_refused(response, message, before=before)
    assert field in response.json()


def test_a_person_on_someone_elses_case_cannot_be_named(world):
    """Naming a person only works for people on cases the user is involved in."""
    before = state()
    response = client_of(world.cw.outsider).post(
        reverse("case-list"), open_body(world, person=world.case.person.reference),
        format="json")
    assert_refused(response, "No such person", before=before)


@pytest.mark.parametrize("who", ["commissioner", "admin"])
def test_only_caseworkers_of_members_open_cases(world, who):
    before = state()
    body = open_body(world, lead_organisation=world.cw.probation.slug)
    response = client_of(getattr(world.cw, who)).post(reverse("case-list"), body,
                                                      format="json")
    assert_refused(response, "Only caseworkers of current members", before=before)


def test_lead_agency_changes_the_case_and_future_conferences_are_replanned(world):
    officer = client_of(world.cw.officer)
    response = officer.patch(case_url(world.case.reference), {"seriousness": "high"},
                             format="json")
    assert response.status_code == 200, response.content
    assert response.json()["seriousness"] == "high"
    assert world.case.conferences.filter(kind="joint").exists()
    assert "person" not in response.json()


@pytest.mark.parametrize(("body", "message"), [
    ({"order_ends_on": days(-100).isoformat()}, "The order cannot end before it starts."),
    ({}, "Say what to change."),
    ({"seriousness": "extreme"}, "not a valid choice"),
])
def test_bad_changes_are_refused(world, body, message):
    before = state()
    response = client_of(world.cw.officer).patch(case_url(world.case.reference), body,
                                                 format="json")
    assert_refused(response, message, before=before)


def test_only_the_lead_agency_changes_a_case(world):
    before = state()
    response = client_of(world.cw.worker).patch(case_url(world.case.reference),
                                                {"seriousness": "high"}, format="json")
    assert_refused(response, "Only the lead agency", before=before)


# --------------------------------------------------------------------------------------------
# The lead agency: exactly one at a time
# --------------------------------------------------------------------------------------------


def test_handing_over_the_lead_records_who_and_when(world):
    response = client_of(world.cw.officer).post(
        case_url(world.case.reference, "case-lead"),
        {"organisation": world.cw.provider.slug, "starts_on": days(0).isoformat()},
        format="json")
    assert response.status_code == 200, response.content
    leads = list(LeadAgency.objects.filter(case=world.case).order_by("starts_on", "pk"))
    assert [(lead.organisation, lead.ends_on, lead.set_by) for lead in leads] == [
        (world.cw.probation, days(0), world.cw.officer),
        (world.cw.provider, None, world.cw.officer)]
    history = client_of(world.cw.worker).get(case_url(world.case.reference)).json()[
        "lead_agencies"]
    assert [(h["organisation"]["slug"], h["set_by"]) for h in history] == [
        (world.cw.probation.slug, world.cw.officer.username),
        (world.cw.provider.slug, world.cw.officer.username)]


@pytest.mark.parametrize(("body", "message"), [
    # a second lead at once: the current lead has led since the order started (60 days ago)
    (lambda w: {"organisation": w.cw.provider.slug, "starts_on": days(-90).isoformat()},
     "A case has one lead agency at a time"),
    (lambda w: {"organisation": w.cw.probation.slug}, "already leads case"),
    (lambda w: {"organisation": "nobody"}, "does not exist"),
    (lambda w: {"organisation": ProviderStaffFactory().organisation.slug},
     "is not a current member of"),
])
def test_a_second_lead_agency_is_refused(world, body, message):
    data = body(world)
    before = state()
    response = client_of(world.cw.officer).post(case_url(world.case.reference, "case-lead"),
                                                data, format="json")
    assert_refused(response, message, before=before)
    assert LeadAgency.objects.filter(case=world.case, ends_on__isnull=True).count() == 1


def test_closing_a_case_withdraws_its_referrals_and_stops_changes(world):
    officer = client_of(world.cw.officer)
    response = officer.post(case_url(world.case.reference, "case-close"), {}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["closed_on"]) == (
        "closed", days(0).isoformat())
    world.referral.refresh_from_db()
    assert world.referral.status == ReferralStatus.WITHDRAWN
    before = state()
    assert_refused(officer.patch(case_url(world.case.reference), {"seriousness": "high"},
                                 format="json"), "was closed", before=before)


# --------------------------------------------------------------------------------------------
# Assessments and repeated assessments
# --------------------------------------------------------------------------------------------


def test_a_recent_assessment_must_be_confirmed_and_is_listed_in_the_refusal(world):
    officer = client_of(world.cw.officer)
    url = case_url(world.case.reference, "case-assessments")
    first = officer.post(url, {"assessed_on": days(-2).isoformat(), "summary": "Initial."},
                         format="json")
    assert first.status_code == 201, first.content
    assert first.json()["summary"] == "Initial."
    before = state()
    again = officer.post(url, {"assessed_on": days(0).isoformat()}, format="json")
    assert_refused(again, "assessed recently", before=before)
    body = again.json()
    assert body["recent_assessments"] == [{
        "assessed_on": days(-2).isoformat(),
        "organisation": {"slug": world.cw.probation.slug, "name": world.cw.probation.name,
                         "kind": world.cw.probation.kind},
        "service": None}]
    assert "Initial." not in again.content.decode()  # when and who, never what
    confirmed = officer.post(url, {"assessed_on": days(0).isoformat(),
                                   "confirmed_repeat": True}, format="json")
    assert confirmed.status_code == 201, confirmed.content


def test_a_referral_after_a_recent_assessment_needs_confirming_too(world):
    actions.assessment_record(case=world.case, organisation=world.cw.probation,
                              assessed_on=days(-1), by=world.cw.officer)
    other = ServiceFactory(provider=world.cw.provider, partnership=world.cw.partnership)
    pathway_to(world.cw, other)
    body = {"to_service": other.slug, "reason": "Housing.", "lawful_basis": "6_1_e"}
    url = case_url(world.case.reference, "case-referrals")
    before = state()
    refused = client_of(world.cw.officer).post(url, body, format="json")
    assert_refused(refused, "assessed recently", before=before)
    assert len(refused.json()["recent_assessments"]) == 1
    sent = client_of(world.cw.officer).post(url, {**body, "confirmed_repeat": True},
                                            format="json")
    assert sent.status_code == 201, sent.content
    assert sent.json()["status"] == "sent"


def test_assessment_for_another_organisation_is_refused(world):
    before = state()
    response = client_of(world.cw.officer).post(
        case_url(world.case.reference, "case-assessments"),
        {"assessed_on": days(0).isoformat(), "organisation": world.cw.provider.slug},
        format="json")
    assert_refused(response, "only for your own organisation", before=before)
    assert "recent_assessments" not in response.json()


# --------------------------------------------------------------------------------------------
# Referrals
# --------------------------------------------------------------------------------------------


def test_a_referral_along_the_pathway(world):
    actions.referral_withdraw(referral=world.referral, reason="Resending.", by=world.cw.officer)
    response = client_of(world.cw.officer).post(
        case_url(world.case.reference, "case-referrals"),
        {"to_service": world.cw.treatment.slug, "from_service": world.cw.probation_service.slug,
         "pathway": world.cw.pathway.pk, "reason": "Crack use.", "lawful_basis": "6_1_e",
         "consent_recorded": True}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    referral = Referral.objects.get(reference=body["reference"])
    assert (referral.to_organisation, referral.protocol, referral.sent_by) == (
        world.cw.provider, world.cw.protocol, world.cw.officer)
    assert body["to_organisation"]["slug"] == world.cw.provider.slug
    assert body["response_due_on"] == referral.response_due_on.isoformat()
    assert "reason" not in body


def test_a_referral_without_a_sharing_protocol_is_refused_naming_what_is_missing(world):
    housing = ServiceFactory(provider=world.cw.outsider_org, partnership=world.cw.partnership)
    before = state()
    response = client_of(world.cw.officer).post(
        case_url(world.case.reference, "case-referrals"),
        {"to_service": housing.slug, "reason": "Needs housing.", "lawful_basis": "6_1_e"},
        format="json")
    assert_refused(response, "no information-sharing protocol in force",
                   world.cw.outsider_org.name, before=before)
    assert "to_service" in response.json()


@pytest.mark.parametrize(("provider", "with_pathway", "message"), [
    ("probation", True, "is a service of your own organisation"),
    ("provider", False, "No referral pathway in force"),
])
def test_a_service_the_refer_form_leaves_out_is_refused(world, provider, with_pathway,
                                                        message):
    """The services the refer form leaves out (issue 16) are refused here too, on the field."""
    service = ServiceFactory(provider=getattr(world.cw, provider),
                             partnership=world.cw.partnership)
    if with_pathway:
        pathway_to(world.cw, service)
    before = state()
    response = client_of(world.cw.officer).post(
        case_url(world.case.reference, "case-referrals"),
        {"to_service": service.slug, "reason": "Needs help.", "lawful_basis": "6_1_e"},
        format="json")
    assert_refused(response, message, before=before)
    assert list(response.json()) == ["to_service"]


@pytest.mark.parametrize(("body", "message"), [
    ({"reason": ""}, "Say why you are referring the case."),
    ({"lawful_basis": "6_1_a", "consent_recorded": False}, "record that the person consented"),
    ({"lawful_basis": "6_1_z"}, "not a valid choice"),
    ({"to_service": "no-such-service"}, "does not exist"),
    ({"pathway": 99999999}, "does not exist"),
])
def test_bad_referrals_are_refused(world, body, message):
    other = ServiceFactory(provider=world.cw.provider, partnership=world.cw.partnership)
    data = {"to_service": other.slug, "reason": "Housing.", "lawful_basis": "6_1_e", **body}
    before = state()
    response = client_of(world.cw.officer).post(case_url(world.case.reference,
                                                         "case-referrals"), data, format="json")
    assert_refused(response, message, before=before)


def test_accepting_a_referral_addressed_to_another_organisation_is_refused(world):
    before = state()
    response = client_of(world.cw.officer).post(
        referral_url(world.referral.reference, "referral-accept"))
    assert_refused(response, f"addressed to {world.cw.provider.name}", before=before)


def test_the_receiving_organisation_answers(world):
    worker = client_of(world.cw.worker)
    response = worker.post(referral_url(world.referral.reference, "referral-accept"))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    assert response.json()["responded_at"]
    before = state()
    assert_refused(worker.post(referral_url(world.referral.reference, "referral-accept")),
                   "cannot be accepted", before=before)
    assert_refused(worker.post(referral_url(world.referral.reference, "referral-decline"),
                               {"reason": "Full."}, format="json"),
                   "cannot be declined", before=before)


def test_declining_needs_a_reason(world):
    before = state()
    response = client_of(world.cw.worker).post(
        referral_url(world.referral.reference, "referral-decline"), {"reason": " "},
        format="json")
    assert_refused(response, "Say why the referral is declined.", before=before)


def test_only_the_referrer_withdraws(world):
    before = state()
    response = client_of(world.cw.worker).post(
        referral_url(world.referral.reference, "referral-withdraw"), {"reason": "No."},
        format="json")
    assert_refused(response, "only its caseworkers can withdraw it", before=before)


# --------------------------------------------------------------------------------------------
# Conferences
# --------------------------------------------------------------------------------------------


def test_recording_a_held_conference(world):
    conference = world.conference
    response = client_of(world.cw.worker).post(
        conference_url(conference.pk, "conference-record"),
        {"held": True, "held_on": days(-1).isoformat(), "outcome": "Plan agreed.",
         "attendees": [{"role": "offender_manager", "organisation": world.cw.probation.slug},
                       {"role": "treatment_worker", "organisation": world.cw.provider.slug},
                       {"role": "person", "attended": False}]}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["held_on"]) == ("held", days(-1).isoformat())
    assert "outcome" not in body
    assert [(a["role"], a["organisation"] and a["organisation"]["slug"], a["attended"])
            for a in body["attendees"]] == [
        ("offender_manager", world.cw.probation.slug, True),
        ("treatment_worker", world.cw.provider.slug, True), ("person", None, False)]
    detail = client_of(world.cw.officer).get(conference_url(conference.pk)).json()
    assert (detail["outcome"], detail["recorded_by"]) == ("Plan agreed.",
                                                          world.cw.worker.username)


@pytest.mark.parametrize(("body", "message"), [
    ({"held": True}, "Enter the date the conference was held."),
    ({"held": True, "held_on": days(5).isoformat()}, "cannot be in the future"),
    ({"held": True, "held_on": days(0).isoformat(),
      "attendees": [{"role": "judge"}]}, "not a valid choice"),
    ({"held": True, "held_on": days(0).isoformat(),
      "attendees": [{"role": "other", "organisation": "nobody"}]}, "does not exist"),
    ({}, "This field is required."),
])
def test_bad_conference_records_are_refused(world, body, message):
    before = state()
    response = client_of(world.cw.officer).post(
        conference_url(world.conference.pk, "conference-record"), body, format="json")
    assert_refused(response, message, before=before)
    world.conference.refresh_from_db()
    assert world.conference.status == ConferenceStatus.PLANNED


# --------------------------------------------------------------------------------------------
# End of order: notices and their acknowledgement
# --------------------------------------------------------------------------------------------


def test_the_order_ends_and_both_agencies_acknowledge_their_notices(world):
    actions.referral_accept(referral=world.referral, by=world.cw.worker)
    officer, worker = client_of(world.cw.officer), client_of(world.cw.worker)
    response = officer.patch(case_url(world.case.reference),
                             {"treatment_continues": True, "order_ends_on": days(0).isoformat()},
                             format="json")
    assert response.status_code == 200, response.content
    assert EndOfOrderNotice.objects.filter(case=world.case).count() == 2
    for client, organisation in ((officer, world.cw.probation), (worker, world.cw.provider)):
        [notice] = client.get(reverse("notice-list")).json()["results"]
        assert notice["organisation"]["slug"] == organisation.slug
        assert notice["responsible_organisation"]["slug"] == world.cw.provider.slug
        assert notice["case"]["reference"] == world.case.reference
        assert notice["acknowledged_at"] is None
        url = reverse("notice-acknowledge", kwargs={"pk": notice["id"]})
        acknowledged = client.post(url)
        assert acknowledged.status_code == 200, acknowledged.content
        assert acknowledged.json()["acknowledged_by"] == (
            world.cw.officer if client is officer else world.cw.worker).username
        before = state()
        assert_refused(client.post(url), "already acknowledged", before=before)
    # the case shows the notices to each agency
    notices = officer.get(case_url(world.case.reference)).json()["notices"]
    assert {n["organisation"]["slug"] for n in notices} == {world.cw.probation.slug,
                                                            world.cw.provider.slug}
    # another organisation's notice is not found
    notice = EndOfOrderNotice.objects.get(organisation=world.cw.probation)
    before = state()
    assert worker.post(reverse("notice-acknowledge", kwargs={"pk": notice.pk})).status_code \
        == 404
    assert state() == before
    assert client_of(world.cw.outsider).post(
        reverse("notice-acknowledge", kwargs={"pk": notice.pk})).status_code == 404


def test_notice_list_filters_by_acknowledgement(world):
    actions.referral_accept(referral=world.referral, by=world.cw.worker)
    actions.case_update(case=world.case, by=world.cw.officer, treatment_continues=True,
                        order_ends_on=days(0))
    worker = client_of(world.cw.worker)
    assert len(worker.get(reverse("notice-list"), {"acknowledged": "false"}).json()[
        "results"]) == 1
    assert worker.get(reverse("notice-list"), {"acknowledged": "true"}).json()[
        "results"] == []


# --------------------------------------------------------------------------------------------
# The case list's filters
# --------------------------------------------------------------------------------------------


def test_case_list_filters(world):
    second = open_case(world.cw, seriousness="high")
    officer, worker = client_of(world.cw.officer), client_of(world.cw.worker)

    def refs(client: Any, **params: Any) -> set[str]:
        response = client.get(reverse("case-list"), params)
        assert response.status_code == 200, response.content
        return {row["reference"] for row in response.json()["results"]}

    both = {world.case.reference, second.reference}
    assert refs(officer) == both
    assert refs(officer, seriousness="high") == {second.reference}
    assert refs(officer, status="open") == both
    assert refs(officer, status="closed") == set()
    assert refs(officer, partnership=world.cw.partnership.slug) == both
    assert refs(officer, lead_is_mine="true") == both
    assert refs(officer, lead_is_mine="false") == set()
    assert refs(worker, lead_is_mine="true") == set()
    assert refs(worker, lead_is_mine="false") == {world.case.reference}
    assert refs(officer, search=second.reference) == {second.reference}


@pytest.mark.parametrize(("param", "value", "message"), [
    ("status", "lost", "Select a valid choice"),
    ("seriousness", "extreme", "Select a valid choice"),
    ("partnership", "nowhere", "Select a valid choice"),
    ("lead_is_mine", "maybe", "Enter true or false."),
])
def test_bad_case_filters_are_a_clear_400(world, param, value, message):
    response = client_of(world.cw.officer).get(reverse("case-list"), {param: value})
    assert response.status_code == 400
    assert message in response.json()[param][0]


def test_made_up_case_write_is_404(world):
    response = client_of(world.cw.officer).post(case_url(MISSING_CASE, "case-close"), {},
                                                format="json")
    assert response.status_code == 404
