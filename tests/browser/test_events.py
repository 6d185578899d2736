"""Events reach their people, in a real browser on the demo (issue 15): a referral made by one
organisation appears in the receiving organisation's "Your work" and notifications; a return
sent back by the lead partner appears to the provider with the queried figure. Your work, the
notifications list and the notification settings are checked with axe-core (WCAG 2.2 AA), for
headings and title, and for a clean console; screenshots are taken at 1280×800."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from accounts.models import User
from core import clock
from demo.referrals import NORTHGATE, PATHWAYS, TURNING_TIDE
from monitoring import actions as m_actions
from monitoring.choices import MetricKind, ReturnStatus
from monitoring.models import MonitoringReturn, Query
from notifications.models import Notification
from referrals.choices import ReferralStatus
from referrals.models import Case, Referral
from services.models import Service
from tests.browser.checks import page_problems, screenshot

QUERY = "Well above every earlier quarter: please check it counts people, not appointments."



def person(username: str) -> User:
    return User.objects.get(username=username)


def fill_date(page: Any, legend: str, day: datetime.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def at_1280_by_800(page: Any) -> Any:
    page.set_viewport_size({"width": 1280, "height": 800})
    return page


def unread_badge(page: Any) -> Any:
    """The header's link to the notifications, which carries the unread count."""
    return page.locator("header").get_by_role("link", name=re.compile(r"[Nn]otification"))


def test_a_referral_reaches_the_receiving_organisations_work_and_notifications(
        eager_celery: None, demo: Any, open_as: Callable, browser_problems: Any,
        screenshot_dir: Any) -> None:
    problems: list[str] = []

    def check(page: Any, name: str) -> None:
        screenshot(page, screenshot_dir, f"events-{name}")
        problems.extend(f"{name}: {p}" for p in page_problems(page))

    manager, provider = person("demo-manager"), person("demo-provider")
    assert (manager.organisation.identifier, provider.organisation.identifier) == (
        NORTHGATE, TURNING_TIDE)
    women = Service.objects.get(provider=provider.organisation, name=PATHWAYS[0]["to"][1])
    waiting_before = Referral.objects.filter(to_service=women,
                                             status=ReferralStatus.SENT).count()
    today = clock.today()

    # Northgate's caseworker opens a case and refers it along the pathway to Turning Tide.
    referrer = at_1280_by_800(open_as(manager))
    referrer.goto("/casework/")
    referrer.get_by_role("button", name="Open a case").click()
    referrer.get_by_label("Partnership").select_option(
        label="North Pennine Prisons Recovery Partnership")
    referrer.get_by_label("Lead agency").select_option(label=manager.organisation.name)
    referrer.get_by_label("Order type").select_option(label="Licence")
    fill_date(referrer, "When does the order start?", today - datetime.timedelta(days=2))
    fill_date(referrer, "When does the order end?", today + datetime.timedelta(days=300))
    referrer.get_by_role("button", name="Open a case").click()
    expect(referrer.get_by_role("heading", level=1)).to_contain_text("C-")
    found = re.search(r"/casework/cases/([^/]+)/", referrer.url)
    assert found, referrer.url
    case = Case.objects.get(reference=found.group(1))
    referrer.get_by_role("button", name="Refer").click()
    referrer.get_by_label("Which service are you referring to?").select_option(
        value=str(women.pk))
    referrer.get_by_label("Why are you referring?").fill("Released on licence; needs her "
                                                        "treatment picked up near family.")
    referrer.get_by_label("Art 6(1)(e) public task").check()
    referrer.get_by_label("The person's consent to this referral is recorded").check()
    referrer.get_by_role("button", name="Refer").click()
    expect(referrer.locator(".govuk-notification-banner")).to_be_visible()
    referral = case.referrals.get()
    told = Notification.objects.filter(kind="referral_received", recipient=provider,
                                       url__contains=referral.reference)
    assert told.count() == 1
    assert not Notification.objects.filter(kind="referral_received", recipient=manager,
                                           url__contains=referral.reference).exists()

    # Turning Tide's caseworker signs in: home is Your work, and the referral is in it.
    receiver = at_1280_by_800(open_as(provider))
    receiver.goto("/")
    expect(receiver).to_have_url(re.compile(r"/your-work/$"))
    expect(receiver.get_by_role("heading", level=1)).to_have_text("Your work")
    decide = receiver.locator("[data-work=referrals-to-decide]")
    expect(decide.locator("[data-count]")).to_have_text(str(waiting_before + 1))
    expect(decide.get_by_role("link", name=re.compile(referral.reference))).to_be_visible()
    news = receiver.locator("[data-work=notifications]")
    expect(news).to_contain_text(f"Referral {referral.reference} received")
    expect(unread_badge(receiver).first).to_contain_text(
        str(Notification.objects.for_recipient(provider).unread().count()))
    check(receiver, "your-work-referral")

    # The notifications list names it by reference; opening it goes to the referral.
    receiver.goto("/notifications/")
    item = receiver.get_by_role("link", name=re.compile(
        rf"Referral {re.escape(referral.reference)} received"))
    expect(item).to_be_visible()
    check(receiver, "notifications-list")
    item.click()
    expect(receiver.get_by_role("heading", level=1)).to_contain_text(referral.reference)
    assert told.get().read_at is not None

    # The settings page, by area, for the same person.
    receiver.goto("/notifications/settings/")
    expect(receiver.get_by_role("heading", level=1)).to_be_visible()
    check(receiver, "notification-settings")

    assert not problems, "\n".join(problems)
    assert not browser_problems.messages, "\n".join(browser_problems.messages)


@pytest.mark.parametrize("username", ["demo-admin", "demo-commissioner", "demo-manager",
                                      "demo-partner", "demo-provider"])
def test_each_demo_login_signs_in_to_its_news_and_work(
        username: str, eager_celery: None, demo: Any, open_as: Callable,
        browser_problems: Any, screenshot_dir: Any) -> None:
    """What each demo login sees first, straight after ``load_demo``: the header's unread
    count, and Your work for anyone with something to act on (the commissioner keeps the
    registry search as home)."""
    user = person(username)
    unread = Notification.objects.for_recipient(user).unread().count()
    page = at_1280_by_800(open_as(user))
    page.goto("/")
    if username == "demo-commissioner":
        expect(page.get_by_role("heading", level=1)).to_have_text("Search the registry")
    else:
        expect(page).to_have_url(re.compile(r"/your-work/$"))
        expect(page.locator("[data-work]").first).to_be_visible()
    if username not in ("demo-admin", "demo-commissioner"):
        # No event reaches a platform admin; a commissioner hears only of returns still
        # missing eight weeks into a quarter (tests/demo/test_demo_notifications.py).
        assert unread > 0
    if unread:
        expect(unread_badge(page).first).to_contain_text(f"{unread} unread")
        expect(page.locator("[data-work=notifications]")).to_have_count(
            0 if username == "demo-commissioner" else 1)
    # The service navigation fits one row at 1280 px, Administration included for staff.
    rows = page.eval_on_selector_all(".govuk-service-navigation__item",
                                     "items => new Set(items.map(i => i.offsetTop)).size")
    assert rows == 1
    screenshot(page, screenshot_dir, f"events-first-sign-in-{username}")
    problems = page_problems(page)
    assert not problems, "\n".join(problems)
    assert not browser_problems.messages, "\n".join(browser_problems.messages)


def test_a_return_sent_back_reaches_the_provider_with_the_queried_figure(
        eager_celery: None, demo: Any, open_as: Callable, browser_problems: Any,
        screenshot_dir: Any) -> None:
    problems: list[str] = []

    def check(page: Any, name: str) -> None:
        screenshot(page, screenshot_dir, f"events-{name}")
        problems.extend(f"{name}: {p}" for p in page_problems(page))

    manager, provider = person("demo-manager"), person("demo-provider")
    # Turning Tide's draft for the latest quarter (demo/monitoring.py), finished and submitted
    # with the previous quarter's figures.
    draft = MonitoringReturn.objects.get(organisation=provider.organisation,
                                         partnership__slug="north-pennine-prisons-recovery-"
                                                           "partnership",
                                         status=ReturnStatus.DRAFT)
    previous = (MonitoringReturn.objects.filter(
        organisation=draft.organisation, partnership=draft.partnership,
        status=ReturnStatus.APPROVED).order_by("-period__starts_on").first())
    values = {v.metric.code: v.display.lower() if v.metric.kind == MetricKind.YES_NO
              else v.display for v in previous.values.select_related("metric")}
    draft = m_actions.return_save_values(monitoring_return=draft, values=values,
                                         expected_version=draft.version, by=provider)
    _, warnings = m_actions.return_check(draft)
    ret = m_actions.return_submit(monitoring_return=draft, by=provider,
                                  warning_note="Checked against the case list." if warnings
                                  else "")
    assert ret.status == ReturnStatus.SUBMITTED
    queried = next(v.metric for v in ret.values.select_related("metric").order_by("metric__pk"))

    # The lead partner's reviewer sends it back with a query on one figure.
    lead = at_1280_by_800(open_as(manager))
    lead.goto(f"/monitoring/returns/{ret.pk}/review/")
    lead.get_by_label(f"Comment on {queried.name}").fill(QUERY)
    lead.get_by_role("button", name="Return for correction").click()
    expect(lead.locator(".govuk-notification-banner")).to_contain_text("correction")
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.RETURNED
    assert Query.objects.filter(monitoring_return=ret).exists()
    sent_back = Notification.objects.filter(kind="return_sent_back", recipient=provider)
    assert sent_back.count() == 1

    # The provider's Your work puts it first, tagged, and the notification says so.
    provider_page = at_1280_by_800(open_as(provider))
    provider_page.goto("/your-work/")
    owed = provider_page.locator("[data-work=returns-to-submit]")
    row = owed.get_by_role("listitem").filter(has_text=ret.period.label).filter(
        has_text=ret.partnership.name)
    expect(row).to_contain_text("Returned for correction")
    news = provider_page.locator("[data-work=notifications]")
    expect(news).to_contain_text(f"Return sent back: {provider.organisation}")
    check(provider_page, "your-work-returned")

    # Following the notification opens the return, with the queried figure and its query.
    provider_page.goto("/notifications/")
    provider_page.get_by_role("link", name=re.compile(r"^Return sent back")).first.click()
    expect(provider_page.get_by_text(QUERY).first).to_be_visible()
    expect(provider_page.get_by_text(queried.name).first).to_be_visible()
    check(provider_page, "returned-return")
    assert sent_back.get().read_at is not None

    assert not problems, "\n".join(problems)
    assert not browser_problems.messages, "\n".join(browser_problems.messages)
