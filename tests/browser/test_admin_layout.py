"""The registry's admin change lists fit a 1280-pixel screen without sideways scrolling, with
the demo registry loaded; the agreement change page (with its lifecycle buttons) too.

Screenshots: test-artifacts/screenshots/admin-<model>.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.checks import screenshot

PAGES = ["organisation", "partnership", "membership", "leadresponsibility", "agreement",
         "funding", "reviewmeeting"]


@pytest.fixture
def admin_page(demo: Any, open_as: Any) -> Any:
    from accounts.models import User

    root = User.objects.create_superuser("layout-root", "root@example.org",
                                         "Layout-Check-Pass-Phrase")
    page = open_as(root)
    page.set_viewport_size({"width": 1280, "height": 800})
    return page


@pytest.mark.parametrize("model", PAGES)
def test_change_list_fits_1280_pixels(admin_page: Any, model: str, screenshot_dir: Path,
                                      live_server: Any) -> None:
    admin_page.goto(f"{live_server.url}/admin/partnerships/{model}/")
    assert admin_page.locator("#result_list tbody tr").count() > 0, "no demo rows to lay out"

    width = admin_page.evaluate("document.documentElement.scrollWidth")
    # The table scrolls inside its own box when it does not fit: that is sideways scrolling too.
    table = admin_page.evaluate(
        "(() => { const r = document.querySelector('#changelist .results');"
        " return [r.scrollWidth, r.clientWidth]; })()")
    screenshot(admin_page, screenshot_dir, f"admin-{model}")
    assert width <= 1280, f"the {model} change list is {width}px wide"
    assert table[0] <= table[1], f"the {model} table needs {table[0]}px and has {table[1]}px"


def test_agreement_change_page_fits_and_shows_its_buttons(admin_page: Any, screenshot_dir: Path,
                                                         live_server: Any) -> None:
    from partnerships.choices import AgreementStatus
    from partnerships.models import Agreement

    agreement = Agreement.objects.filter(status=AgreementStatus.ACTIVE).first()
    admin_page.goto(f"{live_server.url}/admin/partnerships/agreement/{agreement.pk}/change/")

    tools = admin_page.locator(".object-tools")
    assert tools.get_by_role("link", name="Record a review").count() == 1
    assert tools.get_by_role("link", name="End agreement").count() == 1
    width = admin_page.evaluate("document.documentElement.scrollWidth")
    screenshot(admin_page, screenshot_dir, "admin-agreement-change")
    assert width <= 1280, f"the agreement change page is {width}px wide"


def test_put_into_effect_form_shows_the_refusal_next_to_the_reason(
        admin_page: Any, screenshot_dir: Path, live_server: Any, browser_problems: Any) -> None:
    """The demo's agreement mid-renewal: one of three parties has signed version 2."""
    from partnerships.choices import AgreementStatus
    from partnerships.models import Agreement

    draft = Agreement.objects.get(status=AgreementStatus.DRAFT,
                                  title="Release handover service level agreement")
    admin_page.goto(f"{live_server.url}/admin/partnerships/agreement/{draft.pk}/change/")
    admin_page.locator(".object-tools").get_by_role("link", name="Put into effect").click()
    assert admin_page.locator("h1").inner_text() == f"Put into effect: {draft}"
    admin_page.get_by_label("Date it takes effect").fill("01/04/2025")
    admin_page.get_by_role("button", name="Put into effect").click()

    error = admin_page.locator(".form-row.errors.field-reason .errorlist")
    assert "Not every party has signed" in error.inner_text()
    screenshot(admin_page, screenshot_dir, "admin-agreement-put-into-effect-error")
    assert admin_page.evaluate("document.documentElement.scrollWidth") <= 1280
    draft.refresh_from_db()
    assert draft.status == AgreementStatus.DRAFT
    # The admin's calendar and autocomplete scripts run under our Content Security Policy.
    assert [m for m in browser_problems.messages if "favicon" not in m] == []
