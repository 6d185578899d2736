"""The partnership manager's journey in a real browser (issue 14, item 7), on the demo registry.

1. demo-manager (Northgate Recovery Trust, the lead partner of North Pennine Prisons Recovery
   Partnership) opens the partnership page and its "Manage" section. Putting version 2 of the
   release handover agreement into effect while two parties have not signed, without a reason,
   shows the GOV.UK error summary linking to the reason, and nothing changes. The manager then
   records the two missing signatures (name, role, date), puts version 2 into effect today
   through the check-your-answers page, and sees version 2 in effect, version 1 superseded,
   "Replaces version 1" / "Replaced by version 2" and who signed each version and when. Starting
   a new version of the partnership working agreement shows a draft with every party unsigned.
2. demo-manager hands the lead partner role to another current member from a date in the
   future, through its check page; the membership timeline shows the planned handover.
3. demo-partner (a partnership manager at Moorside Healthcare, a party) records Moorside's own
   signature, but sees no "Manage" section and no other agreement links.

Every new page a user meets (each form, its error state, each check page, the partnership page
with the Manage section) is checked with axe-core (WCAG 2.2 AA), for one h1 and heading levels,
for its title, and for a clean console (no JavaScript errors or CSP violations), and
screenshotted as ``manage-*.png``.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from core import clock
from partnerships.choices import AgreementStatus, MemberRole
from partnerships.models import Agreement, Membership, Partnership
from tests.browser.checks import page_problems, screenshot
from tests.browser.conftest import Demo
from tests.browser.test_casework import fill_date

SLUG = "north-pennine-prisons-recovery-partnership"
PARTNERSHIP_URL = f"/partnerships/{SLUG}/"
SLA = "Release handover service level agreement"
WORKING = "North Pennine partnership working agreement"
NORTHGATE = "Northgate Recovery Trust"
MOORSIDE = "Moorside Healthcare NHS Foundation Trust"
PRISON_GROUP = "Prison Service North Pennine Group"
CLEARWATER = "Clearwater Drug and Alcohol Services"
# The link's words, "Put into effect" and (visually hidden) " version 2 of <title>".
PUT_INTO_EFFECT = re.compile(rf"^Put into effect\s*version 2 of {SLA}$")
REASON_LABEL = "Why does it take effect before every party has signed?"


def govuk(day: datetime.date) -> str:
    """A date as the pages write it ("7 December 2026"), worked out here rather than with the
    code under test."""
    return f"{day.day} {day:%B %Y}"


def user(username: str) -> Any:
    return get_user_model().objects.get(username=username)


def agreement_panel(page: Any, title: str) -> Any:
    """One agreement on the partnership page: its box, found by its heading."""
    return page.locator(".registry-agreement").filter(
        has=page.get_by_role("heading", level=3, name=title))


def versions_of(title: str) -> dict[int, Agreement]:
    return {a.version: a for a in Agreement.objects.filter(
        partnership__slug=SLUG, title=title).prefetch_related("signatories")}


def test_manager_renews_the_release_handover_agreement_and_starts_a_new_working_agreement(
        demo: Demo, open_as: Callable, browser_problems: Any, screenshot_dir: Any) -> None:
    problems: list[str] = []

    def check(page: Any, name: str) -> None:
        screenshot(page, screenshot_dir, f"manage-{name}")
        problems.extend(f"{name}: {p}" for p in page_problems(page))

    today = clock.today()
    before = versions_of(SLA)
    assert before[2].status == AgreementStatus.DRAFT, "the demo's version 2 should be a draft"
    manager = open_as(user("demo-manager"))

    # The partnership page: the Manage section, and the agreement mid-renewal.
    manager.goto(PARTNERSHIP_URL)
    expect(manager.get_by_role("heading", level=1)).to_have_text(
        "North Pennine Prisons Recovery Partnership")
    manage = manager.get_by_role("region", name="Manage")
    expect(manage).to_be_visible()
    expect(manage.get_by_role("link", name="Change the lead partner")).to_be_visible()
    expect(manage.get_by_role("heading", name="Agreements")).to_be_visible()
    expect(manage.get_by_role("link", name=re.compile(r"^Record a new agreement"))
           ).to_be_visible()
    sla = agreement_panel(manager, SLA)
    expect(sla.get_by_role("heading", name="Version 2, being agreed")).to_be_visible()
    expect(sla.get_by_text("Not yet signed")).to_have_count(2)
    check(manager, "partnership")

    # Put into effect before the others sign, without a reason: refused, with the error
    # summary linking to the reason, and nothing changes.
    sla.get_by_role("link", name=PUT_INTO_EFFECT).click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("Put into effect")
    expect(manager.get_by_text(f"Not yet signed: {MOORSIDE}, {PRISON_GROUP}")).to_be_visible()
    check(manager, "put-into-effect-form")
    fill_date(manager, "Date it takes effect", today)
    manager.get_by_role("button", name="Continue").click()
    summary = manager.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert manager.title().startswith("Error: ")
    link = summary.get_by_role("link", name="Say why it takes effect before every party has "
                                            "signed")
    href = link.get_attribute("href")
    assert href and manager.locator(href).count() == 1, f"error link {href} leads nowhere"
    link.click()
    expect(manager.get_by_label(REASON_LABEL)).to_be_focused()
    check(manager, "put-into-effect-error")
    after = versions_of(SLA)
    assert (after[2].status, after[2].effective_from, after[2].unsigned_reason) == (
        AgreementStatus.DRAFT, before[2].effective_from, "")
    assert after[1].status == AgreementStatus.ACTIVE

    # Record the two missing signatures: name, role and date.
    manager.get_by_role("link", name="Cancel").click()
    signers = [(MOORSIDE, "Gareth Holt", "Director of Nursing", today - datetime.timedelta(2)),
               (PRISON_GROUP, "Priya Natarajan", "Head of Healthcare Partnerships", today)]
    for number, (org, name, role, signed_on) in enumerate(signers):
        agreement_panel(manager, SLA).get_by_role(
            "link", name=f"Record a signature on {SLA}, version 2").click()
        expect(manager.get_by_role("heading", level=1)).to_have_text("Record a signature")
        if number == 0:
            check(manager, "sign-form")
            manager.get_by_role("button", name="Record the signature").click()
            expect(manager.locator(".govuk-error-summary")).to_be_visible()
            expect(manager.locator(".govuk-error-summary")).to_contain_text(
                "Enter the name of the person who signed")
            check(manager, "sign-form-error")
        if number == 0:
            manager.get_by_label("Which organisation signed?").select_option(label=org)
        else:  # one party left to sign: the page asks no question, it names it
            expect(manager.get_by_label("Organisation signing")).to_have_text(org)
        manager.get_by_label("Name of the person who signed").fill(name)
        manager.get_by_label("Their role (optional)").fill(role)
        fill_date(manager, "Date signed", signed_on)
        manager.get_by_role("button", name="Record the signature").click()
        expect(manager.locator(".govuk-notification-banner")).to_contain_text(
            f"{org} signed version 2 of {SLA} on {govuk(signed_on)}")
    expect(agreement_panel(manager, SLA).get_by_text("Not yet signed")).to_have_count(0)

    # Put it into effect today, through the check-your-answers page.
    agreement_panel(manager, SLA).get_by_role(
        "link", name=PUT_INTO_EFFECT).click()
    expect(manager.get_by_label(REASON_LABEL)).to_have_count(0)  # everyone signed
    fill_date(manager, "Date it takes effect", today)
    manager.get_by_role("button", name="Continue").click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("Check your answers")
    answers = manager.locator(".govuk-summary-list")
    expect(answers).to_contain_text("Date it takes effect")
    expect(answers).to_contain_text(govuk(today))
    expect(answers.get_by_role("link", name=re.compile(r"^Change"))).to_have_count(1)
    check(manager, "put-into-effect-check")
    assert versions_of(SLA)[2].status == AgreementStatus.DRAFT  # not yet: only on confirming
    manager.get_by_role("button", name="Put into effect").click()
    expect(manager.locator(".govuk-notification-banner")).to_contain_text(
        f"Version 2 of {SLA} is in effect from {govuk(today)}. It replaces version 1.")

    # The partnership page: version 2 in effect, version 1 superseded, both ways in words,
    # and who signed each version and when.
    sla = agreement_panel(manager, SLA)
    expect(sla.get_by_role("heading", name=re.compile("being agreed"))).to_have_count(0)
    current = sla.locator(".govuk-summary-list").first
    expect(current).to_contain_text("Version 2")
    expect(current).to_contain_text("Replaces version 1")
    expect(current.locator(".govuk-tag").first).to_have_text("Active")
    expect(current.locator(".govuk-summary-list__row", has_text="Effective from")
           ).to_contain_text(govuk(today))
    expect(current).to_contain_text(f"{NORTHGATE}: signed by Aisha Rahman, Strategic "
                                    f"Partnership Manager, on 30 November 2026")
    for org, name, role, signed_on in signers:
        expect(current).to_contain_text(f"{org}: signed by {name}, {role}, on "
                                        f"{govuk(signed_on)}")
    sla.get_by_text("Other versions of").click()  # open the folded history, as a user would
    earlier = sla.locator(".govuk-details__text")
    expect(earlier).to_be_visible()
    expect(earlier).to_contain_text(f"{SLA}, version 1")
    expect(earlier).to_contain_text("Replaced by version 2")
    expect(earlier.locator(".govuk-tag").first).to_have_text("Superseded")
    expect(earlier).to_contain_text(f"{MOORSIDE}: signed by Gareth Holt, Director of Nursing, "
                                    "on 20 March 2023")
    check(manager, "partnership-after-renewal")
    after = versions_of(SLA)
    assert (after[1].status, after[2].status) == (AgreementStatus.SUPERSEDED,
                                                  AgreementStatus.ACTIVE)
    assert after[2].effective_from == today and after[2].replaces_id == after[1].pk
    assert all(s.signed_on for s in after[2].signatories.all())

    # Start a new version of the partnership working agreement: a draft, every party unsigned.
    working = agreement_panel(manager, WORKING)
    working.get_by_role("link", name=f"Start a new version of {WORKING}").click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("Start a new version")
    check(manager, "new-version-form")
    manager.get_by_label("Why is a new version needed?").fill(
        "Adds the Saturday release arrangements agreed with the prisons.")
    manager.get_by_role("button", name="Start the new version").click()
    expect(manager.locator(".govuk-notification-banner")).to_contain_text(
        f"Version 3 of {WORKING} was started as a draft. Version 2 stays in effect")
    working = agreement_panel(manager, WORKING)
    pending = working.get_by_role("heading", name="Version 3, being agreed")
    expect(pending).to_be_visible()
    draft = working.locator(".govuk-summary-list").nth(1)
    expect(draft).to_contain_text("Draft")
    parties = [NORTHGATE, CLEARWATER, "Second Chance Recovery CIC", MOORSIDE, PRISON_GROUP]
    for org in parties:
        expect(draft).to_contain_text(f"{org}: Not yet signed")
    expect(working.locator(".govuk-summary-list").first.locator(".govuk-tag").first
           ).to_have_text("Active")  # version 2 stays in effect until version 3 does
    check(manager, "partnership-new-draft")
    new = versions_of(WORKING)
    assert new[3].status == AgreementStatus.DRAFT and new[2].status == AgreementStatus.ACTIVE
    assert sorted(s.organisation.name for s in new[3].signatories.all()) == sorted(parties)
    assert not any(s.signed_on for s in new[3].signatories.all())

    assert not problems, "\n".join(problems)
    assert not browser_problems.messages, "\n".join(browser_problems.messages)


def test_manager_hands_the_lead_partner_role_to_another_member(
        demo: Demo, open_as: Callable, browser_problems: Any, screenshot_dir: Any) -> None:
    problems: list[str] = []

    def check(page: Any, name: str) -> None:
        screenshot(page, screenshot_dir, f"manage-{name}")
        problems.extend(f"{name}: {p}" for p in page_problems(page))

    takes_over = clock.today() + datetime.timedelta(days=14)
    manager = open_as(user("demo-manager"))
    manager.goto(PARTNERSHIP_URL)
    manager.get_by_role("region", name="Manage").get_by_role(
        "link", name="Change the lead partner").click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("Change the lead partner")
    expect(manager.locator("main")).to_contain_text(
        f"{NORTHGATE} has been the lead partner since 1 April 2013")
    check(manager, "lead-partner-form")

    # Sent without choosing anyone: the error summary names what is missing.
    manager.get_by_role("button", name="Continue").click()
    summary = manager.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Select the new lead partner")
    check(manager, "lead-partner-error")

    manager.get_by_label("New lead partner").select_option(label=CLEARWATER)
    fill_date(manager, "Date the new lead partner takes over", takes_over)
    manager.get_by_label("Stays a member as delivery partner").check()
    manager.get_by_role("button", name="Continue").click()
    expect(manager.get_by_role("heading", level=1)).to_have_text(
        "Check before you change the lead partner")
    happens = manager.locator("main ul.govuk-list--bullet").first
    expect(happens).to_contain_text(
        f"{NORTHGATE} stops being lead partner on "
        f"{govuk(takes_over - datetime.timedelta(days=1))}.")
    expect(happens).to_contain_text(f"{CLEARWATER} is lead partner from {govuk(takes_over)}.")
    expect(happens).to_contain_text(f"{NORTHGATE} stays a member as delivery partner")
    check(manager, "lead-partner-check")
    partnership = Partnership.objects.get(slug=SLUG)
    lead = Membership.objects.get(partnership=partnership, role=MemberRole.LEAD_PARTNER,
                                  left_on=None)
    assert lead.organisation.name == NORTHGATE  # nothing changes before confirming
    manager.get_by_role("button", name="Change the lead partner").click()
    expect(manager.locator(".govuk-notification-banner")).to_contain_text(
        f"{CLEARWATER} is lead partner from {govuk(takes_over)}.")

    # The membership timeline shows the planned handover, first (the most recent change).
    first = manager.locator("#timeline ~ .moj-timeline .moj-timeline__item").first
    expect(first).to_contain_text("(planned)")
    expect(first.locator("time")).to_have_text(govuk(takes_over))
    expect(first).to_contain_text(f"{NORTHGATE} handed the lead role to {CLEARWATER}, which "
                                  "became lead partner")
    check(manager, "partnership-after-lead-change")
    leads = Membership.objects.filter(partnership=partnership, role=MemberRole.LEAD_PARTNER)
    assert {(m.organisation.name, m.left_on) for m in leads} == {
        (NORTHGATE, takes_over), (CLEARWATER, None)}
    assert leads.get(organisation__name=CLEARWATER).joined_on == takes_over
    assert Membership.objects.filter(
        partnership=partnership, organisation__name=NORTHGATE,
        role=MemberRole.DELIVERY_PARTNER, joined_on=takes_over, left_on=None).exists()

    assert not problems, "\n".join(problems)
    assert not browser_problems.messages, "\n".join(browser_problems.messages)


def test_a_party_records_its_own_signature_but_does_not_manage(
        demo: Demo, open_as: Callable, browser_problems: Any, screenshot_dir: Any) -> None:
    problems: list[str] = []

    def check(page: Any, name: str) -> None:
        screenshot(page, screenshot_dir, f"manage-{name}")
        problems.extend(f"{name}: {p}" for p in page_problems(page))

    today = clock.today()
    partner = open_as(user("demo-partner"))
    partner.goto(PARTNERSHIP_URL)
    expect(partner.get_by_role("heading", level=1)).to_have_text(
        "North Pennine Prisons Recovery Partnership")
    expect(partner.get_by_role("region", name="Manage")).to_have_count(0)
    expect(partner.get_by_role("heading", name="Manage")).to_have_count(0)
    expect(partner.get_by_role("link", name=re.compile(
        r"^(Put into effect|Start a new version|Add a party|Withdraw|Change the lead partner|"
        r"Record a new agreement|End this agreement)"))).to_have_count(0)
    own = agreement_panel(partner, SLA).get_by_role(
        "link", name=f"Record your organisation's signature on {SLA}, version 2")
    expect(own).to_have_count(1)
    expect(partner.get_by_role("link", name=re.compile("signature"))).to_have_count(1)
    check(partner, "partner-partnership")

    own.click()
    expect(partner.get_by_role("heading", level=1)).to_have_text(
        "Record your organisation's signature")
    expect(partner.get_by_label("Organisation signing")).to_have_text(MOORSIDE)
    expect(partner.locator("main")).not_to_contain_text(PRISON_GROUP)
    check(partner, "partner-sign-form")
    partner.get_by_label("Name of the person who signed").fill("Gareth Holt")
    partner.get_by_label("Their role (optional)").fill("Director of Nursing")
    fill_date(partner, "Date signed", today)
    partner.get_by_role("button", name="Record the signature").click()
    expect(partner.locator(".govuk-notification-banner")).to_contain_text(
        f"{MOORSIDE} signed version 2 of {SLA} on {govuk(today)}")
    pending = agreement_panel(partner, SLA).locator(".govuk-summary-list").nth(1)
    expect(pending).to_contain_text(f"{MOORSIDE}: signed by Gareth Holt, Director of Nursing, "
                                    f"on {govuk(today)}")
    expect(pending).to_contain_text(f"{PRISON_GROUP}: Not yet signed")
    expect(partner.get_by_role("link", name=re.compile("signature"))).to_have_count(0)
    check(partner, "partner-after-signing")
    v2 = versions_of(SLA)[2]
    signed = {s.organisation.name: s for s in v2.signatories.all()}
    assert (signed[MOORSIDE].signed_by, signed[MOORSIDE].signed_on) == ("Gareth Holt", today)
    assert signed[PRISON_GROUP].signed_on is None and v2.status == AgreementStatus.DRAFT

    assert not problems, "\n".join(problems)
    assert not browser_problems.messages, "\n".join(browser_problems.messages)

    # A page only managers use answers 403 with the reason (the browser logs the 403 on the
    # console, as it should, hence after the console check).
    response = partner.goto(f"/partnerships/{SLUG}/agreements/{v2.pk}/put-into-effect/")
    assert response.status == 403
    expect(partner.get_by_role("heading", level=1)).to_have_text(
        "You cannot put this version into effect")
    assert not page_problems(partner)
