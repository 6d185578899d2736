"""The provider's return journey as the demo provider meets it, at 1280×800 in Chromium: open the
return their organisation owes, save a draft, upload the figures from the CSV template, check
the answers and submit. At every step the page is axe-clean (WCAG 2.2 AA), has one h1 and a
proper title, and never scrolls sideways."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from playwright.sync_api import expect

from monitoring.choices import ReturnStatus
from monitoring.models import MonitoringReturn
from tests.browser.checks import page_problems, screenshot
from tests.browser.conftest import DEFAULT_TIMEOUT_MS

VIEWPORT = {"width": 1280, "height": 800}

#: The figures the provider completes in the file (the demo's draft has some of them already).
FIGURES = {"referrals-received": "20", "treatment-starts": "12", "successful-completions": "5",
           "engagement-rate": "70", "feedback-collected": "yes", "feedback-responses": "8",
           "housed-on-release": "6"}


@pytest.fixture
def provider(browser: Any, live_server: Any, demo: Any, browser_problems: Any) -> Iterator[Any]:
    """A 1280×800 page signed in as the demo provider (session made on the server)."""
    client = Client()
    client.force_login(get_user_model().objects.get(username="demo-provider"))
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="en-GB",
                                  timezone_id="Europe/London", accept_downloads=True)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                          "url": live_server.url}])
    page = context.new_page()
    page.on("pageerror", lambda exc: browser_problems.messages.append(f"JS error: {exc}"))
    page.on("console", lambda msg: msg.type == "error" and browser_problems.messages.append(
        f"console error: {msg.text}"))
    yield page
    context.close()


def overflow(page: Any) -> list[str]:
    """The page scrolls sideways: its content is wider than the window."""
    widths = page.evaluate("() => [document.documentElement.scrollWidth,"
                           " document.documentElement.clientWidth]")
    return [] if widths[0] <= widths[1] else [f"page overflows sideways: {widths}"]


def test_draft_upload_check_your_answers_submit(provider: Any, browser_problems: Any,
                                                screenshot_dir: Path, tmp_path: Path) -> None:
    page = provider
    problems: list[str] = []

    def check(name: str) -> None:
        screenshot(page, screenshot_dir, f"journey-provider-{name}")
        problems.extend(f"{name}: {p}" for p in overflow(page) + page_problems(page))

    # The returns the organisation owes: a draft for the quarter just ended, whose submission
    # is open, and the current quarter's, which says when it opens.
    page.goto("/monitoring/returns/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your organisation's returns")
    expect(page.get_by_text(re.compile(r"You can submit this return from \d"))
           .first).to_be_visible()
    check("my-returns")
    page.get_by_role("link", name=re.compile(
        r"^Continue the return for North Pennine")).first.click()
    expect(page.get_by_role("button", name="Continue", exact=True)).to_be_visible()
    ret = MonitoringReturn.objects.get(pk=int(re.search(r"/returns/(\d+)/", page.url)[1]))
    check("form")

    # Save a draft.
    starts = page.get_by_label(re.compile(r"^Treatment starts")).first
    page.get_by_role("button", name="Save as draft").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your draft was saved")
    check("draft-saved")

    # Upload the figures from the CSV template (as downloaded, with one figure changed).
    page.get_by_role("link", name="upload the figures from a CSV or Excel file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload figures from a file")
    check("upload")
    template = page.request.get(f"/monitoring/returns/{ret.pk}/template.csv").text()
    lines = template.lstrip("\ufeff").splitlines()
    rows = [lines[0]]
    for line in lines[1:]:  # the template as downloaded, its empty figures filled in
        code = line.split(",", 1)[0]
        figure = FIGURES.get(code)
        rows.append(re.sub(r",[^,]*$", f",{figure}", line) if figure else line)
    upload = tmp_path / "figures.csv"
    upload.write_text("\n".join(rows) + "\n", encoding="utf-8")
    page.locator("input[type=file]").set_input_files(str(upload))
    check("upload-chosen")
    page.get_by_role("button", name="Upload and save figures").click()
    expect(page.locator(".govuk-notification-banner")).to_be_visible()
    check("uploaded")

    # Check your answers, then submit.
    page.goto(f"/monitoring/returns/{ret.pk}/edit/")
    starts = page.get_by_label(re.compile(r"^Treatment starts")).first
    expect(starts).to_have_value("12")
    page.get_by_role("button", name="Continue", exact=True).click()
    if page.get_by_label("Why are these figures right?").count():  # unusual next to history
        check("form-warnings")
        page.get_by_label("Why are these figures right?").fill("A new wing opened this quarter.")
        page.get_by_role("button", name="Continue", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your figures before you submit them")
    expect(page.locator(".govuk-summary-list").first).to_contain_text("Treatment starts")
    change = page.get_by_role("link", name="Change Treatment starts")
    expect(change).to_have_attribute("href", re.compile(r"#id_figure-treatment-starts$"))
    check("check-answers")
    # "Change" goes back to the figure, nothing lost; Continue comes back here.
    change.click()
    expect(page.locator("#id_figure-treatment-starts")).to_have_value("12")
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your figures before you submit them")
    page.get_by_role("button", name="Submit return").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("was submitted")
    check("submitted")
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.SUBMITTED

    assert not problems, "\n".join(problems)
    assert not browser_problems.messages, "\n".join(browser_problems.messages)
