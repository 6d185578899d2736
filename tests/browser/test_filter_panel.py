"""The MOJ filter panel on the search and the service directory: open beside the results on a
wide screen (so the selected filters can be seen), closed behind "Show filter" on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

FILTERED = {
    "search": ("/?setting=custody", "Remove this filter: Custody"),
    "directory": ("/services/?category=substance-misuse", "Remove this filter: Substance misuse"),
}


@pytest.mark.parametrize("which", FILTERED)
def test_selected_filters_show_on_a_wide_screen(signed_in_page, which):
    """After applying a filter, a desktop user sees the tags of the filters in force beside the
    results without having to open the panel again (the MOJ "filter a list" pattern)."""
    page = signed_in_page
    url, tag = FILTERED[which]
    page.goto(url)
    expect(page.get_by_role("heading", name="Selected filters")).to_be_visible()
    expect(page.get_by_role("link", name=tag)).to_be_visible()
    toggle = page.get_by_role("button", name="Hide filter")
    if toggle.count():  # the show/hide button, when there is one, says the panel is open
        expect(toggle).to_have_attribute("aria-expanded", "true")


@pytest.mark.parametrize("which", FILTERED)
def test_filter_panel_opens_and_closes_on_a_phone(signed_in_page, which):
    page = signed_in_page
    page.set_viewport_size({"width": 375, "height": 800})
    url, tag = FILTERED[which]
    page.goto(url)
    show = page.get_by_role("button", name="Show filter")
    expect(show).to_be_visible()
    expect(show).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("link", name=tag)).to_be_hidden()

    show.click()
    expect(page.get_by_role("link", name=tag)).to_be_visible()
    expect(page.get_by_role("button", name="Hide filter")).to_have_attribute(
        "aria-expanded", "true")

    page.get_by_role("button", name="Close").click()
    expect(page.get_by_role("link", name=tag)).to_be_hidden()
    expect(show).to_be_focused()  # focus goes back where the user opened it
