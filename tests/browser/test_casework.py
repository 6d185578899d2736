"""A case's journey between two agencies in a real browser: probation staff open a case and
refer the person to a treatment provider; the provider accepts; the start-of-order conference is
recorded; the order ends while treatment continues, and both agencies see the end-of-order
notice. Every page is checked with axe-core and runs without JavaScript errors or CSP
violations; an uninvolved organisation's caseworker gets the same 404 as for a missing case."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from referrals.choices import ConferenceKind, ConferenceStatus, ReferralStatus
from referrals.models import Case, CaseAccess, EndOfOrderNotice
from tests.browser.checks import page_problems, screenshot
from tests.referrals.factories import casework_setup


@pytest.fixture
def setup(live_server: Any, django_db_serialized_rollback: None) -> Any:
    return casework_setup()


def fill_date(page: Any, legend: str, day: datetime.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_open_refer_accept_record_end_order_and_both_see_the_notice(
        setup: Any, open_as: Callable, browser_problems: Any, screenshot_dir: Any) -> None:
    s = setup
    problems: list[str] = []

    def check(page: Any, name: str) -> None:
        screenshot(page, screenshot_dir, f"casework-{name}")
        problems.extend(f"{name}: {p}" for p in page_problems(page))

    today = timezone.localdate()
    officer = open_as(s.officer)
    worker = open_as(s.worker)

    # Probation opens a case (a community order that started a month ago).
    officer.goto("/casework/")
    check(officer, "caseload-empty")
    officer.get_by_role("button", name="Open a case").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("Open a case")
    officer.get_by_label("Partnership").select_option(label=s.partnership.name)
    officer.get_by_label("Lead agency").select_option(label=s.probation.name)
    officer.get_by_label("Order type").select_option(label="Community order")
    fill_date(officer, "When does the order start?", today - datetime.timedelta(days=30))
    fill_date(officer, "When does the order end?", today + datetime.timedelta(days=335))
    officer.get_by_label("Initials (optional)").fill("JD")
    check(officer, "open-case-form")
    officer.get_by_role("button", name="Open a case").click()
    case = Case.objects.get(partnership=s.partnership)
    expect(officer.get_by_role("heading", level=1)).to_contain_text(case.reference)
    assert not re.search(r"\bJD\b", officer.url) and case.reference in officer.url
    # three three-way meetings planned at the start, middle and end of the order
    assert sorted(case.conferences.values_list("kind", flat=True)) == sorted(
        [ConferenceKind.START, ConferenceKind.MIDDLE, ConferenceKind.END])
    check(officer, "case-page")

    # ... and refers the person to the provider's treatment service.
    officer.get_by_role("button", name="Refer").click()
    officer.get_by_label("Which service are you referring to?").select_option(
        value=str(s.treatment.pk))
    officer.get_by_label("Why are you referring?").fill("Opiate use; needs structured "
                                                        "treatment.")
    officer.get_by_label("Art 6(1)(e) public task").check()
    officer.get_by_label("The person's consent to this referral is recorded").check()
    check(officer, "refer-form")
    officer.get_by_role("button", name="Refer").click()
    expect(officer.locator(".govuk-notification-banner")).to_be_visible()
    referral = case.referrals.get()
    assert (referral.status, referral.protocol) == (ReferralStatus.SENT, s.protocol)

    # The provider sees it in its inbox and accepts it; the case is now open to it.
    worker.goto("/casework/referrals/")
    expect(worker.get_by_role("heading", level=1)).to_have_text("Referrals")
    check(worker, "inbox")
    worker.get_by_role("button", name=re.compile(r"^Accept referral")).click()
    expect(worker.locator(".govuk-notification-banner")).to_be_visible()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    reads = CaseAccess.objects.filter(case=case).count()
    worker.goto(f"/casework/cases/{case.reference}/")
    expect(worker.get_by_role("heading", level=1)).to_contain_text(case.reference)
    assert CaseAccess.objects.filter(case=case).count() == reads + 1  # every read is logged

    # The start-of-order three-way meeting is recorded as held.
    start = case.conferences.get(kind=ConferenceKind.START)
    worker.goto(f"/casework/cases/{case.reference}/conferences/{start.pk}/")
    worker.get_by_label("Yes, it was held").check()
    fill_date(worker, "When was it held?", start.planned_on)
    worker.get_by_label("Outcome").fill("Treatment plan agreed; next review in a month.")
    worker.get_by_label("Offender manager attended").check()
    worker.get_by_label("Treatment worker attended").check()
    worker.get_by_label("The person attended").check()
    check(worker, "conference-form")
    worker.get_by_role("button", name="Record conference").click()
    expect(worker.locator(".govuk-notification-banner")).to_be_visible()
    start.refresh_from_db()
    assert start.status == ConferenceStatus.HELD

    # The order ends today while treatment continues: probation (the lead) records it.
    officer.goto(f"/casework/cases/{case.reference}/order/")
    fill_date(officer, "When does the order end?", today)
    officer.get_by_label("Treatment continues after the order ends").check()
    check(officer, "case-edit")
    officer.get_by_role("button", name="Save changes").click()
    expect(officer.locator(".govuk-notification-banner")).to_be_visible()
    notices = EndOfOrderNotice.objects.filter(case=case)
    assert set(notices.values_list("organisation", flat=True)) == {s.probation.pk, s.provider.pk}

    # Both agencies see the notice, naming who is responsible from now on, and acknowledge it.
    for name, page in (("officer", officer), ("worker", worker)):
        page.goto("/casework/notices/")
        expect(page.get_by_role("heading", level=1)).to_have_text("End-of-order notices")
        expect(page.get_by_text(case.reference).first).to_be_visible()
        expect(page.get_by_text(s.provider.name).first).to_be_visible()
        check(page, f"notices-{name}")
        page.get_by_role("button", name=re.compile(r"^Acknowledge")).click()
        expect(page.locator(".govuk-notification-banner")).to_be_visible()
    assert not notices.filter(acknowledged_at__isnull=True).exists()

    assert not problems, "\n".join(problems)
    assert not browser_problems.messages, "\n".join(browser_problems.messages)

    # An uninvolved organisation's caseworker gets the same answer as for no case at all (the
    # browser reports each 404 on the console, as it should).
    outsider = open_as(s.outsider)
    response = outsider.goto(f"/casework/cases/{case.reference}/")
    body = response.text()
    missing = outsider.goto("/casework/cases/C-XXXX-XXXX/")
    assert response.status == missing.status == 404
    assert "Opiate" not in body and s.probation.name not in body
    assert not CaseAccess.objects.filter(case=case, user=s.outsider).exists()


def test_close_shows_when_the_case_is_anonymised_and_the_lead_can_reopen_it(
        setup: Any, open_as: Callable, browser_problems: Any, screenshot_dir: Any) -> None:
    """Closing is confirmed on a page that says when the person's details will be removed and
    that the case can be reopened until then; the lead agency reopens it, saying why."""
    from referrals import actions
    from referrals.choices import CaseStatus
    from referrals.retention import anonymisation_due_on
    from tests.referrals.factories import open_case, send_referral

    s = setup
    problems: list[str] = []

    def check(page: Any, name: str) -> None:
        screenshot(page, screenshot_dir, f"casework-{name}")
        problems.extend(f"{name}: {p}" for p in page_problems(page))

    case = open_case(s)
    send_referral(s, case)
    due = anonymisation_due_on(case, timezone.localdate())
    officer = open_as(s.officer)
    officer.goto(f"/casework/cases/{case.reference}/")
    officer.get_by_role("link", name="Close the case").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("Close the case")
    expect(officer.locator("#anonymise-on")).to_contain_text(f"{due:%-d %B %Y}")
    check(officer, "case-close")
    officer.get_by_role("button", name="Close the case").click()
    expect(officer.locator(".govuk-notification-banner")).to_contain_text(
        f"will be removed on {due:%-d %B %Y}")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    check(officer, "case-closed")

    officer.get_by_role("button", name="Reopen the case").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("Reopen the case")
    officer.get_by_role("button", name="Reopen the case").click()  # no reason: an error
    expect(officer.locator(".govuk-error-summary")).to_contain_text(
        "Enter why you are reopening the case")
    check(officer, "case-reopen-error")
    officer.get_by_label("Why are you reopening the case?").fill("Closed by mistake.")
    officer.get_by_role("button", name="Reopen the case").click()
    expect(officer.locator(".govuk-notification-banner")).to_contain_text("was reopened")
    case.refresh_from_db()
    assert (case.status, case.closed_on) == (CaseStatus.OPEN, None)
    actions.case_close(case=case, by=s.officer)  # and it can be closed again

    assert not problems, "\n".join(problems)
    assert not browser_problems.messages, "\n".join(browser_problems.messages)
