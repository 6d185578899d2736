"""Referrals: the information-sharing protocol rule (and the message naming what is missing),
repeated assessments, and the states sent → accepted/declined → completed/withdrawn, each only
by the right organisation. Refusals change nothing."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction

from core.models import AuditEvent
from partnerships.choices import AgreementStatus
from referrals import actions
from referrals.choices import LawfulBasis, ReferralStatus
from referrals.models import Case, Referral
from referrals.working_days import working_days_after
from tests.accounts.factories import ProviderStaffFactory
from tests.partnerships.factories import (
    EndedMembershipFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
)
from tests.referrals.factories import (
    AssessmentFactory,
    InformationSharingAgreementFactory,
    PathwayFactory,
    SharingProtocolFactory,
    accepted_referral,
    days,
    pathway_to,
    refused,
    send_referral,
    today,
)
from tests.services.factories import ServiceFactory, category

pytestmark = pytest.mark.django_db


# -- sending -----------------------------------------------------------------------------------


def test_a_referral_under_the_protocol(s, case):
    referral = send_referral(s, case)
    assert (referral.status, referral.from_organisation, referral.to_organisation,
            referral.protocol, referral.sent_by) == (
        ReferralStatus.SENT, s.probation, s.provider, s.protocol, s.officer)
    assert referral.reference.startswith("R-")
    assert referral.response_due_on == working_days_after(today(), 5)
    # The provider is now involved and sees the case.
    assert Case.objects.visible_to(s.worker).filter(pk=case.pk).exists()
    event = AuditEvent.objects.filter(content_type__model="referral").get()
    assert event.summary == f"Sent referral {referral.reference} on case {case.reference}"
    assert event.changes["reason"] == [None, "(recorded)"]
    assert "Opiate" not in str(event.changes)


def test_response_due_follows_the_pathway_target(s, case):
    s.pathway.target_response_days = 10
    s.pathway.save()
    referral = send_referral(s, case)
    assert referral.response_due_on == working_days_after(today(), 10)


def test_a_service_of_the_referrers_own_organisation_is_refused(s, case):
    own = ServiceFactory(provider=s.probation, name="Accredited programme")
    pathway_to(s, own)  # even with a pathway: a referral goes to another agency
    error = refused(send_referral, match="Accredited programme is a service of your own "
                    "organisation", s=s, case=case, to_service=own, pathway=None)
    assert error.field == "to_service"


def test_a_service_no_pathway_in_force_leads_to_is_refused(s, case):
    service = ServiceFactory(provider=s.provider, name="Recovery café")
    error = refused(send_referral, match="No referral pathway in force in .* leads to Recovery "
                    "café", s=s, case=case, to_service=service, pathway=None)
    assert error.field == "to_service"
    lapsed = pathway_to(s, service, agreement=InformationSharingAgreementFactory(
        partnership=s.partnership, expires_on=days(-1)))
    refused(send_referral, match="No referral pathway in force", s=s, case=case,
            to_service=service, pathway=None)
    refused(send_referral, match="is not in force", s=s, case=case, to_service=service,
            pathway=lapsed)
    pathway_to(s, service)  # no agreement behind it: agreed by the partnership, in force
    assert send_referral(s, case, to_service=service, pathway=None).to_service == service


def test_a_pathway_to_the_services_category_is_enough(s, case):
    service = ServiceFactory(provider=s.provider, categories=[category("housing")])
    pathway_to(s, None, to_category=category("housing"))
    assert send_referral(s, case, to_service=service, pathway=None).to_service == service


def test_the_protocol_of_the_cases_partnership_is_preferred(s, case):
    other = PartnershipFactory()
    MembershipFactory(partnership=other, organisation=s.probation)
    MembershipFactory(partnership=other, organisation=s.provider)
    SharingProtocolFactory(agreement=InformationSharingAgreementFactory(partnership=other),
                           parties=[s.probation, s.provider])
    assert send_referral(s, case).protocol == s.protocol


def test_no_protocol_without_a_shared_partnership(s, case):
    stranger = OrganisationFactory(name="Faraway Recovery")
    error = refused(send_referral, match="no information-sharing protocol in force between "
                    f"{s.probation} and Faraway Recovery", s=s, case=case,
                    to_service=ServiceFactory(provider=stranger), pathway=None)
    assert "not both current members of any partnership" in error.text
    assert error.field == "to_service"


def test_no_protocol_when_the_receiver_is_not_a_party(s, case):
    service = ServiceFactory(provider=s.outsider_org, name="Supported housing")
    error = refused(send_referral, match="no information-sharing protocol", s=s, case=case,
                    to_service=service, pathway=None)
    assert f"{s.outsider_org} is not a party to “{s.agreement}”" in error.text


def test_no_protocol_when_it_has_expired(s, case):
    s.agreement.expires_on = days(-1)
    s.agreement.save()
    error = refused(send_referral, match="no information-sharing protocol", s=s, case=case)
    assert f"expired on {days(-1):%-d %B %Y}" in error.text


def test_no_protocol_when_it_is_only_a_draft(s, case):
    s.agreement.status = AgreementStatus.DRAFT
    s.agreement.save()
    error = refused(send_referral, match="no information-sharing protocol", s=s, case=case)
    assert "draft" in error.text


def test_no_protocol_when_the_receiver_has_left_the_partnership(s, case):
    s.provider.memberships.update(left_on=today())
    error = refused(send_referral, match="no information-sharing protocol", s=s, case=case)
    assert "not both current members" in error.text


def test_no_protocol_at_all(s, case):
    s.protocol.delete()
    error = refused(send_referral, match="no information-sharing protocol", s=s, case=case)
    assert "has no sharing terms" in error.text
    s.pathway.delete()
    s.agreement.delete()
    error = refused(send_referral, match="no information-sharing protocol", s=s, case=case)
    assert f"members of {s.partnership}, which has none" in error.text


def test_a_protocol_of_another_shared_partnership_is_enough(s, case):
    other = PartnershipFactory()
    MembershipFactory(partnership=other, organisation=s.probation)
    MembershipFactory(partnership=other, organisation=s.outsider_org)
    protocol = SharingProtocolFactory(
        agreement=InformationSharingAgreementFactory(partnership=other),
        parties=[s.probation, s.outsider_org])
    service = ServiceFactory(provider=s.outsider_org)
    pathway_to(s, service)
    referral = send_referral(s, case, to_service=service, pathway=None)
    assert referral.protocol == protocol


def test_a_former_member_of_the_other_partnership_is_not_covered(s, case):
    other = PartnershipFactory()
    MembershipFactory(partnership=other, organisation=s.probation)
    EndedMembershipFactory(partnership=other, organisation=s.outsider_org)
    SharingProtocolFactory(agreement=InformationSharingAgreementFactory(partnership=other),
                           parties=[s.probation, s.outsider_org])
    refused(send_referral, match="no information-sharing protocol", s=s, case=case,
            to_service=ServiceFactory(provider=s.outsider_org), pathway=None)


@pytest.mark.parametrize(("bad", "match", "field"), [
    ({"reason": "  "}, "Say why you are referring", "reason"),
    ({"lawful_basis": "nope"}, "lawful basis", "lawful_basis"),
    ({"lawful_basis": LawfulBasis.CONSENT, "consent_recorded": False}, "record that the person "
                                                                        "consented",
     "consent_recorded"),
])
def test_bad_referrals_are_refused(s, case, bad, match, field):
    assert refused(send_referral, match=match, s=s, case=case, **bad).field == field


def test_a_stopped_service_takes_no_referrals(s, case):
    s.treatment.is_active = False
    s.treatment.save()
    refused(send_referral, match="no longer running", s=s, case=case)


def test_the_from_service_must_be_the_senders(s, case):
    refused(send_referral, match="is not a service of", s=s, case=case,
            from_service=s.treatment)


def test_the_pathway_must_fit(s, case):
    elsewhere = PathwayFactory()
    refused(send_referral, match="belongs to another partnership", s=s, case=case,
            pathway=elsewhere)
    other_service = ServiceFactory(provider=s.provider)
    refused(send_referral, match="leads to another service", s=s, case=case,
            to_service=other_service)
    by_category = PathwayFactory(partnership=s.partnership, to_service=None,
                                 to_category=category("housing"))
    refused(send_referral, match="is not in the category", s=s, case=case, pathway=by_category)
    by_category.to_category = category("substance-misuse")
    by_category.save()
    assert send_referral(s, case, pathway=by_category).pathway == by_category


def test_one_open_referral_per_service(s, case):
    first = send_referral(s, case)
    refused(send_referral, match=f"already has an open referral.*{first.reference}", s=s,
            case=case)
    actions.referral_decline(referral=first, reason="No capacity.", by=s.worker)
    assert send_referral(s, case).pk != first.pk


def test_uninvolved_caseworkers_cannot_refer(s, case):
    refused(send_referral, match="Only caseworkers of organisations involved", s=s, case=case,
            by=s.outsider, from_service=None, pathway=None)
    refused(send_referral, match="Only caseworkers", s=s, case=case, by=s.admin,
            from_service=None)
    refused(send_referral, match="Only caseworkers", s=s, case=case, by=s.commissioner,
            from_service=None)


def test_a_receiving_organisation_may_refer_on(s, case):
    accepted_referral(s, case)
    housing = ServiceFactory(provider=s.probation, name="Accommodation")
    pathway_to(s, housing)
    onward = send_referral(s, case, by=s.worker, to_service=housing, from_service=s.treatment,
                           pathway=None)
    assert onward.from_organisation == s.provider and onward.protocol == s.protocol


def test_a_closed_case_takes_no_referrals(s, case):
    actions.case_close(case=case, by=s.officer)
    refused(send_referral, match="was closed", s=s, case=case)


# -- repeated assessments ----------------------------------------------------------------------


def test_a_referral_with_recent_assessments_needs_confirming(s, case):
    elsewhere = OrganisationFactory(name="Community Drug Team")
    AssessmentFactory(case=case, organisation=elsewhere, assessed_on=days(-3))
    error = refused(send_referral, match="assessed recently", s=s, case=case)
    assert f"{days(-3):%-d %B %Y} by Community Drug Team" in error.text
    assert error.error_dict["confirmed_repeat"][0].code == "repeat_assessment"
    assert send_referral(s, case, confirmed_repeat=True).pk


# -- responding --------------------------------------------------------------------------------


def test_the_receiver_accepts(s, case):
    referral = actions.referral_accept(referral=send_referral(s, case), by=s.worker)
    assert (referral.status, referral.responded_by) == (ReferralStatus.ACCEPTED, s.worker)
    assert referral.responded_at is not None


def test_accepting_a_referral_addressed_to_another_organisation_is_refused(s, case):
    referral = send_referral(s, case)
    for user in (s.officer, s.outsider, s.admin, s.commissioner):
        refused(actions.referral_accept, match=f"addressed to {s.provider}; only its "
                                               "caseworkers can accept it",
                referral=referral, by=user)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT


def test_declining_needs_a_reason(s, case):
    referral = send_referral(s, case)
    error = refused(actions.referral_decline, match="Say why", referral=referral, reason=" ",
                    by=s.worker)
    assert error.field == "reason"
    actions.referral_decline(referral=referral, reason="Outside our area.", by=s.worker)
    referral.refresh_from_db()
    assert (referral.status, referral.decline_reason) == (ReferralStatus.DECLINED,
                                                          "Outside our area.")
    refused(actions.referral_decline, match="addressed to", referral=send_referral(s, case),
            reason="x", by=s.officer)


def test_the_database_requires_a_decline_reason(s, case):
    referral = send_referral(s, case)
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.DECLINED)


def test_a_declined_referral_ends_the_receivers_involvement(s, case):
    referral = send_referral(s, case)
    actions.referral_decline(referral=referral, reason="Full.", by=s.worker)
    assert not Case.objects.visible_to(s.worker).filter(pk=case.pk).exists()


@pytest.mark.parametrize(("state", "action", "match"), [
    ("accepted", "accept", "is accepted, so it cannot be accepted; only a sent"),
    ("declined", "accept", "is declined, so it cannot be accepted"),
    ("accepted", "decline", "cannot be declined; only a sent"),
    ("sent", "complete", "is sent, so it cannot be completed; only an accepted"),
    ("completed", "complete", "cannot be completed"),
    ("completed", "withdraw", "cannot be withdrawn; only a sent or accepted"),
    ("declined", "withdraw", "cannot be withdrawn"),
    ("withdrawn", "withdraw", "cannot be withdrawn"),
    ("withdrawn", "accept", "cannot be accepted"),
])
def test_states_move_only_forward(s, case, state, action, match):
    referral = send_referral(s, case)
    if state in ("accepted", "completed"):
        actions.referral_accept(referral=referral, by=s.worker)
    if state == "completed":
        actions.referral_complete(referral=referral, by=s.worker)
    if state == "declined":
        actions.referral_decline(referral=referral, reason="Full.", by=s.worker)
    if state == "withdrawn":
        actions.referral_withdraw(referral=referral, reason="Moved away.", by=s.officer)
    calls = {
        "accept": (actions.referral_accept, {"by": s.worker}),
        "decline": (actions.referral_decline, {"by": s.worker, "reason": "Full."}),
        "complete": (actions.referral_complete, {"by": s.worker}),
        "withdraw": (actions.referral_withdraw, {"by": s.officer, "reason": "Moved."}),
    }
    call, arguments = calls[action]
    refused(call, match=match, referral=referral, **arguments)


def test_complete_an_accepted_referral(s, case):
    referral = actions.referral_complete(referral=accepted_referral(s, case), by=s.worker)
    assert referral.status == ReferralStatus.COMPLETED and referral.closed_at is not None
    other = ServiceFactory(provider=s.provider)
    pathway_to(s, other)
    refused(actions.referral_complete, match="addressed to", by=s.officer,
            referral=accepted_referral(s, case, to_service=other, pathway=None))


def test_withdraw_by_the_sender_only(s, case):
    referral = accepted_referral(s, case)
    refused(actions.referral_withdraw, match=f"sent by {s.probation}; only its caseworkers",
            referral=referral, reason="x", by=s.worker)
    refused(actions.referral_withdraw, match="sent by", referral=referral, reason="x",
            by=s.outsider)
    refused(actions.referral_withdraw, match="Say why", referral=referral, reason="",
            by=s.officer)
    actions.referral_withdraw(referral=referral, reason="Moved out of area.", by=s.officer)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.WITHDRAWN and referral.closed_at is not None


def test_every_response_is_audited_by_reference(s, case):
    referral = accepted_referral(s, case)
    actions.referral_complete(referral=referral, by=s.worker)
    summaries = list(AuditEvent.objects.filter(content_type__model="referral")
                     .order_by("pk").values_list("summary", flat=True))
    assert summaries == [f"Sent referral {referral.reference} on case {case.reference}",
                         f"Accepted referral {referral.reference}",
                         f"Completed referral {referral.reference}"]


def test_a_second_caseworker_of_the_receiver_may_respond(s, case):
    colleague = ProviderStaffFactory(organisation=s.provider)
    referral = actions.referral_accept(referral=send_referral(s, case), by=colleague)
    assert referral.responded_by == colleague
    assert referral.response_due_on >= today() + datetime.timedelta(days=5)
