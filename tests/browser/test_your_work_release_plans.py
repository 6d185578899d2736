"""Your work's "Release plans" section in a real browser: the prison team holding a person
whose release plan is due sees its missing pieces and opens the case from the row; the page
passes axe-core and runs without JavaScript errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from partnerships.choices import OrganisationKind
from referrals import actions
from tests.accounts.factories import ProviderStaffFactory
from tests.browser.checks import page_problems, screenshot
from tests.partnerships.factories import OrganisationFactory
from tests.referrals.factories import casework_setup, days, open_case


@pytest.fixture
def setup(live_server: Any, django_db_serialized_rollback: None) -> Any:
    return casework_setup()


def test_the_prison_team_sees_release_plans_to_complete_and_opens_the_case(
        setup: Any, open_as: Callable, browser_problems: Any, screenshot_dir: Any) -> None:
    s = setup
    prison = OrganisationFactory(name="HMP Northshire", kind=OrganisationKind.PRISON)
    staff = ProviderStaffFactory(organisation=prison)
    cases = []
    for n in range(2):
        case = open_case(s, initials="ZS", year_of_birth=1979)
        episode = actions.custody_episode_start(case=case, establishment=prison,
                                                received_on=days(-30), by=s.officer,
                                                expected_release_on=days(10 + 7 * n))
        cases.append(case)
    actions.release_plan_update(episode=episode, by=s.officer, community_provider=s.provider,
                                bridging_prescription=True)

    page = open_as(staff)
    page.goto("/your-work/")
    section = page.locator("[data-work='release-plans']")
    expect(section.get_by_role("heading", level=2)).to_contain_text("Release plans")
    expect(section.locator("[data-count]")).to_have_text("2")
    expect(section).to_contain_text("5 tasks: Choose the community treatment provider")
    expect(section).to_contain_text("2 tasks: Refer to the community provider")
    screenshot(page, screenshot_dir, "your-work-release-plans")
    problems = page_problems(page)

    section.get_by_role("link", name=f"Case {cases[0].reference}: expected release").click()
    expect(page).to_have_url(f"{page.url.split('/casework/')[0]}/casework/cases/"
                             f"{cases[0].reference}/")
    assert problems == [] and browser_problems.messages == []
