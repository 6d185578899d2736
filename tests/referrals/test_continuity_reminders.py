"""Reminders after a release from custody with no first community appointment recorded: who is
told on day 7, 14 and 21, once, with catch-up, until the appointment is recorded.

Each case is received into HMP Northshire 50 days ago, its release plan names the treatment
provider (who takes the lead on release day), and it is released 40 days ago (``RELEASED``),
through the actions. The sweep is then run "on" days after that release: day 7 is
``RELEASED + 7``.
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

from core.display import govuk_date
from notifications.kinds import KINDS as NOTIFICATION_KINDS
from notifications.kinds import kinds_in
from notifications.models import Notification
from partnerships.choices import OrganisationKind
from referrals import actions, tasks
from referrals.choices import CaseStatus, IdentifierKind
from referrals.continuity_reminders import DAY_7, DAY_14, DAY_21, KINDS, sweep
from referrals.models import Case, CustodyEpisode
from tests.accounts.factories import PartnershipManagerFactory, ProviderStaffFactory
from tests.concurrency import at_once
from tests.notifications.conftest import eager_celery  # noqa: F401 (autouse fixture)
from tests.partnerships.factories import OrganisationFactory
from tests.referrals.factories import (
    Casework,
    CaseworkSettingsFactory,
    PersonIdentifierFactory,
    days,
    open_case,
    year_in,
)

pytestmark = pytest.mark.django_db

RELEASED = days(-40)


def on_day(n: int) -> dt.date:
    return RELEASED + dt.timedelta(days=n)


class Prison:
    """A prison with a partnership manager and a member of staff, and a local authority for
    release addresses."""

    def __init__(self) -> None:
        self.org = OrganisationFactory(name="HMP Northshire", kind=OrganisationKind.PRISON)
        self.manager = PartnershipManagerFactory(organisation=self.org)
        self.staff = ProviderStaffFactory(organisation=self.org)
        self.area = OrganisationFactory(name="Northshire County Council",
                                        kind=OrganisationKind.LOCAL_AUTHORITY)


@pytest.fixture
def prison(db: Any) -> Prison:
    return Prison()


def released(s: Casework, prison: Prison, case: Case | None = None, *,
             hand_lead: bool = True, treatment_need: bool = True,
             on: dt.date = RELEASED) -> CustodyEpisode:
    """``case`` (a new one by default) received into the prison, planned (the provider) and
    released on ``on``, through the actions."""
    case = case or open_case(s, initials="ZS", year_of_birth=1979)
    episode = actions.custody_episode_start(
        case=case, establishment=prison.org, received_on=on - dt.timedelta(days=10),
        by=s.officer, expected_release_on=on, treatment_need=treatment_need)
    actions.release_plan_update(episode=episode, by=s.officer, community_provider=s.provider,
                                hand_lead_to_provider=hand_lead)
    return actions.custody_release(episode=episode, released_on=on, release_area=prison.area,
                                   by=s.officer)


@pytest.fixture
def episode(s: Casework, prison: Prison) -> CustodyEpisode:
    return released(s, prison)


def reminders() -> Any:
    """The continuity reminders (recording a release also tells people the lead changed)."""
    return Notification.objects.filter(kind__in=KINDS)


def sent() -> set[tuple[str, int]]:
    return set(reminders().values_list("kind", "recipient_id"))


def nothing() -> dict[str, int]:
    return dict.fromkeys(KINDS, 0)


# -- who is told on which day ---------------------------------------------------------------------


@pytest.mark.parametrize(("day", "kind", "who"), [
    (0, None, None),
    (6, None, None),               # not before day 7
    (7, DAY_7, "worker"),          # the community provider now leads the case
    (13, DAY_7, "worker"),         # catch-up: the sweep did not run on day 7
    (14, DAY_14, "worker"),
    (20, DAY_14, "worker"),
    (21, DAY_21, "manager"),       # the prison's partnership manager, not its other staff
    (27, DAY_21, "manager"),
    (28, None, None),              # long past: left alone
])
def test_each_reminder_is_due_from_its_day_for_a_week_to_its_people(
        s: Casework, prison: Prison, episode: CustodyEpisode, day: int, kind: str | None,
        who: str | None) -> None:
    counts = sweep(on_day(day))

    assert counts == ({**nothing(), kind: 1} if kind else nothing())
    people = {"worker": s.worker, "manager": prison.manager}
    assert sent() == ({(kind, people[who].pk)} if kind and who else set())


def test_every_day_each_person_is_told_once_per_kind(s: Casework, prison: Prison,
                                                     episode: CustodyEpisode) -> None:
    first_sent: dict[str, dt.date] = {}
    for n in range(-3, 40):
        for kind, count in sweep(on_day(n)).items():
            if count:
                assert kind not in first_sent
                first_sent[kind] = on_day(n)

    assert first_sent == {DAY_7: on_day(7), DAY_14: on_day(14), DAY_21: on_day(21)}
    assert sent() == {(DAY_7, s.worker.pk), (DAY_14, s.worker.pk), (DAY_21, prison.manager.pk)}


def test_a_missed_week_catches_up_only_the_reminder_still_due(
        s: Casework, prison: Prison, episode: CustodyEpisode) -> None:
    assert sweep(on_day(10)) == {**nothing(), DAY_7: 1}   # the beat was down on days 7 to 9
    assert sweep(on_day(12)) == nothing()
    # Down again from day 13 to day 21: the day-14 reminder's week is over, day 21's is not.
    assert sweep(on_day(22)) == {**nothing(), DAY_21: 1}
    assert sent() == {(DAY_7, s.worker.pk), (DAY_21, prison.manager.pk)}


def test_a_sweep_run_twice_tells_each_person_once(s: Casework, prison: Prison,
                                                  episode: CustodyEpisode) -> None:
    assert sweep(on_day(7)) == {**nothing(), DAY_7: 1}
    assert sweep(on_day(7)) == nothing()
    assert sweep(on_day(8)) == nothing()
    assert tasks.remind_continuity.apply(kwargs={"today": on_day(7).isoformat()}).get() == \
        nothing()

    assert list(reminders().values_list("key", flat=True)) == [
        f"continuity_day7:{episode.pk}:{s.worker.pk}"]


def test_the_task_runs_the_sweep(s: Casework, prison: Prison, episode: CustodyEpisode) -> None:
    assert tasks.remind_continuity.apply(kwargs={"today": on_day(21).isoformat()}).get() == \
        {**nothing(), DAY_21: 1}


@pytest.mark.parametrize("outcome", [{"attended_on": on_day(8)}, {"did_not_attend": True}])
def test_a_recorded_first_appointment_stops_the_reminders(
        s: Casework, prison: Prison, episode: CustodyEpisode, outcome: dict[str, Any]) -> None:
    assert sweep(on_day(7)) == {**nothing(), DAY_7: 1}
    actions.first_appointment_record(episode=episode, by=s.worker, **outcome)

    for day in (8, 14, 20, 21, 27):
        assert sweep(on_day(day)) == nothing()


def test_a_closed_or_anonymised_case_is_skipped(s: Casework, prison: Prison,
                                                episode: CustodyEpisode) -> None:
    other = released(s, prison)
    Case.objects.filter(pk=episode.case_id).update(status=CaseStatus.CLOSED,
                                                   closed_on=on_day(3))
    Case.objects.filter(pk=other.case_id).update(status=CaseStatus.CLOSED, closed_on=on_day(3),
                                                 anonymised_on=on_day(4))

    for day in (7, 14, 21):
        assert sweep(on_day(day)) == nothing()


def test_a_release_without_a_treatment_need_is_not_chased(s: Casework, prison: Prison) -> None:
    released(s, prison, treatment_need=False)

    for day in (7, 14, 21):
        assert sweep(on_day(day)) == nothing()


def test_a_transfer_is_not_a_release(s: Casework, prison: Prison) -> None:
    case = open_case(s, initials="ZS", year_of_birth=1979)
    episode = actions.custody_episode_start(case=case, establishment=prison.org,
                                            received_on=on_day(-10), by=s.officer)
    other = OrganisationFactory(name="HMP Southshire", kind=OrganisationKind.PRISON)
    actions.custody_transfer(episode=episode, to_establishment=other, transferred_on=RELEASED,
                             by=s.officer)

    for day in (7, 14, 21):
        assert sweep(on_day(day)) == nothing()


def test_days_7_and_14_go_to_the_current_lead_agency(s: Casework, prison: Prison) -> None:
    """When the plan keeps the lead where it was (here probation), its caseworkers are told;
    the provider, not leading the case, is not."""
    released(s, prison, hand_lead=False)
    colleague = PartnershipManagerFactory(organisation=s.probation)

    sweep(on_day(7))
    sweep(on_day(14))

    assert sent() == {(DAY_7, s.officer.pk), (DAY_7, colleague.pk),
                      (DAY_14, s.officer.pk), (DAY_14, colleague.pk)}


def test_day_21_goes_to_the_prisons_caseworkers_when_it_has_no_active_manager(
        s: Casework, prison: Prison, episode: CustodyEpisode) -> None:
    prison.manager.is_active = False
    prison.manager.save()
    second = ProviderStaffFactory(organisation=prison.org)
    ProviderStaffFactory(organisation=prison.org, is_active=False)

    assert sweep(on_day(21)) == {**nothing(), DAY_21: 2}
    assert sent() == {(DAY_21, prison.staff.pk), (DAY_21, second.pk)}


def test_day_21_goes_to_every_manager_of_the_releasing_prison_only(
        s: Casework, prison: Prison, episode: CustodyEpisode) -> None:
    second = PartnershipManagerFactory(organisation=prison.org)
    elsewhere = OrganisationFactory(name="HMP Southshire", kind=OrganisationKind.PRISON)
    PartnershipManagerFactory(organisation=elsewhere)
    PartnershipManagerFactory(organisation=s.provider)

    sweep(on_day(21))

    assert sent() == {(DAY_21, prison.manager.pk), (DAY_21, second.pk)}


def test_nobody_to_tell_is_not_an_error(s: Casework, prison: Prison,
                                        episode: CustodyEpisode) -> None:
    s.worker.is_active = False
    s.worker.save()

    assert sweep(on_day(7)) == nothing()


# -- messages -------------------------------------------------------------------------------------


def test_messages_name_the_case_and_dates_and_link_to_the_case(
        s: Casework, prison: Prison, episode: CustodyEpisode) -> None:
    sweep(on_day(9))
    sweep(on_day(21))

    reference = episode.case.reference
    day7 = Notification.objects.get(kind=DAY_7)
    day21 = Notification.objects.get(kind=DAY_21)
    assert day7.subject == (f"Case {reference}: released {govuk_date(RELEASED)}, no first "
                            "community appointment recorded after 7 days")
    assert day21.subject.endswith("recorded after 21 days")
    assert "9 days ago" in day7.body and "lead agency" in day7.body
    assert f"attended by {govuk_date(on_day(21))}" in day7.body
    assert "partnership manager of the prison" in day21.body
    assert "not engaged in community treatment within 21 days" in day21.body
    assert day7.url == reverse("referrals:case", args=[reference])
    assert day7.obj == day21.obj == episode


def test_day_21_links_to_the_case_only_while_the_prison_may_still_open_it(
        client: Any, s: Casework, prison: Prison, episode: CustodyEpisode) -> None:
    """By day 21 the default 14-day handover is over: the prison's managers are sent to their
    prison's continuity report, where the release counts, not to a case they would get a 404
    for. With a handover past day 21 the case page it is."""
    sweep(on_day(21))
    day21 = reminders().get(kind=DAY_21)
    assert day21.url == (reverse("referrals:continuity", args=[s.partnership.slug])
                         + f"?prison={prison.org.slug}")
    client.force_login(prison.manager)
    assert client.get(reverse("referrals:case", args=[episode.case.reference])).status_code \
        == 404
    assert client.get(day21.url).status_code == 200

    CaseworkSettingsFactory(partnership=s.partnership, custody_handover_days=30)
    later = released(s, prison, on=days(-21))
    sweep(days(0))
    assert reminders().get(kind=DAY_21, object_id=later.pk).url == reverse(
        "referrals:case", args=[later.case.reference])
    assert client.get(reverse("referrals:case", args=[later.case.reference])).status_code \
        == 200


def test_messages_carry_no_personal_data(s: Casework, prison: Prison,
                                         episode: CustodyEpisode) -> None:
    person = episode.case.person
    PersonIdentifierFactory(person=person, kind=IdentifierKind.PNC, value="2001/0012345Z")
    for day in (7, 14, 21):
        sweep(on_day(day))

    assert reminders().count() == 3
    for n in reminders():
        text = f"{n.subject} {n.body} {n.url}"
        assert "ZS" not in text and not year_in(text, 1979) and "0012345" not in text
        assert person.reference not in text
        assert prison.manager.username not in text and s.worker.email not in text


def test_the_email_goes_out_once(s: Casework, prison: Prison, episode: CustodyEpisode,
                                 django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        sweep(on_day(7))
    with django_capture_on_commit_callbacks(execute=True):
        sweep(on_day(7))

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [s.worker.email]
    assert episode.case.reference in mail.outbox[0].subject


def test_the_kinds_are_managed_with_the_other_casework_notifications() -> None:
    casework = {kind.key for kind in kinds_in("casework")}
    assert set(KINDS) <= casework
    assert all(NOTIFICATION_KINDS[kind].label for kind in KINDS)


# -- cost -----------------------------------------------------------------------------------------


def test_the_sweep_is_one_statement_for_1_or_20_releases(s: Casework, prison: Prison) -> None:
    """One INSERT … SELECT however many releases are due (and on a day when everything due
    was already sent), for each of the three reminders."""
    ContentType.objects.get_for_model(CustodyEpisode)  # cached for the process, as in a worker

    def statements(captured: CaptureQueriesContext) -> list[str]:
        return [q["sql"] for q in captured.captured_queries
                if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]

    def queries() -> list[int]:
        counts = []
        for day in (7, 14, 21):
            reminders().delete()
            with CaptureQueriesContext(connection) as first:
                assert sum(sweep(on_day(day)).values()) > 0
            with CaptureQueriesContext(connection) as again:
                assert sweep(on_day(day)) == nothing()
            assert statements(first)[0].startswith('INSERT INTO "notifications_notification"')
            counts += [len(statements(first)), len(statements(again))]
        return counts

    released(s, prison)
    one = queries()
    for _ in range(19):
        released(s, prison)
    many = queries()

    assert one == many == [1] * 6
    assert Notification.objects.filter(kind=DAY_21).count() == 20


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
    prison = Prison()
    ProviderStaffFactory.create_batch(4, organisation=s.provider)
    PartnershipManagerFactory.create_batch(2, organisation=prison.org)
    for n in range(6):
        released(s, prison, on=RELEASED + dt.timedelta(days=7 * (n % 2)))
    # On day 21 of the first three releases, day 14 of the other three.
    results = at_once(lambda: sweep(on_day(21)))

    assert Notification.objects.filter(kind=DAY_14).count() == 3 * 5  # the provider's 5
    assert Notification.objects.filter(kind=DAY_21).count() == 3 * 3  # the prison's 3 managers
    for kind in (DAY_14, DAY_21):
        assert sum(r[kind] for r in results) == Notification.objects.filter(kind=kind).count()
    assert reminders().count() == 3 * 5 + 3 * 3
