"""A monitoring return with figures filled in from casework (issue 18), in a real browser: the
prison's returns officer opens last quarter's draft, sees the continuity-of-care figures already
filled in (no box to type them in), types the one figure they own, checks and submits. The form
and the check page pass axe-core and run without JavaScript errors or CSP violations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from monitoring.choices import ReturnStatus
from tests.browser.checks import page_problems, screenshot
from tests.monitoring.test_computed_metrics import add_hand_counted, build_world, start, stored


@pytest.fixture
def world(live_server: Any, django_db_serialized_rollback: None) -> Any:
    return add_hand_counted(build_world())


def test_the_return_shows_figures_from_casework_read_only(
        world: Any, open_as: Callable, browser_problems: Any, screenshot_dir: Any) -> None:
    w = world
    ret = start(w, w.prison, w.prison_staff)
    problems: list[str] = []
    officer = open_as(w.prison_staff)
    officer.set_viewport_size({"width": 1280, "height": 800})
    officer.goto(f"/monitoring/returns/{ret.pk}/edit/")
    releases = officer.locator("#id_figure-cc-releases")
    expect(releases).to_contain_text("From casework (continuity of care): 3")
    expect(releases.get_by_role("textbox")).to_have_count(0)
    expect(officer.locator("#id_figure-cc-percent")).to_contain_text(
        "From casework (continuity of care): 33.3%")
    screenshot(officer, screenshot_dir, "computed_metric_return")
    problems.extend(f"edit: {p}" for p in page_problems(officer))

    officer.get_by_label("Group sessions held (optional)").fill("6")
    officer.get_by_role("button", name="Continue").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text(
        "Check your figures before you submit them")
    expect(officer.get_by_text("worked out again when you submit").first).to_be_visible()
    problems.extend(f"check: {p}" for p in page_problems(officer))
    officer.get_by_role("button", name="Submit return").click()
    expect(officer.locator(".govuk-notification-banner")).to_contain_text("was submitted")

    ret.refresh_from_db()
    assert ret.status == ReturnStatus.SUBMITTED
    figures = stored(ret)
    assert figures["cc-releases"] == 3 and figures["cc-sessions"] == 6
    assert problems == [] and browser_problems.messages == []
