"""The commissioner's journey as a newcomer walks it (issue 16), at 1280×800: search the
registry, tick two partnerships, compare them, open one, open its monitoring dashboard. Every
step: no sideways scrolling of the page and axe-core clean."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from tests.browser.checks import axe_violations, format_violations

PENNINE = "North Pennine Prisons Recovery Partnership"


def assert_page_fits_and_is_accessible(page, step: str) -> None:
    overflow = page.evaluate("() => [document.documentElement.scrollWidth, "
                             "document.documentElement.clientWidth]")
    assert overflow[0] <= overflow[1], f"{step}: the page scrolls sideways {overflow}"
    violations = axe_violations(page)
    assert not violations, f"{step}:\n{format_violations(violations)}"


def test_commissioner_search_compare_partnership_dashboard(signed_in_page, browser_problems):
    page = signed_in_page
    page.set_viewport_size({"width": 1280, "height": 800})

    # 1. Search: all three kinds, each with its count; partnerships say why they matched.
    page.goto("/search/")
    page.get_by_label("Search partnerships, organisations and services").fill("recovery")
    page.get_by_role("button", name="Search", exact=True).click()
    kinds = page.get_by_role("navigation", name="Kinds of result")
    for kind in ("Partnerships", "Organisations", "Services"):
        expect(kinds.get_by_role("link", name=re.compile(rf"^{kind} \(\d+\)$"))).to_be_visible()
    expect(kinds.get_by_role("link", name=re.compile(r"^Partnerships"))).to_have_attribute(
        "aria-current", "page")
    table = page.get_by_role("table", name=re.compile("Partnerships found"))
    names = [n.strip() for n in table.locator("tbody tr th > a").all_inner_texts()]
    assert PENNINE in names and len(names) >= 2, names
    # A partnership found by a member's name says so, the word marked.
    expect(table.locator("tbody tr th mark").first).to_have_text(re.compile("recovery", re.I))
    assert_page_fits_and_is_accessible(page, "search")

    # The other kinds are a click away, with why each matched.
    kinds.get_by_role("link", name=re.compile(r"^Services")).click()
    expect(page.locator("#results")).to_have_text(re.compile(r"^\d+ services? matching"))
    assert_page_fits_and_is_accessible(page, "search: services")
    page.go_back()

    # 2. Tick two partnerships and compare them.
    other = next(name for name in names if name != PENNINE)
    page.get_by_label(f"Select {PENNINE} to compare").check()
    page.get_by_label(f"Select {other} to compare").check()
    page.get_by_role("button", name="Compare selected partnerships").click()

    expect(page).to_have_url(re.compile(r"/partnerships/compare/\?"))
    assert parse_qs(urlsplit(page.url).query)["from"] == ["search"]
    expect(page.get_by_role("heading", name="Side by side", level=2)).to_be_visible()
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    columns = page.get_by_role("table", name=re.compile(r"^Summary")).locator("thead th")
    expect(columns).to_have_text([name for name in names if name in (PENNINE, other)])
    assert_page_fits_and_is_accessible(page, "compare")

    # 3. Open one of them.
    columns.get_by_role("link", name=PENNINE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PENNINE)
    assert_page_fits_and_is_accessible(page, "partnership")

    # 4. Its monitoring dashboard, linked from the partnership page.
    page.get_by_role("link", name=re.compile(r"^(View m|M)onitoring dashboard")).first.click()
    expect(page).to_have_url(re.compile(r"/monitoring/partnerships/"
                                        r"north-pennine-prisons-recovery-partnership/$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_page_fits_and_is_accessible(page, "dashboard")

    assert not browser_problems.messages, browser_problems.messages


def test_ticking_one_partnership_explains_and_keeps_it(signed_in_page):
    page = signed_in_page
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/search/?q=recovery")
    page.get_by_label(f"Select {PENNINE} to compare").check()
    page.get_by_role("button", name="Compare selected partnerships").click()

    expect(page).to_have_title(re.compile(r"^Error: Compare partnerships"))
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("link", name="Select between 2 and 4 partnerships to compare")
           ).to_have_attribute("href", "#p-2")
    expect(page.get_by_label("Partnership 1", exact=True)).to_have_value(
        "north-pennine-prisons-recovery-partnership")
    assert_page_fits_and_is_accessible(page, "compare with one tick")
