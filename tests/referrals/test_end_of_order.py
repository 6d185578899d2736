"""End of order: when the order ends while treatment continues, every involved agency gets one
notice naming who is responsible from now on; addressees acknowledge it once. The ``end_orders``
command sends what is due and is safe to run twice."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from core.models import AuditEvent
from referrals import actions
from referrals.models import EndOfOrderNotice
from tests.accounts.factories import ProviderStaffFactory
from tests.referrals.factories import (
    EndOfOrderNoticeFactory,
    accepted_referral,
    days,
    open_case,
    pathway_to,
    refused,
    send_referral,
    today,
)
from tests.services.factories import ServiceFactory

pytestmark = pytest.mark.django_db


def ended_case(s, **overrides):
    """A case whose order ended yesterday, treatment continuing, with the provider's accepted
    treatment referral open."""
    case = open_case(s, order_starts_on=days(-365), order_ends_on=days(-1), **overrides)
    accepted_referral(s, case)
    actions.case_update(case=case, by=s.officer, treatment_continues=True)
    return case


@pytest.fixture
def case(s):
    """Ended, but notices not yet sent (treatment_continues set before the referral)."""
    case = open_case(s, order_starts_on=days(-365), order_ends_on=days(30))
    actions.case_update(case=case, by=s.officer, treatment_continues=True)
    accepted_referral(s, case)
    type(case).objects.filter(pk=case.pk).update(order_ends_on=days(-1))  # time passes
    case.refresh_from_db()
    return case


def test_every_involved_agency_gets_one_notice(s, case):
    notices = actions.case_end_order(case=case, by=s.officer, responsible_organisation=s.provider)
    assert {n.organisation for n in notices} == {s.probation, s.provider}
    assert {n.responsible_organisation for n in notices} == {s.provider}
    for notice in notices:
        assert case.reference in notice.text and str(s.provider) in notice.text
        assert not re.search(r"\bJD\b", notice.text)
    summaries = set(AuditEvent.objects.filter(content_type__model="endofordernotice")
                    .values_list("summary", flat=True))
    assert summaries == {f"Sent an end-of-order notice on case {case.reference}"}


def test_sending_again_adds_nothing(s, case):
    first = actions.case_end_order(case=case, by=s.officer, responsible_organisation=s.provider)
    count = AuditEvent.objects.count()
    again = actions.case_end_order(case=case, by=s.officer, responsible_organisation=s.provider)
    assert [n.pk for n in again] == [n.pk for n in first]
    assert AuditEvent.objects.count() == count


def test_a_newly_involved_agency_is_told_once(s, case):
    actions.case_end_order(case=case, by=s.officer, responsible_organisation=s.provider)
    housing = ServiceFactory(provider=s.outsider_org)
    s.protocol.parties.add(s.outsider_org)
    pathway_to(s, housing)
    send_referral(s, case, to_service=housing, pathway=None)
    notices = actions.case_end_order(case=case, by=s.officer,
                                     responsible_organisation=s.provider)
    assert sorted(n.organisation.name for n in notices) == sorted(
        [s.probation.name, s.provider.name, s.outsider_org.name])


def test_the_responsible_agency_must_be_involved(s, case):
    error = refused(actions.case_end_order, match="is not involved in case", case=case,
                    by=s.officer, responsible_organisation=s.outsider_org)
    assert error.field == "responsible_organisation"


def test_no_notices_before_the_order_ends(s):
    case = open_case(s)
    actions.case_update(case=case, by=s.officer, treatment_continues=True)
    refused(actions.case_end_order, match="notices go out once it has ended", case=case,
            by=s.officer, responsible_organisation=s.probation)


def test_no_notices_when_treatment_does_not_continue(s):
    case = open_case(s, order_starts_on=days(-365), order_ends_on=days(-1))
    refused(actions.case_end_order, match="Treatment does not continue", case=case,
            by=s.officer, responsible_organisation=s.probation)


def test_only_the_lead_sends_notices(s, case):
    for user in (s.worker, s.outsider, s.admin):
        refused(actions.case_end_order, match="Only the lead agency", case=case, by=user,
                responsible_organisation=s.provider)


def test_ending_the_order_through_case_update_sends_the_notices(s):
    case = ended_case(s)
    notices = list(case.end_notices.all())
    assert {n.organisation for n in notices} == {s.probation, s.provider}
    assert {n.responsible_organisation for n in notices} == {s.provider}


def test_moving_the_order_end_into_the_past_sends_the_notices(s):
    case = open_case(s, order_starts_on=days(-365), order_ends_on=days(30))
    actions.case_update(case=case, by=s.officer, treatment_continues=True)
    assert not case.end_notices.exists()
    actions.case_update(case=case, by=s.officer, order_ends_on=today())
    assert set(case.end_notices.values_list("organisation", flat=True)) == {s.probation.pk}


def test_the_database_holds_one_notice_per_agency(s, case):
    notice = EndOfOrderNoticeFactory(case=case, organisation=s.provider)
    with pytest.raises(IntegrityError), transaction.atomic():
        EndOfOrderNoticeFactory(case=case, organisation=notice.organisation)


# -- acknowledging -----------------------------------------------------------------------------


def test_the_addressee_acknowledges_once(s, case):
    notices = actions.case_end_order(case=case, by=s.officer, responsible_organisation=s.provider)
    ours = next(n for n in notices if n.organisation == s.provider)
    refused(actions.notice_acknowledge, match=f"addressed to {s.provider}; only its "
                                              "caseworkers can acknowledge it",
            notice=ours, by=s.officer)
    refused(actions.notice_acknowledge, match="addressed to", notice=ours, by=s.admin)
    acknowledged = actions.notice_acknowledge(notice=ours, by=s.worker)
    assert acknowledged.acknowledged_by == s.worker and acknowledged.acknowledged_at
    refused(actions.notice_acknowledge, match="already acknowledged", notice=ours,
            by=ProviderStaffFactory(organisation=s.provider))


# -- the command -------------------------------------------------------------------------------


def run() -> str:
    out = StringIO()
    call_command("end_orders", stdout=out, stderr=out)
    return out.getvalue()


def test_the_command_sends_due_notices_once(s, case):
    not_due = open_case(s, order_starts_on=days(-300), order_ends_on=days(10))
    actions.case_update(case=not_due, by=s.officer, treatment_continues=True)
    no_treatment = open_case(s, order_starts_on=days(-300), order_ends_on=days(-2))
    ends_today = open_case(s, order_starts_on=days(-300), order_ends_on=days(30))
    actions.case_update(case=ends_today, by=s.officer, treatment_continues=True)
    type(ends_today).objects.filter(pk=ends_today.pk).update(order_ends_on=today())

    output = run()

    assert f"{case.reference}: 2 notices sent (responsible: {s.provider})" in output
    assert "Sent end-of-order notices for 1 case." in output
    assert set(EndOfOrderNotice.objects.values_list("case", flat=True)) == {case.pk}
    assert not any(c.reference in output for c in (not_due, no_treatment, ends_today))
    assert not re.search(r"\bJD\b", output)  # initials, not a reference block
    events = AuditEvent.objects.filter(content_type__model="endofordernotice")
    assert events.count() == 2 and all(e.actor is None for e in events)

    count = AuditEvent.objects.count()
    assert "Sent end-of-order notices for 0 cases." in run()
    assert AuditEvent.objects.count() == count
    assert EndOfOrderNotice.objects.count() == 2


def test_the_command_names_the_lead_without_an_accepted_referral(s):
    case = open_case(s, order_starts_on=days(-365), order_ends_on=days(5))
    actions.case_update(case=case, by=s.officer, treatment_continues=True)
    send_referral(s, case)  # sent, not accepted
    type(case).objects.filter(pk=case.pk).update(order_ends_on=days(-1))
    run()
    assert set(case.end_notices.values_list("responsible_organisation", flat=True)) == {
        s.probation.pk}
    assert case.end_notices.count() == 2


def test_the_daily_task_sends_due_notices_once(s, case):
    from referrals.tasks import send_end_of_order_notices

    result = send_end_of_order_notices.apply().get()
    assert result == {"notified": [case.reference], "refused": []}
    assert EndOfOrderNotice.objects.filter(case=case).count() == 2
    assert send_end_of_order_notices.apply().get() == {"notified": [], "refused": []}
    assert EndOfOrderNotice.objects.count() == 2
