"""No page-level sideways scroll at 1280 px (issue 16): each demo login signs in through the form
at 1280×800 and opens the pages it can reach: every link of the header and the service
navigation, and one page of each kind of object (partnership, organisation, service, dashboard,
metric, framework report, return, case, referral, conference). Wide tables scroll inside their
own container; the page itself never does."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import expect

from demo.data import DEMO_PASSWORD, DEMO_USERS
from tests.browser.conftest import DEFAULT_TIMEOUT_MS

VIEWPORT = {"width": 1280, "height": 800}
# The page's width beyond the window, and the widest elements responsible, for the message.
OVERFLOW = """() => {
  const root = document.documentElement;
  const over = root.scrollWidth - root.clientWidth;
  if (over <= 0) return null;
  const culprits = [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > root.clientWidth + 0.5)
    .slice(0, 5)
    .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
               + (el.className && typeof el.className === 'string'
                  ? '.' + el.className.trim().split(/\\s+/).join('.') : ''));
  return {over, culprits};
}"""

# A1 (issue 16, the monitoring grid) keeps the grid scrolling inside its own container; until
# that lands the dashboard may overflow. Listed here so the reconciliation can remove it.
EXPECTED_FIXED_BY_A1: set[str] = set()


def object_pages() -> list[str]:
    """One page of each kind of object in the demo (a login that may not open one gets a 403 or
    404, and that page is left out for it)."""
    from monitoring.models import Framework, Metric, MonitoringReturn
    from partnerships.models import Organisation, Partnership
    from referrals.models import Case, CaseConference, Referral
    from services.models import Service

    npp = Partnership.objects.get(slug="north-pennine-prisons-recovery-partnership")
    pages = [
        reverse("partnerships:detail", args=[npp.slug]),
        reverse("partnerships:reviews", args=[npp.slug]),
        reverse("partnerships:engagement", args=[npp.slug]),
        reverse("partnerships:compare") + "?p=" + npp.slug + "&p="
        + Partnership.objects.exclude(pk=npp.pk).order_by("pk").first().slug,
        reverse("partnerships:organisation",
                args=[Organisation.objects.filter(memberships__partnership=npp).first().slug]),
        reverse("services:detail", args=[Service.objects.order_by("pk").first().slug]),
        reverse("monitoring:dashboard", args=[npp.slug]),
        reverse("monitoring:metric", args=[npp.slug, Metric.objects.order_by("pk").first().code]),
    ]
    framework = Framework.objects.filter(requirements__partnership=npp).first()
    if framework:
        pages.append(reverse("monitoring:framework", args=[npp.slug, framework.pk]))
    # One return in each state (a login sees those of its organisation or that it reviews).
    for status in MonitoringReturn.objects.values_list("status", flat=True).distinct():
        ret = MonitoringReturn.objects.filter(status=status).order_by("pk").first()
        pages.append(reverse("monitoring:return", args=[ret.pk]))
    case = Case.objects.filter(status="open").order_by("pk").first()
    if case:
        pages.append(reverse("referrals:case", args=[case.reference]))
        conference = CaseConference.objects.filter(case=case).first()
        if conference:
            pages.append(reverse("referrals:conference", args=[case.reference, conference.pk]))
    pages += [reverse("referrals:referral", args=[r.reference])
              for r in Referral.objects.order_by("pk")]
    return pages


def sign_in(page: Any, username: str) -> None:
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def header_links(page: Any) -> list[str]:
    """The header's and the service navigation's links on this site (not the admin)."""
    hrefs = page.locator("header a[href]").evaluate_all("els => els.map(e => e.href)")
    paths = []
    for href in hrefs:
        path = urlsplit(href).path
        if path.startswith("/admin/") or path in paths:
            continue
        paths.append(path + (f"?{urlsplit(href).query}" if urlsplit(href).query else ""))
    return paths


@pytest.mark.parametrize("username", [user["username"] for user in DEMO_USERS])
def test_no_page_scrolls_sideways_at_1280(browser: Any, live_server: Any, demo: Any,
                                          username: str) -> None:
    assert get_user_model().objects.filter(username=username).exists()
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="en-GB",
                                  timezone_id="Europe/London")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    try:
        sign_in(page, username)
        # The check itself finds a page that is too wide (so a pass means something). Set
        # through the CSSOM: the CSP refuses inline style attributes.
        page.evaluate("() => { const wide = document.createElement('div');"
                      " wide.style.width = '2000px'; wide.textContent = 'wide';"
                      " document.body.append(wide); }")
        assert page.evaluate(OVERFLOW), "the overflow check did not see a 2000 px element"
        addresses = header_links(page) + object_pages()
        problems, seen = [], 0
        for address in dict.fromkeys(addresses):
            response = page.goto(address)
            if response is None or response.status in (403, 404):
                continue  # not a page this login can reach
            assert response.status == 200, f"{username}: {address} answered {response.status}"
            seen += 1
            overflow = page.evaluate(OVERFLOW)
            if overflow and urlsplit(address).path not in EXPECTED_FIXED_BY_A1:
                problems.append(f"{address}: {overflow['over']}px too wide "
                                f"(widest: {', '.join(overflow['culprits'])})")
        assert seen >= 5, f"{username} reached only {seen} pages"
        assert not problems, f"{username}, sideways scroll at 1280 px:\n" + "\n".join(problems)
    finally:
        context.close()
