"""The caseworker's journey (issue 16), in Chromium at 1280×800 on the demo: demo-manager, a
caseworker of Northgate Recovery Trust (the demo has no login called demo-caseworker: its
caseworkers are demo-manager and demo-provider), opens a case, refers it to a service, sees the
conference schedule (every date a working day) and moves a conference to another date with a
reason, then sees the move in the case's history. At each step: no sideways scroll of the page
(the document is no wider than the window), axe-core clean (WCAG 2.2 AA), one h1 and headings
in order, a proper title and a clean console."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from accounts.models import User
from core import clock
from core.display import govuk_date
from demo.referrals import PATHWAYS
from referrals.choices import ConferenceKind, ConferenceStatus
from referrals.models import Case, CaseHistoryEntry
from referrals.working_days import is_working_day, next_working_day
from services.models import Service
from tests.browser.checks import page_problems, screenshot

REASON = "The treatment worker cannot attend that week."


def fill_date(page: Any, legend: str, day: datetime.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def overflow(page: Any) -> bool:
    """Whether the page scrolls sideways (wider than the window)."""
    return bool(page.evaluate("document.documentElement.scrollWidth > "
                              "document.documentElement.clientWidth"))


def test_open_refer_see_the_schedule_and_move_a_conference(
        eager_celery: None, demo: Any, open_as: Callable, browser_problems: Any,
        screenshot_dir: Any) -> None:
    problems: list[str] = []

    def check(page: Any, name: str) -> None:
        screenshot(page, screenshot_dir, f"journey-caseworker-{name}")
        if overflow(page):
            problems.append(f"{name}: the page scrolls sideways at 1280 px")
        problems.extend(f"{name}: {p}" for p in page_problems(page))

    caseworker = User.objects.get(username="demo-manager")
    provider = User.objects.get(username="demo-provider").organisation
    service = Service.objects.get(provider=provider, name=PATHWAYS[0]["to"][1])
    today = clock.today()
    page = open_as(caseworker)
    page.set_viewport_size({"width": 1280, "height": 800})

    # Open a case: a licence that started a week ago, the person's initials typed with dots.
    page.goto("/casework/")
    check(page, "caseload")
    page.get_by_role("button", name="Open a case").click()
    page.get_by_label("Partnership").select_option(
        label="North Pennine Prisons Recovery Partnership")
    page.get_by_label("Lead agency").select_option(label=caseworker.organisation.name)
    page.get_by_label("Order type").select_option(label="Licence")
    fill_date(page, "When does the order start?", today - datetime.timedelta(days=7))
    fill_date(page, "When does the order end?", today + datetime.timedelta(days=300))
    page.get_by_label("Initials (optional)").fill("Z.S.")
    check(page, "open-case")
    page.get_by_role("button", name="Open a case").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("C-")
    found = re.search(r"/casework/cases/([^/]+)/", page.url)
    assert found, page.url
    case = Case.objects.get(reference=found.group(1))
    assert case.person.initials == "ZS"
    check(page, "case")

    # Refer it to the provider's service along the demo's pathway.
    page.get_by_role("button", name="Refer").click()
    page.get_by_label("Which service are you referring to?").select_option(
        value=str(service.pk))
    page.get_by_label("Why are you referring?").fill("Needs treatment picked up on release.")
    page.get_by_label("Art 6(1)(e) public task").check()
    page.get_by_label("The person's consent to this referral is recorded").check()
    check(page, "refer")
    page.get_by_role("button", name="Refer").click()
    expect(page.locator(".govuk-notification-banner")).to_be_visible()
    assert case.referrals.count() == 1

    # The schedule: the planned conferences, each on a working day, with Move and Cancel.
    schedule = page.locator("#schedule")
    expect(schedule).to_be_visible()
    planned = list(case.conferences.filter(status=ConferenceStatus.PLANNED))
    assert planned and all(is_working_day(c.planned_on) for c in planned)
    middle = case.conferences.get(kind=ConferenceKind.MIDDLE)
    expect(schedule).to_contain_text(govuk_date(middle.planned_on))
    check(page, "schedule")

    # Move the middle meeting two weeks on, with a reason.
    was = middle.planned_on
    new = next_working_day(was + datetime.timedelta(days=14))
    schedule.get_by_role(
        "link", name=f"Move the conference planned for {govuk_date(was)}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Move the conference")
    check(page, "move")
    fill_date(page, "New date", new)
    page.get_by_label("Time (optional)").fill("10:30")
    page.get_by_label("Why are you moving it?").fill(REASON)
    page.get_by_role("button", name="Move the conference").click()

    # Back on the case: the schedule has the new date and the history says why it moved.
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.reference)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("moved from")
    expect(page.locator("#schedule")).to_contain_text(f"{govuk_date(new)} at 10:30")
    expect(page.locator(".moj-timeline")).to_contain_text(
        f"Moved from {govuk_date(was)} to {govuk_date(new)} at 10:30: {REASON}")
    middle.refresh_from_db()
    assert (middle.planned_on, middle.planned_time) == (new, datetime.time(10, 30))
    assert CaseHistoryEntry.objects.filter(conference=middle).count() == 1
    check(page, "moved")

    assert not problems, "\n".join(problems)
    assert not browser_problems.messages, browser_problems.messages
