"""An agreement's life in the admin: buttons on the change page, each opening a small form that
calls the lifecycle action (the change and its audit row together), refusals shown next to the
field, and only the partnership's managers reaching them."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from core import clock
from core.models import AuditEvent
from partnerships.choices import AgreementStatus
from partnerships.models import Agreement, AgreementReview, Signatory
from tests.accounts.factories import PartnershipManagerFactory
from tests.partnerships.factories import (
    AgreementFactory,
    DraftAgreementFactory,
    LeadMembershipFactory,
    OrganisationFactory,
    SignatoryFactory,
)

pytestmark = pytest.mark.django_db


def change_url(agreement: Agreement) -> str:
    return reverse("admin:partnerships_agreement_change", args=[agreement.pk])


def step_url(agreement: Agreement, step: str) -> str:
    return reverse("admin:partnerships_agreement_lifecycle", args=[agreement.pk, step])


def labels(response) -> list[str]:
    return [b["label"] for b in response.context["lifecycle_buttons"]]


def audit_summaries() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("summary", flat=True))


@pytest.fixture
def in_force():
    """Version 1 in effect, signed by two parties."""
    agreement = AgreementFactory(reference="pwa", title="Partnership working agreement")
    SignatoryFactory(agreement=agreement, organisation=OrganisationFactory(name="Alpha Trust"))
    SignatoryFactory(agreement=agreement, organisation=OrganisationFactory(name="Beta CIC"))
    return agreement


def test_change_page_shows_the_buttons_for_the_status_and_no_status_field(
        platform_admin_client, in_force):
    page = platform_admin_client.get(change_url(in_force))
    assert labels(page) == ["Start a new version", "Record a review", "End agreement"]
    html = page.content.decode()
    for step in ("new-version", "review", "end"):
        assert f'href="{step_url(in_force, step)}"' in html
    form = page.context["adminform"].form
    for field in ("status", "version", "replaces", "effective_from"):
        assert field not in form.fields
    assert "Parties and signatures" in html

    draft = DraftAgreementFactory()
    SignatoryFactory(agreement=draft, signed_on=None, signed_by="")
    page = platform_admin_client.get(change_url(draft))
    assert labels(page) == ["Record a signature", "Put into effect", "Discard draft"]


def test_start_a_new_version(admin_user, platform_admin_client, in_force):
    page = platform_admin_client.get(step_url(in_force, "new-version"))
    assert page.status_code == 200
    assert "Start a new version" in page.content.decode()

    response = platform_admin_client.post(step_url(in_force, "new-version"),
                                          {"reason": "New data categories", "title": ""})

    new = Agreement.objects.get(reference="pwa", version=2)
    assert response.status_code == 302
    assert response["Location"] == change_url(new)
    assert new.status == AgreementStatus.DRAFT
    assert new.replaces == in_force
    assert new.change_reason == "New data categories"
    assert new.signatories.count() == 2
    assert not new.signatories.filter(signed_on__isnull=False).exists()
    in_force.refresh_from_db()
    assert in_force.status == AgreementStatus.ACTIVE
    event = AuditEvent.objects.get(summary="Started version 2: New data categories")
    assert event.actor == admin_user
    # The new draft is offered the draft's steps, and no second new version.
    assert "Start a new version" not in labels(platform_admin_client.get(change_url(in_force)))


def test_record_a_signature_then_put_into_effect(admin_user, platform_admin_client, in_force):
    draft = Agreement.objects.get(pk=platform_admin_client.post(
        step_url(in_force, "new-version"), {"reason": ""}).url.split("/")[-3])
    alpha, beta = (s.organisation for s in draft.signatories.order_by("organisation__name"))

    signed = platform_admin_client.post(step_url(draft, "sign"), {
        "organisation": alpha.pk, "signed_by": "Ada Lovelace", "signer_role": "Chair",
        "signed_on": clock.today().isoformat()})
    assert signed.status_code == 302
    party = Signatory.objects.get(agreement=draft, organisation=alpha)
    assert (party.signed_by, party.signer_role, party.signed_on) == (
        "Ada Lovelace", "Chair", clock.today())
    assert AuditEvent.objects.filter(summary=f"Signed by {alpha}", actor=admin_user).exists()

    # Beta has not signed: refused, next to the reason field, nothing changed.
    before = AuditEvent.objects.count()
    refused = platform_admin_client.post(step_url(draft, "put-into-effect"),
                                         {"effective_on": clock.today().isoformat()})
    assert refused.status_code == 200
    assert "Not every party has signed (Beta CIC)" in refused.context["form"].errors["reason"][0]
    assert "Not every party has signed" in refused.content.decode()
    draft.refresh_from_db()
    assert draft.status == AgreementStatus.DRAFT
    assert AuditEvent.objects.count() == before

    done = platform_admin_client.post(step_url(draft, "put-into-effect"), {
        "effective_on": clock.today().isoformat(), "reason": "Beta signs next week"})
    assert done.status_code == 302
    draft.refresh_from_db()
    in_force.refresh_from_db()
    assert draft.status == AgreementStatus.ACTIVE
    assert draft.unsigned_reason == "Beta signs next week"
    assert in_force.status == AgreementStatus.SUPERSEDED
    assert AuditEvent.objects.filter(summary__startswith="Replaced by version 2").exists()
    page = platform_admin_client.get(change_url(in_force))
    assert "<label>Replaced by:</label>" in page.content.decode()
    assert "<label>Agreement:</label>" not in page.content.decode()
    assert change_url(draft) in page.content.decode()


def test_record_a_review(admin_user, platform_admin_client, in_force):
    reviewed_on = clock.today() - datetime.timedelta(days=3)
    response = platform_admin_client.post(step_url(in_force, "review"), {
        "reviewed_on": reviewed_on.isoformat(), "outcome": "Continues unchanged",
        "next_review_due": ""})
    assert response.status_code == 302
    review = AgreementReview.objects.get(agreement=in_force)
    assert (review.outcome, review.recorded_by) == ("Continues unchanged", admin_user)
    in_force.refresh_from_db()
    assert in_force.review_due == review.next_review_due
    assert AuditEvent.objects.filter(summary__startswith="Reviewed on").exists()
    page = platform_admin_client.get(change_url(in_force))
    assert "Continues unchanged" in page.content.decode()  # the read-only reviews inline


def test_end_agreement_and_a_bad_date_is_shown_next_to_its_field(platform_admin_client,
                                                                  in_force):
    refused = platform_admin_client.post(step_url(in_force, "end"), {
        "ended_on": "2019-01-01", "reason": "Service decommissioned"})
    assert refused.status_code == 200
    assert "cannot end before" in refused.context["form"].errors["ended_on"][0]
    assert not AuditEvent.objects.exists()

    response = platform_admin_client.post(step_url(in_force, "end"), {
        "ended_on": "2024-03-31", "reason": "Service decommissioned"})
    assert response.status_code == 302
    in_force.refresh_from_db()
    assert in_force.status == AgreementStatus.ENDED
    assert in_force.ended_on == datetime.date(2024, 3, 31)
    assert in_force.end_reason == "Service decommissioned"
    assert AuditEvent.objects.filter(summary__startswith="Ended on 31 March 2024").exists()


def test_form_errors_come_before_the_action(platform_admin_client, in_force):
    response = platform_admin_client.post(step_url(in_force, "end"), {"ended_on": "not a day"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"ended_on", "reason"}
    assert not AuditEvent.objects.exists()


def test_discard_draft(platform_admin_client, in_force):
    draft = DraftAgreementFactory(partnership=in_force.partnership, reference="pwa", version=2,
                                  replaces=in_force)
    assert platform_admin_client.get(step_url(draft, "discard")).status_code == 200

    response = platform_admin_client.post(step_url(draft, "discard"), {})

    assert response.status_code == 302
    assert response["Location"] == change_url(in_force)
    assert not Agreement.objects.filter(pk=draft.pk).exists()
    assert AuditEvent.objects.filter(summary="Discarded draft version 2").exists()


def test_a_step_that_does_not_apply_is_refused_by_the_action(platform_admin_client, in_force):
    response = platform_admin_client.post(step_url(in_force, "discard"), {})
    assert response.status_code == 200
    assert "Only a version being agreed can be discarded" in response.content.decode()
    assert Agreement.objects.filter(pk=in_force.pk).exists()


def test_unknown_step_is_404(platform_admin_client, in_force):
    assert platform_admin_client.get(step_url(in_force, "activate")).status_code == 404


def test_managers_reach_only_their_own_partnerships_agreements(admin_client_for):
    manager = PartnershipManagerFactory()
    mine = AgreementFactory(
        partnership=LeadMembershipFactory(organisation=manager.organisation).partnership)
    theirs = AgreementFactory()
    client = admin_client_for(manager)

    assert labels(client.get(change_url(mine))) == [
        "Start a new version", "Record a review", "End agreement"]
    assert client.post(step_url(mine, "new-version"), {"reason": "x"}).status_code == 302

    for step in ("new-version", "review", "end"):
        assert client.get(step_url(theirs, step)).status_code in (403, 404)
        assert client.post(step_url(theirs, step), {
            "reason": "x", "ended_on": "2024-03-31"}).status_code in (403, 404)
    theirs.refresh_from_db()
    assert theirs.status == AgreementStatus.ACTIVE
    assert Agreement.objects.filter(reference=theirs.reference).count() == 1


def test_adding_an_agreement_records_a_draft_through_the_action(admin_user,
                                                                platform_admin_client):
    partnership = LeadMembershipFactory().partnership
    party = OrganisationFactory()
    add = reverse("admin:partnerships_agreement_add")
    page = platform_admin_client.get(add)
    assert "status" not in page.context["adminform"].form.fields
    prefix = next(i.formset.prefix for i in page.context["inline_admin_formsets"]
                  if i.formset.model is Signatory)

    response = platform_admin_client.post(add, {
        "partnership": partnership.pk, "kind": "joint", "title": "Joint working agreement",
        "summary": "", "effective_from": "", "review_due": "", "review_cycle_months": 12,
        f"{prefix}-TOTAL_FORMS": 1, f"{prefix}-INITIAL_FORMS": 0,
        f"{prefix}-0-organisation": party.pk,
        "reviews-TOTAL_FORMS": 0, "reviews-INITIAL_FORMS": 0,
    })

    assert response.status_code == 302, response.context and response.context["errors"]
    agreement = Agreement.objects.get()
    assert (agreement.status, agreement.version, agreement.reference) == (
        AgreementStatus.DRAFT, 1, "joint-working-agreement")
    assert list(agreement.signatories.values_list("organisation", "signed_on")) == [
        (party.pk, None)]
    assert set(audit_summaries()) == {"Recorded agreement", f"{party} is a party to version 1"}


def test_a_draft_document_is_checked_by_content_and_refused_next_to_its_field(
        platform_admin_client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.admin.helpers import admin_form_data

    settings.MEDIA_ROOT = tmp_path
    draft = DraftAgreementFactory()
    page = platform_admin_client.get(change_url(draft))
    data = admin_form_data(page)
    data["document"] = SimpleUploadedFile("agreement.pdf", b"<html>not a pdf</html>",
                                          "application/pdf")

    response = platform_admin_client.post(change_url(draft), data)

    assert response.status_code == 200
    assert "is not a PDF file" in str(response.context["adminform"].form.errors["document"])
    draft.refresh_from_db()
    assert not draft.document

    data["document"] = SimpleUploadedFile("agreement.pdf", b"%PDF-1.4\n%%EOF\n",
                                          "application/pdf")
    assert platform_admin_client.post(change_url(draft), data).status_code == 302
    draft.refresh_from_db()
    assert draft.document.name.endswith(".pdf")

    # The version in effect keeps the document its parties signed.
    active = AgreementFactory()
    form = platform_admin_client.get(change_url(active)).context["adminform"].form
    assert "document" not in form.fields
