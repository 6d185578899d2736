"""Who is in a partnership: adding and ending memberships, and handing over the lead partner
role (memberships keep their history: ended, never deleted)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import transaction

from core.actions import audited_create, audited_update
from core.display import govuk_date
from core.errors import DomainError

from ..choices import MemberRole
from ..models import Membership, Organisation, Partnership
from ..selectors.leads import leads_ending_with
from . import events

if TYPE_CHECKING:
    from accounts.models import User


def _membership_add(*, partnership: Partnership, organisation: Organisation, role: str,
                    joined_on: datetime.date, by: User | None,
                    left_on: datetime.date | None = None, notes: str = "") -> Membership:
    m = Membership(partnership=partnership, organisation=organisation, role=role,
                   joined_on=joined_on, left_on=left_on, notes=notes)
    return audited_create(instance=m, by=by,
                          summary=f"Added {organisation} as {m.get_role_display().lower()}")


@transaction.atomic
def membership_add(*, partnership: Partnership, organisation: Organisation, role: str,
                   joined_on: datetime.date, by: User | None, left_on: datetime.date | None = None,
                   notes: str = "") -> Membership:
    """Add an organisation to a partnership in a role from ``joined_on``; its partnership
    managers are told."""
    m = _membership_add(partnership=partnership, organisation=organisation, role=role,
                        joined_on=joined_on, by=by, left_on=left_on, notes=notes)
    events.membership_added(m, by)
    return m


def _end_responsibilities(*, membership: Membership, left_on: datetime.date,
                          by: User | None) -> None:
    """End the lead responsibilities that would outlast the membership ending on ``left_on``."""
    for resp in leads_ending_with(membership, left_on).select_for_update():
        audited_update(instance=resp, by=by, summary="Ended when the organisation left",
                       ends_on=max(left_on, resp.starts_on))


@transaction.atomic
def membership_end(*, membership: Membership, left_on: datetime.date, by: User | None,
                   reason: str = "") -> Membership:
    """Record that an organisation left: from ``left_on`` it is no longer a member (the row
    stays, so the history is kept). Its lead responsibilities in the partnership end the same
    day, unless it stays a member in another role. Its partnership managers are told."""
    ended = _membership_end(membership=membership, left_on=left_on, by=by, reason=reason)
    events.membership_ended(ended, by)
    return ended


def _membership_end(*, membership: Membership, left_on: datetime.date, by: User | None,
                    reason: str = "") -> Membership:
    if membership.left_on is not None:
        raise DomainError(
            f"{membership.organisation} already left on {govuk_date(membership.left_on)}.",
            field="left_on")
    if left_on < membership.joined_on:
        raise DomainError(
            f"The membership cannot end ({govuk_date(left_on)}) before it starts "
            f"({govuk_date(membership.joined_on)}).", field="left_on")
    _end_responsibilities(membership=membership, left_on=left_on, by=by)
    notes = reason or membership.notes
    return audited_update(instance=membership, by=by, summary=reason or "Ended membership",
                          left_on=left_on, notes=notes)


@transaction.atomic
def lead_partner_change(*, partnership: Partnership, organisation: Organisation,
                        effective_on: datetime.date, by: User | None,
                        previous_lead_continues_as: str | None = None) -> Membership:
    """Make ``organisation`` the lead partner from ``effective_on``: the old lead's lead role
    ends the day before (history kept). If ``previous_lead_continues_as`` names a role, the old
    lead stays a member in it; otherwise it leaves and its lead responsibilities end. If the
    new lead was a member in another role, that membership gives way to the lead role.

    The partnership managers of every member are told once (``lead_partner_changed``), not
    also of the memberships this rearranges."""
    current = (partnership.memberships.select_for_update()
               .filter(role=MemberRole.LEAD_PARTNER, left_on__isnull=True).first())
    if previous_lead_continues_as == MemberRole.LEAD_PARTNER:
        raise DomainError("The previous lead cannot continue as lead partner: choose another "
                          "role, or let it leave.", field="previous_lead_continues_as")
    if current is not None:
        if current.organisation_id == organisation.pk:
            raise DomainError(f"{organisation} is already the lead partner.", field="organisation")
        if effective_on <= current.joined_on:
            raise DomainError(
                f"{current.organisation} became lead partner on "
                f"{govuk_date(current.joined_on)}; the change must be after that.",
                field="effective_on")
        if previous_lead_continues_as:
            audited_update(instance=current, by=by, left_on=effective_on,
                           notes=f"Handed the lead role to {organisation}",
                           summary=f"Lead role passed to {organisation}")
            _membership_add(partnership=partnership, organisation=current.organisation,
                            role=previous_lead_continues_as, joined_on=effective_on, by=by,
                            notes="Continued after handing over the lead role")
        else:
            _membership_end(membership=current, left_on=effective_on, by=by,
                            reason=f"Lead role passed to {organisation}")
    for other in (partnership.memberships.select_for_update()
                  .filter(organisation=organisation, left_on__isnull=True,
                          joined_on__lt=effective_on)):
        audited_update(instance=other, by=by, left_on=effective_on,
                       notes="Became the lead partner",
                       summary="Became the lead partner")
    lead = _membership_add(partnership=partnership, organisation=organisation,
                           role=MemberRole.LEAD_PARTNER, joined_on=effective_on, by=by)
    events.lead_partner_changed(lead, by)
    return lead
