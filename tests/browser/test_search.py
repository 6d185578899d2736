"""The registry search (the home page): words, the MOJ filter panel, results, CSV export."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import factory
from playwright.sync_api import expect

from partnerships.choices import Setting
from partnerships.models import Partnership
from tests.browser.checks import count_in, download_link, open_filter_panel, read_csv
from tests.partnerships.factories import PartnershipFactory

HUB = "Marchshire Women's Centre Partnership"


def results_count(page) -> int:
    return count_in(page.locator("#results").inner_text())


def result_names(page) -> list[str]:
    table = page.get_by_role("table", name=re.compile("Partnerships found"))
    # The name's link: the row header also says why the row matched ("Member: …").
    return [name.strip() for name in table.locator("tbody tr th > a").all_inner_texts()]


def test_search_by_words(signed_in_page):
    page = signed_in_page
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search the registry")
    everything = results_count(page)

    page.get_by_label("Search partnerships, organisations and services").fill("Marchshire")
    page.get_by_role("button", name="Search", exact=True).click()

    expect(page).to_have_url(re.compile(r"[?&]q=Marchshire"))
    expect(page.locator("#results")).to_have_text(
        re.compile(r"^\d+ partnerships? matching “Marchshire”"))
    found = results_count(page)
    assert 1 <= found < everything
    assert len(result_names(page)) == found
    assert HUB in result_names(page)
    row = page.get_by_role("row", name=re.compile(re.escape(HUB)))
    expect(row).to_contain_text("Marchshire Women's Centre")  # its lead partner
    expect(row).to_contain_text("Community")


def test_filter_with_the_moj_filter_panel(signed_in_page):
    page = signed_in_page
    page.goto("/")
    everything = results_count(page)

    open_filter_panel(page)
    page.get_by_role("group", name="Setting").get_by_label("Custody", exact=True).check()
    page.get_by_role("button", name="Apply filters").first.click()

    # the filter is in the URL, so the search can be bookmarked and shared
    expect(page).to_have_url(re.compile(r"[?&]setting=custody"))
    query = parse_qs(urlsplit(page.url).query)
    assert query.get("setting") == ["custody"], page.url
    open_filter_panel(page)
    # the selected-filter tag, which removes the filter when followed
    tag = page.get_by_role("link", name="Remove this filter: Custody")
    expect(tag).to_be_visible()
    expect(page.get_by_role("heading", name="Selected filters")).to_be_visible()

    expected = set(Partnership.objects.filter(setting__in=[Setting.CUSTODY, Setting.BOTH])
                   .values_list("name", flat=True))
    assert 0 < len(expected) < everything
    assert results_count(page) == len(expected)
    assert set(result_names(page)) == expected
    expect(page.get_by_role("group", name="Setting").get_by_label("Custody", exact=True)) \
        .to_be_checked()

    # reloading the bookmarked URL gives the same results
    page.goto(page.url)
    assert set(result_names(page)) == expected

    open_filter_panel(page)
    tag.click()
    expect(page).not_to_have_url(re.compile(r"[?&]setting="))
    assert results_count(page) == everything


def test_search_with_no_results_helps(signed_in_page):
    page = signed_in_page
    page.goto("/?q=zebra+crossing+quilting")
    expect(page.locator("#results")).to_have_text(re.compile(r"^0 partnerships"))
    expect(page.get_by_role("main")).to_contain_text("No partnerships matched")
    expect(page.get_by_role("link", name=re.compile("browse the service directory"))) \
        .to_be_visible()


def test_bad_filter_value_is_explained_not_an_error(signed_in_page):
    page = signed_in_page
    response = page.goto("/?status=no-such-status")
    assert response.status == 200
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    link = summary.get_by_role("link").first
    target = link.get_attribute("href")
    assert target and target.startswith("#")
    expect(page.locator(target)).to_have_count(1)


def test_export_search_results_as_csv(signed_in_page):
    page = signed_in_page
    page.goto("/")
    page.get_by_label("Search partnerships, organisations and services").fill("recovery")
    page.get_by_role("button", name="Search", exact=True).click()
    shown = results_count(page)
    names = result_names(page)
    assert shown >= 1

    link = download_link(page)
    assert "q=recovery" in (link.get_attribute("href") or "")  # same search as the page
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert re.fullmatch(r"partnerships-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    header, rows = read_csv(download.path())

    assert header[:4] == ["Name", "URL path", "Status", "Setting"]
    assert "Lead partner" in header and "Current members" in header
    assert len(rows) == shown
    assert [row[0] for row in rows] == names  # the same rows in the same order
    assert all(len(row) == len(header) for row in rows)
    paths = {row[0]: row[1] for row in rows}
    for partnership in Partnership.objects.filter(name__in=names):
        assert paths[partnership.name] == f"/partnerships/{partnership.slug}/"


def test_pages_of_results_keep_the_search_and_filters(signed_in_page):
    PartnershipFactory.create_batch(30, name=factory.Sequence(lambda n: f"Harbour Project {n}"),
                                    setting=Setting.CUSTODY)
    page = signed_in_page
    page.goto("/?q=Harbour&setting=custody")
    total = results_count(page)
    assert total == 30
    assert len(result_names(page)) == 25  # a page holds 25

    pages = page.get_by_role("navigation", name="Pages of results")
    pages.get_by_role("link", name="Next page").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["q"] == ["Harbour"] and query["setting"] == ["custody"]
    assert results_count(page) == total
    assert len(result_names(page)) == 5
    expect(pages.get_by_role("link", name="Page 2")).to_have_attribute("aria-current", "page")
