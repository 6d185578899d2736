"""The service directory: filter, CSV export with the same filters, a service's page."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from tests.browser.checks import count_in, download_link, open_filter_panel, read_csv

TREATMENT = "Women's substance use treatment"


def services_count(page) -> int:
    return count_in(page.locator("#results-count").inner_text())


def service_names(page) -> list[str]:
    table = page.get_by_role("table", name=re.compile("^Services"))
    return [link.strip() for link in table.locator("tbody tr th a").all_inner_texts()]


def apply_category(page, category: str) -> None:
    open_filter_panel(page)
    page.get_by_role("group", name="Category").get_by_label(category, exact=True).check()
    page.get_by_role("button", name="Apply filters").first.click()
    expect(page).to_have_url(re.compile(r"[?&]category="))


def test_filter_the_directory(signed_in_page):
    page = signed_in_page
    page.goto("/")
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Service directory").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Service directory")
    everything = services_count(page)

    apply_category(page, "Substance misuse")
    assert parse_qs(urlsplit(page.url).query).get("category") == ["substance-misuse"]
    open_filter_panel(page)
    expect(page.get_by_role("link", name="Remove this filter: Substance misuse")).to_be_visible()
    narrowed = services_count(page)
    assert 0 < narrowed < everything
    names = service_names(page)
    assert len(names) == narrowed
    assert TREATMENT in names


def test_export_the_directory_as_csv(signed_in_page):
    page = signed_in_page
    page.goto("/services/")
    apply_category(page, "Substance misuse")
    shown = services_count(page)
    names = service_names(page)

    link = download_link(page)
    assert "category=substance-misuse" in (link.get_attribute("href") or "")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert re.fullmatch(r"services-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    header, rows = read_csv(download.path())

    assert header[:3] == ["Name", "Provider", "Partnership"]
    assert "Locations" in header and "Referral routes" in header
    assert len(rows) == shown
    assert [row[0] for row in rows] == names
    treatment = next(row for row in rows if row[0] == TREATMENT)
    assert treatment[header.index("Provider")] == "Turning Tide Recovery"
    assert "(co-located)" in treatment[header.index("Locations")]


def test_export_the_whole_directory(signed_in_page):
    page = signed_in_page
    page.goto("/services/")
    shown = services_count(page)
    with page.expect_download() as info:
        download_link(page).click()
    _header, rows = read_csv(info.value.path())
    assert len(rows) == shown


def test_a_service_page(signed_in_page):
    page = signed_in_page
    page.goto("/services/?category=substance-misuse")
    page.get_by_role("link", name=TREATMENT, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TREATMENT)
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name="Turning Tide Recovery")).to_be_visible()
    expect(main.get_by_role("link", name="Marchshire Women's Centre Partnership")).to_be_visible()
    expect(page.get_by_role("heading", name="How to refer")).to_be_visible()
    expect(main).to_contain_text("Self-referral")
    locations = page.get_by_role("table", name=re.compile("^Locations where"))
    expect(locations.get_by_role("row")).to_have_count(3)  # header and two sites
    expect(locations.get_by_text("Co-located", exact=True)).to_have_count(2)
