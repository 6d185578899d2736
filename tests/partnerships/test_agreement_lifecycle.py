"""An agreement's life through the actions: draft -> (due to take effect ->) active ->
superseded | ended, with parties, signatures, reviews and documents (ADR 0017)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import DomainError
from core.models import AuditEvent
from partnerships import actions
from partnerships.choices import AgreementKind, AgreementStatus
from partnerships.models import Agreement, AgreementReview, Signatory
from tests.partnerships.factories import (
    AgreementFactory,
    OrganisationFactory,
    PartnershipFactory,
    SignatoryFactory,
)

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def today(monkeypatch):
    day = D(2026, 12, 7)
    monkeypatch.setattr("core.clock.today", lambda: day)
    return day


def state():
    """Everything an agreement action can change."""
    return (list(Agreement.objects.order_by("pk").values_list(
                "pk", "status", "effective_from", "review_due", "ended_on", "unsigned_reason")),
            list(Signatory.objects.order_by("pk").values_list(
                "pk", "organisation_id", "signed_by", "signed_on")),
            AgreementReview.objects.count(), AuditEvent.objects.count())


def signed_active(parties=3, **kwargs) -> Agreement:
    """Version 1 in force since 1 April 2023, every party signed."""
    v1 = AgreementFactory(effective_from=D(2023, 4, 1), review_due=D(2027, 4, 1), **kwargs)
    for _ in range(parties):
        SignatoryFactory(agreement=v1, signed_on=D(2023, 3, 20))
    return v1


def test_create_a_draft_with_its_parties(admin_user, today):
    p = PartnershipFactory()
    a, b = OrganisationFactory(name="Alpha Trust"), OrganisationFactory(name="Beta NHS")
    draft = actions.agreement_create(partnership=p, kind=AgreementKind.SERVICE_LEVEL,
                                     title="Release handover SLA", parties=[a, b, a],
                                     summary="Who does what on release", by=admin_user)
    assert draft.status == AgreementStatus.DRAFT and draft.version == 1
    assert draft.reference == "release-handover-sla"
    assert [s.organisation for s in draft.signatories.order_by("organisation__name")] == [a, b]
    assert not draft.signatories.filter(signed_on__isnull=False).exists()
    assert AuditEvent.objects.filter(partnership_id=p.pk, summary="Recorded agreement").exists()
    with pytest.raises(DomainError, match="already has an agreement called"):
        actions.agreement_create(partnership=p, kind=AgreementKind.SERVICE_LEVEL,
                                 title="Release handover SLA", by=admin_user)


def test_new_version_carries_forward_everything_but_signatures(admin_user, today, tmp_path,
                                                              settings):
    settings.MEDIA_ROOT = tmp_path
    v1 = signed_active(summary="Version one terms", review_cycle_months=24,
                       document=SimpleUploadedFile("v1.pdf", b"%PDF-1.7 terms"))
    v2 = actions.agreement_new_version(agreement=v1, reason="Saturday releases",
                                       by=admin_user)
    v1.refresh_from_db()
    assert v1.status == AgreementStatus.ACTIVE  # stays in force until v2 takes effect
    assert (v2.version, v2.status, v2.replaces, v2.change_reason) == (
        2, AgreementStatus.DRAFT, v1, "Saturday releases")
    assert (v2.title, v2.kind, v2.summary, v2.review_cycle_months, v2.document.name) == (
        v1.title, v1.kind, v1.summary, 24, v1.document.name)
    assert (sorted(v2.signatories.values_list("organisation_id", flat=True))
            == sorted(v1.signatories.values_list("organisation_id", flat=True)))
    assert not v2.signatories.filter(signed_on__isnull=False).exists()
    assert v1.signatories.filter(signed_on__isnull=False).count() == 3  # v1 keeps its own
    with pytest.raises(DomainError, match="Version 2 is already being agreed"):
        actions.agreement_new_version(agreement=v1, by=admin_user)
    with pytest.raises(DomainError, match="starts from the version in effect"):
        actions.agreement_new_version(agreement=v2, by=admin_user)


def test_put_into_effect_is_refused_while_parties_have_not_signed(admin_user, today):
    v1 = signed_active()
    v2 = actions.agreement_new_version(agreement=v1, by=admin_user)
    first, *others = v2.signatories.select_related("organisation").order_by("pk")
    actions.agreement_sign(agreement=v2, organisation=first.organisation, signed_by="Aisha Rahman",
                           signer_role="Chief Executive", signed_on=D(2026, 11, 30),
                           by=admin_user)
    before = state()
    with pytest.raises(DomainError, match="Not every party has signed") as refused:
        actions.agreement_put_into_effect(agreement=v2, effective_on=today, by=admin_user)
    assert refused.value.field == "reason"
    for other in others:
        assert other.organisation.name in str(refused.value)
    assert state() == before
    # With a reason it goes ahead, and the reason is kept.
    actions.agreement_put_into_effect(agreement=v2, effective_on=today, by=admin_user,
                                      reason="Board approved pending the NHS signature")
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == (AgreementStatus.SUPERSEDED, AgreementStatus.ACTIVE)
    assert v2.unsigned_reason == "Board approved pending the NHS signature"
    assert AuditEvent.objects.filter(
        object_id=str(v2.pk), summary__contains="before every party signed").exists()


def test_signed_version_takes_effect_and_replaces_the_old_one(admin_user, today):
    v1 = signed_active(review_cycle_months=12)
    v2 = actions.agreement_new_version(agreement=v1, by=admin_user)
    for party in v2.signatories.select_related("organisation"):
        actions.agreement_sign(agreement=v2, organisation=party.organisation, signed_by="A Name",
                               signed_on=D(2026, 12, 1), by=admin_user)
    actions.agreement_put_into_effect(agreement=v2, effective_on=D(2026, 12, 1), by=admin_user)
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert v1.status == AgreementStatus.SUPERSEDED and v1.replaced_by == v2
    assert (v2.status, v2.effective_from, v2.review_due) == (
        AgreementStatus.ACTIVE, D(2026, 12, 1), D(2027, 12, 1))  # one review cycle later
    assert v2.unsigned_reason == ""
    assert AuditEvent.objects.filter(object_id=str(v1.pk),
                                     summary__startswith="Replaced by version 2").exists()


def test_a_future_date_waits_for_the_daily_job(admin_user, today):
    v1 = signed_active(parties=0)
    v2 = actions.agreement_new_version(agreement=v1, by=admin_user)
    actions.agreement_put_into_effect(agreement=v2, effective_on=D(2027, 1, 1), by=admin_user)
    v1.refresh_from_db()
    v2.refresh_from_db()
    # Not before: the old version stays in force until the date.
    assert (v1.status, v2.status) == (AgreementStatus.ACTIVE, AgreementStatus.SCHEDULED)
    assert actions.agreements_take_effect(on=D(2026, 12, 31)) == []
    assert actions.agreements_take_effect(on=D(2027, 1, 1)) == [v2]
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == (AgreementStatus.SUPERSEDED, AgreementStatus.ACTIVE)
    audit_rows = AuditEvent.objects.count()
    assert actions.agreements_take_effect(on=D(2027, 1, 2)) == []  # idempotent
    assert AuditEvent.objects.count() == audit_rows


def test_the_daily_task_runs_the_job(admin_user, today):
    from partnerships.tasks import agreements_take_effect

    v1 = signed_active(parties=0)
    v2 = actions.agreement_new_version(agreement=v1, by=admin_user)
    actions.agreement_put_into_effect(agreement=v2, effective_on=D(2027, 1, 1), by=admin_user)
    assert agreements_take_effect("2027-01-01") == {"took_effect": 1}
    assert agreements_take_effect("2027-01-01") == {"took_effect": 0}


def test_cannot_take_effect_before_the_version_it_replaces(admin_user, today):
    v1 = signed_active(parties=0)
    v2 = actions.agreement_new_version(agreement=v1, by=admin_user)
    before = state()
    with pytest.raises(DomainError, match="took effect on 1 April 2023"):
        actions.agreement_put_into_effect(agreement=v2, effective_on=D(2023, 1, 1),
                                          by=admin_user)
    assert state() == before


def test_signatures_record_name_role_and_date(admin_user, today):
    draft = AgreementFactory(status=AgreementStatus.DRAFT, effective_from=None)
    nhs = OrganisationFactory(name="Moorside NHS")
    SignatoryFactory(agreement=draft, organisation=nhs, signed_on=None, signed_by="")
    s = actions.agreement_sign(agreement=draft, organisation=nhs, signed_by="Gareth Holt",
                               signer_role="Director of Nursing", signed_on=D(2026, 12, 2),
                               by=admin_user)
    assert (s.signed_by, s.signer_role, s.signed_on) == ("Gareth Holt", "Director of Nursing",
                                                          D(2026, 12, 2))
    with pytest.raises(DomainError, match="already signed version 1 on 2 December 2026"):
        actions.agreement_sign(agreement=draft, organisation=nhs, signed_by="G Holt",
                               signed_on=D(2026, 12, 3), by=admin_user)
    with pytest.raises(DomainError, match="cannot be dated in the future"):
        actions.agreement_sign(agreement=draft, organisation=OrganisationFactory(),
                               signed_by="CEO", signed_on=D(2026, 12, 8), by=admin_user)
    with pytest.raises(DomainError, match="Enter the name"):
        actions.agreement_sign(agreement=draft, organisation=OrganisationFactory(),
                               signed_by="  ", signed_on=D(2026, 12, 1), by=admin_user)


def test_superseded_versions_take_no_more_signatures(admin_user, today):
    v1 = signed_active(parties=0)
    v2 = actions.agreement_new_version(agreement=v1, by=admin_user)
    actions.agreement_put_into_effect(agreement=v2, effective_on=today, by=admin_user)
    v1.refresh_from_db()
    with pytest.raises(DomainError, match="Version 1 is superseded"):
        actions.agreement_sign(agreement=v1, organisation=OrganisationFactory(), signed_by="CEO",
                               signed_on=today, by=admin_user)


def test_parties_are_added_and_withdrawn_only_while_being_agreed(admin_user, today):
    v1 = signed_active(parties=2)
    v2 = actions.agreement_new_version(agreement=v1, by=admin_user)
    newcomer = OrganisationFactory(name="Gamma Housing")
    actions.agreement_party_add(agreement=v2, organisation=newcomer, by=admin_user)
    with pytest.raises(DomainError, match="already a party"):
        actions.agreement_party_add(agreement=v2, organisation=newcomer, by=admin_user)
    leaving = v2.signatories.exclude(organisation=newcomer).first().organisation
    actions.agreement_party_withdraw(agreement=v2, organisation=leaving, by=admin_user,
                                     reason="Contract ended")
    assert set(v2.signatories.values_list("organisation_id", flat=True)) == {
        newcomer.pk, *v1.signatories.exclude(organisation=leaving)
        .values_list("organisation_id", flat=True)}
    assert AuditEvent.objects.filter(action="delete",
                                     summary__contains="withdrawn from version 2").exists()
    with pytest.raises(DomainError, match="parties can no longer change"):
        actions.agreement_party_withdraw(agreement=v1, organisation=leaving, by=admin_user)
    with pytest.raises(DomainError, match="Start a new version"):
        actions.agreement_party_add(agreement=v1, organisation=newcomer, by=admin_user)


def test_review_sets_the_next_review_date(admin_user, today):
    v1 = signed_active(review_cycle_months=12)
    review = actions.agreement_review_record(agreement=v1, reviewed_on=D(2026, 11, 20),
                                             outcome="Continues unchanged", by=admin_user)
    v1.refresh_from_db()
    assert review.next_review_due == D(2027, 11, 20) == v1.review_due
    assert review.recorded_by == admin_user
    before = state()
    with pytest.raises(DomainError, match="cannot be in the future"):
        actions.agreement_review_record(agreement=v1, reviewed_on=D(2026, 12, 8),
                                        outcome="x", by=admin_user)
    with pytest.raises(DomainError, match="next review must be after"):
        actions.agreement_review_record(agreement=v1, reviewed_on=D(2026, 12, 1), outcome="x",
                                        next_review_due=D(2026, 11, 1), by=admin_user)
    with pytest.raises(DomainError, match="Say what the review concluded"):
        actions.agreement_review_record(agreement=v1, reviewed_on=D(2026, 12, 1), outcome=" ",
                                        by=admin_user)
    assert state() == before


def test_end_an_agreement(admin_user, today):
    v1 = signed_active()
    with pytest.raises(DomainError, match="Say why"):
        actions.agreement_end(agreement=v1, ended_on=today, reason="", by=admin_user)
    with pytest.raises(DomainError, match="cannot end before"):
        actions.agreement_end(agreement=v1, ended_on=D(2022, 1, 1), reason="x", by=admin_user)
    actions.agreement_end(agreement=v1, ended_on=D(2026, 11, 30), reason="Service recommissioned",
                          by=admin_user)
    v1.refresh_from_db()
    assert (v1.status, v1.ended_on, v1.end_reason) == (
        AgreementStatus.ENDED, D(2026, 11, 30), "Service recommissioned")
    with pytest.raises(DomainError, match="Only the version in effect can be ended"):
        actions.agreement_end(agreement=v1, ended_on=today, reason="again", by=admin_user)


def test_ending_while_a_new_version_is_drafted_is_refused(admin_user, today):
    v1 = signed_active()
    v2 = actions.agreement_new_version(agreement=v1, by=admin_user)
    with pytest.raises(DomainError, match="Version 2 is being agreed"):
        actions.agreement_end(agreement=v1, ended_on=today, reason="x", by=admin_user)
    actions.agreement_draft_discard(agreement=v2, by=admin_user)
    assert not Agreement.objects.filter(pk=v2.pk).exists()
    assert AuditEvent.objects.filter(summary="Discarded draft version 2").exists()
    actions.agreement_end(agreement=v1, ended_on=today, reason="x", by=admin_user)


def pdf() -> bytes:
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"


def office(kind: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        if kind == "odt":
            z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
            z.writestr("content.xml", "<office:document-content/>")
        else:
            z.writestr("[Content_Types].xml", "<Types/>")
            z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize("name, content", [
    ("terms.pdf", pdf()), ("terms.docx", office("docx")), ("terms.ODT", office("odt")),
])
def test_documents_are_accepted_by_content(admin_user, today, tmp_path, settings, name, content):
    settings.MEDIA_ROOT = tmp_path
    a = actions.agreement_create(partnership=PartnershipFactory(), kind="joint", title="Joint",
                                 by=admin_user, document=SimpleUploadedFile(name, content))
    assert a.document.name.startswith("agreements/")


@pytest.mark.parametrize("name, content, message", [
    ("terms.exe", b"MZ\x90\x00", "must be a PDF, DOCX or ODT"),
    ("terms.doc", b"\xd0\xcf\x11\xe0", "must be a PDF, DOCX or ODT"),
    ("terms.pdf", b"<html><script>alert(1)</script>", "is not a PDF file"),
    ("terms.docx", b"PK\x03\x04 not really a zip", "is not a Word"),
    ("terms.pdf", office("docx"), "holds a Word (DOCX) file. Rename it to .docx"),
    ("terms.odt", office("docx"), "holds a Word (DOCX) file"),
    ("terms.pdf", b"", "empty"),
])
def test_documents_are_refused_by_content(admin_user, today, tmp_path, settings, name, content,
                                          message):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(DomainError, match=message.replace("(", r"\(").replace(")", r"\)")):
        actions.agreement_create(partnership=PartnershipFactory(), kind="joint", title="Joint",
                                 by=admin_user, document=SimpleUploadedFile(name, content))
    assert not Agreement.objects.exists()


def test_documents_over_ten_megabytes_are_refused(admin_user, today, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    assert settings.AGREEMENT_DOCUMENT_MAX_BYTES == 10 * 1024 * 1024
    big = SimpleUploadedFile("terms.pdf", pdf() + b"0" * (10 * 1024 * 1024))
    with pytest.raises(DomainError, match="10 MB or smaller"):
        actions.agreement_create(partnership=PartnershipFactory(), kind="joint", title="Joint",
                                 by=admin_user, document=big)
    assert not Agreement.objects.exists()
