"""The partnership page: one selector, ``partnership_page``, that owns its
``select_related``/``prefetch_related`` and returns a plain dataclass, so the page costs the
same handful of queries whether a partnership has three members or three hundred.

Its panels are built beside it: the timeline (``timeline.py``), agreements
(``agreements.py``) and funding (``funding.py``); members, lead agencies and services here.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.http import Http404

from core import clock
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
from partnerships.selectors.agreements import AgreementGroup, agreement_groups
from partnerships.selectors.common import PARTNERSHIP_STATUS_TAGS, is_in_force
from partnerships.selectors.funding import FinancialYearTotal, funding_summary
from partnerships.selectors.timeline import (
    MembershipSize,
    TimelineEvent,
    describe_events,
    membership_events,
    membership_size,
)
from services.models import Service, ServiceAtLocation, ServiceCategory


class MembershipRanks(TypedDict):
    """What ``_shown_memberships`` annotates on each membership: its list and its place there."""

    bucket: str
    current_rank: int
    past_rank: int


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    #: A membership as the page lists it, with its ``MembershipRanks``.
    ShownMembership = WithAnnotations[Membership, MembershipRanks]


@dataclass
class LeadRow:
    """One activity in the lead-agency matrix and who leads it (None: no lead agreed)."""

    activity: Activity
    responsibility: LeadResponsibility | None


@dataclass
class PartnershipPage:
    partnership: Partnership
    status_tag: str
    as_of: datetime.date  # today, or the last day of an ended partnership
    as_it_ended: bool
    lead_partner: Organisation | None
    current_members: list[ShownMembership]  # at most CAPS["members"] unless shown in full
    current_count: int
    upcoming_members: list[ShownMembership]
    past_members: list[ShownMembership]  # at most CAPS["past"], most recently left first
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
    services: list[Service]  # at most CAPS["services"], with their sites
    services_count: int
    locations_count: int
    sites_count: int
    co_located_count: int

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

_CURRENT, _PAST, _UPCOMING = "current", "past", "upcoming"


def _shown_memberships(user: Any, partnership: Partnership, as_of: datetime.date,
                       dates: Sequence[datetime.date], show: frozenset[str]
                       ) -> list[ShownMembership]:
    """In one query: the first current members (lead partners first, then by name), the most
    recent leavers, everyone joining later, and everyone who joined or left on ``dates``.
    The caps are applied in SQL with a row number per list."""
    bucket = Case(When(joined_on__gt=as_of, then=Value(_UPCOMING)),
                  When(left_on__lte=as_of, then=Value(_PAST)),
                  default=Value(_CURRENT), output_field=CharField())
    is_not_lead = Case(When(role=MemberRole.LEAD_PARTNER, then=Value(0)), default=Value(1),
                       output_field=IntegerField())
    wanted = Q(bucket=_UPCOMING) | Q(joined_on__in=dates) | Q(left_on__in=dates)
    wanted |= (Q(bucket=_CURRENT) if "members" in show
               else Q(bucket=_CURRENT, current_rank__lte=CAPS["members"]))
    wanted |= (Q(bucket=_PAST) if "past" in show
               else Q(bucket=_PAST, past_rank__lte=CAPS["past"]))
    return list(
        Membership.objects.visible_to(user).filter(partnership=partnership)
        .select_related("organisation")
        .only("organisation__name", "organisation__slug", "organisation", "role",
              "joined_on", "left_on", "notes")
        .annotate(
            bucket=bucket,
            current_rank=Window(RowNumber(), partition_by=[bucket],
                                order_by=[is_not_lead, "organisation__name", "joined_on", "pk"]),
            past_rank=Window(RowNumber(), partition_by=[bucket],
                             order_by=[F("left_on").desc(), "organisation__name", "joined_on",
                                       "pk"]))
        .filter(wanted)
        .order_by("joined_on", "organisation__name", "pk"))


def partnership_page(*, user: Any, slug: str, today: datetime.date | None = None,
                     show: frozenset[str] = frozenset()) -> PartnershipPage:
    """Everything the partnership page shows, in a fixed number of queries (about ten), and a
    bounded number of rows: long lists are capped (``CAPS``) unless their key is in ``show``,
    while their counts, the timeline's member numbers and the shrink summary are computed from
    every membership.

    Raises Http404 when the partnership does not exist or the user may not see it.
    """
    today = today or clock.today()
    # has_held_reviews: whether the engagement report has attendance to show (no extra query).
    partnership = (Partnership.objects.visible_to(user).with_summary()
                   .annotate(has_held_reviews=Exists(ReviewMeeting.objects.filter(
                       partnership=OuterRef("pk"), status=ReviewStatus.HELD)))
                   .filter(slug=slug).first())
    if partnership is None:
        raise Http404("No partnership found.")
    # An ended partnership is described as it stood on its last day.
    as_of = today
    if partnership.ended_on and partnership.ended_on < today:
        as_of = partnership.ended_on - datetime.timedelta(days=1)

    spans = list(Membership.objects.visible_to(user).filter(partnership=partnership)
                 .order_by().values_list("organisation_id", "joined_on", "left_on"))
    current_count = sum(1 for _, joined, left in spans if is_in_force(joined, left, as_of))
    past_count = sum(1 for _, _, left in spans if left and left <= as_of)
    events = membership_events(partnership, spans, today)
    size = membership_size(events, as_of)
    events.reverse()  # the MOJ timeline shows the most recent event first
    shown_events = events if "timeline" in show else events[:CAPS["timeline"]]
    described = list(shown_events)
    if size.largest_drop is not None and size.largest_drop not in described:
        described.append(size.largest_drop)  # the shrink summary says who left that day

    memberships = _shown_memberships(user, partnership, as_of,
                                     [ev.date for ev in described], show)
    describe_events(described, memberships)
    current = [m for m in memberships if m.bucket == _CURRENT
               and ("members" in show or m.current_rank <= CAPS["members"])]
    current.sort(key=lambda m: m.current_rank)
    upcoming = [m for m in memberships if m.bucket == _UPCOMING]
    past = [m for m in memberships if m.bucket == _PAST
            and ("past" in show or m.past_rank <= CAPS["past"])]
    past.sort(key=lambda m: m.past_rank)
    lead_partner = next((m.organisation for m in current
                         if m.role == MemberRole.LEAD_PARTNER), None)
    agreements = agreement_groups(user, partnership, today)

    return PartnershipPage(
        partnership=partnership,
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
        **funding_summary(user, partnership, today),
        **_services(user, partnership, show),
    )


def _lead_matrix(user: Any, partnership: Partnership, as_of: datetime.date) -> list[LeadRow]:
    """Standard activities first (in their guidance order), then this partnership's own."""
    activities = list(Activity.objects.filter(Q(is_standard=True, partnership=None)
                                              | Q(partnership=partnership))
                      .order_by("partnership_id", "position", "name"))
    activities.sort(key=lambda a: (a.partnership_id is not None, a.position, a.name))
    leads = {r.activity_id: r for r in LeadResponsibility.objects.visible_to(user)
             .filter(partnership=partnership).active_on(as_of).select_related("organisation")}
    return [LeadRow(activity=a, responsibility=leads.get(a.pk)) for a in activities]


def _site_total(sites: Any, total: Any) -> Subquery:
    """A subquery for one number about all of ``sites`` (PostgreSQL runs it once per query)."""
    return Subquery(sites.order_by().values("service__partnership").annotate(n=total)
                    .values("n")[:1], output_field=IntegerField())


def _services(user: Any, partnership: Partnership, show: frozenset[str]) -> dict[str, Any]:
    """The first services (active first, by name) with their categories and sites; the totals
    (services, sites, locations, co-located sites) cover all of them, in the same query."""
    # Not correlated with the outer row, so PostgreSQL evaluates each subquery once.
    sites = ServiceAtLocation.objects.filter(service__partnership=partnership)
    services_qs = (
        Service.objects.visible_to(user).filter(partnership=partnership)
        .select_related("provider")
        .only("name", "slug", "is_active", "partnership", "provider", "provider__name",
              "provider__slug")
        .annotate(total=Window(Count("pk")),
                  sites_total=_site_total(sites, Count("pk")),
                  locations_total=_site_total(sites, Count("location", distinct=True)),
                  co_located_total=_site_total(sites, Count("pk", filter=Q(co_located=True))))
        .prefetch_related(Prefetch("categories", queryset=ServiceCategory.objects.only("name")),
                          Prefetch("delivery_sites", queryset=ServiceAtLocation.objects
                                   .select_related("location")
                                   .only("service", "co_located", "notes", "location",
                                         "location__name")
                                   .order_by("location__name")))
        .order_by("-is_active", "name"))
    if "services" not in show:
        services_qs = services_qs[:CAPS["services"]]
    services = list(services_qs)
    first = services[0] if services else None
    return {
        "services": services,
        "services_count": first.total if first else 0,
        "locations_count": (first.locations_total or 0) if first else 0,
        "sites_count": (first.sites_total or 0) if first else 0,
        "co_located_count": (first.co_located_total or 0) if first else 0,
    }
