"""Registering organisations and partnerships, and ending a partnership."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction

from core import audit
from core.actions import audited_create, audited_update
from core.display import govuk_date
from core.errors import DomainError, full_clean
from core.models import AuditEvent
from core.slugs import unique_slug

from ..choices import PartnershipStatus
from ..models import (
    Organisation,
    Partnership,
    Region,
)

if TYPE_CHECKING:
    from accounts.models import User


def _check_identifier_free(identifier: str, organisation: Organisation | None = None) -> None:
    """An identifier names one organisation: say which field clashes, and with whom (the
    database's own refusal names only its constraint)."""
    if not identifier:
        return
    clash = Organisation.objects.filter(identifier=identifier)
    if organisation is not None:
        clash = clash.exclude(pk=organisation.pk)
    other = clash.first()
    if other is not None:
        raise DomainError(f"{other} already has this identifier.", field="identifier")


@transaction.atomic
def organisation_create(*, by: User, name: str, kind: str, identifier: str = "",
                        region: Region | None = None, website: str = "", description: str = "",
                        parent: Organisation | None = None) -> Organisation:
    """Register an organisation."""
    _check_identifier_free(identifier.strip())
    org = Organisation(name=name.strip(), kind=kind, identifier=identifier.strip(), region=region,
                       website=website, description=description, parent=parent,
                       slug=unique_slug(Organisation, name))
    return audited_create(instance=org, by=by, summary="Registered organisation")


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
        audited_update(instance=resp, by=by, summary="Ended with the partnership",
                       ends_on=max(ended_on, resp.starts_on))
    for m in partnership.memberships.filter(left_on__isnull=True):
        audited_update(instance=m, by=by, summary="Ended with the partnership", left_on=ended_on)
    return audited_update(instance=partnership, by=by, summary=reason or "Ended partnership",
                          status=PartnershipStatus.ENDED, ended_on=ended_on)


#: What ``partnership_update`` may change; status and dates change through their own actions.
PARTNERSHIP_FIELDS = frozenset({"name", "summary", "setting", "started_on"})
ORGANISATION_FIELDS = frozenset({"name", "kind", "identifier", "region", "website",
                                 "description", "parent"})


@transaction.atomic
def partnership_update(*, partnership: Partnership, by: User | None,
                       regions: Iterable[Region] | None = None, **changes: Any) -> Partnership:
    """Change a partnership's details (name, summary, setting, start date, regions). The slug
    stays, so links and API clients keep working after a rename."""
    unknown = set(changes) - PARTNERSHIP_FIELDS
    if unknown:
        raise DomainError(f"These cannot be changed here: {', '.join(sorted(unknown))}.")
    if "name" in changes:
        changes["name"] = str(changes["name"]).strip()
    if changes:
        audited_update(instance=partnership, by=by, summary="Changed details", fields=changes)
    if regions is not None:
        new = sorted(r.pk for r in regions)
        old = sorted(partnership.regions.values_list("pk", flat=True))
        if new != old:
            partnership.regions.set(new)
            audit.record(instance=partnership, action=AuditEvent.Action.UPDATE, by=by,
                         summary="Changed regions served",
                         changes={"regions": [old, new]})
    return partnership


@transaction.atomic
def organisation_update(*, organisation: Organisation, by: User | None,
                        **changes: Any) -> Organisation:
    """Change an organisation's details; its slug stays."""
    unknown = set(changes) - ORGANISATION_FIELDS
    if unknown:
        raise DomainError(f"These cannot be changed here: {', '.join(sorted(unknown))}.")
    for name in ("name", "identifier"):
        if name in changes:
            changes[name] = str(changes[name]).strip()
    if "identifier" in changes:
        _check_identifier_free(changes["identifier"], organisation)
    return audited_update(instance=organisation, by=by, summary="Changed details", **changes)
