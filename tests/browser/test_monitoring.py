"""A monitoring return's whole journey in a real browser: the provider submits by form, the
lead partner returns it with a comment on one figure, the provider corrects and resubmits, the
lead partner approves, and the dashboard's grid and trend chart show it. Every page on the way
is checked with axe-core, and runs without JavaScript errors or CSP violations."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from monitoring.choices import ReturnStatus
from monitoring.models import MonitoringReturn, Value
from tests.browser.checks import page_problems, screenshot
from tests.monitoring.factories import monitoring_setup

QUERY = "Completions cannot exceed starts this quarter. Please check the case list."


@pytest.fixture
def setup(live_server: Any, django_db_serialized_rollback: None) -> Any:
    """A partnership whose provider owes a quarterly return, committed for the live server."""
    return monitoring_setup()


def check(page: Any, name: str, screenshot_dir: Any, problems: list[str]) -> None:
    screenshot(page, screenshot_dir, f"monitoring-{name}")
    problems.extend(f"{name}: {p}" for p in page_problems(page))


def test_submit_query_correct_approve_then_grid_and_chart_show_it(
        setup: Any, open_as: Callable, browser_problems: Any, screenshot_dir: Any) -> None:
    s = setup
    problems: list[str] = []
    provider = open_as(s.staff)
    lead = open_as(s.manager)

    # The provider starts the return they owe and submits it by form.
    provider.goto("/monitoring/returns/")
    expect(provider.get_by_role("heading", level=1)).to_have_text(
        "Your organisation's returns")
    check(provider, "my-returns", screenshot_dir, problems)
    provider.get_by_role("button", name=re.compile(r"^Start return")).click()
    expect(provider.get_by_role("button", name="Continue")).to_be_visible()
    # Each figure is asked once, and the page says which frameworks read it.
    expect(provider.get_by_label("Treatment starts", exact=True)).to_have_count(1)
    expect(provider.get_by_text("Commissioner performance framework").first).to_be_visible()
    expect(provider.get_by_text("Partnership outcomes").first).to_be_visible()
    check(provider, "return-form", screenshot_dir, problems)
    provider.get_by_label("Treatment starts", exact=True).fill("12")
    provider.get_by_label("Treatment completions", exact=True).fill("15")
    provider.get_by_role("button", name="Continue").click()
    expect(provider.get_by_role("heading", level=1)).to_have_text(
        "Check your figures before you submit them")
    check(provider, "check-answers", screenshot_dir, problems)
    provider.get_by_role("button", name="Submit return").click()
    expect(provider.locator(".govuk-notification-banner")).to_contain_text("ubmitted")
    ret = MonitoringReturn.objects.get(organisation=s.provider, partnership=s.partnership)
    assert ret.status == ReturnStatus.SUBMITTED

    # The lead partner returns it with a comment on one figure.
    lead.goto("/monitoring/reviews/")
    check(lead, "reviews", screenshot_dir, problems)
    lead.get_by_role("link", name=re.compile(r"^Review")).click()
    expect(lead.get_by_role("button", name="Approve return")).to_be_visible()
    check(lead, "review", screenshot_dir, problems)
    lead.get_by_label("Comment on Treatment completions").fill(QUERY)
    lead.get_by_role("button", name="Return for correction").click()
    expect(lead.locator(".govuk-notification-banner")).to_contain_text("correction")
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.RETURNED

    # The provider sees exactly which figure is queried, corrects it and resubmits.
    provider.goto("/monitoring/returns/")
    provider.get_by_role("link", name=re.compile(r"^Continue")).click()
    expect(provider.get_by_text(QUERY).first).to_be_visible()
    check(provider, "returned-form", screenshot_dir, problems)
    provider.get_by_label("Treatment completions", exact=True).fill("9")
    provider.get_by_role("button", name="Continue").click()
    provider.get_by_role("button", name="Submit return").click()
    expect(provider.locator(".govuk-notification-banner")).to_contain_text("ubmitted")

    # The lead partner approves.
    lead.goto("/monitoring/reviews/")
    lead.get_by_role("link", name=re.compile(r"^Review")).click()
    lead.get_by_role("button", name="Approve return").click()
    expect(lead.locator(".govuk-notification-banner")).to_contain_text("pproved")
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.APPROVED
    assert Value.objects.get(monitoring_return=ret, metric=s.completions).number == 9

    # The grid shows the approved return ...
    lead.goto(f"/monitoring/partnerships/{s.partnership.slug}/")
    grid = lead.get_by_role("table", name=re.compile(r"^Returns by organisation"))
    row = grid.get_by_role("row", name=re.compile(re.escape(s.provider.name)))
    expect(row.locator("[data-state]").first).to_have_attribute("data-state", "approved")
    expect(row).to_contain_text("Approved")
    check(lead, "dashboard", screenshot_dir, problems)

    # ... and the trend chart is drawn from the same figure, with its table beside it.
    lead.goto(f"/monitoring/partnerships/{s.partnership.slug}/metrics/starts/")
    chart = lead.locator("canvas[data-trend-chart]")
    expect(chart).to_have_attribute("data-chart-ready", "true")
    expect(chart).to_be_visible()
    table = lead.locator("[data-trend-table]")
    expect(table.get_by_role("row", name=re.compile(re.escape(s.period.label)))) \
        .to_contain_text("12")
    check(lead, "trend", screenshot_dir, problems)

    assert not problems, "\n".join(problems)
    assert not browser_problems.messages, "\n".join(browser_problems.messages)

