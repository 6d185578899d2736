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
from ..models import (
    LeadResponsibility,
    Membership,
    Organisation,
    Partnership,
)

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def membership_add(*, partnership: Partnership, organisation: Organisation, role: str,
                   joined_on: datetime.date, by: User, left_on: datetime.date | None = None,
                   notes: str = "") -> Membership:
    """Add an organisation to a partnership in a role from ``joined_on``."""
    m = Membership(partnership=partnership, organisation=organisation, role=role,
                   joined_on=joined_on, left_on=left_on, notes=notes)
    return audited_create(instance=m, by=by,
                          summary=f"Added {organisation} as {m.get_role_display().lower()}")


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
            audited_update(instance=resp, by=by, summary="Ended when the organisation left",
                           ends_on=max(left_on, resp.starts_on))
    notes = reason or membership.notes
    return audited_update(instance=membership, by=by, summary=reason or "Ended membership",
                          left_on=left_on, notes=notes)


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
        audited_update(instance=current, by=by, summary=f"Lead role passed to {organisation}",
                       left_on=on)
        if previous_lead_continues_as:
            if previous_lead_continues_as == MemberRole.LEAD_PARTNER:
                raise DomainError("The previous lead cannot continue as lead partner.")
            membership_add(partnership=partnership, organisation=current.organisation,
                           role=previous_lead_continues_as, joined_on=on, by=by,
                           notes="Continued after handing over the lead role")
    return membership_add(partnership=partnership, organisation=organisation,
                          role=MemberRole.LEAD_PARTNER, joined_on=on, by=by)
