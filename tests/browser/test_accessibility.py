"""Every page, in each state a user meets: axe-core finds no WCAG 2.2 AA violations, there is
exactly one h1, heading levels never skip, the title ends "– Partnership Registry", and the page
runs without JavaScript errors or CSP violations. A screenshot of each is saved under
test-artifacts/screenshots/ for review."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.browser.checks import page_problems, screenshot
from tests.partnerships.factories import PartnershipFactory
from tests.services.factories import ServiceFactory

PENNINE = "north-pennine-prisons-recovery-partnership"
HUB = "marchshire-womens-centre-partnership"


def _wrong_password(page: Any, demo: Any) -> None:
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(demo.username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def _many_partnerships() -> None:
    PartnershipFactory.create_batch(60)  # with the demo's five: three pages of 25


def _many_services() -> None:
    ServiceFactory.create_batch(40)  # with the demo's running ones: three pages of 25


def _custody_releases() -> None:
    """Releases from the demo's prisons on Pennine cases over the last two years, one of each
    outcome, written as rows (the demo records no custody): the continuity report's table and
    chart have figures to show."""
    from partnerships.choices import OrganisationKind
    from partnerships.models import Organisation, Partnership
    from referrals.models import CustodyEpisode, ReleasePlan
    from tests.referrals.factories import CaseFactory, PersonFactory, days

    pennine = Partnership.objects.get(slug=PENNINE)
    prisons = list(Organisation.objects.filter(kind=OrganisationKind.PRISON)[:2])
    provider = Organisation.objects.exclude(kind=OrganisationKind.PRISON).first()
    for n in range(16):
        released = days(-10 - 41 * n)
        attended = released + datetime.timedelta(days=(3, 21, 30, 9)[n % 4])
        episode = CustodyEpisode.objects.create(
            case=CaseFactory(partnership=pennine, person=PersonFactory(initials="ZS")),
            establishment=prisons[n % 2], received_on=released - datetime.timedelta(days=200),
            released_on=released, attended_on=None if n % 5 == 3 else attended,
            did_not_attend=n % 5 == 3)
        if n % 3:
            ReleasePlan.objects.create(episode=episode, community_provider=provider,
                                       appointment_on=released)


@dataclass(frozen=True)
class Screen:
    name: str  # also the screenshot's file name
    url: str = ""
    signed_in: bool = True
    reach: Callable[[Any, Any], None] | None = None  # for a state a URL alone cannot give
    setup: Callable[[], None] | None = None  # more data than the demo has
    status: int = 200  # what the page answers (the error pages answer their error)

    def __str__(self) -> str:
        return self.name


SCREENS = [
    Screen("sign-in", "/sign-in/", signed_in=False),
    Screen("sign-in-error", signed_in=False, reach=_wrong_password),
    Screen("search-home", "/"),
    Screen("search-results", "/?q=recovery&setting=custody"),
    Screen("search-empty", "/?q=zebra+crossing+quilting&region=wales"),
    Screen("search-error", "/?status=no-such-status&q=" + "x" * 250),
    Screen("search-page-2", "/?page=2", setup=_many_partnerships),
    Screen("search-page-out-of-range", "/?page=99"),
    Screen("partnership", f"/partnerships/{HUB}/"),
    Screen("partnership-multi-site", f"/partnerships/{PENNINE}/"),
    Screen("organisation", "/organisations/northgate-recovery-trust/"),
    Screen("organisation-group", "/organisations/northgate-group/"),
    Screen("compare-empty", "/partnerships/compare/"),
    Screen("compare-error", "/partnerships/compare/?p=Partnership&p=Thornbury&p=&p="),
    Screen("compare-results", f"/partnerships/compare/?p={PENNINE}&p={HUB}&p=&p="),
    Screen("service-directory", "/services/"),
    Screen("service-directory-filtered", "/services/?category=substance-misuse&co_located=on"),
    Screen("service-directory-empty", "/services/?q=zebra+crossing+quilting"),
    Screen("service-directory-error", "/services/?category=no-such-category"),
    Screen("service-directory-page-2", "/services/?page=2", setup=_many_services),
    Screen("service", "/services/womens-substance-use-treatment-turning-tide-recovery/"),
    Screen("continuity_report", f"/partnerships/{PENNINE}/continuity/",
           setup=_custody_releases),
    Screen("continuity-report-empty", f"/partnerships/{HUB}/continuity/"),
    Screen("continuity-report-error", f"/partnerships/{PENNINE}/continuity/?prison=hmp-nowhere"),
    Screen("api-tokens", "/account/api-tokens/"),
    Screen("api-token-new", "/account/api-tokens/new/"),
    Screen("bad-request", "/services/?q=a%00b", status=400),
    Screen("not-found", "/no-such-page/", status=404),
]


@pytest.mark.parametrize("screen", SCREENS, ids=str)
def test_page_is_accessible(screen, request, page, demo, browser_problems, screenshot_dir):
    if screen.setup is not None:
        screen.setup()
    if screen.signed_in:
        request.getfixturevalue("signed_in_page")
    if screen.reach is not None:
        screen.reach(page, demo)
    else:
        response = page.goto(screen.url)
        assert response is not None and response.status == screen.status, (
            f"{screen.url} answered {response.status if response else 'nothing'}")

    screenshot(page, screenshot_dir, screen.name)
    # An error page's own status is logged by the browser as a failed load: that one is meant.
    own_status = (f"console error: Failed to load resource: the server responded with a status "
                  f"of {screen.status} ")
    problems = page_problems(page) + [
        message for message in browser_problems.messages
        if screen.status == 200 or not message.startswith(own_status)]
    assert not problems, f"{screen.name} ({page.url}):\n" + "\n".join(
        f"- {p}" for p in problems)
