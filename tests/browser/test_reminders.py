"""Quarterly reviews and their reminders in a real browser (issue 6).

1. A lead partner's partnership manager finds the partnership's overdue review, records it (an
   empty form first: the error summary links to every question), with one member organisation
   that sent no one; the next review is planned three months after the day it was held; the
   partner engagement report flags that organisation and marks the statutory agency, and its
   CSV downloads. A member organisation's staff then see the reviews read-only.
2. The review reminder sweep tells a member's staff of a review coming up: the header counts it,
   opening it leads to the reviews page and the count goes down. The same user creates a private
   calendar link, which serves an iCalendar feed naming the partnership without a session, and
   turns it off: the same link then answers 404.

Every page a user meets is checked with axe-core (WCAG 2.2 AA), for headings and title, and for
a clean console (no JavaScript errors or CSP violations), as in ``test_casework.py``.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from notifications.models import CalendarFeed, Notification
from partnerships.choices import ReviewStatus
from partnerships.models import ReviewAttendance, ReviewMeeting
from partnerships.reminders import REVIEW_DUE_SOON, sweep_reviews
from tests.browser.checks import page_problems, screenshot
from tests.browser.test_casework import fill_date
from tests.partnerships.review_factories import ReviewMeetingFactory, ReviewSetup, review_setup


@pytest.fixture
def setup(live_server: Any, django_db_serialized_rollback: None) -> ReviewSetup:
    """A partnership of a lead partner (with a partnership manager), a charity (with provider
    staff) and a probation service, committed so the live server's thread sees it."""
    return review_setup()



def three_months_after(day: datetime.date) -> datetime.date:
    """The same day of the month three months on (callers pick a day no later than the 28th,
    so no clamping is needed): worked out here rather than with the code under test."""
    months = day.year * 12 + day.month - 1 + 3
    return day.replace(year=months // 12, month=months % 12 + 1)


def govuk(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


def test_manager_records_an_overdue_review_and_a_member_sees_it_read_only(
        setup: ReviewSetup, open_as: Callable, browser_problems: Any,
        screenshot_dir: Any) -> None:
    s = setup
    problems: list[str] = []

    def check(page: Any, name: str) -> None:
        screenshot(page, screenshot_dir, f"reviews-{name}")
        problems.extend(f"{name}: {p}" for p in page_problems(page))

    today = timezone.localdate()
    planned = ReviewMeetingFactory(partnership=s.partnership,
                                   planned_on=today - datetime.timedelta(days=5))
    held_on = today - datetime.timedelta(days=3)
    if held_on.day > 28:  # keep "three months later" free of month-end clamping
        held_on = held_on.replace(day=28)
    manager = open_as(s.manager)

    # From the partnership's page to its reviews: the planned one is past its date.
    manager.goto(f"/partnerships/{s.partnership.slug}/")
    expect(manager.get_by_role("heading", level=1)).to_contain_text(s.partnership.name)
    manager.get_by_role("link", name=re.compile(r"^Quarterly reviews")).click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("Quarterly reviews")
    expect(manager.get_by_text("Overdue — not recorded")).to_be_visible()
    expect(manager.get_by_text("No review has been recorded as held yet.")).to_be_visible()
    check(manager, "overdue")

    # The record form, sent empty: every question is named in the error summary, each link
    # goes to an element on the page, and nothing is recorded.
    manager.get_by_role("link", name=re.compile(r"^Record the review")).click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("Record the review")
    check(manager, "record-form")
    held = manager.get_by_role("group", name="When was the review held?")
    for part in ("Day", "Month", "Year"):  # the planned date is suggested: clear it
        held.get_by_label(part).fill("")
    manager.get_by_role("button", name="Record the review").click()
    summary = manager.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert manager.title().startswith("Error: ")
    links = summary.get_by_role("link")
    texts = [t.strip() for t in links.all_inner_texts()]
    assert len(texts) == 1 + len(s.members), texts
    assert any("date the review was held" in t for t in texts), texts
    for org in s.members:
        assert f"Select whether {org.name} attended" in texts, texts
    for href in (links.nth(i).get_attribute("href") for i in range(links.count())):
        assert href and href.startswith("#"), href
        assert manager.locator(href).count() == 1, f"error link {href} leads nowhere"
    # GOV.UK Frontend moves the focus to the question an error link names.
    summary.get_by_role("link", name=f"Select whether {s.charity.name} attended").click()
    expect(manager.get_by_role("group", name=s.charity.name, exact=True).get_by_label(
        "Attended", exact=True)).to_be_focused()
    check(manager, "record-form-errors")
    planned.refresh_from_db()
    assert planned.status == ReviewStatus.PLANNED
    assert not ReviewAttendance.objects.exists()

    # Filled in: the charity sent no one; the lead partner and the probation service came.
    fill_date(manager, "When was the review held?", held_on)
    for org, answer in ((s.lead, "Attended"), (s.charity, "Sent no one"),
                        (s.statutory, "Attended")):
        manager.get_by_role("group", name=org.name, exact=True).get_by_label(
            answer, exact=True).check()
    manager.get_by_label("Notes").fill("Reviewed the referral pathways between the members.")
    manager.get_by_role("button", name="Record the review").click()

    # Back on the reviews page: the review held, and the next one three months on.
    expect(manager.get_by_role("heading", level=1)).to_have_text("Quarterly reviews")
    expect(manager.locator(".govuk-notification-banner")).to_contain_text(
        f"recorded as held on {govuk(held_on)}")
    expect(manager.get_by_role("cell", name="2 of 3 organisations attended")).to_be_visible()
    expect(manager.get_by_role("cell", name=govuk(held_on), exact=True)).to_be_visible()
    next_on = three_months_after(held_on)
    next_review = manager.locator(".govuk-summary-list").first
    expect(next_review).to_contain_text(govuk(next_on))
    expect(next_review).to_contain_text("Planned")
    expect(manager.get_by_text("Overdue — not recorded")).to_have_count(0)
    check(manager, "recorded")
    planned.refresh_from_db()
    assert (planned.status, planned.held_on) == (ReviewStatus.HELD, held_on)
    assert ReviewMeeting.objects.filter(partnership=s.partnership, status=ReviewStatus.PLANNED,
                                        planned_on=next_on).count() == 1

    # The held review's own page.
    manager.get_by_role("link", name=f"View the review held on {govuk(held_on)}").click()
    expect(manager.get_by_role("heading", level=1)).to_have_text(
        f"Review held on {govuk(held_on)}")
    expect(manager.get_by_role("row", name=re.compile(s.charity.name))).to_contain_text(
        "Sent no one")
    check(manager, "held-review")

    # The partner engagement report: the charity flagged (listed first), probation marked.
    manager.get_by_role("link", name="Back to the reviews").click()
    manager.get_by_role("link", name="Partner engagement report").click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("Partner engagement")
    expect(manager.get_by_text("1 organisation sent no one to any review")).to_be_visible()
    rows = manager.locator("table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first.get_by_role("rowheader")).to_contain_text(s.charity.name)
    expect(rows.first.get_by_role("rowheader")).to_contain_text("Sent no one")
    statutory = manager.get_by_role("row", name=re.compile(s.statutory.name))
    expect(statutory.get_by_role("rowheader")).to_contain_text("Statutory")
    expect(statutory.get_by_role("rowheader")).not_to_contain_text("Sent no one")
    lead = manager.get_by_role("row", name=re.compile(s.lead.name))
    expect(lead.get_by_role("rowheader")).not_to_contain_text("Statutory")
    check(manager, "engagement")

    # ... and its CSV download (the link's href, fetched with the manager's session).
    href = manager.get_by_role("link", name="Download this report (CSV)").get_attribute("href")
    response = manager.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers.get("content-disposition", "")
    csv_text = response.text()
    for org in s.members:
        assert org.name in csv_text, csv_text

    # A member organisation's staff see the reviews, but cannot record or plan them.
    member = open_as(s.member_staff)
    member.goto(f"/partnerships/{s.partnership.slug}/reviews/")
    expect(member.get_by_role("heading", level=1)).to_have_text("Quarterly reviews")
    expect(member.get_by_role("cell", name="2 of 3 organisations attended")).to_be_visible()
    expect(member.locator("main")).to_contain_text(govuk(next_on))
    expect(member.get_by_role("link", name=re.compile(r"^Record the review"))).to_have_count(0)
    expect(member.get_by_role("link", name=re.compile(r"^Move the review"))).to_have_count(0)
    expect(member.get_by_role("button")).to_have_text(["Sign out"])  # no form to plan one
    check(member, "member-read-only")

    assert not problems, "\n".join(problems)
    assert not browser_problems.messages, "\n".join(browser_problems.messages)

    # Going to the record form directly is refused with the reason (the browser logs the 403
    # on the console, as it should, hence after the console check).
    upcoming = ReviewMeeting.objects.get(partnership=s.partnership, status=ReviewStatus.PLANNED)
    response = member.goto(f"/partnerships/{s.partnership.slug}/reviews/{upcoming.pk}/record/")
    assert response.status == 403
    expect(member.get_by_role("heading", level=1)).to_have_text("You cannot record this review")
    assert not page_problems(member)


def test_a_member_is_reminded_opens_the_reminder_and_uses_a_calendar_link(
        setup: ReviewSetup, eager_celery: None, open_as: Callable, browser_problems: Any,
        screenshot_dir: Any, live_server: Any) -> None:
    s = setup
    problems: list[str] = []

    def check(page: Any, name: str) -> None:
        screenshot(page, screenshot_dir, f"reminders-{name}")
        problems.extend(f"{name}: {p}" for p in page_problems(page))

    today = timezone.localdate()
    meeting = ReviewMeetingFactory(partnership=s.partnership,
                                   planned_on=today + datetime.timedelta(days=7))
    # Every member organisation's people (the lead's manager and the charity's staff; the
    # probation service has no users here) are told, once.
    assert sweep_reviews(today)[REVIEW_DUE_SOON] == 2
    assert sweep_reviews(today)[REVIEW_DUE_SOON] == 0
    reminder = Notification.objects.get(recipient=s.member_staff)

    member = open_as(s.member_staff)
    member.goto("/")
    header = member.locator("header")
    expect(header.get_by_role("link", name=re.compile(r"^Notifications"))).to_contain_text(
        "1 unread")
    header.get_by_role("link", name=re.compile(r"^Notifications")).click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Notifications")
    item = member.get_by_role("link", name=reminder.subject)
    expect(item).to_be_visible()
    assert s.partnership.name in reminder.subject and govuk(meeting.planned_on) in reminder.subject
    expect(member.get_by_text("Unread", exact=True)).to_have_count(1)
    check(member, "notifications-unread")

    # Opening it leads to the partnership's reviews, and it is read.
    item.click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Quarterly reviews")
    assert member.url.endswith(f"/partnerships/{s.partnership.slug}/reviews/")
    expect(member.locator("main")).to_contain_text(govuk(meeting.planned_on))
    expect(header.get_by_role("link", name=re.compile(r"^Notifications"))).to_contain_text(
        "0 unread")
    reminder.refresh_from_db()
    assert reminder.read_at is not None
    check(member, "reviews-from-reminder")

    # Notification settings: create a calendar link, shown this once.
    member.goto("/notifications/")
    expect(member.get_by_text("Unread", exact=True)).to_have_count(0)
    member.get_by_role("link", name="Choose which ones you get by email").click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Notification settings")
    expect(member.get_by_text("You do not have a calendar link.")).to_be_visible()
    check(member, "settings-no-calendar")
    member.get_by_role("button", name="Create a calendar link").click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Your calendar link")
    feed_url = member.get_by_label("Calendar link").input_value()
    check(member, "calendar-created")
    token = re.fullmatch(r".*/calendar/([A-Za-z0-9_-]+)\.ics", feed_url)
    assert token, feed_url
    assert token.group(1) not in str(list(CalendarFeed.objects.values_list()))  # only a hash
    # The link is absolute for the site's own address; ask the live server for its path, as a
    # calendar program would (the page's request context, no session needed).
    feed_path = urlsplit(feed_url).path
    feed = member.request.get(live_server.url + feed_path)
    assert feed.status == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    ics = feed.text().replace("\r\n ", "")  # unfold long lines (RFC 5545)
    assert ics.startswith("BEGIN:VCALENDAR")
    assert s.partnership.name in ics
    assert f"DTSTART;VALUE=DATE:{meeting.planned_on:%Y%m%d}" in ics

    # Back to the settings: the link exists; turned off, the same URL is not found.
    member.get_by_role("link", name="Back to notification settings").click()
    expect(member.get_by_text("You have a calendar link created on")).to_be_visible()
    check(member, "settings-calendar")
    member.get_by_role("button", name="Turn off the link").click()
    expect(member.locator(".govuk-notification-banner")).to_contain_text(
        "Your calendar link is turned off")
    expect(member.get_by_role("button", name="Create a calendar link")).to_be_visible()
    check(member, "settings-calendar-off")
    gone = member.request.get(live_server.url + feed_path)
    assert gone.status == 404
    assert "VCALENDAR" not in gone.text()

    assert not problems, "\n".join(problems)
    assert not browser_problems.messages, "\n".join(browser_problems.messages)
