"""Agreement reminders: review due soon, review overdue, expiry approaching, to the lead
partner's partnership managers and to those of each signatory, once.

The agreement used has its review due on Tuesday 1 April 2025 (a quarter boundary) and expires
on Monday 30 June 2025 (the end of the next quarter). With the default settings (30 days' lead
for reviews, 60 for expiry, 7 days' catch-up) its review is reminded from 2 March to 1 April
and flagged overdue from 2 April to 9 April; its expiry is reminded from 1 May to 30 June.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from partnerships import tasks
from partnerships.choices import AgreementStatus
from partnerships.models import Agreement, Membership
from partnerships.reminders import (
    AGREEMENT_EXPIRING,
    AGREEMENT_REVIEW_DUE_SOON,
    AGREEMENT_REVIEW_OVERDUE,
    due_agreements,
    sweep_agreements,
)
from tests.accounts.factories import PartnershipManagerFactory, ProviderStaffFactory
from tests.partnerships.factories import (
    AgreementFactory,
    LeadMembershipFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
    SignatoryFactory,
)

pytestmark = pytest.mark.django_db

D = dt.date
REVIEW = D(2025, 4, 1)
EXPIRY = D(2025, 6, 30)


@dataclass
class World:
    partnership: Any
    agreement: Any
    manager: Any            # partnership manager of the lead partner (also a signatory)
    signatory_manager: Any  # partnership manager of another signatory
    outside_manager: Any    # partnership manager of a signatory outside the partnership
    others: list[Any]       # told nothing: staff of signatories, managers of plain members


def world(name: str = "Eastshire Treatment Partnership", **agreement: Any) -> World:
    partnership = PartnershipFactory(name=name)
    lead = LeadMembershipFactory(partnership=partnership).organisation
    signatory = MembershipFactory(partnership=partnership).organisation
    member = MembershipFactory(partnership=partnership).organisation
    outside = OrganisationFactory()
    fields = {"title": "Partnership working agreement", "reference": "pwa-2020",
              "review_due": REVIEW, "expires_on": D(2027, 3, 31), **agreement}
    agreement_row = AgreementFactory(partnership=partnership, **fields)
    for org in (lead, signatory, outside):
        SignatoryFactory(agreement=agreement_row, organisation=org, signed_by="Ada Lovelace")
    return World(
        partnership=partnership, agreement=agreement_row,
        manager=PartnershipManagerFactory(organisation=lead),
        signatory_manager=PartnershipManagerFactory(organisation=signatory),
        outside_manager=PartnershipManagerFactory(organisation=outside),
        others=[ProviderStaffFactory(organisation=lead),
                ProviderStaffFactory(organisation=signatory),
                PartnershipManagerFactory(organisation=member),
                PartnershipManagerFactory(organisation=signatory, is_active=False)],
    )


@pytest.fixture
def w(db: Any) -> World:
    return world()


def told(w: World) -> set[int]:
    return {w.manager.pk, w.signatory_manager.pk, w.outside_manager.pk}


def sent(kind: str | None = None) -> set[int]:
    rows = Notification.objects.filter(kind=kind) if kind else Notification.objects.all()
    return set(rows.values_list("recipient_id", flat=True))


def nothing() -> dict[str, int]:
    return {AGREEMENT_REVIEW_DUE_SOON: 0, AGREEMENT_REVIEW_OVERDUE: 0, AGREEMENT_EXPIRING: 0}


# -- the rules and their dates ------------------------------------------------------------------


@pytest.mark.parametrize(("today", "kind"), [
    (D(2025, 3, 1), None),                         # 31 days ahead: not yet
    (D(2025, 3, 2), AGREEMENT_REVIEW_DUE_SOON),    # exactly the lead time
    (D(2025, 3, 31), AGREEMENT_REVIEW_DUE_SOON),   # the end of the quarter
    (D(2025, 4, 1), AGREEMENT_REVIEW_DUE_SOON),    # the review date itself
    (D(2025, 4, 2), AGREEMENT_REVIEW_OVERDUE),     # passed: overdue
    (D(2025, 4, 9), AGREEMENT_REVIEW_OVERDUE),     # last day of the catch-up window
    (D(2025, 4, 10), None),                        # long past: left alone
])
def test_review_reminders_start_and_end_on_their_day(w: World, today: dt.date,
                                                     kind: str | None) -> None:
    counts = sweep_agreements(today)

    assert counts == ({**nothing(), kind: 3} if kind else nothing())
    assert sent() == (told(w) if kind else set())
    if kind:
        assert sent(kind) == told(w)


@pytest.mark.parametrize(("today", "expected"), [
    (D(2025, 4, 30), 0),   # 61 days ahead
    (D(2025, 5, 1), 3),    # exactly the lead time
    (D(2025, 6, 30), 3),   # the day it expires (the quarter's last day)
    (D(2025, 7, 1), 0),    # expired: nothing more to remind
])
def test_expiry_reminders_start_and_end_on_their_day(today: dt.date, expected: int,
                                                     db: Any) -> None:
    w = world(review_due=D(2026, 4, 1), expires_on=EXPIRY)

    assert sweep_agreements(today) == {**nothing(), AGREEMENT_EXPIRING: expected}
    assert sent(AGREEMENT_EXPIRING) == (told(w) if expected else set())


def test_review_and_expiry_on_the_same_day_are_two_reminders(db: Any) -> None:
    w = world(review_due=D(2025, 6, 1), expires_on=EXPIRY)

    assert sweep_agreements(D(2025, 5, 15)) == {
        **nothing(), AGREEMENT_REVIEW_DUE_SOON: 3, AGREEMENT_EXPIRING: 3}
    assert Notification.objects.filter(object_id=str(w.agreement.pk)).count() == 6


def test_a_sweep_run_twice_sends_nothing_new(w: World) -> None:
    assert sweep_agreements(D(2025, 4, 3))[AGREEMENT_REVIEW_OVERDUE] == 3
    assert sweep_agreements(D(2025, 4, 3)) == nothing()

    assert set(Notification.objects.values_list("key", flat=True)) == {
        f"agreement_review_overdue:{w.agreement.pk}:2025-04-01:{user.pk}"
        for user in (w.manager, w.signatory_manager, w.outside_manager)}


def test_every_day_each_person_is_told_once_per_kind(db: Any) -> None:
    world(expires_on=EXPIRY)
    day, first_sent = D(2025, 2, 1), {}
    while day <= D(2025, 8, 1):
        for kind, n in sweep_agreements(day).items():
            if n:
                assert kind not in first_sent
                first_sent[kind] = day
        day += dt.timedelta(days=1)

    assert first_sent == {AGREEMENT_REVIEW_DUE_SOON: D(2025, 3, 2),
                          AGREEMENT_REVIEW_OVERDUE: D(2025, 4, 2),
                          AGREEMENT_EXPIRING: D(2025, 5, 1)}
    assert Notification.objects.count() == 3 * 3


def test_lead_times_come_from_settings(db: Any, settings: Any) -> None:
    settings.AGREEMENT_REVIEW_LEAD_DAYS = 10
    settings.AGREEMENT_EXPIRY_LEAD_DAYS = 20
    world(expires_on=EXPIRY)

    assert sweep_agreements(D(2025, 3, 21)) == nothing()
    assert sweep_agreements(D(2025, 3, 22))[AGREEMENT_REVIEW_DUE_SOON] == 3
    assert sweep_agreements(D(2025, 6, 9))[AGREEMENT_EXPIRING] == 0
    assert sweep_agreements(D(2025, 6, 10))[AGREEMENT_EXPIRING] == 3


def test_the_catch_up_window_comes_from_settings(w: World, settings: Any) -> None:
    settings.REMINDER_CATCH_UP_DAYS = 0

    assert sweep_agreements(D(2025, 4, 3)) == nothing()
    assert sweep_agreements(D(2025, 4, 2))[AGREEMENT_REVIEW_OVERDUE] == 3


def test_a_new_review_date_reminds_again(w: World) -> None:
    sweep_agreements(D(2025, 3, 20))
    Agreement.objects.filter(pk=w.agreement.pk).update(review_due=D(2025, 4, 20))

    assert sweep_agreements(D(2025, 3, 25))[AGREEMENT_REVIEW_DUE_SOON] == 3
    assert sweep_agreements(D(2025, 4, 2)) == nothing()  # not overdue any more
    assert Notification.objects.filter(kind=AGREEMENT_REVIEW_DUE_SOON).count() == 6


@pytest.mark.parametrize("status", [AgreementStatus.DRAFT, AgreementStatus.SUPERSEDED,
                                    AgreementStatus.EXPIRED])
def test_only_active_agreements_are_reminded(w: World, status: str) -> None:
    Agreement.objects.filter(pk=w.agreement.pk).update(status=status, expires_on=EXPIRY)

    assert due_agreements(D(2025, 4, 3)) == []
    assert sweep_agreements(D(2025, 3, 20)) == nothing()
    assert sweep_agreements(D(2025, 5, 20)) == nothing()


def test_an_agreement_without_dates_is_never_reminded(w: World) -> None:
    Agreement.objects.filter(pk=w.agreement.pk).update(review_due=None, expires_on=None)

    assert sweep_agreements(D(2025, 4, 1)) == nothing()


# -- who is told ----------------------------------------------------------------------------------


def test_lead_and_signatory_managers_are_told_once_each_and_nobody_else(w: World) -> None:
    sweep_agreements(D(2025, 3, 20))

    assert sent() == told(w)
    assert not sent() & {user.pk for user in w.others}


def test_the_lead_partner_is_the_current_one(w: World) -> None:
    Membership.objects.filter(organisation=w.manager.organisation).update(
        left_on=D(2025, 3, 1))

    sweep_agreements(D(2025, 3, 20))

    # Still a signatory, so its manager is told as such; the plain member's manager is not.
    assert sent() == told(w)
    w.agreement.signatories.filter(organisation=w.manager.organisation).delete()
    Notification.objects.all().delete()
    sweep_agreements(D(2025, 3, 20))
    assert sent() == {w.signatory_manager.pk, w.outside_manager.pk}


# -- messages -------------------------------------------------------------------------------------


def test_messages_name_the_agreement_and_date_and_link_to_the_partnership(db: Any) -> None:
    w = world(expires_on=EXPIRY)
    sweep_agreements(D(2025, 3, 30))
    sweep_agreements(D(2025, 4, 5))
    sweep_agreements(D(2025, 6, 1))

    soon = Notification.objects.filter(kind=AGREEMENT_REVIEW_DUE_SOON).first()
    late = Notification.objects.filter(kind=AGREEMENT_REVIEW_OVERDUE).first()
    ending = Notification.objects.filter(kind=AGREEMENT_EXPIRING).first()
    assert soon.subject == ("Agreement review due in 2 days: Partnership working agreement, "
                            "Eastshire Treatment Partnership")
    assert "pwa-2020" in soon.body and "1 April 2025" in soon.body
    assert late.subject == ("Agreement review overdue: Partnership working agreement, "
                            "Eastshire Treatment Partnership")
    assert "4 days ago" in late.body
    assert ending.subject == ("Agreement expires in 29 days: Partnership working agreement, "
                              "Eastshire Treatment Partnership")
    assert "30 June 2025" in ending.body
    url = reverse("partnerships:detail", args=[w.partnership.slug]) + "#agreements"
    for n in (soon, late, ending):
        assert n.url == url and n.obj == w.agreement
        text = f"{n.subject} {n.body}"
        assert "Ada Lovelace" not in text and w.manager.username not in text


# -- time zone ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("utc", "review_due", "told_now"), [
    # 00:30 on 30 March 2025 in the UK is still GMT (BST starts at 01:00 UTC).
    (dt.datetime(2025, 3, 30, 0, 30, tzinfo=dt.UTC), D(2025, 4, 29), True),
    (dt.datetime(2025, 3, 29, 23, 59, tzinfo=dt.UTC), D(2025, 4, 29), False),
    # 23:30 UTC on 25 October is 00:30 BST on 26 October: the UK date is the 26th.
    (dt.datetime(2025, 10, 25, 23, 30, tzinfo=dt.UTC), D(2025, 11, 25), True),
    (dt.datetime(2025, 10, 25, 22, 59, tzinfo=dt.UTC), D(2025, 11, 25), False),
])
def test_the_sweep_uses_the_uk_date_around_summer_time_changes(
        db: Any, monkeypatch: pytest.MonkeyPatch, utc: dt.datetime, review_due: dt.date,
        told_now: bool) -> None:
    world(review_due=review_due)
    monkeypatch.setattr(timezone, "now", lambda: utc)

    assert sweep_agreements()[AGREEMENT_REVIEW_DUE_SOON] == (3 if told_now else 0)


# -- cost -----------------------------------------------------------------------------------------


def test_the_sweep_reads_in_the_same_number_of_queries_for_2_or_20_agreements(db: Any) -> None:
    """Agreements, lead managers, signatories, their managers, then one check of the keys
    already sent: a run that finds everything sent (most days) costs the same however many."""
    world("Long ago", review_due=D(2023, 4, 1))  # not read

    def add(n: int) -> None:
        for i in range(n):
            world(f"Partnership {Agreement.objects.count()}",
                  review_due=REVIEW if i % 2 else D(2025, 3, 28), expires_on=EXPIRY)

    def again() -> int:
        sweep_agreements(D(2025, 3, 30))
        with CaptureQueriesContext(connection) as ctx:
            assert sweep_agreements(D(2025, 3, 30)) == nothing()
        return len(ctx.captured_queries)

    add(2)
    few = again()
    add(18)
    many = again()

    assert few == many == 5
    assert Notification.objects.filter(kind=AGREEMENT_REVIEW_DUE_SOON).count() == 10 * 3
    assert Notification.objects.filter(kind=AGREEMENT_REVIEW_OVERDUE).count() == 10 * 3


# -- task -----------------------------------------------------------------------------------------


def test_the_task_runs_the_sweep(w: World) -> None:
    assert tasks.remind_agreements.apply(kwargs={"today": "2025-04-02"}).get() == \
        {**nothing(), AGREEMENT_REVIEW_OVERDUE: 3}
    assert tasks.remind_agreements.apply(kwargs={"today": "2025-04-02"}).get() == nothing()


def test_the_task_defaults_to_the_uk_date(w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2025, 3, 2, 9, tzinfo=dt.UTC))
    assert tasks.remind_agreements.apply().get() == {**nothing(), AGREEMENT_REVIEW_DUE_SOON: 3}
