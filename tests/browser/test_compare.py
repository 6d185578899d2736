"""Compare two partnerships side by side."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

PENNINE = "North Pennine Prisons Recovery Partnership"
HUB = "Marchshire Women's Centre Partnership"


def test_compare_two_partnerships(signed_in_page):
    page = signed_in_page
    page.goto("/")
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Compare", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare partnerships")

    page.get_by_label("Partnership 1").fill("north-pennine-prisons-recovery-partnership")
    page.get_by_label("Partnership 2").fill("Marchshire")  # part of a name is enough
    page.get_by_role("button", name="Compare").click()

    assert parse_qs(urlsplit(page.url).query)["p"][:2] == [
        "north-pennine-prisons-recovery-partnership", "Marchshire"]
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    expect(page.get_by_role("heading", name="Side by side", level=2)).to_be_visible()

    members = page.get_by_role("table", name=re.compile(r"^Members"))
    columns = members.locator("thead th").all_inner_texts()
    assert [c.strip() for c in columns] == [PENNINE, HUB]
    counts = members.get_by_role("row", name=re.compile("^Number of current members"))
    cells = [c.strip() for c in counts.get_by_role("cell").all_inner_texts()]
    assert cells[0].isdigit() and cells[1] == "2", cells  # the hub shrank to two agencies

    for section in ("Summary", "Lead agencies", "Services", "Agreements", "Funding"):
        expect(page.get_by_role("heading", name=section, level=3)).to_be_visible()
    summary = page.get_by_role("table", name=re.compile(r"^Summary"))
    expect(summary.get_by_role("row", name=re.compile("^Setting"))).to_contain_text("Community")


def test_compare_explains_an_ambiguous_name(signed_in_page):
    page = signed_in_page
    page.goto("/partnerships/compare/")
    page.get_by_label("Partnership 1").fill("Partnership")  # two names contain it
    page.get_by_label("Partnership 2").fill("Thornbury")
    page.get_by_role("button", name="Compare").click()

    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    link = summary.get_by_role("link", name=re.compile("More than one partnership matches"))
    expect(link).to_have_attribute("href", "#p-1")
    # each candidate is a link that completes the comparison
    page.get_by_role("link", name=re.compile(re.escape(HUB) + " as partnership 1")).click()
    expect(page.get_by_role("heading", name="Side by side")).to_be_visible()
    columns = page.get_by_role("table", name=re.compile(r"^Summary")).locator("thead th")
    expect(columns).to_have_text([HUB, "Thornbury Moor Storytelling Group"])
