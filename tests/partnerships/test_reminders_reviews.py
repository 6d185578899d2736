"""Partnership review reminders: who is told what on which day, once.

The review used is planned for Tuesday 1 April 2025, the first day of a quarter (and of the
financial year). With the default settings (14 days' lead, overdue 1 day after, 7 days'
catch-up) every member organisation's people are reminded from 18 March to 1 April; the lead
partner's partnership managers are told it is overdue and unrecorded from 2 April to 9 April,
and not after.
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
from partnerships.choices import MemberRole, PartnershipStatus, ReviewStatus
from partnerships.models import Membership, ReviewMeeting
from partnerships.reminders import REVIEW_DUE_SOON, REVIEW_OVERDUE, due_reviews, sweep_reviews
from tests.accounts.factories import (
    CommissionerFactory,
    PartnershipManagerFactory,
    ProviderStaffFactory,
)
from tests.partnerships.factories import (
    EndedMembershipFactory,
    LeadMembershipFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
)

pytestmark = pytest.mark.django_db

D = dt.date
PLANNED = D(2025, 4, 1)


@dataclass
class World:
    partnership: Any
    lead: Any          # lead partner organisation
    member: Any        # a delivery partner
    manager: Any       # partnership manager of the lead partner
    lead_staff: Any
    member_staff: Any
    member_commissioner: Any
    former_staff: Any  # of an organisation whose membership ended
    outsider: Any      # of an organisation not in the partnership


def world(name: str = "Westshire Recovery Partnership") -> World:
    partnership = PartnershipFactory(name=name)
    lead = LeadMembershipFactory(partnership=partnership).organisation
    member = MembershipFactory(partnership=partnership).organisation
    former = EndedMembershipFactory(partnership=partnership).organisation
    ProviderStaffFactory(organisation=member, is_active=False)
    return World(
        partnership=partnership, lead=lead, member=member,
        manager=PartnershipManagerFactory(organisation=lead),
        lead_staff=ProviderStaffFactory(organisation=lead),
        member_staff=ProviderStaffFactory(organisation=member),
        member_commissioner=CommissionerFactory(organisation=member),
        former_staff=ProviderStaffFactory(organisation=former),
        outsider=ProviderStaffFactory(organisation=OrganisationFactory()),
    )


@pytest.fixture
def w(db: Any) -> World:
    return world()


@pytest.fixture
def meeting(w: World) -> ReviewMeeting:
    return ReviewMeeting.objects.create(partnership=w.partnership, planned_on=PLANNED)


def members(w: World) -> set[int]:
    return {w.manager.pk, w.lead_staff.pk, w.member_staff.pk, w.member_commissioner.pk}


def sent(kind: str | None = None) -> set[int]:
    rows = Notification.objects.filter(kind=kind) if kind else Notification.objects.all()
    return set(rows.values_list("recipient_id", flat=True))


def nothing() -> dict[str, int]:
    return {REVIEW_DUE_SOON: 0, REVIEW_OVERDUE: 0}


# -- the rules and their dates ------------------------------------------------------------------


@pytest.mark.parametrize(("today", "kind"), [
    (D(2025, 3, 17), None),              # 15 days ahead: not yet
    (D(2025, 3, 18), REVIEW_DUE_SOON),   # exactly the lead time, in the quarter before
    (D(2025, 3, 31), REVIEW_DUE_SOON),   # the last day of the quarter
    (D(2025, 4, 1), REVIEW_DUE_SOON),    # the day itself
    (D(2025, 4, 2), REVIEW_OVERDUE),     # 1 day after and still planned
    (D(2025, 4, 9), REVIEW_OVERDUE),     # last day of the catch-up window
    (D(2025, 4, 10), None),              # long past: left alone
])
def test_each_kind_starts_and_ends_on_its_day(w: World, meeting: ReviewMeeting, today: dt.date,
                                              kind: str | None) -> None:
    counts = sweep_reviews(today)

    if kind is None:
        assert counts == nothing() and sent() == set()
    elif kind == REVIEW_DUE_SOON:
        assert counts == {**nothing(), kind: 4}
        assert sent(kind) == members(w) == sent()
    else:
        assert counts == {**nothing(), kind: 1}
        assert sent(kind) == {w.manager.pk} == sent()


def test_every_day_each_person_is_told_once_per_kind(w: World, meeting: ReviewMeeting) -> None:
    day, first_sent = D(2025, 3, 1), {}
    while day <= D(2025, 5, 31):
        for kind, n in sweep_reviews(day).items():
            if n:
                assert kind not in first_sent
                first_sent[kind] = day
        day += dt.timedelta(days=1)

    assert first_sent == {REVIEW_DUE_SOON: D(2025, 3, 18), REVIEW_OVERDUE: D(2025, 4, 2)}
    assert Notification.objects.count() == 4 + 1


def test_a_sweep_run_twice_sends_nothing_new(w: World, meeting: ReviewMeeting) -> None:
    assert sweep_reviews(D(2025, 4, 2)) == {**nothing(), REVIEW_OVERDUE: 1}
    assert sweep_reviews(D(2025, 4, 2)) == nothing()

    assert set(Notification.objects.values_list("key", flat=True)) == {
        f"review_overdue:{meeting.pk}:2025-04-01:{w.manager.pk}"}


def test_the_lead_time_and_overdue_threshold_come_from_settings(
        w: World, meeting: ReviewMeeting, settings: Any) -> None:
    settings.REVIEW_REMINDER_LEAD_DAYS = 21
    settings.REVIEW_OVERDUE_AFTER_DAYS = 3
    settings.REMINDER_CATCH_UP_DAYS = 2

    assert sweep_reviews(D(2025, 3, 10)) == nothing()
    assert sweep_reviews(D(2025, 3, 11))[REVIEW_DUE_SOON] == 4
    assert sweep_reviews(D(2025, 4, 3)) == nothing()
    assert sweep_reviews(D(2025, 4, 7)) == nothing()  # 6 days: past 3 + 2 already
    assert sweep_reviews(D(2025, 4, 6)) == {**nothing(), REVIEW_OVERDUE: 1}  # the last day


def test_a_rescheduled_review_reminds_again_for_its_new_date(w: World,
                                                             meeting: ReviewMeeting) -> None:
    sweep_reviews(D(2025, 3, 20))
    meeting.planned_on = D(2025, 4, 15)
    meeting.save()

    assert sweep_reviews(D(2025, 3, 31)) == nothing()  # 15 days ahead now
    assert sweep_reviews(D(2025, 4, 1)) == {**nothing(), REVIEW_DUE_SOON: 4}
    assert sweep_reviews(D(2025, 4, 16)) == {**nothing(), REVIEW_OVERDUE: 1}
    keys = set(Notification.objects.values_list("key", flat=True))
    assert f"review_due_soon:{meeting.pk}:2025-04-01:{w.manager.pk}" in keys
    assert f"review_due_soon:{meeting.pk}:2025-04-15:{w.manager.pk}" in keys


def test_a_held_review_stops_the_reminders_and_the_next_one_reminds(
        w: World, meeting: ReviewMeeting) -> None:
    assert sweep_reviews(D(2025, 3, 25))[REVIEW_DUE_SOON] == 4
    ReviewMeeting.objects.filter(pk=meeting.pk).update(status=ReviewStatus.HELD,
                                                       held_on=PLANNED)
    following = ReviewMeeting.objects.create(partnership=w.partnership,
                                             planned_on=D(2025, 7, 1))

    assert sweep_reviews(D(2025, 4, 2)) == nothing()
    assert sweep_reviews(D(2025, 6, 16)) == nothing()
    assert sweep_reviews(D(2025, 6, 17)) == {**nothing(), REVIEW_DUE_SOON: 4}
    assert Notification.objects.filter(object_id=str(following.pk)).count() == 4


def test_a_cancelled_review_stops_the_reminders(w: World, meeting: ReviewMeeting) -> None:
    ReviewMeeting.objects.filter(pk=meeting.pk).update(status=ReviewStatus.CANCELLED)

    assert sweep_reviews(D(2025, 3, 25)) == nothing()
    assert sweep_reviews(D(2025, 4, 2)) == nothing()


def test_an_ended_partnership_is_not_reminded(w: World, meeting: ReviewMeeting) -> None:
    type(w.partnership).objects.filter(pk=w.partnership.pk).update(
        status=PartnershipStatus.ENDED, ended_on=D(2025, 3, 20))

    assert due_reviews(D(2025, 3, 25)) == []
    assert sweep_reviews(D(2025, 4, 2)) == nothing()


# -- who is told ----------------------------------------------------------------------------------


def test_an_ended_membership_stops_the_reminders(w: World, meeting: ReviewMeeting) -> None:
    # Half-open periods: a membership that ends on 18 March is no longer in force that day.
    Membership.objects.filter(organisation=w.member).update(left_on=D(2025, 3, 18))

    assert sweep_reviews(D(2025, 3, 18))[REVIEW_DUE_SOON] == 2
    assert sent() == {w.manager.pk, w.lead_staff.pk}


def test_an_organisation_that_joins_later_is_reminded_on_the_next_sweep(
        w: World, meeting: ReviewMeeting) -> None:
    sweep_reviews(D(2025, 3, 18))
    newcomer = MembershipFactory(partnership=w.partnership, joined_on=D(2025, 3, 20))
    staff = ProviderStaffFactory(organisation=newcomer.organisation)

    assert sweep_reviews(D(2025, 3, 19)) == nothing()
    assert sweep_reviews(D(2025, 3, 20)) == {**nothing(), REVIEW_DUE_SOON: 1}
    assert staff.pk in sent(REVIEW_DUE_SOON)


def test_nobody_outside_the_current_members_is_told(w: World, meeting: ReviewMeeting) -> None:
    sweep_reviews(D(2025, 3, 20))
    sweep_reviews(D(2025, 4, 3))

    everyone = sent()
    assert w.former_staff.pk not in everyone and w.outsider.pk not in everyone
    assert everyone == members(w)


def test_overdue_goes_to_the_current_lead_partner(w: World, meeting: ReviewMeeting) -> None:
    Membership.objects.filter(organisation=w.lead).update(left_on=D(2025, 4, 1))
    Membership.objects.filter(organisation=w.member).update(role=MemberRole.LEAD_PARTNER)
    new_manager = PartnershipManagerFactory(organisation=w.member)

    assert sweep_reviews(D(2025, 4, 2)) == {**nothing(), REVIEW_OVERDUE: 1}
    assert sent(REVIEW_OVERDUE) == {new_manager.pk}


def test_a_member_with_two_memberships_is_told_once(w: World, meeting: ReviewMeeting) -> None:
    MembershipFactory(partnership=w.partnership, organisation=w.member,
                      role=MemberRole.SUB_CONTRACTOR, joined_on=D(2024, 1, 1))

    assert sweep_reviews(D(2025, 3, 20))[REVIEW_DUE_SOON] == 4


# -- messages -------------------------------------------------------------------------------------


def test_messages_name_the_partnership_and_date_and_link_to_the_reviews_page(
        w: World, meeting: ReviewMeeting) -> None:
    sweep_reviews(D(2025, 3, 31))
    sweep_reviews(D(2025, 4, 4))

    soon = Notification.objects.filter(kind=REVIEW_DUE_SOON).first()
    late = Notification.objects.get(kind=REVIEW_OVERDUE)
    assert soon.subject == "Partnership review tomorrow: Westshire Recovery Partnership, " \
                           "1 April 2025"
    assert late.subject == "Partnership review not recorded: Westshire Recovery Partnership, " \
                           "1 April 2025"
    assert "3 days ago" in late.body
    url = reverse("partnerships:reviews", args=[w.partnership.slug])
    assert soon.url == late.url == url
    assert (soon.obj, late.obj) == (meeting, meeting)
    for n in Notification.objects.all():
        for user in (w.manager, w.lead_staff, w.member_staff):
            assert user.username not in f"{n.subject} {n.body}"
            assert user.email not in f"{n.subject} {n.body}"


# -- time zone ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("utc", "planned", "told"), [
    # 00:30 on 30 March 2025 in the UK is still GMT (BST starts at 01:00 UTC).
    (dt.datetime(2025, 3, 30, 0, 30, tzinfo=dt.UTC), D(2025, 4, 13), True),
    (dt.datetime(2025, 3, 29, 23, 59, tzinfo=dt.UTC), D(2025, 4, 13), False),
    # 23:30 UTC on 25 October is 00:30 BST on 26 October: the UK date is the 26th.
    (dt.datetime(2025, 10, 25, 23, 30, tzinfo=dt.UTC), D(2025, 11, 9), True),
    (dt.datetime(2025, 10, 25, 22, 59, tzinfo=dt.UTC), D(2025, 11, 9), False),
])
def test_the_sweep_uses_the_uk_date_around_summer_time_changes(
        w: World, monkeypatch: pytest.MonkeyPatch, utc: dt.datetime, planned: dt.date,
        told: bool) -> None:
    ReviewMeeting.objects.create(partnership=w.partnership, planned_on=planned)
    monkeypatch.setattr(timezone, "now", lambda: utc)

    assert sweep_reviews()[REVIEW_DUE_SOON] == (4 if told else 0)


# -- cost -----------------------------------------------------------------------------------------


def test_the_sweep_reads_in_the_same_number_of_queries_for_2_or_20_partnerships(
        w: World) -> None:
    """The sweep is one INSERT … SELECT (whom to tell joined in); a run that finds everything
    already sent (most days) is the same one statement however many reviews are due."""
    ReviewMeeting.objects.create(partnership=w.partnership, planned_on=D(2024, 4, 1))

    def add(n: int) -> None:
        for i in range(n):
            other = world(f"Partnership {ReviewMeeting.objects.count()}")
            ReviewMeeting.objects.create(partnership=other.partnership,
                                         planned_on=PLANNED if i % 2 else D(2025, 3, 28))

    def again() -> int:
        sweep_reviews(D(2025, 3, 30))
        with CaptureQueriesContext(connection) as ctx:
            assert sweep_reviews(D(2025, 3, 30)) == nothing()
        statements = [q["sql"] for q in ctx.captured_queries
                      if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
        assert statements[0].startswith('INSERT INTO "notifications_notification"')
        return len(statements)

    add(2)
    few = again()
    add(18)
    many = again()

    assert few == many == 1
    assert Notification.objects.filter(kind=REVIEW_DUE_SOON).count() == 10 * 4
    assert Notification.objects.filter(kind=REVIEW_OVERDUE).count() == 10


# -- task -----------------------------------------------------------------------------------------


def test_the_task_runs_the_sweep(w: World, meeting: ReviewMeeting) -> None:
    assert tasks.remind_reviews.apply(kwargs={"today": "2025-04-02"}).get() == \
        {**nothing(), REVIEW_OVERDUE: 1}
    assert tasks.remind_reviews.apply(kwargs={"today": "2025-04-02"}).get() == nothing()


def test_the_task_defaults_to_the_uk_date(w: World, meeting: ReviewMeeting,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2025, 3, 18, 9, tzinfo=dt.UTC))
    assert tasks.remind_reviews.apply().get() == {**nothing(), REVIEW_DUE_SOON: 4}
