"""The lead-agency matrix: custom activities and which organisation leads each one."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.text import slugify

from core.actions import audited_create, audited_update
from core.display import govuk_date
from core.errors import DomainError

from ..models import Activity, LeadResponsibility, Organisation, Partnership
from ..validators import check_lead_is_member

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
                               organisation: Organisation, starts_on: datetime.date,
                               by: User | None, ends_on: datetime.date | None = None,
                               contact: str = "") -> LeadResponsibility:
    """Make ``organisation`` the lead for ``activity`` from ``starts_on`` (to ``ends_on``, or
    open-ended); a current open-ended lead for that activity hands over on the same day. The
    organisation must be a member on every day it leads."""
    current = (LeadResponsibility.objects.select_for_update()
               .filter(partnership=partnership, activity=activity, ends_on__isnull=True).first())
    new = LeadResponsibility(partnership=partnership, activity=activity,
                             organisation=organisation, starts_on=starts_on, ends_on=ends_on,
                             contact=contact)
    # Check membership before touching the current lead, so a refusal changes nothing.
    check_lead_is_member(new)
    if current is not None and current.starts_on < starts_on:
        if current.organisation_id == organisation.pk and ends_on is None:
            raise DomainError(f"{organisation} already leads '{activity}'.", field="organisation")
        audited_update(instance=current, by=by, summary=f"Handed over to {organisation}",
                       ends_on=starts_on)
    elif current is not None:
        raise DomainError(
            f"{current.organisation} has led '{activity}' since "
            f"{govuk_date(current.starts_on)}; the new lead must start after that.",
            field="starts_on")
    return audited_create(instance=new, by=by, summary=f"{organisation} leads {activity}")


@transaction.atomic
def lead_responsibility_end(*, responsibility: LeadResponsibility, ends_on: datetime.date,
                            by: User) -> LeadResponsibility:
    """End a lead responsibility (the activity then has no lead until one is assigned)."""
    if responsibility.ends_on is not None:
        raise DomainError("This responsibility has already ended.", field="ends_on")
    if ends_on < responsibility.starts_on:
        raise DomainError(f"It started on {govuk_date(responsibility.starts_on)}; it cannot end "
                          "before that.", field="ends_on")
    return audited_update(instance=responsibility, by=by, summary="Ended lead responsibility",
                          ends_on=ends_on)
