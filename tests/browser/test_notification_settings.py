"""The notification settings page in a real browser (issue 15, item 3): one short page (under
1,500 px tall at 1280 px wide with the per-kind details closed, where it was about 5,700 px),
axe-clean, and a per-kind choice made inside the details is saved and shown again."""

from __future__ import annotations

from typing import Any

import pytest

from notifications import preferences
from tests.accounts.factories import ProviderStaffFactory
from tests.browser.checks import page_problems, screenshot

MAX_HEIGHT = 1500


@pytest.fixture
def user(live_server: Any, django_db_serialized_rollback: None) -> Any:
    """A provider's staff member, committed so the live server's thread sees it."""
    return ProviderStaffFactory()


def page_height(page: Any) -> int:
    return page.evaluate("() => document.documentElement.scrollHeight")


def test_the_settings_page_is_short_and_accessible(open_as: Any, user: Any,
                                                    browser_problems: Any,
                                                    screenshot_dir: Any) -> None:
    page = open_as(user)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/notifications/settings/")
    assert page.locator("h1").inner_text() == "Notification settings"
    # Every area's choice is on the page; every details component is closed.
    assert page.locator("details.govuk-details").count() == 4
    assert page.locator("details.govuk-details[open]").count() == 0
    height = page_height(page)
    screenshot(page, screenshot_dir, "notification-settings")
    assert height < MAX_HEIGHT, f"the settings page is {height}px tall"
    assert page_problems(page) == []

    # Returns as a daily digest, but "Return sent back" emailed now: open the details.
    page.get_by_role("group", name="Monitoring returns").get_by_label(
        "A daily digest email").check()
    page.locator("summary", has_text="(monitoring returns)").click()
    screenshot(page, screenshot_dir, "notification-settings-returns-open")
    assert page_problems(page) == []  # open details are axe-clean too
    page.get_by_role("group", name="Return sent back").get_by_label(
        "Email each one now").check()
    page.get_by_role("button", name="Save settings").click()
    assert "Your notification settings are saved." in page.locator("body").inner_text()
    assert preferences.email_choice(user, "return_approved") == "digest"
    assert preferences.email_choice(user, "return_sent_back") == "now"
    assert preferences.email_choice(user, "referral_received") == "now"
    # Shown again (the "saved" banner gone): the summary says one kind is chosen separately,
    # its details stay closed, and the page is still short.
    page.goto("/notifications/settings/")
    assert page.locator("summary", has_text="(1 chosen separately)").count() == 1
    assert page.locator("details.govuk-details[open]").count() == 0
    assert page.locator('input[name="kind-return_sent_back"][value="now"]').is_checked()
    assert page_height(page) < MAX_HEIGHT
    assert browser_problems.messages == []
