"""Casework events notify the people whose work they are (issue 15): a referral received,
accepted, declined or withdrawn; a case's lead agency handed over; end-of-order notices issued;
conferences planned, moved or cancelled.

For each: the caseworkers of the right organisations get exactly one notification (its kind,
link, and a subject naming the case), nobody outside the case or those organisations and not
the person who acted; doing it again (or a refused second attempt) tells nobody twice; nothing
about the person (initials, year of birth, prison number) nor a referral's free text is in the
subject, body or email; the email goes out only after commit (the default: an email each)."""

from __future__ import annotations

import contextlib
import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.display import govuk_date
from core.errors import DomainError
from notifications.models import Notification, NotificationPreference
from referrals import actions
from referrals.choices import ConferenceStatus, Seriousness
from tests.accounts.factories import (
    CommissionerFactory,
    PartnershipManagerFactory,
    ProviderStaffFactory,
)
from tests.notifications.conftest import eager_celery  # noqa: F401 (autouse fixture)
from tests.referrals.factories import (
    Casework,
    accepted_referral,
    days,
    open_case,
    send_referral,
    year_in,
)

pytestmark = pytest.mark.django_db

PRISON_NUMBER = "A4321BC"
#: What identifies the person (``open_case``: initials JD, born 1985) or is a referral's free
#: text: none of it may be in a notification or its email.
PRIVATE = (r"\bJD\b", PRISON_NUMBER, "Opiate use", "Lives with", "Moved away")


def private_in(text: str) -> list[str]:
    """What of ``PRIVATE`` is in ``text`` (initials as a word: a reference may hold "JD")."""
    found = [pattern for pattern in PRIVATE if re.search(pattern, text)]
    return found + (["1985"] if year_in(text, 1985) else [])


class People:
    """Besides ``s.officer`` (probation) and ``s.worker`` (provider): a colleague of each, the
    provider's partnership manager (also a caseworker), and people who must never hear of these
    cases: an outsider member's caseworker, a commissioner, an inactive probation caseworker."""

    def __init__(self, s: Casework) -> None:
        self.s = s
        self.officer2 = ProviderStaffFactory(organisation=s.probation)
        self.worker2 = ProviderStaffFactory(organisation=s.provider)
        self.provider_manager = PartnershipManagerFactory(organisation=s.provider)
        self.commissioner = CommissionerFactory(organisation=s.provider)
        self.gone = ProviderStaffFactory(organisation=s.probation, is_active=False)

    @property
    def probation(self) -> set[Any]:
        return {self.s.officer, self.officer2}

    @property
    def provider(self) -> set[Any]:
        return {self.s.worker, self.worker2, self.provider_manager}


@pytest.fixture
def p(s: Casework) -> People:
    return People(s)


@pytest.fixture
def case(s: Casework, p: People) -> Any:
    """An open case led by probation, with a prison number; opening it tells nobody."""
    case = open_case(s, identifiers={"prison_number": PRISON_NUMBER})
    assert not Notification.objects.exists()
    return case


def told(kind: str) -> dict[Any, Notification]:
    """``recipient → notification`` of ``kind``; fails if anyone got two."""
    found: dict[Any, Notification] = {}
    for notification in Notification.objects.filter(kind=kind).select_related("recipient"):
        assert notification.recipient not in found, f"{notification.recipient} told twice"
        found[notification.recipient] = notification
    return found


def act(capture: Any, call: Callable[[], Any], *, no_email: frozenset[Any] = frozenset()) -> Any:
    """Run an action as a request would: no email before its transaction commits, then each
    notification made's email (everyone's default: an email each, now), except to
    ``no_email`` (who chose "in the service only")."""
    before = {n.pk for n in Notification.objects.all()}
    mail.outbox.clear()
    with capture(execute=False) as callbacks:
        result = call()
    assert mail.outbox == []  # nothing is sent before commit
    for callback in callbacks:
        callback()
    made = Notification.objects.exclude(pk__in=before).select_related("recipient")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        n.recipient.email for n in made if n.recipient not in no_email)
    for message in mail.outbox:
        text = message.subject + message.body
        assert not private_in(text), text
    return result


def check(kind: str, expected: set[Any], url: str | dict[Any, str], case: Any,
          *also_in_subject: str) -> dict[Any, Notification]:
    """Exactly ``expected`` were told of ``kind``, once each, linked to ``url`` (or each
    person's), with the case reference in the subject and nothing private."""
    found = told(kind)
    assert set(found) == expected
    for user, notification in found.items():
        assert notification.url == (url[user] if isinstance(url, dict) else url)
        assert case.reference in notification.subject
        for words in also_in_subject:
            assert words in notification.subject
        text = notification.subject + notification.body
        assert not private_in(text), text
    return found


def nothing_more(call: Callable[[], Any]) -> None:
    """Doing it again (or its refusal) adds no notification."""
    count = Notification.objects.count()
    with contextlib.suppress(DomainError):
        call()
    assert Notification.objects.count() == count


# -- referrals ------------------------------------------------------------------------------------


def test_referral_received_tells_the_receiving_caseworkers_once(
        s, p, case, django_capture_on_commit_callbacks):
    key = "form-key-1"
    # The provider's manager wants casework in the service only: told, but not emailed.
    NotificationPreference.objects.create(user=p.provider_manager, kind="area:casework",
                                          email=False)
    referral = act(django_capture_on_commit_callbacks,
                   lambda: send_referral(s, case, idempotency_key=key),
                   no_email=frozenset({p.provider_manager}))
    assert len(mail.outbox) == len(p.provider) - 1
    found = check("referral_received", p.provider,
                  reverse("referrals:referral", args=[referral.reference]), case,
                  referral.reference)
    assert str(s.probation) in found[s.worker].body
    assert Notification.objects.count() == len(p.provider)  # nobody else, of any kind
    # The form sent twice finds the referral; another to the same service is refused.
    nothing_more(lambda: send_referral(s, case, idempotency_key=key))
    nothing_more(lambda: send_referral(s, case))


def test_referral_received_costs_the_same_queries_however_many_are_told(s, p, case):
    def cost() -> int:
        other = open_case(s)
        with CaptureQueriesContext(connection) as queries:
            send_referral(s, other)
        return len(queries)

    few = cost()
    ProviderStaffFactory.create_batch(5, organisation=s.provider)
    assert cost() == few


def test_referral_accepted_tells_the_referrers_once(s, p, case,
                                                   django_capture_on_commit_callbacks):
    referral = send_referral(s, case)
    act(django_capture_on_commit_callbacks,
        lambda: actions.referral_accept(referral=referral, by=s.worker))
    check("referral_accepted", p.probation,
          reverse("referrals:referral", args=[referral.reference]), case, referral.reference)
    nothing_more(lambda: actions.referral_accept(referral=referral, by=p.worker2))


def test_referral_declined_tells_the_referrers_without_the_reason(
        s, p, case, django_capture_on_commit_callbacks):
    referral = send_referral(s, case)
    act(django_capture_on_commit_callbacks,
        lambda: actions.referral_decline(referral=referral, by=s.worker,
                                         reason="Lives with JD's brother; no place free."))
    found = check("referral_declined", p.probation,
                  reverse("referrals:referral", args=[referral.reference]), case,
                  referral.reference)
    assert "the reason is on the referral page" in found[s.officer].body
    nothing_more(lambda: actions.referral_decline(referral=referral, by=s.worker,
                                                  reason="Again"))


def test_referral_withdrawn_tells_the_receivers_once(s, p, case,
                                                    django_capture_on_commit_callbacks):
    referral = accepted_referral(s, case)
    act(django_capture_on_commit_callbacks,
        lambda: actions.referral_withdraw(referral=referral, by=p.officer2,
                                          reason="Moved away from the area."))
    # No longer involved in the case, the provider is sent to its inbox, not a page it
    # cannot open.
    check("referral_withdrawn", p.provider, reverse("referrals:inbox"), case,
          referral.reference)
    nothing_more(lambda: actions.referral_withdraw(referral=referral, by=s.officer,
                                                   reason="Again"))


def test_the_withdraw_button_and_api_notify_through_the_action(s, p, case, client):
    referral = send_referral(s, case)
    client.force_login(s.officer)
    response = client.post(reverse("referrals:referral-withdraw", args=[referral.reference]),
                           {"reason": "Moved away from the area."})
    assert response.status_code == 302
    assert set(told("referral_withdrawn")) == p.provider
    second = send_referral(s, case)
    response = client.post(f"/api/v1/referrals/{second.reference}/withdraw/",
                           {"reason": "Moved away."}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert Notification.objects.filter(kind="referral_withdrawn").count() == 2 * len(p.provider)


# -- cases ----------------------------------------------------------------------------------------


def test_lead_handover_tells_the_new_and_old_lead_once(s, p, case,
                                                      django_capture_on_commit_callbacks):
    act(django_capture_on_commit_callbacks,
        lambda: actions.lead_agency_change(case=case, organisation=s.provider,
                                           starts_on=days(0), by=s.officer))
    case_page, caseload = (reverse("referrals:case", args=[case.reference]),
                           reverse("referrals:caseload"))
    # Probation no longer leads nor has a referral open: it cannot open the case any more.
    found = check("case_lead_changed", (p.probation - {s.officer}) | p.provider,
                  {**dict.fromkeys(p.provider, case_page), p.officer2: caseload}, case,
                  str(s.provider))
    assert str(s.probation) in found[s.worker].body
    nothing_more(lambda: actions.lead_agency_change(case=case, organisation=s.provider,
                                                    starts_on=days(0), by=s.worker))


def test_old_lead_still_involved_keeps_the_case_link(s, p, case):
    send_referral(s, case)
    actions.lead_agency_change(case=case, organisation=s.provider, starts_on=days(0),
                               by=s.officer)
    assert told("case_lead_changed")[p.officer2].url == reverse("referrals:case",
                                                               args=[case.reference])


@pytest.fixture
def ended(s, p, case):
    """Order ended yesterday, treatment continuing, the provider's treatment referral accepted;
    notices not sent yet."""
    actions.case_update(case=case, by=s.officer, order_ends_on=days(30),
                        treatment_continues=True)
    accepted_referral(s, case)
    type(case).objects.filter(pk=case.pk).update(order_ends_on=days(-1))  # time passes
    case.refresh_from_db()
    Notification.objects.all().delete()
    return case


def test_end_of_order_tells_every_involved_agency_once(s, p, ended,
                                                      django_capture_on_commit_callbacks):
    act(django_capture_on_commit_callbacks,
        lambda: actions.case_end_order(case=ended, by=s.officer,
                                       responsible_organisation=s.provider))
    found = check("end_of_order_notice", (p.probation - {s.officer}) | p.provider,
                  reverse("referrals:notices"), ended)
    body = found[s.worker].body
    assert f"From now on {s.provider} is responsible" in body
    assert f"{s.probation} is its lead agency" in body  # who leads
    assert s.treatment.name in body  # what continues
    nothing_more(lambda: actions.case_end_order(case=ended, by=s.officer,
                                                responsible_organisation=s.provider))
    nothing_more(lambda: actions.orders_end_due(on=days(1)))


def test_the_nightly_end_of_order_run_tells_everyone_involved(s, p, ended):
    actions.orders_end_due(on=days(0) + datetime.timedelta(days=1))
    assert set(told("end_of_order_notice")) == p.probation | p.provider  # no actor
    nothing_more(lambda: actions.orders_end_due(on=days(1)))


# -- conferences ----------------------------------------------------------------------------------


def planned_future(case: Any, kind: str | None = None) -> list[Any]:
    conferences = case.conferences.filter(status=ConferenceStatus.PLANNED,
                                          planned_on__gt=days(0))
    return list(conferences.filter(kind=kind) if kind else conferences)


def test_conferences_planned_tell_the_involved_once(s, p, case,
                                                   django_capture_on_commit_callbacks):
    send_referral(s, case)
    Notification.objects.all().delete()
    act(django_capture_on_commit_callbacks,
        lambda: actions.case_update(case=case, by=s.officer, seriousness=Seriousness.MEDIUM))
    joint = planned_future(case, "joint")
    assert len(joint) > 1
    found = check("conference_scheduled", (p.probation - {s.officer}) | p.provider,
                  reverse("referrals:case", args=[case.reference]), case)
    # One message for the re-plan, listing each meeting, not one per meeting.
    assert f"{len(joint)} case conferences planned" in found[s.worker].subject
    assert found[s.worker].body.count("Joint case meeting on") == len(joint)
    nothing_more(lambda: actions.case_update(case=case, by=s.officer,
                                             seriousness=Seriousness.MEDIUM))


def test_conferences_moved_tell_the_involved_once(s, p, case,
                                                 django_capture_on_commit_callbacks):
    before = {c.kind: c.planned_on for c in planned_future(case)}
    new_end = case.order_ends_on + datetime.timedelta(days=28)
    act(django_capture_on_commit_callbacks,
        lambda: actions.case_update(case=case, by=s.officer, order_ends_on=new_end))
    found = check("conference_moved", p.probation - {s.officer},
                  reverse("referrals:case", args=[case.reference]), case)
    assert not told("conference_scheduled") and not told("conference_cancelled")
    body = found[p.officer2].body
    assert "Three-way meeting: end of order on" in body and "(was" in body
    assert govuk_date(new_end) in body and govuk_date(before["end"]) in body
    nothing_more(lambda: actions.case_update(case=case, by=s.officer, order_ends_on=new_end))


def test_conferences_cancelled_tell_the_involved_once(s, p, case,
                                                     django_capture_on_commit_callbacks):
    actions.case_update(case=case, by=s.officer, seriousness=Seriousness.HIGH)
    send_referral(s, case)
    act(django_capture_on_commit_callbacks,
        lambda: actions.case_update(case=case, by=s.officer, seriousness=Seriousness.LOW))
    found = check("conference_cancelled", (p.probation - {s.officer}) | p.provider,
                  reverse("referrals:case", args=[case.reference]), case)
    assert "case conferences cancelled" in found[s.worker].subject
    nothing_more(lambda: actions.case_update(case=case, by=s.officer,
                                             seriousness=Seriousness.LOW))


def test_closing_a_case_tells_of_cancelled_conferences_and_withdrawn_referrals(
        s, p, case, django_capture_on_commit_callbacks):
    referral = send_referral(s, case)
    Notification.objects.all().delete()
    act(django_capture_on_commit_callbacks,
        lambda: actions.case_close(case=case, by=s.officer))
    inbox, caseload = reverse("referrals:inbox"), reverse("referrals:caseload")
    check("referral_withdrawn", p.provider, inbox, case, referral.reference)
    case_page = reverse("referrals:case", args=[case.reference])
    check("conference_cancelled", (p.probation - {s.officer}) | p.provider,
          {p.officer2: case_page, **dict.fromkeys(p.provider, caseload)}, case)
    nothing_more(lambda: actions.case_close(case=case, by=s.officer))


def test_nobody_outside_the_case_ever_hears(s, p, case):
    """Every event above, in turn: the outsider member, the commissioner and the inactive
    caseworker are never told."""
    referral = send_referral(s, case)
    actions.referral_accept(referral=referral, by=s.worker)
    actions.case_update(case=case, by=s.officer, seriousness=Seriousness.MEDIUM)
    actions.lead_agency_change(case=case, organisation=s.provider, starts_on=days(0),
                               by=s.officer)
    actions.referral_withdraw(referral=referral, by=s.officer, reason="Moved away.")
    actions.case_close(case=case, by=s.worker)
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {"referral_received", "referral_accepted", "conference_scheduled",
            "case_lead_changed", "referral_withdrawn", "conference_cancelled"} <= kinds
    recipients = set(Notification.objects.values_list("recipient_id", flat=True))
    assert not recipients & {s.outsider.pk, p.commissioner.pk, p.gone.pk, s.admin.pk,
                             s.commissioner.pk}


def test_a_retried_event_tells_nobody_again(s, p, case):
    """An event's key names the event, not the moment: told again (a retried task, a second
    run racing the first), nobody gets a second notification."""
    from referrals.actions import _events

    referral = accepted_referral(s, case)
    lead = actions.lead_agency_change(case=case, organisation=s.provider, starts_on=days(0),
                                      by=s.officer)
    replanned = actions.conferences_replan(case=case, today=None, by=None)  # nothing new
    assert replanned.created == [] and replanned.cancelled == []
    joint = planned_future(case)[:2]
    count = Notification.objects.count()
    first = _events.conferences_changed(case, joint, [], None)
    assert len(first) == len(p.probation | p.provider)
    assert Notification.objects.count() == count + len(first)
    again = [_events.referral_received(referral, s.officer),
             _events.referral_accepted(referral, s.worker),
             _events.lead_changed(case, lead, None, s.officer),
             _events.conferences_changed(case, joint, [], None)]
    assert again == [[], [], [], []]
    assert Notification.objects.count() == count + len(first)
