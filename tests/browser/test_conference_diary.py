"""The conference diary in a real browser at 1280 px (issue 16): a caseworker reaches it from the
caseload, reads this week's planned conferences by day, moves to the next week (issue 17: one
week at a time), and creates the diary's calendar link; every page is axe-clean with headings
and a title in order, and nothing scrolls sideways."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.checks import page_problems, screenshot
from tests.referrals.factories import CaseConferenceFactory, casework_setup, open_case


@pytest.fixture
def setup(live_server: Any, django_db_serialized_rollback: None) -> Any:
    s = casework_setup()
    case = open_case(s)
    today = timezone.localdate()
    next_monday = today + datetime.timedelta(days=7 - today.weekday())
    CaseConferenceFactory(case=case, kind="joint", planned_on=today,
                          planned_time=datetime.time(14, 0))
    CaseConferenceFactory(case=case, kind="joint",
                          planned_on=next_monday + datetime.timedelta(days=2),
                          planned_time=datetime.time(10, 0))
    return s, case


def test_the_diary_from_the_caseload_and_its_calendar_link(
        setup: Any, open_as: Callable, browser_problems: Any, screenshot_dir: Any) -> None:
    s, case = setup
    problems: list[str] = []

    def check(page: Any, name: str) -> None:
        screenshot(page, screenshot_dir, f"diary-{name}")
        problems.extend(f"{name}: {p}" for p in page_problems(page))
        overflow = page.evaluate("document.documentElement.scrollWidth"
                                 " > document.documentElement.clientWidth")
        if overflow:
            problems.append(f"{name}: the page scrolls sideways at 1280 px")

    officer = open_as(s.officer)
    officer.goto("/casework/")
    officer.get_by_role("link", name="Conference diary").first.click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("Conference diary")
    expect(officer.locator("table")).to_contain_text(case.reference)
    expect(officer.locator("table")).to_contain_text("2:00pm")
    expect(officer.locator("table")).not_to_contain_text("10:00am")  # next week's
    check(officer, "page")
    officer.get_by_role("link", name="Next week").click()
    expect(officer.locator("h2").first).to_contain_text("Week of")
    expect(officer.locator("table")).to_contain_text("10:00am")
    expect(officer.get_by_role("link", name="Previous week")).to_be_visible()
    check(officer, "next-week")
    officer.get_by_role("button", name="Create a calendar link").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("Conference diary calendar link")
    assert "/calendar/conferences/" in officer.get_by_label("Calendar link").input_value()
    check(officer, "link-created")

    assert not problems, "\n".join(problems)
    assert not browser_problems.messages, "\n".join(browser_problems.messages)
