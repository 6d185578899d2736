""""Your work" in a real browser (issue 15): a caseworker of the organisation a referral was
sent to lands on Your work, sees the referral and a conference coming up, and follows the
referral to its page; the search is one click away. Each page is checked with axe-core (WCAG
2.2 AA), for headings and title, and for a clean console."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.checks import page_problems, screenshot
from tests.referrals.factories import (
    CaseConferenceFactory,
    Casework,
    casework_setup,
    days,
    open_case,
    send_referral,
)


@pytest.fixture
def setup(live_server: Any, django_db_serialized_rollback: None, eager_celery: None) -> Casework:
    """Probation and a treatment provider under a protocol, committed so the live server's
    thread sees it."""
    return casework_setup()


def test_a_referral_appears_in_the_receivers_work(setup: Casework, open_as: Callable,
                                                  browser_problems: Any,
                                                  screenshot_dir: Any) -> None:
    s = setup
    case = open_case(s)
    referral = send_referral(s, case)
    CaseConferenceFactory(case=case, planned_on=days(3))
    problems: list[str] = []

    def check(page: Any, name: str) -> None:
        screenshot(page, screenshot_dir, f"your-work-{name}")
        problems.extend(f"{name}: {p}" for p in page_problems(page))

    worker = open_as(s.worker)
    worker.goto("/")
    expect(worker).to_have_url(re.compile(r"/your-work/$"))
    expect(worker.get_by_role("heading", level=1)).to_have_text("Your work")
    section = worker.locator("[data-work=referrals-to-decide]")
    expect(section.get_by_role("heading", level=2)).to_contain_text(
        "Referrals to accept or decline")
    expect(section.locator("[data-count]")).to_have_text("1")
    expect(worker.locator("[data-work=conferences]")).to_contain_text(case.reference)
    check(worker, "caseworker")
    section.get_by_role("link", name=re.compile(referral.reference)).click()
    expect(worker.get_by_role("heading", level=1)).to_contain_text(referral.reference)

    # The search is one click away, and stays the search.
    worker.goto("/your-work/")
    worker.get_by_role("main").get_by_role("link", name="Search the registry").click()
    expect(worker.get_by_role("heading", level=1)).to_have_text("Search the registry")

    # The referrer's commissioner has nothing to act on: the search stays home, and Your work
    # says so in words.
    commissioner = open_as(s.commissioner)
    commissioner.goto("/")
    expect(commissioner.get_by_role("heading", level=1)).to_have_text("Search the registry")
    commissioner.get_by_role("link", name="Your work").click()
    expect(commissioner.get_by_role("main").get_by_role("heading", level=2)).to_have_text(
        "You have nothing to do right now")
    check(commissioner, "empty")

    assert not problems, "\n".join(problems)
    assert not browser_problems.messages, "\n".join(browser_problems.messages)
