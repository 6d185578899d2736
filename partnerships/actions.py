"""Every write to partnerships, memberships, agreements, lead responsibilities and funding.

Each action is one transaction: it validates (raising ``DomainError`` and changing nothing on
bad input), saves, and writes its audit row before committing. Views, the API, the admin,
management commands and tasks call these; none re-implements them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.files import File
from django.db import transaction

from core import audit, clock
from core.actions import audited_create, audited_update
from core.display import govuk_date
from core.errors import DomainError, full_clean
from core.models import AuditEvent
from core.slugs import unique_slug

from .choices import AgreementStatus, MemberRole, PartnershipStatus
from .models import (
    Activity,
    Agreement,
    Funding,
    LeadResponsibility,
    Membership,
    Organisation,
    Partnership,
    Region,
    Signatory,
)

User = Any  # accounts.User; typed loosely so partnerships does not import accounts


def _create(instance: Any, by: User, summary: str) -> Any:
    return audited_create(instance=instance, by=by, summary=summary)


def _update(instance: Any, by: User, summary: str, **changes: Any) -> Any:
    return audited_update(instance=instance, by=by, summary=summary, **changes)


@transaction.atomic
def organisation_create(*, by: User, name: str, kind: str, identifier: str = "",
                        region: Region | None = None, website: str = "", description: str = "",
                        parent: Organisation | None = None) -> Organisation:
    """Register an organisation."""
    org = Organisation(name=name.strip(), kind=kind, identifier=identifier.strip(), region=region,
                       website=website, description=description, parent=parent,
                       slug=unique_slug(Organisation, name))
    return _create(org, by, "Registered organisation")


@transaction.atomic
def partnership_create(*, by: User, name: str, setting: str, summary: str = "",
                       status: str = PartnershipStatus.FORMING,
                       started_on: datetime.date | None = None,
                       regions: Iterable[Region] = ()) -> Partnership:
    """Register a partnership (members are added with ``membership_add``)."""
    p = Partnership(name=name.strip(), summary=summary, setting=setting, status=status,
                    started_on=started_on, slug=unique_slug(Partnership, name))
    full_clean(p)
    p.save()
    p.regions.set(list(regions))
    audit.record(instance=p, action=AuditEvent.Action.CREATE, by=by,
                 summary="Registered partnership")
    return p


@transaction.atomic
def partnership_end(*, partnership: Partnership, ended_on: datetime.date, by: User,
                    reason: str = "") -> Partnership:
    """End a partnership: its open memberships and lead responsibilities end the same day."""
    if partnership.status == PartnershipStatus.ENDED:
        raise DomainError(f"{partnership} already ended on {govuk_date(partnership.ended_on)}.")
    if partnership.started_on and ended_on < partnership.started_on:
        raise DomainError(
            f"{partnership} started on {govuk_date(partnership.started_on)}; it cannot end before.",
            field="ended_on")
    late = partnership.memberships.filter(joined_on__gt=ended_on).first()
    if late:
        raise DomainError(f"{late.organisation} joined after {govuk_date(ended_on)}; correct that "
                          "membership before ending the partnership.", field="ended_on")
    for resp in partnership.lead_responsibilities.filter(ends_on__isnull=True):
        _update(resp, by, "Ended with the partnership", ends_on=max(ended_on, resp.starts_on))
    for m in partnership.memberships.filter(left_on__isnull=True):
        _update(m, by, "Ended with the partnership", left_on=ended_on)
    return _update(partnership, by, reason or "Ended partnership",
                   status=PartnershipStatus.ENDED, ended_on=ended_on)


@transaction.atomic
def membership_add(*, partnership: Partnership, organisation: Organisation, role: str,
                   joined_on: datetime.date, by: User, left_on: datetime.date | None = None,
                   notes: str = "") -> Membership:
    """Add an organisation to a partnership in a role from ``joined_on``."""
    m = Membership(partnership=partnership, organisation=organisation, role=role,
                   joined_on=joined_on, left_on=left_on, notes=notes)
    return _create(m, by, f"Added {organisation} as {m.get_role_display().lower()}")


@transaction.atomic
def membership_end(*, membership: Membership, left_on: datetime.date, by: User,
                   reason: str = "") -> Membership:
    """Record that an organisation left (the row stays, so the history is kept).

    Lead responsibilities the organisation still holds in the partnership end the same day.
    """
    if membership.left_on is not None:
        raise DomainError(
            f"{membership.organisation} already left on {govuk_date(membership.left_on)}.",
            field="left_on")
    if left_on < membership.joined_on:
        raise DomainError(
            f"The membership cannot end ({govuk_date(left_on)}) before it starts "
            f"({govuk_date(membership.joined_on)}).", field="left_on")
    still_member = (Membership.objects
                    .filter(partnership_id=membership.partnership_id,
                            organisation_id=membership.organisation_id)
                    .exclude(pk=membership.pk).active_on(left_on).exists())
    if not still_member:
        for resp in LeadResponsibility.objects.filter(
                partnership_id=membership.partnership_id,
                organisation_id=membership.organisation_id, ends_on__isnull=True):
            _update(resp, by, "Ended when the organisation left",
                    ends_on=max(left_on, resp.starts_on))
    notes = reason or membership.notes
    return _update(membership, by, reason or "Ended membership", left_on=left_on, notes=notes)


@transaction.atomic
def lead_partner_change(*, partnership: Partnership, organisation: Organisation,
                        on: datetime.date, by: User,
                        previous_lead_continues_as: str | None = None) -> Membership:
    """Make ``organisation`` the lead partner from ``on``: the old lead's lead role ends that day.

    If ``previous_lead_continues_as`` names a role, the previous lead stays a member in it.
    """
    current = (partnership.memberships.select_for_update()
               .filter(role=MemberRole.LEAD_PARTNER, left_on__isnull=True).first())
    if current is not None:
        if current.organisation_id == organisation.pk:
            raise DomainError(f"{organisation} is already the lead partner.", field="organisation")
        if on <= current.joined_on:
            raise DomainError(
                f"{current.organisation} became lead partner on "
                f"{govuk_date(current.joined_on)}; the change must be after that.", field="on")
        _update(current, by, f"Lead role passed to {organisation}", left_on=on)
        if previous_lead_continues_as:
            if previous_lead_continues_as == MemberRole.LEAD_PARTNER:
                raise DomainError("The previous lead cannot continue as lead partner.")
            membership_add(partnership=partnership, organisation=current.organisation,
                           role=previous_lead_continues_as, joined_on=on, by=by,
                           notes="Continued after handing over the lead role")
    return membership_add(partnership=partnership, organisation=organisation,
                          role=MemberRole.LEAD_PARTNER, joined_on=on, by=by)


@transaction.atomic
def activity_create_custom(*, partnership: Partnership, name: str, by: User,
                           description: str = "") -> Activity:
    """Add an activity to one partnership's lead-agency matrix."""
    from django.utils.text import slugify

    a = Activity(partnership=partnership, name=name.strip(), slug=slugify(name)[:140],
                 description=description, is_standard=False)
    return _create(a, by, "Added activity to the lead-agency matrix")


@transaction.atomic
def lead_responsibility_assign(*, partnership: Partnership, activity: Activity,
                               organisation: Organisation, starts_on: datetime.date, by: User,
                               contact: str = "") -> LeadResponsibility:
    """Make ``organisation`` the lead for ``activity`` from ``starts_on``; a current lead
    for that activity hands over on the same day."""
    current = (LeadResponsibility.objects.select_for_update()
               .filter(partnership=partnership, activity=activity, ends_on__isnull=True).first())
    new = LeadResponsibility(partnership=partnership, activity=activity,
                             organisation=organisation, starts_on=starts_on, contact=contact)
    # Check membership before touching the current lead, so a refusal changes nothing.
    _check_member(new)
    if current is not None:
        if current.organisation_id == organisation.pk:
            raise DomainError(f"{organisation} already leads '{activity}'.", field="organisation")
        if starts_on <= current.starts_on:
            raise DomainError(
                f"{current.organisation} has led '{activity}' since "
                f"{govuk_date(current.starts_on)}; the handover must be after that.",
                field="starts_on")
        _update(current, by, f"Handed over to {organisation}", ends_on=starts_on)
    return _create(new, by, f"{organisation} leads {activity}")


def _check_member(lr: LeadResponsibility) -> None:
    if not (Membership.objects.filter(partnership=lr.partnership, organisation=lr.organisation)
            .active_on(lr.starts_on).exists()):
        raise DomainError(
            f"{lr.organisation} is not a current member of {lr.partnership} on "
            f"{govuk_date(lr.starts_on)}. Add it as a member before giving it a lead role.",
            field="organisation")


@transaction.atomic
def lead_responsibility_end(*, responsibility: LeadResponsibility, ends_on: datetime.date,
                            by: User) -> LeadResponsibility:
    """End a lead responsibility (the activity then has no lead until one is assigned)."""
    if responsibility.ends_on is not None:
        raise DomainError("This responsibility has already ended.", field="ends_on")
    return _update(responsibility, by, "Ended lead responsibility", ends_on=ends_on)


@transaction.atomic
def agreement_create(*, partnership: Partnership, kind: str, title: str, by: User,
                     reference: str = "", status: str = AgreementStatus.DRAFT, summary: str = "",
                     effective_from: datetime.date | None = None,
                     review_due: datetime.date | None = None,
                     expires_on: datetime.date | None = None,
                     document: File | None = None) -> Agreement:
    """Record the first version of an agreement."""
    from django.utils.text import slugify

    a = Agreement(partnership=partnership, kind=kind, title=title.strip(),
                  reference=reference or slugify(title)[:80], version=1, status=status,
                  summary=summary, effective_from=effective_from, review_due=review_due,
                  expires_on=expires_on)
    if document is not None:
        a.document = document
    return _create(a, by, "Recorded agreement")


@transaction.atomic
def agreement_activate(*, agreement: Agreement, by: User,
                       effective_from: datetime.date | None = None) -> Agreement:
    """Put a draft agreement into effect."""
    if agreement.status != AgreementStatus.DRAFT:
        raise DomainError(f"Only a draft can be put into effect; this version is "
                          f"{agreement.get_status_display().lower()}.", field="status")
    return _update(agreement, by, "Put into effect", status=AgreementStatus.ACTIVE,
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
    _update(agreement, by, f"Superseded: {reason}", status=AgreementStatus.SUPERSEDED)
    new = Agreement(
        partnership=agreement.partnership, kind=agreement.kind, reference=agreement.reference,
        title=title or agreement.title, version=agreement.version + 1,
        status=AgreementStatus.ACTIVE, summary=agreement.summary if summary is None else summary,
        effective_from=effective_from, review_due=review_due, expires_on=expires_on,
        replaces=agreement, change_reason=reason.strip(),
    )
    new.document = document if document is not None else agreement.document
    _create(new, by, f"New version: {reason}")
    for s in agreement.signatories.select_related("organisation"):
        # The parties carry over, unsigned: each signs the new version.
        _create(Signatory(agreement=new, organisation=s.organisation), by,
                f"{s.organisation} is a party to version {new.version}")
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
        return _create(s, by, f"Signed by {organisation}")
    if s.signed_on:
        raise DomainError(f"{organisation} already signed on {govuk_date(s.signed_on)}.")
    return _update(s, by, f"Signed by {organisation}", signed_by=signed_by, signed_on=signed_on)


@transaction.atomic
def funding_add(*, partnership: Partnership, funder: Organisation, amount: Decimal, source: str,
                period_start: datetime.date, period_end: datetime.date, by: User,
                recipient: Organisation | None = None, reference: str = "") -> Funding:
    """Record funding for a partnership for a period."""
    f = Funding(partnership=partnership, funder=funder, recipient=recipient, source=source,
                amount=Decimal(amount), period_start=period_start, period_end=period_end,
                reference=reference)
    return _create(f, by, "Recorded funding")
