"""A partnership's governance structure in a real browser: the lead partner's partnership
manager starts from the empty state, adds the board and a working group that reports to it,
gives a member organisation a seat, records a decision, and a member's staff read the
structure. Every page is checked with axe-core and runs without JavaScript errors or CSP
violations; an organisation outside the partnership gets a 404."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from governance.models import Body, BodySeat, Decision
from tests.browser.checks import page_problems, screenshot
from tests.governance.factories import governance_setup


@pytest.fixture
def setup(live_server: Any, django_db_serialized_rollback: None) -> Any:
    return governance_setup()


def fill_date(page: Any, legend: str, day: datetime.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_a_manager_builds_the_structure_and_members_read_it(
        setup: Any, open_as: Callable, browser_problems: Any, screenshot_dir: Any) -> None:
    s = setup
    problems: list[str] = []

    def check(page: Any, name: str) -> None:
        screenshot(page, screenshot_dir, f"governance-{name}")
        problems.extend(f"{name}: {p}" for p in page_problems(page))

    address = f"/partnerships/{s.partnership.slug}/governance/"
    manager = open_as(s.manager)
    manager.goto(address)
    check(manager, "structure-empty")
    manager.get_by_role("link", name="Add the first body").click()
    check(manager, "body-form")
    manager.get_by_role("button", name="Add the body").click()  # nothing filled in
    expect(manager.locator(".govuk-error-summary")).to_be_visible()
    check(manager, "body-form-errors")
    manager.get_by_label("Name").fill("Partnership board")
    manager.get_by_label("Partnership board", exact=True).check()
    manager.get_by_label("Chair (optional)").select_option(index=1)
    fill_date(manager, "When was it formed?", datetime.date(2021, 4, 1))
    manager.get_by_label("Terms of reference (optional)").fill(
        "Oversees delivery; meets every quarter.")
    manager.get_by_role("button", name="Add the body").click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("Partnership board")

    manager.get_by_role("link", name="Add a seat").click()
    manager.get_by_label("Organisation").select_option(label=s.member.name)
    manager.get_by_label("Seat (optional)").fill("Vice-chair")
    fill_date(manager, "When did it take the seat?", datetime.date(2021, 5, 1))
    check(manager, "seat-add")
    manager.get_by_role("button", name="Add the seat").click()
    manager.get_by_role("link", name="Record a decision").click()
    fill_date(manager, "When was it decided?", datetime.date(2025, 6, 12))
    manager.get_by_label("What was decided?").fill(
        "Adopt the partnership working agreement, version 2.")
    manager.get_by_role("button", name="Record the decision").click()
    check(manager, "body")

    manager.goto(address)
    manager.get_by_role("link", name="Add a body").click()
    manager.get_by_label("Name").fill("Operational working group")
    manager.get_by_label("Working group (operational)").check()
    manager.get_by_label("Who does it report to? (optional)").select_option(
        label="Partnership board")
    fill_date(manager, "When was it formed?", datetime.date(2021, 6, 1))
    manager.get_by_role("button", name="Add the body").click()
    board = Body.objects.get(name="Partnership board")
    assert board.feeders.get().name == "Operational working group"
    assert BodySeat.objects.get().organisation == s.member
    assert Decision.objects.get().body == board

    reader = open_as(s.member_staff)
    reader.set_viewport_size({"width": 1280, "height": 800})
    reader.goto(address)
    expect(reader.get_by_text("Reports to Partnership board")).to_be_attached()
    expect(reader.get_by_role("link", name="Add a body")).to_have_count(0)
    check(reader, "structure")

    assert not problems, "\n".join(problems)
    assert not browser_problems.messages, "\n".join(browser_problems.messages)

    # Outside the partnership it does not exist (the browser reports the 404 on the console,
    # as it should).
    outsider = open_as(s.outsider)
    response = outsider.goto(address)
    assert response is not None and response.status == 404
