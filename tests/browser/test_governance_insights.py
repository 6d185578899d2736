"""A frontline insight's journey in a real browser: a member's worker records one (first with a
prison number, which is refused with the reason), the partnership's manager puts it on the
board's agenda and then closes it with a reply, and the worker reads the reply on "My
insights". Every page is checked with axe-core and runs without JavaScript errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from governance.choices import InsightStatus
from governance.models import Insight
from tests.browser.checks import page_problems, screenshot
from tests.governance.factories import BodyFactory, governance_setup
from tests.referrals.factories import PathwayFactory

REPLY = "The prison now sends release letters a week before the release date."


@pytest.fixture
def setup(live_server: Any, django_db_serialized_rollback: None) -> Any:
    s = governance_setup()
    BodyFactory(partnership=s.partnership, name="Partnership board", chair=s.manager)
    PathwayFactory(partnership=s.partnership, name="Prison to community treatment")
    return s


def test_record_triage_and_read_the_reply(setup: Any, open_as: Callable, browser_problems: Any,
                                          screenshot_dir: Any) -> None:
    s = setup
    problems: list[str] = []

    def check(page: Any, name: str) -> None:
        page.set_viewport_size({"width": 1280, "height": 800})
        screenshot(page, screenshot_dir, f"insights-{name}")
        problems.extend(f"{name}: {p}" for p in page_problems(page))

    worker = open_as(s.member_staff)
    url = f"/partnerships/{s.partnership.slug}/governance/insights/"
    worker.goto(url)
    expect(worker.get_by_role("heading", level=1)).to_have_text("Frontline insights")
    check(worker, "empty")

    worker.get_by_label("Release and continuity of care").check()
    worker.get_by_label("Describe the barrier or insight").fill(
        "A1234BC left without a prescription.")
    worker.get_by_label("Referral pathway (optional)").select_option(
        label="Prison to community treatment")
    worker.get_by_role("button", name="Record the insight").click()
    expect(worker.locator(".govuk-error-summary")).to_contain_text("Remove the prison number")
    check(worker, "refused")
    worker.get_by_label("Describe the barrier or insight").fill(
        "Since 2019 release letters reach the community team after release, so first "
        "appointments are booked late.")
    worker.get_by_role("button", name="Record the insight").click()
    expect(worker.locator(".govuk-notification-banner")).to_contain_text("Your insight was "
                                                                         "recorded")
    check(worker, "list")
    insight = Insight.objects.get()

    manager = open_as(s.manager)
    manager.goto(f"{url}{insight.pk}/")
    check(manager, "triage")
    manager.get_by_label("Board or group").select_option(label="Partnership board")
    manager.get_by_role("button", name="Put it on the agenda").click()
    expect(manager.locator(".govuk-notification-banner")).to_contain_text(
        "on the next agenda of Partnership board")
    manager.get_by_label("Reply to the person who raised it").fill(REPLY)
    manager.get_by_role("button", name="Close with this reply").click()
    expect(manager.locator(".govuk-notification-banner")).to_contain_text("is closed")
    insight.refresh_from_db()
    assert insight.status == InsightStatus.CLOSED

    worker.goto(f"{url}mine/")
    expect(worker.locator(".govuk-summary-card")).to_contain_text(REPLY)
    check(worker, "mine")

    assert not problems, "\n".join(problems)
    assert not browser_problems.messages, "\n".join(browser_problems.messages)
