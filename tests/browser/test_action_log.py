"""The action log in a real browser: a partnership manager adds an action, the owner sees it
overdue-tagged on the log and in Your work and marks it done; every page is checked with
axe-core and runs without JavaScript errors or CSP violations."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from core import clock
from governance import actions
from governance.choices import ActionStatus
from governance.models import ActionItem
from tests.browser.checks import page_problems, screenshot
from tests.governance.factories import BodyFactory, governance_setup


@pytest.fixture
def setup(live_server: Any, django_db_serialized_rollback: None) -> Any:
    return governance_setup()


def day(n: int) -> datetime.date:
    return clock.today() + datetime.timedelta(days=n)


def fill_date(page: Any, legend: str, when: datetime.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(when.day))
    group.get_by_label("Month").fill(str(when.month))
    group.get_by_label("Year").fill(str(when.year))


def test_add_see_overdue_and_mark_done(setup: Any, open_as: Callable, browser_problems: Any,
                                       screenshot_dir: Any) -> None:
    s = setup
    problems: list[str] = []

    def check(page: Any, name: str) -> None:
        page.set_viewport_size({"width": 1280, "height": 800})
        screenshot(page, screenshot_dir, f"action-log-{name}")
        problems.extend(f"{name}: {p}" for p in page_problems(page))

    board = BodyFactory(partnership=s.partnership, name="Partnership board")
    late = actions.action_item_create(
        partnership=s.partnership, text="Agree a shared release-letter template with the "
                                        "prison's resettlement team", owner_organisation=s.member,
        owner=s.member_staff, due_on=day(3), body=board, by=s.manager)
    ActionItem.objects.filter(pk=late.pk).update(due_on=day(-4))
    actions.action_item_create(partnership=s.partnership, text="Circulate the terms of reference "
                                                              "of the operational group",
                               owner_organisation=s.lead, due_on=day(21), by=s.manager)
    log = f"/partnerships/{s.partnership.slug}/governance/actions/"

    manager = open_as(s.manager)
    manager.goto(log)
    expect(manager.get_by_role("heading", level=1)).to_have_text("Action log")
    manager.get_by_role("link", name="Add an action").click()
    manager.get_by_label("What needs to be done?").fill("Book joint naloxone training for "
                                                         "frontline staff")
    manager.get_by_label("Owner organisation").select_option(label=s.member.name)
    fill_date(manager, "Due date", day(30))
    check(manager, "add")
    manager.get_by_role("button", name="Add the action").click()
    expect(manager.get_by_text("Book joint naloxone training")).to_be_visible()
    check(manager, "log")

    owner = open_as(s.member_staff)
    owner.goto("/your-work/")
    expect(owner.locator("[data-work=actions]")).to_contain_text("Overdue")
    owner.goto(log + "?overdue=true")
    expect(owner.locator("#actions-table tbody tr")).to_have_count(1)
    owner.get_by_role("link", name="Agree a shared release-letter template").click()
    check(owner, "detail")
    owner.get_by_role("button", name="Mark as done").click()
    expect(owner.get_by_text("The action is marked done.")).to_be_visible()
    late.refresh_from_db()
    assert late.status == ActionStatus.DONE

    assert problems == [] and browser_problems.messages == []
