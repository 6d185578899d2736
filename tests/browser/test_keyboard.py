"""Keyboard only: sign in, search and open a result without a mouse; the skip link."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.checks import focused, tab_until

HUB = "Marchshire Women's Centre Partnership"


def test_sign_in_search_and_open_a_result_by_keyboard(page, demo):
    page.goto("/sign-in/")
    tab_until(page, lambda f: f["id"] == "id_username")
    page.keyboard.type(demo.username)
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "id_password"
    page.keyboard.type(demo.password)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Search the registry")
    tab_until(page, lambda f: f["id"] == "id_q")
    page.keyboard.type("Marchshire")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]q=Marchshire"))

    tab_until(page, lambda f: f["tag"] == "a" and f["text"] == HUB)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(HUB)


def test_filter_by_keyboard(signed_in_page):
    page = signed_in_page
    page.goto("/")
    if page.get_by_role("button", name="Show filter").is_visible():
        tab_until(page, lambda f: f["text"] == "Show filter")
        page.keyboard.press("Enter")
    tab_until(page, lambda f: f["type"] == "checkbox" and f["name"] == "setting"
              and f["value"] == "custody")
    page.keyboard.press("Space")
    # the panel's Apply button comes before its options (the MOJ filter layout)
    tab_until(page, lambda f: f["text"] == "Apply filters", backwards=True)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]setting=custody"))
    expect(page.get_by_role("link", name="Remove this filter: Custody")).to_be_visible()


def test_skip_link_goes_to_main_content(signed_in_page):
    page = signed_in_page
    page.goto("/")
    page.keyboard.press("Tab")
    first = focused(page)
    assert first["tag"] == "a" and first["href"] == "#main-content", first
    assert first["text"] == "Skip to main content"
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_visible()  # shown when it has focus
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main-content$"))
    now = focused(page)
    assert now["tag"] == "main" and now["id"] == "main-content", now
    # the next Tab goes into the page's content, not back to the header
    page.keyboard.press("Tab")
    inside = page.evaluate(
        "() => document.getElementById('main-content').contains(document.activeElement)")
    assert inside, focused(page)
