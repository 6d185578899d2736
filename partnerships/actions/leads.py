"""The lead-agency matrix: custom activities and which organisation leads each one."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.text import slugify

from core.actions import audited_create, audited_update
from core.display import govuk_date
from core.errors import DomainError

from ..models import (
    Activity,
    LeadResponsibility,
    Membership,
    Organisation,
    Partnership,
)

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def activity_create_custom(*, partnership: Partnership, name: str, by: User,
                           description: str = "") -> Activity:
    """Add an activity to one partnership's lead-agency matrix."""
    a = Activity(partnership=partnership, name=name.strip(), slug=slugify(name)[:140],
                 description=description, is_standard=False)
    return audited_create(instance=a, by=by, summary="Added activity to the lead-agency matrix")


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
        audited_update(instance=current, by=by, summary=f"Handed over to {organisation}",
                       ends_on=starts_on)
    return audited_create(instance=new, by=by, summary=f"{organisation} leads {activity}")


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
    return audited_update(instance=responsibility, by=by, summary="Ended lead responsibility",
                          ends_on=ends_on)
