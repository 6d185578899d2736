"""The organisation page: the partnerships an organisation is and was in (every role it held),
its group, the activities it leads, the services it provides and the sites it runs."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch
from django.http import Http404

from core import clock
from partnerships.models import LeadResponsibility, Membership, Organisation, Partnership
from services.models import Location, Service, ServiceAtLocation


@dataclass
class OrganisationPartnership:
    """An organisation's part in one partnership: every role it held there, newest first."""

    partnership: Partnership
    memberships: list[Membership]
    is_current: bool
    today: datetime.date

    @property
    def current_roles(self) -> list[Membership]:
        return [m for m in self.memberships if m.left_on is None or m.left_on > self.today]

    @property
    def earlier_roles(self) -> list[Membership]:
        return [m for m in self.memberships if m.left_on and m.left_on <= self.today]

    @property
    def first_joined(self) -> datetime.date:
        return min(m.joined_on for m in self.memberships)

    @property
    def left_on(self) -> datetime.date | None:
        """When it last left (or the partnership ended), for past partnerships."""
        dates = [m.left_on for m in self.memberships if m.left_on]
        if self.partnership.ended_on:
            dates.append(self.partnership.ended_on)
        return max(dates) if dates else None

    @property
    def leaving_notes(self) -> list[str]:
        return list(dict.fromkeys(m.notes for m in self.memberships if m.left_on and m.notes))


@dataclass
class OrganisationPage:
    organisation: Organisation
    group_members: list[Organisation]  # the members of the group it heads
    group_siblings: list[Organisation]  # the other members of its parent's group
    current_partnerships: list[OrganisationPartnership]
    past_partnerships: list[OrganisationPartnership]
    lead_responsibilities: list[LeadResponsibility]
    services: list[Service]
    locations: list[Location]
    today: datetime.date


def organisation_page(*, user: Any, slug: str,
                      today: datetime.date | None = None) -> OrganisationPage:
    """Everything the organisation page shows, in a fixed number of queries.

    Raises Http404 when the organisation does not exist or the user may not see it.
    """
    today = today or clock.today()
    organisation = (Organisation.objects.visible_to(user).with_summary()
                    .filter(slug=slug).first())
    if organisation is None:
        raise Http404("No organisation found.")

    # The group it heads and, if it belongs to one, its fellow members: one query.
    group_ids = [organisation.pk] + ([organisation.parent_id] if organisation.parent_id else [])
    relatives = list(Organisation.objects.visible_to(user).filter(parent_id__in=group_ids)
                     .exclude(pk=organisation.pk).order_by("name"))

    memberships = (Membership.objects.visible_to(user).filter(organisation=organisation)
                   .select_related("partnership").order_by("-joined_on", "pk"))
    by_partnership: dict[int, list[Membership]] = defaultdict(list)
    for m in memberships:
        by_partnership[m.partnership_id].append(m)
    current: list[OrganisationPartnership] = []
    past: list[OrganisationPartnership] = []
    for rows in by_partnership.values():
        p = rows[0].partnership
        partnership_over = bool(p.ended_on and p.ended_on < today)
        in_force = any(m.left_on is None or m.left_on > today for m in rows)
        entry = OrganisationPartnership(partnership=p, memberships=rows, today=today,
                                        is_current=in_force and not partnership_over)
        (current if entry.is_current else past).append(entry)
    current.sort(key=lambda e: e.partnership.name)
    past.sort(key=lambda e: (e.left_on or datetime.date.min, e.partnership.name), reverse=True)

    leads = list(LeadResponsibility.objects.visible_to(user).filter(organisation=organisation)
                 .active_on(today).select_related("activity", "partnership")
                 .order_by("partnership__name", "activity__position", "activity__name"))
    services = list(
        Service.objects.visible_to(user).filter(provider=organisation)
        .select_related("partnership")
        .prefetch_related("categories",
                          Prefetch("delivery_sites", queryset=ServiceAtLocation.objects
                                   .select_related("location").order_by("location__name")))
        .order_by("-is_active", "name"))
    locations = list(Location.objects.visible_to(user).filter(operator=organisation)
                     .select_related("region").order_by("name"))
    return OrganisationPage(
        organisation=organisation,
        group_members=[o for o in relatives if o.parent_id == organisation.pk],
        group_siblings=[o for o in relatives if organisation.parent_id
                        and o.parent_id == organisation.parent_id],
        current_partnerships=current,
        past_partnerships=past,
        lead_responsibilities=leads,
        services=services,
        locations=locations,
        today=today,
    )
