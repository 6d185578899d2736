"""Opening a partnership from the search results; its members, lead-agency matrix and the
membership timeline of the hub that shrank after recommissioning; an organisation page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from partnerships.models import Membership, Partnership

HUB = "Marchshire Women's Centre Partnership"


def test_open_a_partnership_from_the_results(signed_in_page):
    page = signed_in_page
    page.goto("/")
    page.get_by_role("link", name="North Pennine Prisons Recovery Partnership").click()

    expect(page).to_have_url(re.compile(r"/partnerships/north-pennine-prisons-recovery-partnership/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "North Pennine Prisons Recovery Partnership")
    expect(page).to_have_title("North Pennine Prisons Recovery Partnership – Partnership Registry")

    partnership = Partnership.objects.get(slug="north-pennine-prisons-recovery-partnership")
    current = (Membership.objects.filter(partnership=partnership, left_on__isnull=True)
               .values_list("organisation__name", flat=True))
    members = page.get_by_role("table", name=re.compile(r"^Current members"))
    expect(members).to_be_visible()
    for name in current:
        expect(members.get_by_role("rowheader", name=name, exact=True)).to_be_visible()
    expect(members.get_by_role("row", name=re.compile("Northgate Recovery Trust"))) \
        .to_contain_text("Lead partner")

    # the lead-agency matrix: one lead per activity, linking to the organisation
    matrix = page.get_by_role("table", name="Who leads each activity")
    expect(matrix).to_be_visible()
    treatment = matrix.get_by_role("row", name=re.compile("^Treatment commissioning"))
    expect(treatment).to_contain_text("NHS North Pennine Health and Justice Commissioning")
    expect(treatment).to_contain_text("Health and Justice Commissioning Manager")
    expect(page.get_by_role("heading", name="Lead agencies", level=2)).to_be_visible()

    # the organisation page is one click away
    matrix.get_by_role("link", name="NHS North Pennine Health and Justice Commissioning").first \
        .click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "NHS North Pennine Health and Justice Commissioning")


def test_timeline_shows_the_hub_that_shrank_after_recommissioning(signed_in_page):
    page = signed_in_page
    page.goto("/?q=Marchshire")
    page.get_by_role("link", name=HUB).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(HUB)

    hub = Partnership.objects.get(name=HUB)
    left = list(Membership.objects.filter(partnership=hub, left_on__isnull=False)
                .values_list("organisation__name", flat=True))
    stayed = Membership.objects.filter(partnership=hub, left_on__isnull=True).count()
    assert len(left) == 5 and stayed == 2  # the demo's story: seven partners, then two

    # the shrinking is said in words, not only shown
    expect(page.get_by_text(re.compile(r"Membership has shrunk from 7 organisations to 2"))) \
        .to_be_visible()
    expect(page.get_by_role("table", name=re.compile(r"^Current members \(2\)"))).to_be_visible()

    past = page.get_by_role("table", name=re.compile(r"^Past members"))
    expect(past).to_be_visible()
    for name in left:
        row = past.get_by_role("row", name=re.compile(re.escape(name)))
        expect(row).to_contain_text("Recommissioning")
        expect(row).to_contain_text("1 April 2020")

    expect(page.get_by_role("heading", name="Membership timeline", level=2)).to_be_visible()
    timeline = page.locator(".moj-timeline")
    recommissioning = timeline.locator(".moj-timeline__item", has=page.locator(
        "time[datetime='2020-04-01']"))
    expect(recommissioning).to_have_count(1)
    expect(recommissioning).to_contain_text("Down by 5")
    expect(recommissioning).to_contain_text("7 → 2")
    for name in left:
        expect(recommissioning.get_by_role("listitem").filter(has_text=name)) \
            .to_contain_text("Recommissioning")
    # who joined at the start is there too, so the history reads from formation to now
    expect(timeline.locator("time[datetime='2013-04-01']")).to_have_count(1)


def test_organisation_page(signed_in_page):
    page = signed_in_page
    page.goto("/partnerships/marchshire-womens-centre-partnership/")
    page.get_by_role("table", name=re.compile(r"^Past members")) \
        .get_by_role("link", name="Safe Harbour Domestic Abuse Service").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Safe Harbour Domestic Abuse Service")
    past = page.get_by_role("table", name=re.compile(r"^Past partnerships"))
    expect(past.get_by_role("row", name=re.compile(re.escape(HUB)))).to_contain_text(
        "1 April 2020")
