"""The commissioner's monitoring grid at 1280×800 (issue 16): the newest quarter is in view
without scrolling, the page never scrolls sideways, the grid scrolls inside its own keyboard-
focusable container with the organisation column fixed, earlier quarters are a link away, and
the page is axe-clean throughout."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.browser.checks import page_problems, screenshot

DASHBOARD = "/monitoring/partnerships/north-pennine-prisons-recovery-partnership/"
VIEWPORT = {"width": 1280, "height": 800}

PAGE_FITS = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def header_box(page: Any, index: int) -> dict[str, float]:
    """The grid's ``index``-th column header's box in the viewport (0: the organisation)."""
    return page.locator("table[data-grid] thead th").nth(index).evaluate(
        "th => { const r = th.getBoundingClientRect();"
        " return {left: r.left, right: r.right, top: r.top}; }")


def assert_in_view(page: Any, box: dict[str, float]) -> None:
    width = page.evaluate("() => document.documentElement.clientWidth")
    assert box["left"] >= 0 and box["right"] <= width, (box, width)


def test_grid_fits_shows_the_newest_quarter_and_keeps_organisations_in_view(
        signed_in_page: Any, browser_problems: Any, screenshot_dir: Any) -> None:
    page = signed_in_page
    page.set_viewport_size(VIEWPORT)
    page.goto(DASHBOARD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Monitoring dashboard")
    grid = page.locator("table[data-grid]")
    expect(grid).to_be_visible()
    screenshot(page, screenshot_dir, "monitoring-grid-1280")

    # The newest period's column comes first after the organisation's, and is in view
    # without any scrolling, sideways or down.
    from monitoring.reports import default_periods

    newest = default_periods(count=1)[-1]
    newest_header = page.locator("table[data-grid] thead th").nth(1)
    expect(newest_header).to_contain_text(newest.label)
    assert page.evaluate("() => window.scrollX") == 0
    grid.scroll_into_view_if_needed()
    assert_in_view(page, header_box(page, 1))

    # No page-level sideways scroll.
    assert page.evaluate(PAGE_FITS), "the dashboard scrolls sideways at 1280 px"
    problems = [f"dashboard: {p}" for p in page_problems(page)]

    # Every quarter: the grid is wider than the page, so it scrolls inside its own region
    # (reached and scrolled by keyboard), and the organisation column stays put.
    page.get_by_role("link", name=re.compile(r"^Show all \d+ quarters$")).click()
    expect(page).to_have_url(re.compile(r"[?&]periods=\d+#returns$"))
    expect(page.locator("table[data-grid] thead th").nth(1)).to_contain_text(newest.label)
    assert page.evaluate(PAGE_FITS), "every quarter makes the page scroll sideways"
    region = page.get_by_role("region", name=re.compile(r"^Returns by organisation"))
    expect(region).to_have_attribute("tabindex", "0")
    assert region.evaluate("el => el.scrollWidth > el.clientWidth"), \
        "the demo should have enough quarters to need the grid to scroll"
    organisation = page.locator("table[data-grid] tbody th").first
    region.evaluate("el => el.scrollIntoView({block: 'start', inline: 'nearest'})")
    before = organisation.bounding_box()
    region.focus()
    for _ in range(5):  # keyboard users scroll the focused region with the arrow keys
        page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "() => document.querySelector('.registry-table-wrapper').scrollLeft > 0")
    region.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    after = organisation.bounding_box()
    assert after is not None and before is not None
    assert abs(after["x"] - before["x"]) < 1, (before, after)
    assert_in_view(page, {"left": after["x"], "right": after["x"] + after["width"], "top": 0})
    # The organisation cell is what is seen there, not the cells scrolled beneath it.
    hit = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('th, td').tagName",
        [after["x"] + after["width"] / 2, after["y"] + after["height"] / 2])
    assert hit == "TH"
    screenshot(page, screenshot_dir, "monitoring-grid-all-scrolled")
    problems += [f"dashboard, every quarter: {p}" for p in page_problems(page)]

    # And back to the latest four.
    page.get_by_role("link", name="Show only the latest 4 quarters").click()
    expect(page.locator("table[data-grid] thead th")).to_have_count(1 + 4 + 2)

    assert not problems, "\n".join(problems)
    assert not browser_problems.messages, browser_problems.messages
