"""Overdue actions remind their owner once (issue 19, point 3): the owner person when set and
active, else the owning organisation's partnership managers; a sweep run twice tells each
person once; a missed day is caught up; done and dropped actions are not reminded; the message
names the partnership and the due date only; the sweep's queries do not grow with the rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import clock
from core.display import govuk_date
from governance import actions, tasks
from governance.models import ActionItem
from governance.reminders import ACTION_OVERDUE, sweep
from notifications.kinds import KINDS
from notifications.models import Notification
from tests.accounts.factories import PartnershipManagerFactory, ProviderStaffFactory
from tests.governance.factories import governance_setup
from tests.notifications.conftest import eager_celery  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db

TEXT = "Send the revised referral pathway to every member before the next board."


def day(n: int) -> dt.date:
    return clock.today() + dt.timedelta(days=n)


def item(s, *, due_on, owner=None, organisation=None):
    return ActionItem.objects.create(partnership=s.partnership, text=TEXT,
                                     owner_organisation=organisation or s.member, owner=owner,
                                     due_on=due_on, created_by=s.manager)


def told(kind: str = ACTION_OVERDUE) -> list[tuple[int, int]]:
    return sorted((int(obj), user) for obj, user in Notification.objects.filter(kind=kind)
                  .values_list("object_id", "recipient"))


def test_the_kind_is_registered_in_the_partnerships_area() -> None:
    assert KINDS[ACTION_OVERDUE].area == "reviews"


def test_the_owner_person_is_told_once_however_often_the_sweep_runs() -> None:
    s = governance_setup()
    overdue = item(s, due_on=day(-1), owner=s.member_staff)
    item(s, due_on=day(0), owner=s.member_staff)  # due today: not late yet
    assert sweep(clock.today()) == {ACTION_OVERDUE: 1}
    assert sweep(clock.today()) == {ACTION_OVERDUE: 0}
    assert sweep(day(1)) == {ACTION_OVERDUE: 1}  # the second one, late from tomorrow
    assert told() == sorted([(overdue.pk, s.member_staff.pk),
                             (overdue.pk + 1, s.member_staff.pk)])
    note = Notification.objects.get(object_id=str(overdue.pk))
    assert note.key == f"action_overdue:{overdue.pk}:{s.member_staff.pk}"


def test_without_an_active_owner_the_organisations_partnership_managers_are_told() -> None:
    s = governance_setup()
    other_manager = PartnershipManagerFactory(organisation=s.member)
    no_owner = item(s, due_on=day(-2))
    gone = ProviderStaffFactory(organisation=s.member, is_active=False)
    left = item(s, due_on=day(-2), owner=gone)
    sweep(clock.today())
    managers = {s.member_manager.pk, other_manager.pk}
    assert told() == sorted((i.pk, m) for i in (no_owner, left) for m in managers)


def test_an_organisation_without_a_partnership_manager_hears_through_its_staff() -> None:
    s = governance_setup()
    s.member_manager.is_active = False
    s.member_manager.save()
    action = item(s, due_on=day(-1))
    sweep(clock.today())
    assert told() == [(action.pk, s.member_staff.pk)]


def test_a_missed_day_is_caught_up_within_the_window_but_old_ones_are_not(settings) -> None:
    settings.REMINDER_CATCH_UP_DAYS = 7
    s = governance_setup()
    recent = item(s, due_on=day(-6), owner=s.member_staff)
    item(s, due_on=day(-30), owner=s.member_staff)  # long late: the log lists it
    sweep(clock.today())
    assert told() == [(recent.pk, s.member_staff.pk)]


def test_done_and_dropped_actions_are_not_reminded() -> None:
    s = governance_setup()
    done = item(s, due_on=day(-3), owner=s.member_staff)
    dropped = item(s, due_on=day(-3), owner=s.member_staff)
    actions.action_item_complete(item=done, completed_on=day(-1), by=s.member_staff)
    actions.action_item_drop(item=dropped, reason="Covered by the pathway review.",
                             by=s.manager)
    assert sweep(clock.today()) == {ACTION_OVERDUE: 0}


def test_the_message_names_the_partnership_and_due_date_only() -> None:
    s = governance_setup()
    action = item(s, due_on=day(-1), owner=s.member_staff)
    sweep(clock.today())
    note = Notification.objects.get()
    assert note.subject == (f"Action overdue in {s.partnership.name}: it was due on "
                            f"{govuk_date(day(-1))}")
    assert s.partnership.name in note.body
    assert TEXT not in note.subject + note.body
    assert note.url == (f"/partnerships/{s.partnership.slug}/governance/actions/"
                        f"?overdue=true")
    assert note.object_id == str(action.pk)


def test_the_sweep_costs_the_same_queries_for_many_actions() -> None:
    s = governance_setup()
    item(s, due_on=day(-1), owner=s.member_staff)
    with CaptureQueriesContext(connection) as few:
        sweep(clock.today())
    for n in range(15):
        item(s, due_on=day(-1 - n % 5), owner=s.member_staff if n % 2 else None)
    with CaptureQueriesContext(connection) as many:
        sweep(clock.today())
    assert len(many) == len(few)


def test_the_task_runs_the_sweep_for_a_given_day() -> None:
    s = governance_setup()
    item(s, due_on=day(-1), owner=s.member_staff)
    assert tasks.remind_actions(clock.today().isoformat()) == {ACTION_OVERDUE: 1}
