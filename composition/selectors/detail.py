"""The partnership page: one selector, ``partnership_page``, that owns its queries and returns
a plain dataclass, so the page costs the same handful of queries whether a partnership has
three members or three hundred. Where a list is long or only displayed, it is read with
``values_list`` (no model instances, no prefetch machinery): building rows in Python cost the
page more than the database did (issue 17).

Its panels are built beside it: the timeline (``timeline.py``), agreements
(``agreements.py``) and funding (``funding.py``); members, lead agencies and services here.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import rules
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connections
from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    JSONField,
    OuterRef,
    Q,
    Subquery,
    Window,
)
from django.db.models.functions import JSONObject
from django.http import Http404

from composition.search.selector import region_names_of, with_region_names
from core import clock
from governance.models import Body
from governance.selectors import TrainingSummary, training_last_year
from governance.structure import current_bodies
from monitoring.models import ReturnRequirement
from partnerships.choices import MemberRole, ReviewStatus
from partnerships.models import (
    Activity,
    Funding,
    LeadResponsibility,
    Membership,
    Organisation,
    Partnership,
    ReviewMeeting,
)
from partnerships.rules import remember_viewer_facts
from partnerships.selectors.agreements import AgreementGroup, agreement_groups
from partnerships.selectors.common import PARTNERSHIP_STATUS_TAGS, is_in_force
from partnerships.selectors.funding import FinancialYearTotal, funding_array, funding_summary
from partnerships.selectors.timeline import (
    MembershipSize,
    TimelineEvent,
    describe_events,
    membership_events,
    membership_size,
)
from referrals.models import CustodyEpisode
from services.models import Service, ServiceAtLocation


@dataclass(frozen=True)
class ServiceSite:
    """One place a listed service is delivered, as the services table shows it."""

    location_name: str
    co_located: bool
    notes: str


@dataclass
class ServiceRow:
    """A service as the partnership and organisation pages list it: plain values read with
    ``values()`` (no model instances), its categories' names and its sites. ``provider`` and
    ``partnership`` are ``{"name", "slug"}`` (``partnership`` None when it is under none)."""

    name: str
    slug: str
    is_active: bool
    provider: dict[str, str]
    partnership: dict[str, str] | None
    categories: list[str]
    sites: list[ServiceSite]


@dataclass
class LeadRow:
    """One activity in the lead-agency matrix and who leads it (None: no lead agreed)."""

    activity: Activity
    responsibility: LeadResponsibility | None


@dataclass
class PartnershipPage:
    partnership: Partnership
    regions: list[str]  # the names of the regions it serves, in display order
    status_tag: str
    as_of: datetime.date  # today, or the last day of an ended partnership
    as_it_ended: bool
    lead_partner: Organisation | None
    current_members: list[Membership]  # at most CAPS["members"] unless shown in full
    current_count: int
    upcoming_members: list[Membership]
    past_members: list[Membership]  # at most CAPS["past"], most recently left first
    past_count: int
    timeline: list[TimelineEvent]  # the CAPS["timeline"] most recent event dates
    timeline_count: int
    size: MembershipSize  # from every membership, not from the capped lists
    lead_matrix: list[LeadRow]
    agreements: list[AgreementGroup]
    overdue_reviews: int
    funding: list[Funding]
    funding_total: Decimal
    funding_by_year: list[FinancialYearTotal]
    services: list[ServiceRow]  # at most CAPS["services"], with their sites
    services_count: int
    locations_count: int
    sites_count: int
    co_located_count: int
    has_held_reviews: bool  # the engagement report has attendance to show
    has_monitoring: bool  # a monitoring framework is required of the partnership
    has_custody: bool  # custody is recorded on its cases: the continuity report has figures
    # Joint training over the last year, for readers of its governance (None for others).
    training: TrainingSummary | None = None
    # Its current governance bodies, for readers of its governance (None for others).
    bodies: list[Body] | None = None

    @property
    def current_truncated(self) -> bool:
        return len(self.current_members) < self.current_count

    @property
    def past_truncated(self) -> bool:
        return len(self.past_members) < self.past_count

    @property
    def timeline_truncated(self) -> bool:
        return len(self.timeline) < self.timeline_count

    @property
    def services_truncated(self) -> bool:
        return len(self.services) < self.services_count


# How many rows of each long list the page shows; ``?show=<key>`` lifts one cap.
CAPS = {"members": 50, "past": 25, "timeline": 20, "services": 50}

#: One membership as read for the page: (pk, organisation id, role, joined, left, notes,
#: organisation name, organisation slug).
MembershipValues = tuple[int, int, str, datetime.date, datetime.date | None, str, str, str]


_MEMBERSHIP_FIELDS = ("pk", "organisation_id", "role", "joined_on", "left_on", "notes",
                      "organisation__name", "organisation__slug")


def _membership_array(user: Any) -> ArraySubquery:
    """Every membership of the outer partnership as an array of JSON arrays (PostgreSQL), in
    the partnership's own query: ``_membership_values`` reads them."""
    return ArraySubquery(
        Membership.objects.visible_to(user).filter(partnership=OuterRef("pk")).order_by()
        .values(json=Func(*(F(f) for f in _MEMBERSHIP_FIELDS), function="JSONB_BUILD_ARRAY",
                          output_field=JSONField())))


def _membership_values(user: Any, partnership: Partnership) -> list[MembershipValues]:
    """Every membership of the partnership as plain values: the counts, the timeline and the
    shrink summary need them all, and the capped lists are cut from them here rather than by
    a window query (whose building cost more than the rows). Read with the partnership on
    PostgreSQL (``_membership_array``), else in one light query."""
    array = getattr(partnership, "membership_values", None)
    if array is not None:
        day = datetime.date.fromisoformat
        return [(pk, org_id, role, day(joined), day(left) if left else None, notes, name, slug)
                for pk, org_id, role, joined, left, notes, name, slug in array]
    return list(Membership.objects.visible_to(user).filter(partnership=partnership).order_by()
                .values_list(*_MEMBERSHIP_FIELDS))


def _as_memberships(rows: list[MembershipValues],
                    partnership: Partnership) -> dict[int, Membership]:
    """Model instances (with their organisation: name and slug) for the rows the page shows,
    by pk; one organisation instance per organisation."""
    organisations: dict[int, Organisation] = {}
    shown = {}
    for pk, org_id, role, joined_on, left_on, notes, org_name, org_slug in rows:
        organisation = organisations.get(org_id)
        if organisation is None:
            organisation = organisations[org_id] = Organisation(pk=org_id, name=org_name,
                                                                slug=org_slug)
        m = Membership(pk=pk, partnership_id=partnership.pk, organisation_id=org_id, role=role,
                       joined_on=joined_on, left_on=left_on, notes=notes)
        m.organisation = organisation
        m.partnership = partnership
        shown[pk] = m
    return shown


def partnership_page(*, user: Any, slug: str, today: datetime.date | None = None,
                     show: frozenset[str] = frozenset()) -> PartnershipPage:
    """Everything the partnership page shows, in a fixed number of queries (five on PostgreSQL:
    the partnership with every membership and funding row, its regions and the sites'
    totals; the agreements with their signatories; the lead-agency matrix; the services with
    their categories and sites as arrays; nine elsewhere, without arrays). Long
    lists are capped (``CAPS``) unless their key is in ``show``, while their counts, the
    timeline's member numbers and the shrink summary are computed from every membership (read
    as plain values in one query; model instances only for the rows shown).

    Raises Http404 when the partnership does not exist or the user may not see it.
    """
    today = today or clock.today()
    # In the partnership's own query: has_held_reviews (whether the engagement report has
    # attendance to show), has_monitoring (whether any framework is required of it: the
    # monitoring panel's queries run only then), the services panel's totals and, on
    # PostgreSQL, the regions' names.
    # The sites' totals in one subquery, grouped by the partnership: a JSON object of counts.
    site_totals = (ServiceAtLocation.objects.filter(service__partnership=OuterRef("pk"))
                   .order_by().values("service__partnership")
                   .values(json=JSONObject(sites=Count("pk"),
                                           locations=Count("location_id", distinct=True),
                                           co_located=Count("pk", filter=Q(co_located=True)))))
    found = with_region_names(Partnership.objects.visible_to(user).filter(slug=slug))
    if connections[found.db].vendor == "postgresql":  # every membership and funding row too
        found = found.annotate(membership_values=_membership_array(user),
                               funding_values=funding_array(user))
    partnership = (
        found.annotate(
            has_held_reviews=Exists(ReviewMeeting.objects.filter(
                partnership=OuterRef("pk"), status=ReviewStatus.HELD)),
            has_monitoring=Exists(ReturnRequirement.frameworks.through.objects.filter(
                returnrequirement__partnership=OuterRef("pk"))),
            has_custody=Exists(CustodyEpisode.objects.filter(case__partnership=OuterRef("pk"))),
            site_totals=Subquery(site_totals, output_field=JSONField()))
        .first())
    if partnership is None:
        raise Http404("No partnership found.")
    regions = region_names_of(partnership)
    # An ended partnership is described as it stood on its last day.
    as_of = today
    if partnership.ended_on and partnership.ended_on < today:
        as_of = partnership.ended_on - datetime.timedelta(days=1)

    rows = _membership_values(user, partnership)
    spans = [(org_id, joined_on, left_on) for _, org_id, _, joined_on, left_on, *_ in rows]
    current_count = sum(1 for _, joined, left in spans if is_in_force(joined, left, as_of))
    past_count = sum(1 for _, _, left in spans if left and left <= as_of)
    events = membership_events(partnership, spans, today)
    size = membership_size(events, as_of)
    events.reverse()  # the MOJ timeline shows the most recent event first
    shown_events = events if "timeline" in show else events[:CAPS["timeline"]]
    described = list(shown_events)
    if size.largest_drop is not None and size.largest_drop not in described:
        described.append(size.largest_drop)  # the shrink summary says who left that day

    # The lists: current members (lead partners first, then by name), the most recent
    # leavers, everyone joining later; capped unless shown in full.
    current_rows = sorted((r for r in rows if is_in_force(r[3], r[4], as_of)),
                          key=lambda r: (r[2] != MemberRole.LEAD_PARTNER, r[6], r[3], r[0]))
    past_rows = sorted((r for r in rows if r[3] <= as_of and r[4] and r[4] <= as_of),
                       key=lambda r: (-r[4].toordinal(), r[6], r[3], r[0]))  # type: ignore[union-attr]
    upcoming_rows = sorted((r for r in rows if r[3] > as_of), key=lambda r: (r[3], r[6], r[0]))
    if "members" not in show:
        current_rows = current_rows[:CAPS["members"]]
    if "past" not in show:
        past_rows = past_rows[:CAPS["past"]]
    # Everyone who joined or left on the days the timeline describes.
    dates = {ev.date for ev in described}
    event_rows = [r for r in rows if r[3] in dates or r[4] in dates]
    shown = _as_memberships(list({r[0]: r for r in (*current_rows, *past_rows,
                                                      *upcoming_rows, *event_rows)}.values()),
                            partnership)
    describe_events(described, [shown[r[0]] for r in event_rows])
    current = [shown[r[0]] for r in current_rows]
    upcoming = [shown[r[0]] for r in upcoming_rows]
    past = [shown[r[0]] for r in past_rows]
    lead_partner = next((m.organisation for m in current
                         if m.role == MemberRole.LEAD_PARTNER), None)
    agreements = agreement_groups(user, partnership, today)
    funding = funding_summary(user, partnership, today)
    # What the rules ask about the viewer's organisation (member, funder, lead partner) is in
    # the rows just read (every membership and funding row): no permission query later.
    remember_viewer_facts(user, partnership, today,
                          memberships=((r[1], r[2], r[3], r[4]) for r in rows),
                          funder_ids=(f.funder_id for f in funding["funding"]))
    reads_governance = rules.has_perm("governance.view", user, partnership)

    return PartnershipPage(
        partnership=partnership,
        regions=regions,
        status_tag=PARTNERSHIP_STATUS_TAGS.get(partnership.status, "govuk-tag--grey"),
        as_of=as_of,
        as_it_ended=as_of != today,
        lead_partner=lead_partner,
        current_members=current,
        current_count=current_count,
        upcoming_members=upcoming,
        past_members=past,
        past_count=past_count,
        timeline=shown_events,
        timeline_count=len(events),
        size=size,
        lead_matrix=_lead_matrix(user, partnership, as_of),
        agreements=agreements,
        overdue_reviews=sum(g.current.is_review_overdue for g in agreements),
        **funding,
        has_held_reviews=bool(getattr(partnership, "has_held_reviews", False)),
        has_monitoring=bool(getattr(partnership, "has_monitoring", False)),
        has_custody=bool(getattr(partnership, "has_custody", False)),
        **_services(user, partnership, show),
        training=(training_last_year(partnership, today) if reads_governance else None),
        bodies=current_bodies(partnership, today) if reads_governance else None,
    )


def _lead_matrix(user: Any, partnership: Partnership, as_of: datetime.date) -> list[LeadRow]:
    """Standard activities first (in their guidance order), then this partnership's own; each
    with the lead in force on ``as_of`` read in the same query (a JSON object per activity),
    so the matrix costs one query."""
    lead = (LeadResponsibility.objects.visible_to(user)
            .filter(partnership=partnership, activity=OuterRef("pk")).active_on(as_of)
            .order_by("-starts_on", "-pk")
            .values(json=JSONObject(pk="pk", organisation_id="organisation_id",
                                    name="organisation__name", slug="organisation__slug",
                                    starts_on="starts_on", ends_on="ends_on",
                                    contact="contact"))[:1])
    activities = list(Activity.objects.filter(Q(is_standard=True, partnership=None)
                                              | Q(partnership=partnership))
                      .only("name", "is_standard", "partnership", "position")
                      .annotate(lead=Subquery(lead, output_field=JSONField()))
                      .order_by("partnership_id", "position", "name"))
    activities.sort(key=lambda a: (a.partnership_id is not None, a.position, a.name))
    return [LeadRow(activity=a, responsibility=_responsibility(a, partnership))
            for a in activities]


def _responsibility(activity: Any, partnership: Partnership) -> LeadResponsibility | None:
    """The lead read as JSON by ``_lead_matrix``, as a (read-only) model instance."""
    values = activity.lead
    if not values:
        return None
    ends_on = values["ends_on"]
    responsibility = LeadResponsibility(
        pk=values["pk"], partnership=partnership, activity=activity,
        organisation_id=values["organisation_id"], contact=values["contact"],
        starts_on=datetime.date.fromisoformat(values["starts_on"]),
        ends_on=datetime.date.fromisoformat(ends_on) if ends_on else None)
    responsibility.organisation = Organisation(pk=values["organisation_id"],
                                               name=values["name"], slug=values["slug"])
    return responsibility


#: One place a service is delivered, as read: (service id, location id, location name,
#: co-located, notes).
SiteValues = tuple[int, int, str, bool, str]


def _site_values(sites: Any) -> list[SiteValues]:
    return list(sites.order_by("location__name", "pk")
                .values_list("service_id", "location_id", "location__name", "co_located",
                             "notes"))


def service_rows(services: Any) -> tuple[list[ServiceRow], int]:
    """The services of ``services`` (a queryset, already filtered and ordered) as the services
    table lists them: the services with provider and partnership names as values and, on
    PostgreSQL, their categories' names and sites as arrays in the same query (one query);
    elsewhere the categories and the sites of those services in two more (the prefetch
    machinery and model instances cost more than these rows). Also the ``total`` annotation
    of the first row where ``services`` has one (else the number of rows)."""
    fields = ["pk", "name", "slug", "is_active", "provider__name", "provider__slug",
              "partnership__name", "partnership__slug"]
    has_total = "total" in services.query.annotations
    in_arrays = connections[services.db].vendor == "postgresql"
    if in_arrays:
        services = services.annotate(
            category_names=ArraySubquery(
                Service.categories.through.objects.filter(service_id=OuterRef("pk"))
                .order_by("servicecategory__position", "servicecategory__name")
                .values("servicecategory__name")),
            site_values=ArraySubquery(
                ServiceAtLocation.objects.filter(service_id=OuterRef("pk"))
                .order_by("location__name", "pk")
                .values(site=JSONObject(name="location__name", co_located="co_located",
                                        notes="notes"))))
        fields += ["category_names", "site_values"]
    values = list(services.values_list(*fields, *(["total"] if has_total else [])))
    total = values[0][-1] if has_total and values else len(values)
    categories: dict[int, list[str]] = defaultdict(list)
    by_service: dict[int, list[ServiceSite]] = defaultdict(list)
    if in_arrays:
        for v in values:
            categories[v[0]] = list(v[8])
            by_service[v[0]] = [ServiceSite(site["name"], site["co_located"], site["notes"])
                                for site in v[9]]
    else:
        ids = [v[0] for v in values]
        for service_id, name in (Service.categories.through.objects
                                 .filter(service_id__in=ids)
                                 .order_by("servicecategory__position",
                                           "servicecategory__name")
                                 .values_list("service_id", "servicecategory__name")):
            categories[service_id].append(name)
        for service_id, _, location_name, co_located, notes in _site_values(
                ServiceAtLocation.objects.filter(service_id__in=ids)):
            by_service[service_id].append(ServiceSite(location_name, co_located, notes))
    return [ServiceRow(name=name, slug=slug, is_active=is_active,
                       provider={"name": provider_name, "slug": provider_slug},
                       partnership=({"name": p_name, "slug": p_slug} if p_slug else None),
                       categories=categories[pk], sites=by_service[pk])
            for pk, name, slug, is_active, provider_name, provider_slug, p_name, p_slug, *_
            in values], total


def _services(user: Any, partnership: Any, show: frozenset[str]) -> dict[str, Any]:
    """The first services (active first, by name) with their categories and sites; the totals
    (services, sites, locations, co-located sites) cover all of them (the sites' totals were
    read with the partnership)."""
    services_qs = (Service.objects.visible_to(user).filter(partnership=partnership)
                   .annotate(total=Window(Count("pk"))).order_by("-is_active", "name", "pk"))
    if "services" not in show:
        services_qs = services_qs[:CAPS["services"]]
    services, services_count = service_rows(services_qs)
    totals = partnership.site_totals or {}  # None: no service has a site
    return {
        "services": services,
        "services_count": services_count,
        "locations_count": totals.get("locations", 0),
        "sites_count": totals.get("sites", 0),
        "co_located_count": totals.get("co_located", 0),
    }
