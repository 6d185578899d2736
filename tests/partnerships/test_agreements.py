"""Agreements: versions, one active version, signatories, review dates."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from core.errors import DomainError
from core.models import AuditEvent
from partnerships import actions
from partnerships.choices import AgreementKind, AgreementStatus
from partnerships.models import Agreement, Signatory
from tests.partnerships.factories import (
    AgreementFactory,
    DraftAgreementFactory,
    OrganisationFactory,
    OverdueAgreementFactory,
    PartnershipFactory,
    SignatoryFactory,
)

pytestmark = pytest.mark.django_db
D = dt.date


def state():
    return (Agreement.objects.count(), Signatory.objects.count(), AuditEvent.objects.count(),
            list(Agreement.objects.order_by("pk").values_list("status", flat=True)))


def test_create_agreement_derives_reference_and_audits(admin_user):
    p = PartnershipFactory()
    a = actions.agreement_create(partnership=p, kind=AgreementKind.INFORMATION_SHARING,
                                 title="Information Sharing Protocol", by=admin_user,
                                 effective_from=D(2024, 1, 1), review_due=D(2025, 1, 1))
    assert a.reference == "information-sharing-protocol" and a.version == 1
    assert a.status == AgreementStatus.DRAFT
    assert AuditEvent.objects.filter(content_type__model="agreement", action="create",
                                     partnership_id=p.pk).count() == 1


def test_supersede_keeps_the_version_chain(admin_user):
    v1 = AgreementFactory(effective_from=D(2013, 10, 1))
    SignatoryFactory(agreement=v1)
    v2 = actions.agreement_supersede(agreement=v1, by=admin_user, effective_from=D(2016, 4, 1),
                                     reason="Two providers joined", review_due=D(2017, 4, 1))
    v1.refresh_from_db()
    assert v1.status == AgreementStatus.SUPERSEDED
    assert v2.version == 2 and v2.status == AgreementStatus.ACTIVE
    assert v2.replaces == v1 and v1.replaced_by == v2
    assert v2.change_reason == "Two providers joined"
    assert v2.reference == v1.reference and v2.title == v1.title
    # the parties carry over, unsigned, to sign the new version
    assert list(v2.signatories.values_list("organisation", "signed_on")) == [
        (v1.signatories.get().organisation_id, None)]
    v3 = actions.agreement_supersede(agreement=v2, by=admin_user, effective_from=D(2019, 4, 1),
                                     reason="Annual refresh")
    chain = [v3.version, v3.replaces.version, v3.replaces.replaces.version]
    assert chain == [3, 2, 1]
    summaries = set(AuditEvent.objects.filter(content_type__model="agreement")
                    .values_list("summary", flat=True))
    assert "Superseded: Two providers joined" in summaries
    assert "New version: Two providers joined" in summaries
    assert AuditEvent.objects.filter(content_type__model="signatory", object_id=str(
        v2.signatories.get().pk), summary__endswith="is a party to version 2").exists()


@pytest.mark.parametrize("make, kwargs, message", [
    (DraftAgreementFactory, {}, "Only the active version can be superseded"),
    (AgreementFactory, {"reason": "  "}, "Say why the agreement is changing"),
    (AgreementFactory, {"effective_from": D(2019, 1, 1)}, "cannot take effect before"),
])
def test_supersede_bad_inputs_change_nothing(admin_user, make, kwargs, message):
    a = make(effective_from=D(2020, 10, 1))
    before = state()
    args = {"reason": "Refresh", "effective_from": D(2022, 1, 1)} | kwargs
    with pytest.raises(DomainError, match=message):
        actions.agreement_supersede(agreement=a, by=admin_user, **args)
    assert state() == before


def test_superseding_an_old_version_again_is_refused(admin_user):
    v1 = AgreementFactory()
    actions.agreement_supersede(agreement=v1, by=admin_user, effective_from=D(2022, 1, 1),
                                reason="Refresh")
    v1.refresh_from_db()
    with pytest.raises(DomainError, match="already been replaced by version 2"):
        actions.agreement_supersede(agreement=v1, by=admin_user, effective_from=D(2023, 1, 1),
                                    reason="Again")


def test_second_active_version_of_the_same_agreement_is_refused(admin_user):
    v1 = AgreementFactory()
    draft = DraftAgreementFactory(partnership=v1.partnership, reference=v1.reference, version=2,
                                  replaces=v1)
    before = state()
    with pytest.raises(DomainError, match="Another version of this agreement is already active"):
        actions.agreement_activate(agreement=draft, by=admin_user)
    assert state() == before
    draft.refresh_from_db()
    assert draft.status == AgreementStatus.DRAFT


def test_database_refuses_two_active_versions():
    v1 = AgreementFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Agreement.objects.create(partnership=v1.partnership, kind=v1.kind, reference=v1.reference,
                                 title=v1.title, version=2, status=AgreementStatus.ACTIVE,
                                 effective_from=D(2022, 1, 1))


def test_other_agreements_may_be_active_together():
    a = AgreementFactory()
    b = AgreementFactory(partnership=a.partnership, kind=AgreementKind.INFORMATION_SHARING)
    assert Agreement.objects.in_force().filter(partnership=a.partnership).count() == 2
    assert b.reference != a.reference


def test_activate_draft(admin_user):
    draft = DraftAgreementFactory(effective_from=None)
    with pytest.raises(DomainError, match="needs the date it takes effect"):
        actions.agreement_activate(agreement=draft, by=admin_user)
    assert draft.status == AgreementStatus.DRAFT  # the refused change left the object alone
    actions.agreement_activate(agreement=draft, by=admin_user, effective_from=D(2024, 1, 1))
    draft.refresh_from_db()
    assert draft.status == AgreementStatus.ACTIVE
    with pytest.raises(DomainError, match="Only a draft can be put into effect"):
        actions.agreement_activate(agreement=draft, by=admin_user)


@pytest.mark.parametrize("field, value, message", [
    ("review_due", D(2020, 1, 1), "review date cannot be before"),
    ("expires_on", D(2020, 1, 1), "cannot expire before it takes effect"),
])
def test_agreement_dates_in_order(admin_user, field, value, message):
    p = PartnershipFactory()
    with pytest.raises(DomainError, match=message):
        actions.agreement_create(partnership=p, kind=AgreementKind.JOINT, title="Joint agreement",
                                 by=admin_user, effective_from=D(2021, 1, 1), **{field: value})
    assert not Agreement.objects.exists()


def test_version_must_replace_same_agreement_with_higher_number():
    v1 = AgreementFactory()
    other = AgreementFactory(partnership=v1.partnership)
    bad = Agreement(partnership=v1.partnership, kind=v1.kind, reference=v1.reference, title="x",
                    version=2, status=AgreementStatus.DRAFT, replaces=other)
    with pytest.raises(ValidationError, match="earlier version of the same agreement"):
        bad.full_clean()
    low = Agreement(partnership=v1.partnership, kind=v1.kind, reference=v1.reference, title="x",
                    version=1, status=AgreementStatus.DRAFT, replaces=v1)
    with pytest.raises(ValidationError, match="number it higher"):
        low.full_clean()


def test_review_overdue_queryset():
    overdue = OverdueAgreementFactory()
    AgreementFactory()  # review in 2030
    DraftAgreementFactory(effective_from=None, review_due=D(2000, 1, 1))  # drafts are not in force
    assert list(Agreement.objects.review_overdue()) == [overdue]


def test_sign_agreement(admin_user):
    a = AgreementFactory()
    prison = OrganisationFactory(kind="prison")
    s = actions.agreement_sign(agreement=a, organisation=prison, signed_by="Governor",
                               signed_on=D(2021, 2, 1), by=admin_user)
    assert s.signed_on == D(2021, 2, 1)
    with pytest.raises(DomainError, match="already signed on 1 February 2021"):
        actions.agreement_sign(agreement=a, organisation=prison, signed_by="Governor",
                               signed_on=D(2021, 3, 1), by=admin_user)
    with pytest.raises(DomainError, match="cannot be dated in the future"):
        actions.agreement_sign(agreement=a, organisation=OrganisationFactory(), signed_by="CEO",
                               signed_on=dt.date.today() + dt.timedelta(days=30), by=admin_user)


def test_cannot_sign_a_superseded_version(admin_user):
    v1 = AgreementFactory()
    actions.agreement_supersede(agreement=v1, by=admin_user, effective_from=D(2022, 1, 1),
                                reason="Refresh")
    v1.refresh_from_db()
    with pytest.raises(DomainError, match="sign the current version"):
        actions.agreement_sign(agreement=v1, organisation=OrganisationFactory(), signed_by="CEO",
                               signed_on=D(2022, 2, 1), by=admin_user)


def test_signatory_once_per_agreement():
    s = SignatoryFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Signatory.objects.create(agreement=s.agreement, organisation=s.organisation)


def test_document_upload_types_and_size(admin_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    p = PartnershipFactory()
    exe = SimpleUploadedFile("agreement.exe", b"MZ...", content_type="application/octet-stream")
    with pytest.raises(DomainError, match="File extension"):
        actions.agreement_create(partnership=p, kind="joint", title="Joint", by=admin_user,
                                 document=exe)
    settings.AGREEMENT_DOCUMENT_MAX_BYTES = 10
    big = SimpleUploadedFile("agreement.pdf", b"%PDF-" + b"x" * 20)
    with pytest.raises(DomainError, match="must be 0 MB or smaller"):
        actions.agreement_create(partnership=p, kind="joint", title="Joint", by=admin_user,
                                 document=big)
    settings.AGREEMENT_DOCUMENT_MAX_BYTES = 1024
    ok = actions.agreement_create(partnership=p, kind="joint", title="Joint", by=admin_user,
                                  document=SimpleUploadedFile("agreement.pdf", b"%PDF-1.4"))
    assert ok.document.name.startswith("agreements/") and ok.document.name.endswith(".pdf")
    assert Agreement.objects.count() == 1


def test_review_overdue_on_matches_the_queryset():
    overdue = OverdueAgreementFactory()
    current = AgreementFactory()
    draft = DraftAgreementFactory(effective_from=None, review_due=D(2000, 1, 1))
    in_sql = set(Agreement.objects.review_overdue())
    for a in (overdue, current, draft):
        assert a.review_overdue_on() is (a in in_sql)
    assert not overdue.review_overdue_on(D(2021, 9, 30))  # the day before it falls due
