"""Agreements: the database's rules on versions, one active version, signatories and review
dates (the lifecycle actions are in test_agreement_lifecycle.py)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.errors import DomainError
from core.models import AuditEvent
from partnerships import actions
from partnerships.choices import AgreementKind, AgreementStatus
from partnerships.models import Agreement, Signatory
from tests.partnerships.factories import (
    AgreementFactory,
    DraftAgreementFactory,
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


def test_signatory_once_per_agreement():
    s = SignatoryFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Signatory.objects.create(agreement=s.agreement, organisation=s.organisation)


def test_review_overdue_on_matches_the_queryset():
    overdue = OverdueAgreementFactory()
    current = AgreementFactory()
    draft = DraftAgreementFactory(effective_from=None, review_due=D(2000, 1, 1))
    in_sql = set(Agreement.objects.review_overdue())
    for a in (overdue, current, draft):
        assert a.review_overdue_on() is (a in in_sql)
    assert not overdue.review_overdue_on(D(2021, 9, 30))  # the day before it falls due
