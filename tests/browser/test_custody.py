"""Through the gate in a real browser (issue 18): a prison caseworker records the person's
reception, sees the release plan's missing pieces as tasks, fills the plan and records the
release; the community provider records the first appointment, and the case page shows the
person engaged within 21 days. The case page and the forms are checked with axe-core and run
without JavaScript errors or CSP violations."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from partnerships.choices import MemberRole, OrganisationKind
from referrals.models import CustodyEpisode, ReleasePlan
from tests.accounts.factories import ProviderStaffFactory
from tests.browser.checks import page_problems, screenshot
from tests.browser.test_casework import fill_date
from tests.partnerships.factories import MembershipFactory, OrganisationFactory
from tests.referrals.factories import PathwayFactory, casework_setup, open_case, send_referral
from tests.services.factories import ServiceFactory, category


@pytest.fixture
def setup(live_server: Any, django_db_serialized_rollback: None) -> Any:
    """The casework partnership with a prison in it: its drug and alcohol recovery team leads
    a case and has referred the person to the community treatment provider, under the
    partnership's sharing protocol."""
    s = casework_setup()
    prison = OrganisationFactory(name="HMP Northshire", kind=OrganisationKind.PRISON)
    MembershipFactory(partnership=s.partnership, organisation=prison,
                      role=MemberRole.STATUTORY_PARTNER)
    s.protocol.parties.add(prison)
    team = ServiceFactory(name="Drug and alcohol recovery team", provider=prison,
                          partnership=s.partnership, categories=[category("substance-misuse")])
    pathway = PathwayFactory(partnership=s.partnership, name="Prison to community treatment",
                             from_service=team, to_service=s.treatment, agreement=s.agreement)
    prison_worker = ProviderStaffFactory(organisation=prison)
    area = OrganisationFactory(name="Northshire County Council",
                               kind=OrganisationKind.LOCAL_AUTHORITY)
    case = open_case(s, lead_organisation=prison, by=prison_worker, initials="ZS")
    referral = send_referral(s, case, by=prison_worker, from_service=team, pathway=pathway)
    return s, prison, prison_worker, area, case, referral


def test_reception_plan_release_and_first_appointment(
        setup: Any, open_as: Callable, browser_problems: Any, screenshot_dir: Any) -> None:
    s, prison, prison_worker, area, case, referral = setup
    problems: list[str] = []
    today = timezone.localdate()
    released_on = today - datetime.timedelta(days=5)

    def check(page: Any, name: str) -> None:
        page.set_viewport_size({"width": 1280, "height": 800})
        screenshot(page, screenshot_dir, f"custody_{name}")
        problems.extend(f"{name}: {p}" for p in page_problems(page))

    officer = open_as(prison_worker)
    officer.goto(f"/casework/cases/{case.reference}/")
    expect(officer.get_by_text("No custody recorded on this case.")).to_be_visible()

    # The prison team records the reception: release on licence expected in 30 days.
    officer.get_by_role("button", name="Record reception into custody").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("Record reception into custody")
    officer.get_by_role("button", name="Record reception").click()  # nothing chosen: errors
    summary = officer.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select the prison")
    expect(summary.get_by_role("link", name="Enter the date of reception")).to_have_attribute(
        "href", "#id_received_on")
    check(officer, "reception_errors")
    officer.get_by_label("Prison", exact=True).select_option(label="HMP Northshire")
    fill_date(officer, "When was the person received into custody?",
              today - datetime.timedelta(days=60))
    fill_date(officer, "Expected release date (optional)", today + datetime.timedelta(days=30))
    officer.get_by_label("Release on licence").check()
    officer.get_by_role("group", name="Is the person in treatment for substance misuse in "
                                       "custody?").get_by_label("Yes").check()
    check(officer, "reception_form")
    officer.get_by_role("button", name="Record reception").click()
    expect(officer.locator(".govuk-notification-banner")).to_contain_text(
        "Reception into HMP Northshire")
    episode = CustodyEpisode.objects.get(case=case)

    # The plan is due (12 weeks before the release): its pieces are tasks for the prison team.
    tasks = officer.locator("#release-plan-tasks")
    expect(tasks).to_contain_text("Choose the community treatment provider")
    expect(tasks).to_contain_text("Prison team: HMP Northshire")
    check(officer, "case_page_tasks")

    officer.get_by_role("button", name="Start the release plan").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("Start the release plan")
    officer.get_by_label("Community treatment provider").select_option(label=s.provider.name)
    officer.get_by_label("Referral to the community provider").select_option(
        value=str(referral.pk))
    fill_date(officer, "Date of the first community appointment", released_on)
    officer.get_by_label("Time (optional)").fill("10:30")
    officer.get_by_label("Where is it?").fill("Northshire Recovery Hub")
    officer.get_by_label("Who is it with?").fill("Recovery worker")
    officer.get_by_role("group", name="Is a bridging prescription given?").get_by_label(
        "Yes").check()
    officer.get_by_role("group", name="Was naloxone offered?").get_by_label("Yes").check()
    check(officer, "plan_form")
    officer.get_by_role("button", name="Save the release plan").click()
    expect(officer.locator(".govuk-notification-banner")).to_contain_text(
        "The release plan of case")
    expect(officer.get_by_text("Everything in the release plan is arranged.")).to_be_visible()
    plan = ReleasePlan.objects.get(episode=episode)
    assert (plan.community_provider, plan.referral, plan.naloxone_offered) == (
        s.provider, referral, True)

    # The release, five days ago, to the local authority of the release address.
    officer.get_by_role("link", name="Record the release").click()
    fill_date(officer, "Date of release", released_on)
    officer.get_by_label("Local authority of the release address").select_option(
        label=area.name)
    officer.get_by_role("button", name="Record the release").click()
    expect(officer.locator(".govuk-notification-banner")).to_contain_text(
        f"{s.provider.name} now leads the case")
    expect(officer.get_by_text("Day 5 of 21", exact=True)).to_be_visible()

    # The community provider records the first appointment, attended today.
    worker = open_as(s.worker)
    worker.goto(f"/casework/cases/{case.reference}/")
    worker.get_by_role("link", name="Record the first appointment").click()
    expect(worker.get_by_role("heading", level=1)).to_have_text(
        "Record the first community appointment")
    worker.get_by_label("Yes, they attended").check()
    fill_date(worker, "If they attended, on what date?", today)
    check(worker, "first_appointment_form")
    worker.get_by_role("button", name="Record the appointment").click()
    expect(worker.locator(".govuk-notification-banner")).to_contain_text(
        "engaged within 21 days (day 5)")
    expect(worker.get_by_text("Engaged within 21 days (day 5)", exact=True)).to_be_visible()
    check(worker, "case_page")
    episode.refresh_from_db()
    assert (episode.released_on, episode.attended_on) == (released_on, today)

    assert not problems, "\n".join(problems)
    assert not browser_problems.messages, "\n".join(browser_problems.messages)
