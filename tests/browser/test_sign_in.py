"""Sign in and out in the browser, and the GOV.UK error summary for a wrong password."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.checks import focused


def test_sign_in_from_a_bookmarked_page(page, demo):
    page.goto("/")  # every page needs sign-in: the home page sends us to the sign-in form
    expect(page).to_have_url(re.compile(r"/sign-in/\?next=/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")

    page.get_by_label("Username").fill(demo.username)
    page.get_by_label("Password").fill(demo.password)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/$"))
    header = page.locator("header")
    expect(header).to_contain_text("Partnership Registry")
    expect(header).to_contain_text("Justice Services Commissioning Directorate")
    expect(header.get_by_role("navigation", name="Menu")).to_be_visible()
    expect(header.get_by_role("button", name="Sign out")).to_be_visible()


def test_wrong_password_shows_the_error_summary_linking_to_the_field(page, demo):
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(demo.username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("alert")).to_contain_text("There is a problem")
    link = summary.get_by_role("link", name=re.compile("Enter a correct username and password"))
    expect(link).to_have_attribute("href", "#id_username")
    # GOV.UK Frontend moves focus to the summary so screen readers announce it
    expect(summary).to_be_focused()
    link.click()
    assert focused(page)["id"] == "id_username"
    # nothing about the attempt signed us in
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in/"))


def test_empty_form_links_each_error_to_its_field(page, demo):
    page.goto("/sign-in/")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("link", name="Enter your username")).to_have_attribute(
        "href", "#id_username")
    expect(summary.get_by_role("link", name="Enter your password")).to_have_attribute(
        "href", "#id_password")
    expect(page.locator("#id_password-error")).to_contain_text("Enter your password")
    expect(page.get_by_label("Password")).to_have_attribute("aria-describedby",
                                                           re.compile("id_password-error"))


def test_sign_out(signed_in_page):
    page = signed_in_page
    page.goto("/")
    page.get_by_role("button", name="Sign out").click()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in/"))
