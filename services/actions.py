"""Writes to the service directory: each validates, saves and audits in one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from core import audit
from core.errors import full_clean
from core.models import AuditEvent
from core.slugs import unique_slug
from partnerships.models import Organisation, Partnership, Region

from .models import Location, Service, ServiceAtLocation, ServiceCategory


@transaction.atomic
def service_create(*, provider: Organisation, name: str, by: Any,
                   categories: Iterable[ServiceCategory] = (),
                   partnership: Partnership | None = None, **fields: Any) -> Service:
    """Add a service to the directory (``fields``: description, eligibility, referral routes)."""
    service = Service(provider=provider, partnership=partnership, name=name.strip(),
                      slug=unique_slug(Service, f"{name} {provider.name}"), **fields)
    full_clean(service)
    service.save()
    service.categories.set(list(categories))  # before the audit row, so it lists them
    audit.record(instance=service, action=AuditEvent.Action.CREATE, by=by,
                 summary="Added service")
    return service


@transaction.atomic
def location_create(*, name: str, kind: str, by: Any, region: Region | None = None,
                    **fields: Any) -> Location:
    """Add a place where services are delivered."""
    location = Location(name=name.strip(), kind=kind, region=region,
                        slug=unique_slug(Location, name), **fields)
    full_clean(location)
    location.save()
    audit.record(instance=location, action=AuditEvent.Action.CREATE, by=by,
                 summary="Added location")
    return location


@transaction.atomic
def service_deliver_at(*, service: Service, location: Location, by: Any,
                       co_located: bool = False, notes: str = "") -> ServiceAtLocation:
    """Record that a service is delivered at a location (co-located: staff based there)."""
    site = ServiceAtLocation(service=service, location=location, co_located=co_located,
                             notes=notes)
    full_clean(site)
    site.save()
    audit.record(instance=site, action=AuditEvent.Action.CREATE, by=by,
                 summary="Delivered at location")
    return site
