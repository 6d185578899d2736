"""Joint training and feedback in a real browser (issue 19, points 5 and 6): the lead partner's
partnership manager records a practice-sharing session with who came, then a member's worker
records a person's feedback; the partnership page shows the year's training; a funding
commissioner reads the feedback summary without the comments. Every page is checked with
axe-core and runs without JavaScript errors or CSP violations; screenshots are kept."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from governance.models import FeedbackResponse, TrainingEvent
from tests.browser.checks import page_problems, screenshot
from tests.governance.factories import governance_setup

COMMENT = "My worker met me on the day I left and came with me to my first appointment."


@pytest.fixture
def setup(live_server: Any, django_db_serialized_rollback: None) -> Any:
    return governance_setup()


def fill_date(page: Any, legend: str, day: datetime.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_record_training_and_feedback(setup: Any, open_as: Callable, screenshot_dir: Any) -> None:
    s = setup
    problems: list[str] = []

    def check(page: Any, name: str) -> None:
        screenshot(page, screenshot_dir, f"governance-{name}")
        problems.extend(f"{name}: {p}" for p in page_problems(page))

    today = timezone.localdate()
    slug = s.partnership.slug
    manager = open_as(s.manager)
    manager.goto(f"/partnerships/{slug}/governance/training/")
    expect(manager.get_by_role("heading", level=1)).to_have_text(
        "Joint training and practice sharing")
    check(manager, "training-empty")

    # Nothing typed: the error summary links to the fields.
    manager.get_by_role("button", name="Record the session").click()
    expect(manager.locator(".govuk-error-summary")).to_contain_text("Enter the topic")
    check(manager, "training-errors")

    manager.get_by_label("Practice sharing").check()
    manager.get_by_label("Topic").fill("Planning the day of release")
    fill_date(manager, "When was it held?", today - datetime.timedelta(days=7))
    manager.get_by_label("Which organisation hosted it?").select_option(label=s.lead.name)
    row1 = manager.get_by_role("group", name="Row 1")
    row1.get_by_label("Organisation").select_option(label=s.lead.name)
    row1.get_by_label("Role").select_option(label="Frontline staff")
    row1.get_by_label("How many").fill("4")
    row2 = manager.get_by_role("group", name="Row 2")
    row2.get_by_label("Organisation").select_option(label=s.member.name)
    row2.get_by_label("Role").select_option(label="Managers")
    row2.get_by_label("How many").fill("2")
    manager.get_by_role("button", name="Record the session").click()
    expect(manager.locator(".govuk-notification-banner")).to_contain_text(
        "was recorded")
    expect(manager.locator("#last-year + p")).to_contain_text(
        "1 session, 2 organisations taking part, 6 people attending")
    check(manager, "training")
    assert TrainingEvent.objects.get().attendance.count() == 2

    manager.goto(f"/partnerships/{slug}/")
    expect(manager.locator("#training")).to_contain_text(
        "Training across partners in the last year: 1 session")

    worker = open_as(s.member_staff)
    worker.goto(f"/partnerships/{slug}/governance/feedback/")
    check(worker, "feedback-empty")
    worker.get_by_label("A person using services").check()
    worker.get_by_label("Taken by a worker").check()
    worker.get_by_label("5 – Very good").check()
    worker.get_by_label("Comment (optional)").fill(COMMENT)
    worker.get_by_role("button", name="Record the feedback").click()
    expect(worker.locator(".govuk-notification-banner")).to_contain_text(
        "The feedback was recorded")
    expect(worker.locator("#comments ~ ul")).to_contain_text(COMMENT)
    check(worker, "feedback")
    assert FeedbackResponse.objects.get().rating == 5

    commissioner = open_as(s.commissioner)
    commissioner.goto(f"/partnerships/{slug}/governance/feedback/")
    expect(commissioner.locator("table")).to_contain_text("5 (very good): 1")
    expect(commissioner.locator("body")).not_to_contain_text(COMMENT)
    check(commissioner, "feedback-commissioner")

    assert not problems, "\n".join(problems)
