"""The partnership managers' agreement pages: the whole lifecycle through the pages (record a
draft, sign, put into effect after checking the answers, review, start a new version, end),
who may use them (403 with the reason, 404 for what cannot be seen), bad input shown with
nothing lost and nothing changed, unsigned parties needing a reason, documents checked by
content, and a member organisation's manager signing for their own organisation only.

"Today" is 25 November 2026 (``timezone.now`` patched).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from html import unescape
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import User
from core.models import AuditEvent
from partnerships.choices import AgreementKind, AgreementStatus
from partnerships.models import Agreement, AgreementReview, Organisation, Partnership, Signatory
from tests.accounts.factories import (
    CommissionerFactory,
    PartnershipManagerFactory,
    PlatformAdminFactory,
    ProviderStaffFactory,
)
from tests.html import assert_good_markup
from tests.partnerships.factories import (
    AgreementFactory,
    DraftAgreementFactory,
    LeadMembershipFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
    SignatoryFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("today")]

D = dt.date
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@dataclass
class World:
    partnership: Partnership
    lead: Organisation
    member: Organisation
    other_member: Organisation
    manager: User  # partnership manager of the lead partner
    member_manager: User  # partnership manager of a member (not the lead)


@pytest.fixture
def w() -> World:
    partnership = PartnershipFactory(name="Riverside Partnership")
    lead = OrganisationFactory(name="Aspire Lead")
    member = OrganisationFactory(name="Beacon Charity")
    other_member = OrganisationFactory(name="Cedar Trust")
    LeadMembershipFactory(partnership=partnership, organisation=lead)
    MembershipFactory(partnership=partnership, organisation=member)
    MembershipFactory(partnership=partnership, organisation=other_member)
    return World(partnership, lead, member, other_member,
                 PartnershipManagerFactory(organisation=lead),
                 PartnershipManagerFactory(organisation=member))


def text(html: str) -> str:
    """What people read: tags stripped, whitespace collapsed, no space before punctuation."""
    words = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()
    return re.sub(r" ([:,.;)])", r"\1", words)


def url(name: str, w: World, agreement: Agreement | None = None, *extra: Any) -> str:
    args: list[Any] = [w.partnership.slug]
    if agreement is not None:
        args.append(agreement.pk)
    return reverse(f"partnerships:{name}", args=[*args, *extra])


def detail(w: World) -> str:
    return reverse("partnerships:detail", args=[w.partnership.slug])


def date_data(name: str, day: dt.date) -> dict[str, str]:
    return {f"{name}_day": str(day.day), f"{name}_month": str(day.month),
            f"{name}_year": str(day.year)}


def agreements_text(client: Any, w: World) -> str:
    html = client.get(detail(w)).content.decode()
    start = html.rindex("<", 0, html.index('id="agreements"'))
    return text(html[start:html.rindex("<", 0, html.index('id="funding"'))])


def snapshot() -> tuple[int, int, int, int]:
    return (Agreement.objects.count(), Signatory.objects.filter(signed_on__isnull=False).count(),
            AgreementReview.objects.count(), AuditEvent.objects.count())


def draft(w: World, *parties: Organisation, **fields: Any) -> Agreement:
    agreement = DraftAgreementFactory(partnership=w.partnership, title="Working agreement",
                                      effective_from=None, review_due=None, **fields)
    for organisation in parties:
        SignatoryFactory(agreement=agreement, organisation=organisation, signed_by="",
                         signed_on=None)
    return agreement


# -- the whole lifecycle -------------------------------------------------------------------------


def test_lead_manager_whole_lifecycle(client, w):
    client.force_login(w.manager)
    # The Manage section offers to record a new agreement.
    page = client.get(detail(w)).content.decode()
    assert url("agreement-create", w) in page

    response = client.get(url("agreement-create", w))
    assert response.status_code == 200
    html = response.content.decode()
    assert_good_markup(html)
    assert 'accept=".pdf,.docx,.odt"' in html
    assert "A PDF, DOCX or ODT file, 10 MB or smaller." in text(html)
    assert 'enctype="multipart/form-data"' in html

    response = client.post(url("agreement-create", w), {
        "kind": AgreementKind.PARTNERSHIP_WORKING, "title": "Working agreement",
        "summary": "How we work together.", "parties": [w.lead.pk, w.member.pk],
        "review_cycle_months": "12",
        "document": SimpleUploadedFile("signed.pdf", PDF, content_type="application/pdf"),
    }, follow=True)
    assert response.redirect_chain[-1][0] == detail(w) + "#agreements"
    assert "Working agreement was recorded as a draft." in text(response.content.decode())
    v1 = Agreement.objects.get(partnership=w.partnership)
    assert (v1.status, v1.version, v1.summary) == (AgreementStatus.DRAFT, 1,
                                                   "How we work together.")
    assert v1.document
    assert {s.organisation for s in v1.signatories.all()} == {w.lead, w.member}
    words = agreements_text(client, w)
    assert "Status Draft" in words
    assert "Aspire Lead: Not yet signed" in words
    assert "Record a signature" in words and "Put into effect" in words

    # Each party signs.
    response = client.get(url("agreement-sign", w, v1))
    assert_good_markup(response.content.decode())
    for organisation, name in ((w.lead, "Ann Lead"), (w.member, "Bo Member")):
        response = client.post(url("agreement-sign", w, v1), {
            "organisation": organisation.pk, "signed_by": name, "signer_role": "Director",
            **date_data("signed_on", D(2026, 11, 20))}, follow=True)
        assert f"{organisation.name} signed version 1 of Working agreement on 20 November " \
               "2026." in text(response.content.decode())
    words = agreements_text(client, w)
    assert "Aspire Lead: signed by Ann Lead, Director, on 20 November 2026" in words

    # Put into effect: the first post shows the answers; nothing changes until confirmed.
    data = date_data("effective_on", D(2026, 11, 25))
    response = client.post(url("agreement-put-into-effect", w, v1), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert_good_markup(html)
    assert "Check your answers" in text(html)
    assert "Date it takes effect 25 November 2026 Change" in text(html)
    assert 'name="confirm"' in html
    v1.refresh_from_db()
    assert v1.status == AgreementStatus.DRAFT
    response = client.post(url("agreement-put-into-effect", w, v1), {**data, "confirm": "1"},
                           follow=True)
    assert "Version 1 of Working agreement is in effect from 25 November 2026." in text(
        response.content.decode())
    v1.refresh_from_db()
    assert (v1.status, v1.effective_from) == (AgreementStatus.ACTIVE, D(2026, 11, 25))

    # Record a review.
    response = client.post(url("agreement-review", w, v1), {
        "outcome": "Continues unchanged", **date_data("reviewed_on", D(2026, 11, 25))},
        follow=True)
    assert "The next review is due on 25 November 2027." in text(response.content.decode())
    assert AgreementReview.objects.get(agreement=v1).outcome == "Continues unchanged"
    assert "Last reviewed 25 November 2026: Continues unchanged" in agreements_text(client, w)

    # Start a new version: a draft carrying the parties, unsigned.
    response = client.get(url("agreement-new-version", w, v1))
    assert 'value="Working agreement"' in response.content.decode()
    response = client.post(url("agreement-new-version", w, v1), {
        "reason": "Cedar Trust joined", "title": "Working agreement", "summary": "Updated."},
        follow=True)
    assert "Version 2 of Working agreement was started as a draft." in text(
        response.content.decode())
    v2 = Agreement.objects.get(partnership=w.partnership, version=2)
    assert v2.status == AgreementStatus.DRAFT and v2.replaces == v1
    assert v2.document == v1.document
    assert not v2.signatories.filter(signed_on__isnull=False).exists()
    words = agreements_text(client, w)
    assert "Version 2, being agreed" in words
    assert "Replaces version 1: Cedar Trust joined" in words
    assert "Version 2 is being agreed to replace it" in words
    v1.refresh_from_db()
    assert v1.status == AgreementStatus.ACTIVE  # until the new version takes effect

    # Add a party, every party signs, and it takes effect: version 1 is superseded.
    client.post(url("agreement-party-add", w, v2), {"organisation": w.other_member.pk})
    for organisation in (w.lead, w.member, w.other_member):
        client.post(url("agreement-sign", w, v2), {
            "organisation": organisation.pk, "signed_by": "Someone",
            **date_data("signed_on", D(2026, 11, 24))})
    assert not v2.signatories.filter(signed_on__isnull=True).exists()
    data = {**date_data("effective_on", D(2026, 11, 25)), "confirm": "1"}
    response = client.post(url("agreement-put-into-effect", w, v2), data, follow=True)
    assert "It replaces version 1." in text(response.content.decode())
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == (AgreementStatus.SUPERSEDED, AgreementStatus.ACTIVE)
    words = agreements_text(client, w)
    assert "Replaced by version 2" in words
    assert "Status Superseded" in words

    # End it, after checking.
    data = {**date_data("ended_on", D(2026, 11, 25)), "reason": "The partnership closes"}
    response = client.post(url("agreement-end", w, v2), data)
    assert "Check your answers" in text(response.content.decode())
    assert Agreement.objects.get(pk=v2.pk).status == AgreementStatus.ACTIVE
    response = client.post(url("agreement-end", w, v2), {**data, "confirm": "1"}, follow=True)
    assert "Working agreement ended on 25 November 2026." in text(response.content.decode())
    v2.refresh_from_db()
    assert (v2.status, v2.ended_on, v2.end_reason) == (
        AgreementStatus.ENDED, D(2026, 11, 25), "The partnership closes")
    assert "Ended on 25 November 2026: The partnership closes" in agreements_text(client, w)


def test_future_date_makes_it_due_to_take_effect(client, w):
    agreement = draft(w)
    client.force_login(w.manager)
    client.post(url("agreement-put-into-effect", w, agreement),
                {**date_data("effective_on", D(2027, 1, 1)), "confirm": "1"})
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SCHEDULED
    assert "Due to take effect on 1 January 2027" in agreements_text(client, w)


# -- check your answers --------------------------------------------------------------------------


def test_change_link_brings_the_answers_back(client, w):
    agreement = draft(w)
    client.force_login(w.manager)
    response = client.post(url("agreement-put-into-effect", w, agreement),
                           date_data("effective_on", D(2026, 11, 3)))
    html = response.content.decode()
    change = next(part.split('"', 1)[0] for part in html.split('href="')[1:]
                  if part.startswith(url("agreement-put-into-effect", w, agreement) + "?"))
    response = client.get(change.replace("&amp;", "&"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="effective_on_day" type="text" inputmode="numeric" value="3"' in html
    assert "There is a problem" not in html


def test_withdraw_a_party_after_checking(client, w):
    agreement = draft(w, w.lead, w.member)
    client.force_login(w.manager)
    withdraw = url("agreement-party-withdraw", w, agreement, w.member.pk)
    assert withdraw in client.get(detail(w)).content.decode()
    response = client.post(withdraw, {"reason": "Left the partnership"})
    assert "Check your answers" in text(response.content.decode())
    assert agreement.signatories.filter(organisation=w.member).exists()
    response = client.post(withdraw, {"reason": "Left the partnership", "confirm": "1"},
                           follow=True)
    assert "Beacon Charity was withdrawn from version 1 of Working agreement." in text(
        response.content.decode())
    assert not agreement.signatories.filter(organisation=w.member).exists()
    # Not a party (any more): not found.
    assert client.get(withdraw).status_code == 404


def test_discard_a_draft_after_checking(client, w):
    agreement = draft(w, w.lead)
    client.force_login(w.manager)
    response = client.get(url("agreement-discard", w, agreement))
    html = response.content.decode()
    assert "Check your answers" in text(html) and 'name="confirm"' in html
    assert_good_markup(html)
    assert Agreement.objects.filter(pk=agreement.pk).exists()
    response = client.post(url("agreement-discard", w, agreement), {"confirm": "1"},
                           follow=True)
    assert "The draft of version 1 of Working agreement was discarded." in text(
        response.content.decode())
    assert not Agreement.objects.filter(pk=agreement.pk).exists()


# -- refusals: nothing changes, nothing is lost ---------------------------------------------------


def test_bad_input_shows_errors_and_keeps_what_was_typed(client, w):
    client.force_login(w.manager)
    before = snapshot()
    response = client.post(url("agreement-create", w), {
        "kind": "", "title": "", "summary": "Kept summary", "review_cycle_months": "0"})
    html = response.content.decode()
    words = text(html)
    assert response.status_code == 200
    assert "There is a problem" in words
    for message in ("Select the kind of agreement", "Enter the agreement's title",
                    "Select at least one organisation that signs it",
                    "How often it is reviewed must be 1 month or more"):
        assert words.count(message) == 2  # in the summary and by the field
    assert "Kept summary" in html
    assert 'href="#id_title"' in html
    assert_good_markup(html)
    assert snapshot() == before

    agreement = draft(w, w.lead)
    before = snapshot()
    response = client.post(url("agreement-sign", w, agreement), {
        "organisation": w.lead.pk, "signed_by": "Ann", "signed_on_day": "31",
        "signed_on_month": "2", "signed_on_year": "2026"})
    words = text(response.content.decode())
    assert "The date it was signed must be a real date" in words
    assert 'value="Ann"' in response.content.decode()
    assert snapshot() == before


def test_an_agreement_title_already_used_is_refused_by_the_action(client, w):
    AgreementFactory(partnership=w.partnership, title="Working agreement",
                     reference="working-agreement")
    client.force_login(w.manager)
    before = snapshot()
    response = client.post(url("agreement-create", w), {
        "kind": AgreementKind.CONTRACT, "title": "Working agreement",
        "parties": [w.lead.pk], "review_cycle_months": "12"})
    words = text(response.content.decode())
    assert "already has an agreement called 'Working agreement'" in words
    assert snapshot() == before


def test_unsigned_parties_need_a_reason(client, w):
    agreement = draft(w, w.lead, w.member)
    client.force_login(w.manager)
    response = client.get(url("agreement-put-into-effect", w, agreement))
    words = text(response.content.decode())
    assert "Why does it take effect before every party has signed?" in words
    assert "Not yet signed: Aspire Lead, Beacon Charity." in words
    before = snapshot()
    data = date_data("effective_on", D(2026, 11, 25))
    response = client.post(url("agreement-put-into-effect", w, agreement),
                           {**data, "confirm": "1"})
    assert "Say why it takes effect before every party has signed" in text(
        response.content.decode())
    assert snapshot() == before
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT

    data["reason"] = "Signatures follow at the next board"
    response = client.post(url("agreement-put-into-effect", w, agreement), data)
    assert "Signatures follow at the next board" in text(response.content.decode())
    client.post(url("agreement-put-into-effect", w, agreement), {**data, "confirm": "1"})
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE
    assert agreement.unsigned_reason == "Signatures follow at the next board"
    assert ("Put into effect before every party signed: Signatures follow at the next board"
            in agreements_text(client, w))


def test_every_party_signed_asks_no_reason(client, w):
    agreement = draft(w)
    SignatoryFactory(agreement=agreement, organisation=w.lead, signed_on=D(2026, 11, 1))
    client.force_login(w.manager)
    response = client.get(url("agreement-put-into-effect", w, agreement))
    assert 'name="reason"' not in response.content.decode()


def test_renamed_file_is_refused_with_its_reason(client, w):
    client.force_login(w.manager)
    before = snapshot()
    response = client.post(url("agreement-create", w), {
        "kind": AgreementKind.CONTRACT, "title": "Contract", "parties": [w.lead.pk],
        "review_cycle_months": "12",
        "document": SimpleUploadedFile("contract.pdf", b"<html>not a pdf</html>",
                                       content_type="application/pdf")})
    html = response.content.decode()
    assert response.status_code == 200
    assert ("The document is called .pdf but is not a PDF file. Upload a PDF, DOCX or ODT "
            "file." in html)
    assert 'href="#id_document"' in html
    assert 'value="Contract"' in html
    assert snapshot() == before


def test_page_for_a_version_in_another_state_says_why(client, w):
    active = AgreementFactory(partnership=w.partnership, title="In force")
    client.force_login(w.manager)
    response = client.get(url("agreement-put-into-effect", w, active))
    assert response.status_code == 403
    assert "Only a version being agreed can be put into effect; version 1 of In force is " \
           "active." in text(response.content.decode())
    draft_version = draft(w)
    assert client.get(url("agreement-end", w, draft_version)).status_code == 403
    assert client.get(url("agreement-new-version", w, draft_version)).status_code == 403


# -- who may do it -------------------------------------------------------------------------------


def _pages(w: World, agreement: Agreement) -> list[str]:
    return [url("agreement-create", w), url("agreement-new-version", w, agreement),
            url("agreement-party-add", w, agreement),
            url("agreement-party-withdraw", w, agreement, w.lead.pk),
            url("agreement-put-into-effect", w, agreement),
            url("agreement-discard", w, agreement), url("agreement-review", w, agreement),
            url("agreement-end", w, agreement)]


@pytest.mark.parametrize("who", ["commissioner", "provider", "other_manager", "member_manager"])
def test_others_cannot_manage(client, w, who):
    user = {"commissioner": CommissionerFactory, "provider": ProviderStaffFactory,
            "other_manager": PartnershipManagerFactory}.get(who, lambda: w.member_manager)()
    agreement = draft(w, w.lead)
    client.force_login(user)
    before = snapshot()
    for page in _pages(w, agreement):
        for response in (client.get(page), client.post(page, {"confirm": "1"})):
            assert response.status_code == 403, page
            assert "partnership managers of the lead partner" in text(
                response.content.decode())
    assert snapshot() == before
    # Nor do they see the Manage links.
    assert url("agreement-create", w) not in client.get(detail(w)).content.decode()


def test_platform_admin_manages(client, w):
    agreement = draft(w, w.lead)
    client.force_login(PlatformAdminFactory())
    assert client.get(url("agreement-put-into-effect", w, agreement)).status_code == 200
    assert client.get(url("agreement-create", w)).status_code == 200


def test_not_found_and_signed_out(client, w):
    other = PartnershipFactory()
    elsewhere = DraftAgreementFactory(partnership=other)
    client.force_login(w.manager)
    assert client.get(reverse("partnerships:agreement-create", args=["no-such"])).status_code \
        == 404
    # An agreement of another partnership is not found under this one.
    assert client.get(url("agreement-sign", w, elsewhere)).status_code == 404
    client.logout()
    response = client.get(url("agreement-create", w))
    assert response.status_code == 302 and "sign-in" in response["Location"]


def test_member_manager_signs_for_own_organisation_only(client, w):
    agreement = draft(w, w.lead, w.member)
    client.force_login(w.member_manager)
    page = client.get(detail(w)).content.decode()
    assert "Record your organisation's signature" in text(page)
    assert url("agreement-put-into-effect", w, agreement) not in page
    response = client.get(url("agreement-sign", w, agreement))
    html = response.content.decode()
    assert response.status_code == 200
    assert_good_markup(html)
    assert "Record your organisation's signature" in text(html)
    assert f'value="{w.member.pk}"' in html and f'value="{w.lead.pk}"' not in html
    before = snapshot()
    # Signing for the lead partner is refused.
    response = client.post(url("agreement-sign", w, agreement), {
        "organisation": w.lead.pk, "signed_by": "Bo", **date_data("signed_on",
                                                                  D(2026, 11, 20))})
    assert "Select an organisation that has not signed" in text(response.content.decode())
    assert snapshot() == before
    response = client.post(url("agreement-sign", w, agreement), {
        "organisation": w.member.pk, "signed_by": "Bo", "signer_role": "Chair",
        **date_data("signed_on", D(2026, 11, 20))}, follow=True)
    assert "Beacon Charity signed version 1" in text(response.content.decode())
    party = agreement.signatories.get(organisation=w.member)
    assert (party.signed_by, party.signer_role, party.signed_on) == ("Bo", "Chair",
                                                                     D(2026, 11, 20))
    assert agreement.signatories.get(organisation=w.lead).signed_on is None
    # Signed already: nothing more to sign.
    response = client.get(url("agreement-sign", w, agreement))
    assert response.status_code == 403
    assert "Record your organisation's signature" not in text(
        client.get(detail(w)).content.decode())


def test_member_manager_of_a_non_party_cannot_sign(client, w):
    agreement = draft(w, w.lead)
    client.force_login(w.member_manager)
    response = client.get(url("agreement-sign", w, agreement))
    assert response.status_code == 403
    assert "Record your organisation's signature" not in text(
        client.get(detail(w)).content.decode())


def test_planned_dates_are_kept_and_offered_when_putting_into_effect(client, w):
    client.force_login(w.manager)
    response = client.post(url("agreement-create", w), {
        "kind": AgreementKind.MOU, "title": "Housing MOU", "parties": [w.lead.pk],
        **date_data("effective_from", D(2027, 4, 1)), **date_data("review_due", D(2028, 4, 1)),
        "review_cycle_months": "12"})
    assert response.status_code == 302
    agreement = Agreement.objects.get(title="Housing MOU")
    assert (agreement.effective_from, agreement.review_due) == (dt.date(2027, 4, 1),
                                                                dt.date(2028, 4, 1))
    page = client.get(url("agreement-put-into-effect", w, agreement)).content.decode()
    assert re.search(r'name="effective_on_year"[^>]*value="2027"|value="2027"[^>]*'
                     r'name="effective_on_year"', page)
