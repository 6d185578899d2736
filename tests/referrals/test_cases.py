"""Cases: opening, changing, the lead agency (exactly one at any time), closing, and recording
assessments. Every refusal says why and changes nothing (rows and audit trail)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import IntegrityError, transaction

from core.models import AuditEvent
from referrals import actions
from referrals.choices import (
    CaseStatus,
    Compliance,
    ConferenceStatus,
    IdentifierKind,
    OrderType,
    ReferralStatus,
    Seriousness,
)
from referrals.models import Case, LeadAgency, Person, PersonIdentifier
from tests.accounts.factories import PartnershipManagerFactory, ProviderStaffFactory
from tests.partnerships.factories import (
    EndedMembershipFactory,
    MembershipFactory,
    OrganisationFactory,
)
from tests.referrals.factories import (
    AssessmentFactory,
    CaseFactory,
    CaseworkSettingsFactory,
    days,
    open_case,
    refused,
    send_referral,
    today,
    year_in,
)
from tests.services.factories import ServiceFactory

pytestmark = pytest.mark.django_db


# -- opening -----------------------------------------------------------------------------------


def test_open_case_creates_person_case_lead_and_schedule(s):
    case = open_case(s, identifiers={IdentifierKind.PRISON_NUMBER: "A1234BC"})
    assert case.status == CaseStatus.OPEN
    assert case.person.initials == "JD" and case.person.reference.startswith("P-")
    assert case.reference.startswith("C-")
    lead = case.lead_agencies.get()
    assert (lead.organisation, lead.starts_on, lead.ends_on, lead.set_by) == (
        s.probation, case.order_starts_on, None, s.officer)
    assert case.conferences.count() == 3
    assert PersonIdentifier.objects.get(person=case.person).value == "A1234BC"
    assert Case.objects.visible_to(s.officer).filter(pk=case.pk).exists()


def test_open_case_audit_rows_hold_references_never_personal_data(s):
    case = open_case(s, initials="qz", year_of_birth=1977,
                     identifiers={IdentifierKind.PNC: "99/123456X"})
    assert case.person.initials == "QZ"
    events = list(AuditEvent.objects.all())
    assert {e.content_type.model for e in events} >= {"person", "personidentifier", "case",
                                                       "leadagency", "caseconference"}
    for event in events:
        text = f"{event.summary} {event.object_repr} {event.changes}"
        assert "QZ" not in text and not year_in(text, 1977) and "99/123456X" not in text
    person_event = next(e for e in events if e.content_type.model == "person")
    assert person_event.changes["initials"] == [None, "(recorded)"]
    assert case.person.reference in person_event.summary


def test_open_case_for_an_existing_person(s, case):
    second = open_case(s, person=case.person, order_type=OrderType.DRR)
    assert second.person == case.person
    assert Person.objects.count() == 1


def test_a_case_for_a_future_order_is_led_from_today(s):
    case = open_case(s, order_starts_on=days(10), order_ends_on=days(200))
    assert case.lead_agencies.get().starts_on == today()
    assert Case.objects.visible_to(s.officer).filter(pk=case.pk).exists()


def test_an_order_ending_before_it_starts_is_refused(s):
    error = refused(open_case, s=s, match="The order cannot end before it starts",
                    order_starts_on=days(0), order_ends_on=days(-1))
    assert error.field == "order_ends_on"


def test_the_database_refuses_an_order_ending_before_it_starts(s, case):
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(order_ends_on=case.order_starts_on
                                               - datetime.timedelta(days=1))


def test_only_caseworkers_of_current_members_open_cases(s):
    refused(open_case, s=s, match="Only caseworkers of current members",
            by=ProviderStaffFactory())
    refused(open_case, s=s, match="Only caseworkers", by=s.commissioner)
    refused(open_case, s=s, match="Only caseworkers", by=s.admin)


def test_a_partnership_manager_of_a_member_may_open_a_case(s):
    manager = PartnershipManagerFactory(organisation=s.probation)
    assert open_case(s, by=manager).pk


def test_the_lead_must_be_a_current_member(s):
    former = EndedMembershipFactory(partnership=s.partnership).organisation
    error = refused(open_case, s=s, match="is not a current member", lead_organisation=former)
    assert error.field == "lead_organisation"
    refused(open_case, s=s, match="is not a current member",
            lead_organisation=OrganisationFactory())


@pytest.mark.parametrize(("bad", "match"), [
    ({"order_type": "nonsense"}, "not a valid choice"),
    ({"seriousness": "extreme"}, "not a valid choice"),
    ({"initials": "ABCDE"}, "Enter initials only"),
    ({"year_of_birth": 1850}, "greater than or equal to 1900"),
    ({"year_of_birth": 2999}, "cannot be in the future"),
    ({"identifiers": {"passport": "123"}}, "not a valid choice"),
])
def test_bad_input_to_open_case_is_refused(s, bad, match):
    refused(open_case, s=s, match=match, **bad)


# -- changing ----------------------------------------------------------------------------------


def test_lead_agency_changes_the_case(s, case):
    actions.case_update(case=case, by=s.officer, compliance=Compliance.CONCERNS,
                        treatment_continues=True)
    case.refresh_from_db()
    assert (case.compliance, case.treatment_continues) == (Compliance.CONCERNS, True)
    event = AuditEvent.objects.filter(content_type__model="case").first()
    assert event.summary == f"Changed case {case.reference}"
    assert event.changes["compliance"] == [Compliance.COMPLYING, Compliance.CONCERNS]


def test_others_cannot_change_the_case(s, case):
    send_referral(s, case)  # the provider is involved, but does not lead
    refused(actions.case_update, match="Only the lead agency", case=case, by=s.worker,
            seriousness=Seriousness.HIGH)
    refused(actions.case_update, match="Only the lead agency", case=case, by=s.outsider,
            seriousness=Seriousness.HIGH)


def test_changing_the_order_to_end_before_it_starts_is_refused(s, case):
    error = refused(actions.case_update, match="The order cannot end before it starts",
                    case=case, by=s.officer,
                    order_ends_on=case.order_starts_on - datetime.timedelta(days=1))
    assert error.field == "order_ends_on"
    refused(actions.case_update, match="The order cannot end before it starts", case=case,
            by=s.officer, order_starts_on=case.order_ends_on + datetime.timedelta(days=1))
    assert case.order_ends_on > case.order_starts_on  # the caller's object is untouched


@pytest.mark.parametrize(("changes", "match"), [
    ({"person": None}, "cannot be changed on a case: person"),
    ({"status": "closed"}, "cannot be changed"),
    ({"significant_change_on": "FUTURE"}, "cannot be in the future"),
    ({"compliance": "unknown"}, "not a valid choice"),
])
def test_bad_changes_are_refused(s, case, changes, match):
    if changes.get("significant_change_on") == "FUTURE":
        changes = {"significant_change_on": days(3)}
    refused(actions.case_update, match=match, case=case, by=s.officer, **changes)


def test_a_closed_case_cannot_be_changed(s, case):
    actions.case_close(case=case, by=s.officer)
    refused(actions.case_update, match="was closed", case=case, by=s.officer,
            seriousness=Seriousness.HIGH)


# -- the lead agency ---------------------------------------------------------------------------


def test_handing_over_the_lead_ends_the_current_on_the_new_start(s, case):
    new = actions.lead_agency_change(case=case, organisation=s.provider, starts_on=today(),
                                     by=s.officer)
    old = case.lead_agencies.get(organisation=s.probation)
    assert old.ends_on == today() and new.starts_on == today() and new.ends_on is None
    assert new.set_by == s.officer
    assert list(LeadAgency.objects.current().filter(case=case)) == [new]
    # Involvement follows the lead: probation (no open referral) no longer sees the case.
    assert not Case.objects.visible_to(s.officer).filter(pk=case.pk).exists()
    assert Case.objects.visible_to(s.worker).filter(pk=case.pk).exists()
    summaries = list(AuditEvent.objects.filter(content_type__model="leadagency")
                     .values_list("summary", flat=True))
    assert f"Handed over the lead of case {case.reference}" in summaries


def test_a_handover_in_the_past_is_recorded_from_that_day(s, case):
    actions.lead_agency_change(case=case, organisation=s.provider, starts_on=days(-5),
                               by=s.officer)
    assert LeadAgency.objects.current(days(-6)).get(case=case).organisation == s.probation
    assert LeadAgency.objects.current(days(-5)).get(case=case).organisation == s.provider


def test_a_second_lead_at_once_is_refused(s, case):
    """Handing over to the organisation that already leads, or dating the handover before the
    current lead started (two leads at once for those days), is refused."""
    refused(actions.lead_agency_change, match="already leads", case=case,
            organisation=s.probation, starts_on=today(), by=s.officer)
    error = refused(actions.lead_agency_change, match="one lead agency at a time", case=case,
                    organisation=s.provider,
                    starts_on=case.order_starts_on - datetime.timedelta(days=1), by=s.officer)
    assert error.field == "starts_on"


def test_the_database_holds_one_current_lead(s, case):
    with pytest.raises(IntegrityError), transaction.atomic():
        LeadAgency.objects.create(case=case, organisation=s.provider, starts_on=today())
    with pytest.raises(Exception, match="already has a lead agency"):
        LeadAgency(case=case, organisation=s.provider, starts_on=today()).full_clean()


def test_the_new_lead_must_be_a_current_member(s, case):
    error = refused(actions.lead_agency_change, match="is not a current member", case=case,
                    organisation=OrganisationFactory(), starts_on=today(), by=s.officer)
    assert error.field == "organisation"


def test_a_handover_cannot_be_dated_in_the_future(s, case):
    refused(actions.lead_agency_change, match="cannot be in the future", case=case,
            organisation=s.provider, starts_on=days(1), by=s.officer)


def test_only_the_lead_hands_over(s, case):
    send_referral(s, case)
    refused(actions.lead_agency_change, match="Only the lead agency", case=case,
            organisation=s.provider, starts_on=today(), by=s.worker)


# -- closing -----------------------------------------------------------------------------------


def test_closing_withdraws_open_referrals_and_cancels_future_conferences(s, case):
    referral = send_referral(s, case)
    past = case.conferences.get(kind="start")
    actions.case_close(case=case, by=s.officer)
    case.refresh_from_db()
    referral.refresh_from_db()
    past.refresh_from_db()
    assert (case.status, case.closed_on) == (CaseStatus.CLOSED, today())
    assert referral.status == ReferralStatus.WITHDRAWN and referral.closed_at
    assert past.status == ConferenceStatus.PLANNED  # dated before today: left alone
    assert set(case.conferences.filter(planned_on__gt=today()).values_list("status", flat=True)
               ) == {ConferenceStatus.CANCELLED}
    assert AuditEvent.objects.filter(summary=f"Closed case {case.reference}").count() == 1


def test_closing_refusals(s, case):
    refused(actions.case_close, match="cannot be in the future", case=case, by=s.officer,
            closed_on=days(1))
    refused(actions.case_close, match="Only the lead agency", case=case, by=s.outsider)
    actions.case_close(case=case, by=s.officer, closed_on=days(-1))
    refused(actions.case_close, match="was closed", case=case, by=s.officer)


# -- assessments -------------------------------------------------------------------------------


def test_recording_an_assessment(s, case):
    assessment = actions.assessment_record(case=case, organisation=s.probation,
                                           assessed_on=today(), by=s.officer,
                                           service=s.probation_service, summary="Initial.")
    assert (assessment.case, assessment.recorded_by) == (case, s.officer)
    event = AuditEvent.objects.filter(content_type__model="assessment").get()
    assert event.changes["summary"] == [None, "(recorded)"]


def test_recent_assessments_span_the_persons_cases_and_the_window(s, case):
    other_case = CaseFactory(person=case.person)
    elsewhere = OrganisationFactory(name="Another Provider")
    inside = AssessmentFactory(case=other_case, organisation=elsewhere, assessed_on=days(-10))
    today_one = AssessmentFactory(case=case, organisation=s.provider, assessed_on=today())
    AssessmentFactory(case=case, organisation=s.provider, assessed_on=days(-11))
    AssessmentFactory(organisation=s.provider, assessed_on=today())  # someone else
    assert actions.recent_assessments(case=case) == [today_one, inside]
    CaseworkSettingsFactory(partnership=s.partnership, assessment_window_days=3)
    assert actions.recent_assessments(case=case) == [today_one]


def test_a_repeated_assessment_needs_confirming(s, case):
    AssessmentFactory(case=case, organisation=s.provider, assessed_on=days(-2),
                      service=s.treatment)
    day = (today() - datetime.timedelta(days=2)).strftime("%-d %B %Y")
    error = refused(actions.assessment_record, match="assessed recently", case=case,
                    organisation=s.probation, assessed_on=today(), by=s.officer)
    assert f"{day} by {s.provider} (Structured drug treatment)" in error.text
    assert not re.search(r"\b(JD|1985)\b", error.text)
    assert error.field == "confirmed_repeat"
    actions.assessment_record(case=case, organisation=s.probation, assessed_on=today(),
                              by=s.officer, confirmed_repeat=True)


@pytest.mark.parametrize(("bad", "match"), [
    ({"assessed_on": "TOMORROW"}, "cannot be in the future"),
    ({"organisation": "PROVIDER"}, "only for your own organisation"),
    ({"service": "TREATMENT"}, "is not a service of"),
])
def test_bad_assessments_are_refused(s, case, bad, match):
    values = {"TOMORROW": days(1), "PROVIDER": s.provider, "TREATMENT": s.treatment}
    arguments = {"case": case, "organisation": s.probation, "assessed_on": today(),
                 "by": s.officer, **{k: values[v] for k, v in bad.items()}}
    refused(actions.assessment_record, match=match, **arguments)


def test_uninvolved_caseworkers_cannot_record_assessments(s, case):
    refused(actions.assessment_record, match="Only caseworkers of organisations involved",
            case=case, organisation=s.outsider_org, assessed_on=today(), by=s.outsider)
    stranger = ProviderStaffFactory()
    MembershipFactory(partnership=s.partnership, organisation=stranger.organisation)
    refused(actions.assessment_record, match="Only caseworkers", case=case,
            organisation=stranger.organisation, assessed_on=today(), by=stranger,
            service=ServiceFactory(provider=stranger.organisation))


def test_no_audit_row_holds_personal_data_or_free_text(s):
    """A whole journey, with recognisable values in every personal or free-text field: none of
    them reaches an audit row (summary, object name or changes)."""
    # Initials of letters that references never use (referrals.references.ALPHABET has no Z or
    # S), so a random reference cannot contain them by chance.
    case = open_case(s, initials="ZS", year_of_birth=1963,
                     identifiers={IdentifierKind.PRISON_NUMBER: "Z9876QQ"})
    actions.assessment_record(case=case, organisation=s.probation, assessed_on=today(),
                              by=s.officer, summary="SECRET-ASSESSMENT")
    referral = send_referral(s, case, reason="SECRET-REASON", confirmed_repeat=True)
    actions.referral_decline(referral=referral, reason="SECRET-DECLINE", by=s.worker)
    second = send_referral(s, case, reason="SECRET-REASON-2", confirmed_repeat=True)
    actions.referral_withdraw(referral=second, reason="SECRET-WITHDRAW", by=s.officer)
    actions.conference_record(conference=case.conferences.get(kind="start"), by=s.officer,
                              held=True, held_on=today(), outcome="SECRET-OUTCOME")
    actions.case_close(case=case, by=s.officer)
    text = " ".join(f"{e.summary} {e.object_repr} {e.changes}" for e in AuditEvent.objects.all())
    assert not year_in(text, 1963)
    for secret in ("ZS", "Z9876QQ", "SECRET"):
        assert secret not in text
    assert case.reference in text and referral.reference in text
