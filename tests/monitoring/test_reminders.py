"""Monitoring-return reminders: who is told what on which day, once.

The period used is 2024–25 Q4 (January–March 2025: it ends 31 March, across the financial-year
and quarter boundary, and its return is due 28 April 2025). With the default settings the
provider's staff are reminded from 21 April, told it is overdue from 29 April, the lead partner's
managers from 12 May (14 days) and the funders' commissioners from 26 May (28 days).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from monitoring import tasks
from monitoring.choices import Frequency
from monitoring.models import ReportingPeriod, ReturnRequirement
from monitoring.reminders import COMMISSIONER, DUE_SOON, ESCALATED, OVERDUE, sweep
from notifications.models import Notification
from tests.accounts.factories import (
    CommissionerFactory,
    PartnershipManagerFactory,
    ProviderStaffFactory,
)
from tests.monitoring.factories import (
    ReportingPeriodFactory,
    Setup,
    add_provider,
    monitoring_setup,
    quarter,
)
from tests.monitoring.workflow import approved, draft, resubmitted, sent_back, submitted
from tests.partnerships.factories import FundingFactory, LeadMembershipFactory

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def q4(s: Setup) -> ReportingPeriod:
    period = quarter(2024, 4)
    assert (period.ends_on, period.due_on) == (D(2025, 3, 31), D(2025, 4, 28))
    return period


def sent() -> set[tuple[str, int]]:
    # Reminders only: submitting a return also notifies its reviewers (an event, issue 15).
    return set(Notification.objects.filter(kind__in=[DUE_SOON, OVERDUE, ESCALATED, COMMISSIONER])
               .values_list("kind", "recipient_id"))


def nothing() -> dict[str, int]:
    return {DUE_SOON: 0, OVERDUE: 0, ESCALATED: 0, COMMISSIONER: 0}


# -- the rules and their dates ------------------------------------------------------------------


@pytest.mark.parametrize(("today", "kinds"), [
    (D(2025, 4, 20), set()),                                     # 8 days ahead: not yet
    (D(2025, 4, 21), {DUE_SOON}),                                # exactly the lead time
    (D(2025, 4, 28), {DUE_SOON}),                                # the due date itself
    (D(2025, 4, 29), {OVERDUE}),                                 # one day late
    (D(2025, 5, 11), {OVERDUE}),                                 # 13 days late
    (D(2025, 5, 12), {OVERDUE, ESCALATED}),                      # 14: the partnership manager
    (D(2025, 5, 25), {OVERDUE, ESCALATED}),                      # 27
    (D(2025, 5, 26), {OVERDUE, ESCALATED, COMMISSIONER}),        # 28: the commissioner
    (D(2025, 6, 2), {OVERDUE, ESCALATED, COMMISSIONER}),         # last catch-up day (28 + 7)
    (D(2025, 6, 3), set()),                                      # long past: left alone
])
def test_each_kind_starts_on_its_day(s: Setup, q4: ReportingPeriod, today: dt.date,
                                     kinds: set[str]) -> None:
    counts = sweep(today)

    assert counts == {**nothing(), **dict.fromkeys(kinds, 1)}
    who = {DUE_SOON: s.staff, OVERDUE: s.staff, ESCALATED: s.manager,
           COMMISSIONER: s.commissioner}
    assert sent() == {(kind, who[kind].pk) for kind in kinds}


def test_every_day_of_a_quarter_end_each_person_is_told_once_per_kind(
        s: Setup, q4: ReportingPeriod) -> None:
    day, first_sent = D(2025, 3, 25), {}
    while day <= D(2025, 6, 30):
        for kind, n in sweep(day).items():
            if n:
                assert kind not in first_sent
                first_sent[kind] = day
        day += dt.timedelta(days=1)

    assert first_sent == {DUE_SOON: D(2025, 4, 21), OVERDUE: D(2025, 4, 29),
                          ESCALATED: D(2025, 5, 12), COMMISSIONER: D(2025, 5, 26)}
    assert Notification.objects.count() == 4


def test_a_sweep_run_twice_sends_nothing_new(s: Setup, q4: ReportingPeriod) -> None:
    first = sweep(D(2025, 5, 26))
    keys = set(Notification.objects.values_list("key", flat=True))

    assert sweep(D(2025, 5, 26)) == nothing()
    assert first == {DUE_SOON: 0, OVERDUE: 1, ESCALATED: 1, COMMISSIONER: 1}
    assert set(Notification.objects.values_list("key", flat=True)) == keys


def test_keys_name_kind_organisation_partnership_period_and_recipient(
        s: Setup, q4: ReportingPeriod) -> None:
    sweep(D(2025, 5, 26))

    ids = f"{s.provider.pk}:{s.partnership.pk}:{q4.pk}"
    assert set(Notification.objects.values_list("key", flat=True)) == {
        f"return_overdue:{ids}:{s.staff.pk}",
        f"return_overdue_escalated:{ids}:{s.manager.pk}",
        f"return_overdue_commissioner:{ids}:{s.commissioner.pk}",
    }


def test_each_settings_moves_its_edge(s: Setup, q4: ReportingPeriod, settings: Any) -> None:
    settings.MONITORING_REMINDER_LEAD_DAYS = 3
    settings.MONITORING_ESCALATE_AFTER_DAYS = 2
    settings.MONITORING_COMMISSIONER_AFTER_DAYS = 5

    assert sweep(D(2025, 4, 24)) == nothing()
    assert sweep(D(2025, 4, 25))[DUE_SOON] == 1
    assert sweep(D(2025, 4, 30)) == {**nothing(), OVERDUE: 1, ESCALATED: 1}
    assert sweep(D(2025, 5, 3)) == {**nothing(), COMMISSIONER: 1}
    assert sweep(D(2025, 5, 11)) == nothing()  # past 5 + 7 days: not caught up any more
    Notification.objects.all().delete()
    assert sweep(D(2025, 5, 10))[OVERDUE] == 1


# -- what counts as in --------------------------------------------------------------------------


def test_a_return_submitted_late_stops_the_reminders(s: Setup, q4: ReportingPeriod) -> None:
    assert sweep(D(2025, 5, 1))[OVERDUE] == 1

    submitted(s, period=q4)

    assert sweep(D(2025, 5, 12)) == nothing()
    assert sweep(D(2025, 5, 26)) == nothing()
    assert sent() == {(OVERDUE, s.staff.pk)}


def test_a_draft_is_still_owed(s: Setup, q4: ReportingPeriod) -> None:
    draft(s, period=q4, starts="3")

    assert sweep(D(2025, 5, 12)) == {**nothing(), OVERDUE: 1, ESCALATED: 1}


@pytest.mark.parametrize("state", ["sent_back", "approved", "resubmitted"])
def test_a_return_submitted_once_is_not_overdue_whatever_happened_since(
        s: Setup, q4: ReportingPeriod, state: str) -> None:
    if state == "approved":
        approved(s, period=q4, on_time=False)
    else:
        ret = sent_back(s, submitted(s, period=q4, on_time=False))
        if state == "resubmitted":
            resubmitted(s, ret)

    assert sweep(D(2025, 5, 26)) == nothing()


def test_requirements_not_in_force_for_the_period_are_not_reminded(
        s: Setup, q4: ReportingPeriod) -> None:
    requirement = ReturnRequirement.objects.get()
    requirement.from_period = quarter(2025, 1)
    requirement.save()
    assert sweep(D(2025, 5, 12)) == nothing()

    requirement.from_period, requirement.until_period = None, quarter(2024, 3)
    requirement.save()
    assert sweep(D(2025, 5, 12)) == nothing()

    requirement.until_period = q4
    requirement.save()
    assert sweep(D(2025, 5, 12))[OVERDUE] == 1


def test_monthly_requirements_follow_their_own_periods(s: Setup, q4: ReportingPeriod) -> None:
    ReturnRequirement.objects.update(frequency=Frequency.MONTHLY)
    april = ReportingPeriodFactory(frequency=Frequency.MONTHLY, starts_on=D(2025, 4, 1),
                                   ends_on=D(2025, 4, 30), due_on=D(2025, 5, 28))

    assert sweep(D(2025, 5, 21)) == {**nothing(), DUE_SOON: 1}  # not the quarter's
    assert Notification.objects.get().key.endswith(f":{april.pk}:{s.staff.pk}")


# -- who is told --------------------------------------------------------------------------------


def test_only_the_right_people_are_told(s: Setup, q4: ReportingPeriod) -> None:
    second_staff = ProviderStaffFactory(organisation=s.provider)
    ProviderStaffFactory(organisation=s.provider, is_active=False)
    ProviderStaffFactory(organisation=s.lead)                # the lead's staff owe nothing
    PartnershipManagerFactory(organisation=s.provider)       # not the lead partner
    CommissionerFactory()                                    # funds nothing here
    second_commissioner = CommissionerFactory(organisation=s.commissioner.organisation)

    sweep(D(2025, 5, 26))

    assert sent() == {(OVERDUE, s.staff.pk), (OVERDUE, second_staff.pk),
                      (ESCALATED, s.manager.pk), (COMMISSIONER, s.commissioner.pk),
                      (COMMISSIONER, second_commissioner.pk)}


def test_escalation_goes_to_the_current_lead_partner(s: Setup, q4: ReportingPeriod) -> None:
    old = s.partnership.memberships.get(role="lead_partner")
    old.left_on = D(2025, 5, 1)
    old.save()
    new_lead = LeadMembershipFactory(partnership=s.partnership, joined_on=D(2025, 5, 1))
    new_manager = PartnershipManagerFactory(organisation=new_lead.organisation)

    sweep(D(2025, 5, 12))

    assert {r for k, r in sent() if k == ESCALATED} == {new_manager.pk}


def test_a_funder_with_two_grants_is_told_once(s: Setup, q4: ReportingPeriod) -> None:
    FundingFactory(partnership=s.partnership, funder=s.commissioner.organisation,
                   period_start=D(2025, 4, 1), period_end=D(2026, 3, 31))

    assert sweep(D(2025, 5, 26))[COMMISSIONER] == 1


def test_nobody_to_tell_is_not_an_error(s: Setup, q4: ReportingPeriod) -> None:
    s.staff.is_active = False
    s.staff.save()

    assert sweep(D(2025, 4, 25)) == nothing()


# -- what they are told -------------------------------------------------------------------------


def test_messages_name_the_return_and_link_to_where_to_act(s: Setup, q4: ReportingPeriod) -> None:
    sweep(D(2025, 4, 23))
    sweep(D(2025, 5, 26))

    for n in Notification.objects.all():
        text = n.subject + n.body
        assert str(s.provider) in text and "2024–25 Q4" in text
        assert "28 April 2025" in n.body and str(s.partnership) in n.body
        assert n.obj == ReturnRequirement.objects.get()
    due_soon = Notification.objects.get(kind=DUE_SOON)
    assert "due in 5 days" in due_soon.subject
    assert due_soon.url == reverse("monitoring:my-returns")
    assert Notification.objects.get(kind=OVERDUE).url == reverse("monitoring:my-returns")
    dashboard = reverse("monitoring:dashboard", args=[s.partnership.slug])
    assert Notification.objects.get(kind=ESCALATED).url == dashboard
    assert "28 days overdue" in Notification.objects.get(kind=COMMISSIONER).body


def test_messages_carry_no_personal_data(s: Setup, q4: ReportingPeriod) -> None:
    for user in (s.staff, s.manager, s.commissioner):
        user.first_name, user.last_name = "Philippa", "Quennell-Ashdown"
        user.email = f"{user.username}@example.org"
        user.save()

    sweep(D(2025, 5, 26))

    for n in Notification.objects.all():
        text = n.subject + n.body + n.url
        for user in (s.staff, s.manager, s.commissioner):
            assert user.username not in text and user.email not in text
        assert "Philippa" not in text and "Quennell" not in text


# -- time zone ----------------------------------------------------------------------------------


def test_today_is_the_uk_date_in_summer_time(s: Setup, q4: ReportingPeriod,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # 23:30 UTC on 20 April is 00:30 BST on 21 April: the lead-time edge has been reached.
    utc = dt.datetime(2025, 4, 20, 23, 30, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: utc)
    assert settings.TIME_ZONE == "Europe/London"

    assert sweep()[DUE_SOON] == 1


def test_the_day_before_in_uk_time_is_still_before(s: Setup, q4: ReportingPeriod,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    utc = dt.datetime(2025, 4, 20, 22, 59, tzinfo=dt.UTC)  # 23:59 BST on 20 April
    monkeypatch.setattr(timezone, "now", lambda: utc)

    assert sweep() == nothing()


# -- cost -----------------------------------------------------------------------------------------


def test_the_sweep_reads_in_the_same_number_of_queries_for_2_or_20_organisations(
        s: Setup, q4: ReportingPeriod, monkeypatch: pytest.MonkeyPatch) -> None:
    quarter(2024, 3)  # long past: not read
    PartnershipManagerFactory(organisation=s.lead)
    FundingFactory(partnership=s.partnership)
    add_provider(s, "Provider 1")

    def queries() -> tuple[int, int]:
        Notification.objects.all().delete()
        with CaptureQueriesContext(connection) as ctx:
            sweep(D(2025, 5, 26))
        return len(ctx.captured_queries), Notification.objects.count()

    queries()  # content types cached, as in a worker that has run before
    few, few_told = queries()
    for i in range(2, 20):
        org, _ = add_provider(s, f"Provider {i}")
        ProviderStaffFactory(organisation=org)
    many, many_told = queries()

    # Overdue to each staff member, escalated to both managers, to the one commissioner.
    assert (few_told, many_told) == (2 + 2 * 2 + 2, (2 + 18 * 2) + 20 * 2 + 20)
    # Periods, requirements (and their frameworks, for when submission opens), submitted, 3
    # recipient groups, already told; then the insert and
    # one read-back inside a transaction, however many are told (SQLite's 999-parameter limit
    # splits the 98-row insert in two; PostgreSQL takes 500 rows a statement).
    assert few <= 12
    assert many == few + (1 if connection.vendor == "sqlite" else 0)


# -- tasks and schedule --------------------------------------------------------------------------


def test_the_task_runs_the_sweep(s: Setup, q4: ReportingPeriod) -> None:
    result = tasks.remind_returns.apply(kwargs={"today": "2025-05-12"}).get()

    assert result == {**nothing(), OVERDUE: 1, ESCALATED: 1}
    assert tasks.remind_returns.apply(kwargs={"today": "2025-05-12"}).get() == nothing()


def test_ensure_periods_creates_this_quarter_and_the_last_once(db: Any) -> None:
    s = monitoring_setup()
    ReturnRequirement.objects.filter(organisation=s.provider).update(
        frequency=Frequency.MONTHLY)
    ReturnRequirement.objects.create(organisation=s.lead, partnership=s.partnership,
                                     frequency=Frequency.QUARTERLY)

    result = tasks.ensure_periods.apply(kwargs={"today": "2025-04-10"}).get()
    before = ReportingPeriod.objects.count()

    assert result["quarterly"] == ["2024–25 Q4", "2025–26 Q1"]
    assert result["monthly"] == ["January 2025", "February 2025", "March 2025", "April 2025"]
    quarterly = ReportingPeriod.objects.get(frequency=Frequency.QUARTERLY,
                                            starts_on=D(2025, 1, 1))
    assert (quarterly.ends_on, quarterly.due_on) == (D(2025, 3, 31), D(2025, 4, 28))
    tasks.ensure_periods.apply(kwargs={"today": "2025-04-10"}).get()
    assert ReportingPeriod.objects.count() == before


def test_beat_runs_both_tasks_daily() -> None:
    from celery import current_app

    schedule = {entry["task"]: entry["schedule"]
                for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for name in ("monitoring.remind_returns", "monitoring.ensure_periods"):
        assert name in current_app.tasks
        assert schedule[name].day_of_month == set(range(1, 32))  # every day
        assert schedule[name].day_of_week == set(range(7))
    assert (schedule["monitoring.ensure_periods"].hour,
            schedule["monitoring.ensure_periods"].minute) == ({0}, {30})
    assert schedule["monitoring.remind_returns"].hour == {7}
