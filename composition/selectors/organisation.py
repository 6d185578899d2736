"""The organisation page: the partnerships an organisation is and was in (every role it held),
its group, the activities it leads, the services it provides and the sites it runs."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connections
from django.db.models import OuterRef, Q, QuerySet
from django.db.models.functions import JSONObject
from django.http import Http404

from core import clock
from partnerships.models import (
    Activity,
    LeadResponsibility,
    Membership,
    Organisation,
    Partnership,
    Region,
)
from services.models import Location, Service

from .detail import ServiceRow, service_rows


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
    services: list[ServiceRow]
    locations: list[Location]
    today: datetime.date


def _relatives(user: Any, organisation: Any) -> QuerySet[Organisation]:
    """The group it heads and, if it belongs to one, its fellow members (``organisation`` may
    be an ``OuterRef``: a subquery of the organisation's own query)."""
    if isinstance(organisation, Organisation):
        pk: Any = organisation.pk
        group = Q(parent_id__in=[pk, *([organisation.parent_id] if organisation.parent_id
                                      else [])])
    else:  # in SQL a missing parent (NULL) equals nothing
        pk = OuterRef("pk")
        group = Q(parent_id=pk) | Q(parent_id=OuterRef("parent_id"))
    return (Organisation.objects.visible_to(user).filter(group).exclude(pk=pk)
            .order_by("name", "pk"))


def _leads(user: Any, organisation: Any, today: datetime.date) -> QuerySet[LeadResponsibility]:
    """The activities it leads now, by partnership and activity."""
    return (LeadResponsibility.objects.visible_to(user).filter(organisation=organisation)
            .active_on(today).order_by("partnership__name", "activity__position",
                                       "activity__name"))


def _locations(user: Any, organisation: Any) -> QuerySet[Location]:
    return Location.objects.visible_to(user).filter(operator=organisation).order_by("name", "pk")


def organisation_page(*, user: Any, slug: str,
                      today: datetime.date | None = None) -> OrganisationPage:
    """Everything the organisation page shows, in a fixed number of queries: on PostgreSQL its
    group, the activities it leads and the locations it runs are arrays of JSON objects in the
    organisation's own query (five queries in all); elsewhere one query each.

    Raises Http404 when the organisation does not exist or the user may not see it.
    """
    today = today or clock.today()
    found = Organisation.objects.visible_to(user).with_summary().filter(slug=slug)
    in_arrays = connections[found.db].vendor == "postgresql"
    if in_arrays:
        found = found.annotate(
            relative_values=ArraySubquery(_relatives(user, OuterRef("pk")).values(
                json=JSONObject(pk="pk", name="name", slug="slug", parent_id="parent_id"))),
            lead_values=ArraySubquery(_leads(user, OuterRef("pk"), today).values(
                json=JSONObject(pk="pk", starts_on="starts_on", contact="contact",
                                activity="activity__name", partnership="partnership__name",
                                partnership_slug="partnership__slug"))),
            location_values=ArraySubquery(_locations(user, OuterRef("pk")).values(
                json=JSONObject(pk="pk", name="name", kind="kind",
                                prison_category="prison_category", postcode="postcode",
                                region="region__name"))))
    organisation = found.first()
    if organisation is None:
        raise Http404("No organisation found.")

    arrays: Any = organisation  # its annotations, on PostgreSQL
    if in_arrays:
        relatives = [Organisation(pk=v["pk"], name=v["name"], slug=v["slug"],
                                  parent_id=v["parent_id"])
                     for v in arrays.relative_values]
    else:
        relatives = list(_relatives(user, organisation).only("name", "slug", "parent"))

    memberships = (Membership.objects.visible_to(user).filter(organisation=organisation)
                   .select_related("partnership")
                   .only("role", "joined_on", "left_on", "notes", "organisation",
                         "partnership__name", "partnership__slug", "partnership__ended_on")
                   .order_by("-joined_on", "pk"))
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

    if in_arrays:
        leads = [_lead(v, organisation) for v in arrays.lead_values]
    else:
        leads = list(_leads(user, organisation, today).select_related("activity", "partnership")
                     .only("starts_on", "contact", "organisation", "activity__name",
                           "partnership__name", "partnership__slug"))
    services, _ = service_rows(Service.objects.visible_to(user).filter(provider=organisation)
                               .order_by("-is_active", "name", "pk"))
    if in_arrays:
        locations = [_location(v) for v in arrays.location_values]
    else:
        locations = list(_locations(user, organisation).select_related("region")
                         .only("name", "kind", "prison_category", "postcode", "region__name"))
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


def _lead(values: dict[str, Any], organisation: Organisation) -> LeadResponsibility:
    """A lead read as JSON by ``organisation_page``, as a (read-only) model instance."""
    lead = LeadResponsibility(pk=values["pk"], organisation=organisation,
                              starts_on=datetime.date.fromisoformat(values["starts_on"]),
                              contact=values["contact"])
    lead.activity = Activity(name=values["activity"])
    lead.partnership = Partnership(name=values["partnership"], slug=values["partnership_slug"])
    return lead


def _location(values: dict[str, Any]) -> Location:
    """A location read as JSON by ``organisation_page``, as a (read-only) model instance."""
    location = Location(pk=values["pk"], name=values["name"], kind=values["kind"],
                        prison_category=values["prison_category"],
                        postcode=values["postcode"])
    location.region = Region(name=values["region"]) if values["region"] is not None else None
    return location
