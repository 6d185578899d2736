"""Agreements: recording, putting into effect, superseding with a new version, and signing."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.core.files import File
from django.db import transaction
from django.utils.text import slugify

from core import clock
from core.actions import audited_create, audited_update
from core.display import govuk_date
from core.errors import DomainError

from ..choices import AgreementStatus
from ..models import (
    Agreement,
    Organisation,
    Partnership,
    Signatory,
)

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def agreement_create(*, partnership: Partnership, kind: str, title: str, by: User,
                     reference: str = "", status: str = AgreementStatus.DRAFT, summary: str = "",
                     effective_from: datetime.date | None = None,
                     review_due: datetime.date | None = None,
                     expires_on: datetime.date | None = None,
                     document: File | None = None) -> Agreement:
    """Record the first version of an agreement."""
    a = Agreement(partnership=partnership, kind=kind, title=title.strip(),
                  reference=reference or slugify(title)[:80], version=1, status=status,
                  summary=summary, effective_from=effective_from, review_due=review_due,
                  expires_on=expires_on)
    if document is not None:
        a.document = document
    return audited_create(instance=a, by=by, summary="Recorded agreement")


@transaction.atomic
def agreement_activate(*, agreement: Agreement, by: User,
                       effective_from: datetime.date | None = None) -> Agreement:
    """Put a draft agreement into effect."""
    if agreement.status != AgreementStatus.DRAFT:
        raise DomainError(f"Only a draft can be put into effect; this version is "
                          f"{agreement.get_status_display().lower()}.", field="status")
    return audited_update(instance=agreement, by=by, summary="Put into effect",
                          status=AgreementStatus.ACTIVE,
                          effective_from=effective_from or agreement.effective_from)


@transaction.atomic
def agreement_supersede(*, agreement: Agreement, by: User, reason: str,
                        effective_from: datetime.date, title: str | None = None,
                        summary: str | None = None, review_due: datetime.date | None = None,
                        expires_on: datetime.date | None = None,
                        document: File | None = None) -> Agreement:
    """Replace an active agreement with a new version; the old one becomes superseded and the
    new one links back to it with the reason, so the version chain is kept."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if not reason.strip():
        raise DomainError("Say why the agreement is changing.", field="reason")
    if hasattr(agreement, "replaced_by"):
        raise DomainError(f"Version {agreement.version} has already been replaced by version "
                          f"{agreement.replaced_by.version}.")
    if agreement.status != AgreementStatus.ACTIVE:
        raise DomainError(f"Only the active version can be superseded; version "
                          f"{agreement.version} is {agreement.get_status_display().lower()}.")
    if agreement.effective_from and effective_from < agreement.effective_from:
        raise DomainError(
            f"The new version cannot take effect before the version it replaces "
            f"({govuk_date(agreement.effective_from)}).", field="effective_from")
    audited_update(instance=agreement, by=by, summary=f"Superseded: {reason}",
                   status=AgreementStatus.SUPERSEDED)
    new = Agreement(
        partnership=agreement.partnership, kind=agreement.kind, reference=agreement.reference,
        title=title or agreement.title, version=agreement.version + 1,
        status=AgreementStatus.ACTIVE, summary=agreement.summary if summary is None else summary,
        effective_from=effective_from, review_due=review_due, expires_on=expires_on,
        replaces=agreement, change_reason=reason.strip(),
    )
    new.document = document if document is not None else agreement.document
    audited_create(instance=new, by=by, summary=f"New version: {reason}")
    for s in agreement.signatories.select_related("organisation"):
        # The parties carry over, unsigned: each signs the new version.
        audited_create(instance=Signatory(agreement=new, organisation=s.organisation), by=by,
                       summary=f"{s.organisation} is a party to version {new.version}")
    return new


@transaction.atomic
def agreement_sign(*, agreement: Agreement, organisation: Organisation, signed_by: str,
                   signed_on: datetime.date, by: User) -> Signatory:
    """Record an organisation's signature (adding it as a party if it was not one)."""
    if agreement.status in (AgreementStatus.SUPERSEDED, AgreementStatus.EXPIRED):
        raise DomainError(f"Version {agreement.version} is "
                          f"{agreement.get_status_display().lower()}; sign the current version.")
    if signed_on > clock.today():
        raise DomainError("A signature cannot be dated in the future.", field="signed_on")
    s = Signatory.objects.filter(agreement=agreement, organisation=organisation).first()
    if s is None:
        s = Signatory(agreement=agreement, organisation=organisation, signed_by=signed_by,
                      signed_on=signed_on)
        return audited_create(instance=s, by=by, summary=f"Signed by {organisation}")
    if s.signed_on:
        raise DomainError(f"{organisation} already signed on {govuk_date(s.signed_on)}.")
    return audited_update(instance=s, by=by, summary=f"Signed by {organisation}",
                          signed_by=signed_by, signed_on=signed_on)
