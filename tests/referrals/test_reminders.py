"""Case conference reminders: who is told what on which day, once.

The conference used is planned for Wednesday 2 April 2025, just after the quarter (and
financial year) ends on 31 March. With the default settings (3 days' lead, unrecorded after 2
days, 7 days' catch-up) the organisations involved are reminded from Sunday 30 March, the day
British Summer Time starts, to 2 April; the lead agency is told it is unrecorded from 4 April
to 11 April, and not after.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications import actions as notification_actions
from notifications.models import EmailStatus, Notification
from referrals import tasks
from referrals.choices import CaseStatus, ConferenceStatus, IdentifierKind, ReferralStatus
from referrals.models import Case, CaseConference, LeadAgency
from referrals.reminders import DUE_SOON, UNRECORDED, due_conferences, sweep
from tests.accounts.factories import (
    CommissionerFactory,
    PartnershipManagerFactory,
    ProviderStaffFactory,
)
from tests.concurrency import at_once
from tests.notifications.conftest import eager_celery  # noqa: F401 (autouse fixture)
from tests.partnerships.factories import OrganisationFactory
from tests.referrals.factories import (
    CaseConferenceFactory,
    CaseFactory,
    Casework,
    LeadAgencyFactory,
    PersonFactory,
    PersonIdentifierFactory,
    ReferralFactory,
    year_in,
)

pytestmark = pytest.mark.django_db

D = dt.date
PLANNED = D(2025, 4, 2)


def new_case(s: Casework, lead: Any = None, **fields: Any) -> Case:
    """An open case led by ``lead`` (probation) since 2024, built directly (no conferences)."""
    case = CaseFactory(partnership=s.partnership, order_starts_on=D(2024, 1, 8),
                       order_ends_on=D(2026, 1, 7), **fields)
    LeadAgencyFactory(case=case, organisation=lead or s.probation, starts_on=D(2024, 1, 8))
    return case


@pytest.fixture
def case(s: Casework) -> Case:
    return new_case(s, person=PersonFactory(initials="QZ", year_of_birth=1979))


@pytest.fixture
def conference(case: Case) -> CaseConference:
    return CaseConferenceFactory(case=case, kind="middle", planned_on=PLANNED)


def sent() -> set[tuple[str, int]]:
    return set(Notification.objects.values_list("kind", "recipient_id"))


def nothing() -> dict[str, int]:
    return {DUE_SOON: 0, UNRECORDED: 0}


# -- the rules and their dates ------------------------------------------------------------------


@pytest.mark.parametrize(("today", "kind"), [
    (D(2025, 3, 29), None),           # 4 days ahead: not yet
    (D(2025, 3, 30), DUE_SOON),       # exactly the lead time (and the day BST starts)
    (D(2025, 4, 1), DUE_SOON),        # across the quarter boundary
    (D(2025, 4, 2), DUE_SOON),        # the day itself
    (D(2025, 4, 3), None),            # the day after: time to record it
    (D(2025, 4, 4), UNRECORDED),      # 2 days after, still planned
    (D(2025, 4, 11), UNRECORDED),     # last day of the catch-up window
    (D(2025, 4, 12), None),           # long past: left alone
])
def test_each_kind_starts_and_ends_on_its_day(s: Casework, conference: CaseConference,
                                              today: dt.date, kind: str | None) -> None:
    counts = sweep(today)

    assert counts == ({**nothing(), kind: 1} if kind else nothing())
    assert sent() == ({(kind, s.officer.pk)} if kind else set())


def test_every_day_each_person_is_told_once_per_kind(s: Casework,
                                                     conference: CaseConference) -> None:
    day, first_sent = D(2025, 3, 1), {}
    while day <= D(2025, 5, 31):
        for kind, n in sweep(day).items():
            if n:
                assert kind not in first_sent
                first_sent[kind] = day
        day += dt.timedelta(days=1)

    assert first_sent == {DUE_SOON: D(2025, 3, 30), UNRECORDED: D(2025, 4, 4)}
    assert Notification.objects.count() == 2


def test_a_sweep_run_twice_sends_nothing_new(s: Casework, conference: CaseConference) -> None:
    assert sweep(D(2025, 3, 31)) == {**nothing(), DUE_SOON: 1}
    assert sweep(D(2025, 3, 31)) == nothing()
    assert tasks.remind_conferences.apply(kwargs={"today": "2025-03-31"}).get() == nothing()

    assert set(Notification.objects.values_list("key", flat=True)) == {
        f"conference_due_soon:{conference.pk}:2025-04-02:{s.officer.pk}"}


def test_the_lead_time_and_threshold_come_from_settings(s: Casework, conference: CaseConference,
                                                        settings: Any) -> None:
    settings.CONFERENCE_REMINDER_LEAD_DAYS = 5
    settings.CONFERENCE_UNRECORDED_AFTER_DAYS = 1
    settings.REMINDER_CATCH_UP_DAYS = 0

    assert sweep(D(2025, 3, 27)) == nothing()
    assert sweep(D(2025, 3, 28)) == {**nothing(), DUE_SOON: 1}
    assert sweep(D(2025, 4, 3)) == {**nothing(), UNRECORDED: 1}


def test_the_catch_up_window_comes_from_settings(s: Casework, conference: CaseConference,
                                                 settings: Any) -> None:
    settings.REMINDER_CATCH_UP_DAYS = 10

    assert sweep(D(2025, 4, 15)) == nothing()  # 13 days after: past 2 + 10
    assert sweep(D(2025, 4, 14)) == {**nothing(), UNRECORDED: 1}


def test_a_rescheduled_conference_reminds_again_for_its_new_date(
        s: Casework, conference: CaseConference) -> None:
    sweep(D(2025, 4, 1))
    CaseConference.objects.filter(pk=conference.pk).update(planned_on=D(2025, 4, 9))

    assert sweep(D(2025, 4, 1)) == nothing()  # not due soon any more
    assert sweep(D(2025, 4, 7)) == {**nothing(), DUE_SOON: 1}
    assert Notification.objects.filter(kind=DUE_SOON).count() == 2


@pytest.mark.parametrize("status", [ConferenceStatus.HELD, ConferenceStatus.MISSED,
                                    ConferenceStatus.CANCELLED])
def test_a_recorded_conference_stops_the_reminders(s: Casework, conference: CaseConference,
                                                   status: str) -> None:
    assert sweep(D(2025, 3, 30))[DUE_SOON] == 1
    CaseConference.objects.filter(pk=conference.pk).update(status=status, held_on=PLANNED)

    assert sweep(D(2025, 4, 1)) == nothing()
    assert sweep(D(2025, 4, 4)) == nothing()


def test_a_closed_or_anonymised_case_is_skipped(s: Casework, conference: CaseConference) -> None:
    other = CaseConferenceFactory(case=new_case(s), planned_on=PLANNED)
    Case.objects.filter(pk=conference.case_id).update(status=CaseStatus.CLOSED,
                                                      closed_on=D(2025, 3, 20))
    Case.objects.filter(pk=other.case_id).update(status=CaseStatus.CLOSED,
                                                 closed_on=D(2025, 3, 20),
                                                 anonymised_on=D(2025, 3, 21))

    assert due_conferences(D(2025, 4, 1)) == []
    assert sweep(D(2025, 4, 1)) == nothing()
    assert sweep(D(2025, 4, 4)) == nothing()


# -- who is told ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "involved"), [
    (ReferralStatus.SENT, True),
    (ReferralStatus.ACCEPTED, True),
    (ReferralStatus.DECLINED, False),
    (ReferralStatus.COMPLETED, False),
    (ReferralStatus.WITHDRAWN, False),
])
def test_an_open_referral_involves_both_parties(s: Casework, case: Case,
                                                conference: CaseConference, status: str,
                                                involved: bool) -> None:
    ReferralFactory(case=case, from_organisation=s.probation, to_service=s.treatment,
                    status=status,
                    decline_reason="No capacity." if status == ReferralStatus.DECLINED else "")
    manager = PartnershipManagerFactory(organisation=s.provider)

    sweep(D(2025, 4, 1))

    expected = {s.officer.pk} | ({s.worker.pk, manager.pk} if involved else set())
    assert set(Notification.objects.filter(kind=DUE_SOON)
               .values_list("recipient_id", flat=True)) == expected


def test_an_unrecorded_conference_goes_to_the_lead_agency_only(
        s: Casework, case: Case, conference: CaseConference) -> None:
    ReferralFactory(case=case, from_organisation=s.probation, to_service=s.treatment,
                    status=ReferralStatus.ACCEPTED)

    assert sweep(D(2025, 4, 4)) == {**nothing(), UNRECORDED: 1}
    assert sent() == {(UNRECORDED, s.officer.pk)}


def test_the_current_lead_agency_is_told_not_the_one_before(
        s: Casework, case: Case, conference: CaseConference) -> None:
    LeadAgency.objects.filter(case=case).update(ends_on=D(2025, 4, 3))
    LeadAgencyFactory(case=case, organisation=s.provider, starts_on=D(2025, 4, 3))

    assert sweep(D(2025, 4, 2))[DUE_SOON] == 1
    assert sweep(D(2025, 4, 4))[UNRECORDED] == 1
    assert sent() == {(DUE_SOON, s.officer.pk), (UNRECORDED, s.worker.pk)}


def test_only_active_caseworkers_of_involved_organisations_are_told(
        s: Casework, conference: CaseConference) -> None:
    gone = ProviderStaffFactory(organisation=s.probation, is_active=False)
    CommissionerFactory(organisation=s.probation)

    sweep(D(2025, 4, 1))

    recipients = set(Notification.objects.values_list("recipient_id", flat=True))
    assert recipients == {s.officer.pk}
    assert gone.pk not in recipients and s.outsider.pk not in recipients


def test_nobody_to_tell_is_not_an_error(s: Casework, conference: CaseConference) -> None:
    LeadAgency.objects.filter(case=conference.case).update(organisation=s.outsider_org)
    s.outsider.is_active = False
    s.outsider.save()

    assert sweep(D(2025, 4, 1)) == nothing()


# -- messages -------------------------------------------------------------------------------------


def test_messages_name_the_case_reference_kind_and_date_and_link_to_the_case(
        s: Casework, case: Case, conference: CaseConference) -> None:
    sweep(D(2025, 3, 31))
    sweep(D(2025, 4, 5))

    soon = Notification.objects.get(kind=DUE_SOON)
    late = Notification.objects.get(kind=UNRECORDED)
    assert soon.subject == f"Case conference in 2 days: {case.reference}, 2 April 2025"
    assert "Three-way meeting: middle of order" in soon.body and "2 April 2025" in soon.body
    assert late.subject == f"Case conference not recorded: {case.reference}, 2 April 2025"
    assert "3 days ago" in late.body
    url = reverse("referrals:case", args=[case.reference])
    assert soon.url == late.url == url
    assert (soon.obj, late.obj) == (conference, conference)


def test_messages_carry_no_personal_data(s: Casework, case: Case,
                                         conference: CaseConference) -> None:
    PersonIdentifierFactory(person=case.person, kind=IdentifierKind.PNC, value="2001/0012345X")
    sweep(D(2025, 4, 2))
    sweep(D(2025, 4, 4))

    assert Notification.objects.count() == 2
    for n in Notification.objects.all():
        text = f"{n.subject} {n.body} {n.url}"
        assert "QZ" not in text and not year_in(text, 1979) and "0012345" not in text
        assert case.person.reference not in text
        assert s.officer.username not in text and s.officer.email not in text


def test_the_email_goes_out_once_with_the_reference(
        s: Casework, case: Case, conference: CaseConference,
        django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        sweep(D(2025, 4, 1))
    with django_capture_on_commit_callbacks(execute=True):
        sweep(D(2025, 4, 1))

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [s.officer.email]
    assert case.reference in mail.outbox[0].subject


def test_a_reminder_whose_conference_was_deleted_is_not_sent(
        s: Casework, conference: CaseConference,
        django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sweep(D(2025, 4, 1))
    notification = Notification.objects.get()
    conference.case.delete()  # the case (and its conferences) gone before delivery

    assert notification_actions.notification_deliver(notification_id=notification.pk) is False
    assert len(callbacks) == 1 and mail.outbox == []
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.WITHDRAWN  # said why, not left waiting
    assert notification_actions.notification_deliver(notification_id=notification.pk) is False
    assert sweep(D(2025, 4, 1)) == nothing()


# -- time zone ----------------------------------------------------------------------------------


def test_today_is_the_uk_date_when_summer_time_starts(s: Casework, conference: CaseConference,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # 00:30 on 30 March 2025 in the UK (still GMT until 01:00 UTC): the first reminder day.
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2025, 3, 30, 0, 30, tzinfo=dt.UTC))
    assert sweep() == {**nothing(), DUE_SOON: 1}


def test_the_night_before_summer_time_starts_is_still_before(
        s: Casework, conference: CaseConference, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2025, 3, 29, 23, 59, tzinfo=dt.UTC))
    assert sweep() == nothing()


def test_today_is_the_uk_date_when_summer_time_ends(s: Casework, case: Case,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    CaseConferenceFactory(case=case, planned_on=D(2025, 10, 29))
    # 23:30 UTC on 25 October is 00:30 BST on 26 October: three days before, so reminded.
    monkeypatch.setattr(timezone, "now",
                        lambda: dt.datetime(2025, 10, 25, 23, 30, tzinfo=dt.UTC))
    assert sweep() == {**nothing(), DUE_SOON: 1}
    # 22:59 UTC on 25 October was still 25 October in the UK: a day too early.
    Notification.objects.all().delete()
    monkeypatch.setattr(timezone, "now",
                        lambda: dt.datetime(2025, 10, 25, 22, 59, tzinfo=dt.UTC))
    assert sweep() == nothing()


# -- cost -----------------------------------------------------------------------------------------


def test_the_sweep_is_one_statement_for_2_or_20_conferences(s: Casework) -> None:
    """The sweep is one INSERT … SELECT however many are due, and so is a run that finds
    everything already sent (most days: the due-soon window is several days); reading what is
    due in Python (``due_conferences``) costs the same few queries however many are due."""
    CaseConferenceFactory(case=new_case(s), planned_on=D(2024, 4, 2))  # long past: not read
    ContentType.objects.get_for_model(CaseConference)  # cached for the process, as in a worker

    def add(n: int) -> None:
        for i in range(n):
            case = new_case(s, lead=s.probation if i % 2 else s.provider)
            ReferralFactory(case=case, from_organisation=s.probation, to_service=s.treatment)
            CaseConferenceFactory(case=case, planned_on=PLANNED)

    def statements(captured: CaptureQueriesContext) -> list[str]:
        return [q["sql"] for q in captured.captured_queries
                if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]

    def queries() -> tuple[int, int, int]:
        with CaptureQueriesContext(connection) as reading:
            due = due_conferences(D(2025, 4, 1))
        with CaptureQueriesContext(connection) as first:
            assert sweep(D(2025, 4, 1))[DUE_SOON] > 0
        with CaptureQueriesContext(connection) as again:
            assert sweep(D(2025, 4, 1)) == nothing()
        assert len(due) == CaseConference.objects.filter(case__status="open").count() - 1
        assert statements(first)[0].startswith('INSERT INTO "notifications_notification"')
        return len(reading), len(statements(first)), len(statements(again))

    add(2)
    few = queries()
    add(18)
    many = queries()

    assert few == many == (3, 1, 1)
    assert Notification.objects.filter(kind=DUE_SOON).count() == 20 * 2
    assert Notification.objects.filter(kind=UNRECORDED).count() == 0


def test_the_sweep_starts_from_the_indexed_range_query(s: Casework,
                                                       conference: CaseConference) -> None:
    with CaptureQueriesContext(connection) as ctx:
        due_conferences(D(2025, 4, 1))
    first = ctx.captured_queries[0]["sql"]
    assert '"status"' in first and '"planned_on" >=' in first and '"planned_on" <=' in first
    assert 'FROM "referrals_caseconference"' in first


def test_an_organisation_in_many_cases_is_read_once(s: Casework) -> None:
    other = OrganisationFactory()
    for _ in range(3):
        CaseConferenceFactory(case=new_case(s, lead=other), planned_on=PLANNED)
    ProviderStaffFactory(organisation=other)

    assert sweep(D(2025, 4, 1)) == {**nothing(), DUE_SOON: 3}


# -- task -----------------------------------------------------------------------------------------


def test_the_task_runs_the_sweep(s: Casework, conference: CaseConference) -> None:
    assert tasks.remind_conferences.apply(kwargs={"today": "2025-04-04"}).get() == \
        {**nothing(), UNRECORDED: 1}
    assert tasks.remind_conferences.apply(kwargs={"today": "2025-04-04"}).get() == nothing()


def test_the_task_defaults_to_the_uk_date(s: Casework, conference: CaseConference,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2025, 4, 1, 9, 0, tzinfo=dt.UTC))
    assert tasks.remind_conferences.apply().get() == {**nothing(), DUE_SOON: 1}


def test_already_sent_checks_thousands_of_keys(s: Casework, conference: CaseConference) -> None:
    """More keys than SQLite takes parameters in one query (999): batched there, one query on
    PostgreSQL."""
    from notifications.sweeps import already_sent

    sweep(D(2025, 4, 1))
    key = Notification.objects.get().key
    keys = [f"conference_due_soon:{n}:2025-04-02:1" for n in range(2500)] + [key]

    with CaptureQueriesContext(connection) as ctx:
        assert already_sent(keys) == {key}
    assert len(ctx.captured_queries) == (3 if connection.vendor == "sqlite" else 1)
    assert already_sent([]) == set()


# -- two sweeps at once ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_tell_each_person_once() -> None:
    """Two beats (or a beat and a re-run by hand) released together: every reminder is written
    once, the two counts add up to what was written, and neither sweep fails (PostgreSQL:
    SQLite serialises writers anyway)."""
    from tests.referrals.factories import casework_setup

    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    ContentType.objects.clear_cache()  # see tests/notifications/test_calendar.py
    s = casework_setup()
    ProviderStaffFactory.create_batch(5, organisation=s.probation)
    for _ in range(6):
        case = new_case(s)
        ReferralFactory(case=case, from_organisation=s.probation, to_service=s.treatment)
        CaseConferenceFactory(case=case, planned_on=PLANNED)
    results = at_once(lambda: sweep(D(2025, 4, 1)))

    written = Notification.objects.filter(kind=DUE_SOON).count()
    assert written == 6 * (1 + 5 + 1)  # the officer, 5 colleagues, the provider's worker
    assert sum(r[DUE_SOON] for r in results) == written
