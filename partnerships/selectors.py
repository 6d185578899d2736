"""Read logic for the registry's partnership, organisation and compare pages.

One selector per page. Each owns its ``select_related``/``prefetch_related`` and returns plain
dataclasses, so a page costs the same handful of queries whether a partnership has three
members or three hundred, and templates never trigger a query of their own.

Periods are half-open (see ``querysets.py``): a membership with ``left_on=L`` stops on day L.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone

from services.models import Location, Service, ServiceAtLocation, ServiceCategory

from .choices import AgreementStatus, MemberRole, PartnershipStatus
from .models import (
    Activity,
    Agreement,
    Funding,
    LeadResponsibility,
    Membership,
    Organisation,
    Partnership,
    Region,
    Signatory,
)

PENNY = Decimal("0.01")

# GOV.UK tag colours for agreement states: green is in force, grey is history.
AGREEMENT_STATUS_TAGS = {
    AgreementStatus.DRAFT: "govuk-tag--blue",
    AgreementStatus.ACTIVE: "govuk-tag--green",
    AgreementStatus.SUPERSEDED: "govuk-tag--grey",
    AgreementStatus.EXPIRED: "govuk-tag--orange",
}
PARTNERSHIP_STATUS_TAGS = {
    PartnershipStatus.FORMING: "govuk-tag--blue",
    PartnershipStatus.ACTIVE: "govuk-tag--green",
    PartnershipStatus.ENDED: "govuk-tag--grey",
}


def region_choices() -> list[tuple[str, str]]:
    """Regions as (code, name) pairs in display order, for filter panels."""
    return list(Region.objects.order_by("position", "name").values_list("code", "name"))


def _today() -> datetime.date:
    return timezone.localdate()


def _in_force(start: datetime.date, end: datetime.date | None, on: datetime.date) -> bool:
    """The same half-open rule as ``querysets.in_force_on``, for rows already in memory."""
    return start <= on and (end is None or end > on)


# ---------------------------------------------------------------------------------------------
# Money: financial years run 1 April to 31 March.
# ---------------------------------------------------------------------------------------------
def financial_year_of(date: datetime.date) -> int:
    """The calendar year a UK financial year starts in (1 April 2026 → 2026)."""
    return date.year if date.month >= 4 else date.year - 1


def financial_year_label(start_year: int) -> str:
    """GOV.UK style: '2026 to 2027'."""
    return f"{start_year} to {start_year + 1}"


def spread_over_financial_years(amount: Decimal, start: datetime.date,
                                end: datetime.date) -> dict[int, Decimal]:
    """Split an amount paid for [start, end] (both days included) across the financial years it
    covers, evenly by day. Multi-year contracts are only comparable year by year this way; the
    pennies lost to rounding go to the last year so the parts add up to the whole."""
    total_days = (end - start).days + 1
    parts: dict[int, Decimal] = {}
    first, last = financial_year_of(start), financial_year_of(end)
    allotted = Decimal("0")
    for year in range(first, last + 1):
        if year == last:
            parts[year] = amount - allotted
            break
        year_start = max(start, datetime.date(year, 4, 1))
        year_end = min(end, datetime.date(year + 1, 3, 31))
        days = (year_end - year_start).days + 1
        share = (amount * days / total_days).quantize(PENNY, rounding=ROUND_HALF_UP)
        parts[year] = share
        allotted += share
    return parts


# ---------------------------------------------------------------------------------------------
# Partnership page
# ---------------------------------------------------------------------------------------------
@dataclass
class TimelineEvent:
    """Everything that changed in the membership on one day."""

    date: datetime.date
    joined: list[Membership] = field(default_factory=list)
    left: list[Membership] = field(default_factory=list)
    # (organisation, old role label, new role label) when one organisation swapped roles.
    role_changes: list[tuple[Organisation, str, str]] = field(default_factory=list)
    formed: bool = False
    ended: bool = False
    is_future: bool = False
    members_before: int = 0
    members_after: int = 0

    @property
    def shrank_by(self) -> int:
        return max(self.members_before - self.members_after, 0)

    @property
    def grew_by(self) -> int:
        return max(self.members_after - self.members_before, 0)

    @property
    def title(self) -> str:
        """A one-line headline, e.g. 'Partnership formed with 7 organisations' or '5
        organisations left'."""
        def count(n: int, what: str = "organisation") -> str:
            return f"{n} {what}{'' if n == 1 else 's'}"

        parts = []
        if self.formed and self.joined:
            parts.append(f"Partnership formed with {count(len(self.joined))}")
        elif self.formed:
            parts.append("Partnership formed")
        elif self.joined:
            parts.append(f"{count(len(self.joined))} joined")
        if self.left:
            parts.append(f"{count(len(self.left))} left" if not parts else
                         f"{len(self.left)} left")
        if self.role_changes:
            parts.append(f"{count(len(self.role_changes))} changed role" if not parts else
                         f"{len(self.role_changes)} changed role")
        if self.ended:
            parts.append("partnership ended" if parts else "Partnership ended")
        return ", ".join(parts)

    @property
    def leaving_reasons(self) -> list[str]:
        """The distinct notes of those who left, e.g. ['Recommissioning']."""
        return list(dict.fromkeys(m.notes for m in self.left if m.notes))


@dataclass
class MembershipSize:
    """How big the membership has been: the story behind a hub that shrank."""

    peak: int = 0
    peak_from: datetime.date | None = None
    now: int = 0
    largest_drop: TimelineEvent | None = None

    @property
    def has_shrunk(self) -> bool:
        return self.now < self.peak


@dataclass
class LeadRow:
    """One activity in the lead-agency matrix and who leads it (None: no lead agreed)."""

    activity: Activity
    responsibility: LeadResponsibility | None


@dataclass
class AgreementVersion:
    agreement: Agreement
    status_tag: str
    is_review_overdue: bool
    replaces_version: int | None
    signatories: list[Signatory]


@dataclass
class AgreementGroup:
    """Every version of one agreement (one ``reference``), newest first."""

    reference: str
    current: AgreementVersion
    earlier: list[AgreementVersion]


@dataclass
class FinancialYearTotal:
    start_year: int
    amount: Decimal
    is_current: bool

    @property
    def label(self) -> str:
        return financial_year_label(self.start_year)


@dataclass
class PartnershipPage:
    partnership: Partnership
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


def _membership_events(partnership: Partnership,
                       spans: Sequence[tuple[int, datetime.date, datetime.date | None]],
                       today: datetime.date) -> list[TimelineEvent]:
    """Every day the membership changed, oldest first, with the number of organisations before
    and after it, from every membership's (organisation, joined, left): no rows are loaded.
    Who joined and left is filled in later (``_describe_events``) for the days shown."""
    by_date: dict[datetime.date, TimelineEvent] = {}
    joins: dict[datetime.date, list[int]] = defaultdict(list)
    leaves: dict[datetime.date, list[int]] = defaultdict(list)

    def event(date: datetime.date) -> TimelineEvent:
        return by_date.setdefault(date, TimelineEvent(date=date))

    for organisation_id, joined_on, left_on in spans:
        event(joined_on)
        joins[joined_on].append(organisation_id)
        if left_on:
            event(left_on)
            leaves[left_on].append(organisation_id)
    if partnership.started_on:
        event(partnership.started_on).formed = True
    if partnership.ended_on:
        event(partnership.ended_on).ended = True

    active: Counter[int] = Counter()  # organisation id → memberships in force
    events = [by_date[d] for d in sorted(by_date)]
    for ev in events:
        ev.is_future = ev.date > today
        ev.members_before = len(active)
        # Joins first, so a membership that starts and stops on the same day nets to nothing.
        for organisation_id in joins[ev.date]:
            active[organisation_id] += 1
        for organisation_id in leaves[ev.date]:
            active[organisation_id] -= 1
            if active[organisation_id] <= 0:
                del active[organisation_id]
        ev.members_after = len(active)
    return events


def _describe_events(events: Sequence[TimelineEvent],
                     memberships: Sequence[Membership]) -> None:
    """Fill in who joined and left on each of ``events`` from ``memberships`` (which must hold
    every membership joining or leaving on those days). An organisation that leaves one role
    and takes another on the same day is a role change, not a departure."""
    by_date = {ev.date: ev for ev in events}
    for m in sorted(memberships, key=lambda m: (m.joined_on, m.organisation.name, m.pk)):
        if m.joined_on in by_date:
            by_date[m.joined_on].joined.append(m)
        if m.left_on and m.left_on in by_date:
            by_date[m.left_on].left.append(m)
    for ev in events:
        joined_orgs = {m.organisation_id: m for m in ev.joined}
        swapped = {m.organisation_id for m in ev.left} & set(joined_orgs)
        if swapped:
            for m in [m for m in ev.left if m.organisation_id in swapped]:
                new = joined_orgs[m.organisation_id]
                ev.role_changes.append((m.organisation, m.get_role_display(),
                                        new.get_role_display()))
            ev.left = [m for m in ev.left if m.organisation_id not in swapped]
            ev.joined = [m for m in ev.joined if m.organisation_id not in swapped]
        ev.joined.sort(key=lambda m: (m.role != MemberRole.LEAD_PARTNER, m.organisation.name))
        ev.left.sort(key=lambda m: m.organisation.name)


def _membership_size(events: Sequence[TimelineEvent], today: datetime.date) -> MembershipSize:
    size = MembershipSize()
    for ev in events:
        if ev.date > today:
            break
        if ev.members_after > size.peak:
            size.peak, size.peak_from = ev.members_after, ev.date
        size.now = ev.members_after
        drop = ev.members_before - ev.members_after
        if drop > 0 and (size.largest_drop is None
                         or drop > size.largest_drop.members_before
                         - size.largest_drop.members_after):
            size.largest_drop = ev
    return size


def _shown_memberships(user: Any, partnership: Partnership, as_of: datetime.date,
                       dates: Sequence[datetime.date], show: frozenset[str]
                       ) -> list[Membership]:
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
    today = today or _today()
    partnership = (Partnership.objects.visible_to(user).with_summary()
                   .filter(slug=slug).first())
    if partnership is None:
        raise Http404("No partnership found.")
    # An ended partnership is described as it stood on its last day.
    as_of = today
    if partnership.ended_on and partnership.ended_on < today:
        as_of = partnership.ended_on - datetime.timedelta(days=1)

    spans = list(Membership.objects.visible_to(user).filter(partnership=partnership)
                 .order_by().values_list("organisation_id", "joined_on", "left_on"))
    current_count = sum(1 for _, joined, left in spans if _in_force(joined, left, as_of))
    past_count = sum(1 for _, _, left in spans if left and left <= as_of)
    events = _membership_events(partnership, spans, today)
    size = _membership_size(events, as_of)
    events.reverse()  # the MOJ timeline shows the most recent event first
    shown_events = events if "timeline" in show else events[:CAPS["timeline"]]
    described = list(shown_events)
    if size.largest_drop is not None and size.largest_drop not in described:
        described.append(size.largest_drop)  # the shrink summary says who left that day

    memberships = _shown_memberships(user, partnership, as_of,
                                     [ev.date for ev in described], show)
    _describe_events(described, memberships)
    current = [m for m in memberships if m.bucket == _CURRENT
               and ("members" in show or m.current_rank <= CAPS["members"])]
    current.sort(key=lambda m: m.current_rank)
    upcoming = [m for m in memberships if m.bucket == _UPCOMING]
    past = [m for m in memberships if m.bucket == _PAST
            and ("past" in show or m.past_rank <= CAPS["past"])]
    past.sort(key=lambda m: m.past_rank)
    lead_partner = next((m.organisation for m in current
                         if m.role == MemberRole.LEAD_PARTNER), None)
    agreements = _agreement_groups(user, partnership, today)

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
        **_funding(user, partnership, today),
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


def _agreement_groups(user: Any, partnership: Partnership,
                      today: datetime.date) -> list[AgreementGroup]:
    agreements = list(
        Agreement.objects.visible_to(user).filter(partnership=partnership)
        .prefetch_related(Prefetch("signatories", queryset=Signatory.objects
                                   .select_related("organisation")
                                   .order_by("signed_on", "organisation__name")))
        .order_by("reference", "-version"))
    versions = {a.pk: a.version for a in agreements}
    by_reference: dict[str, list[AgreementVersion]] = defaultdict(list)
    for a in agreements:
        by_reference[a.reference].append(AgreementVersion(
            agreement=a,
            status_tag=AGREEMENT_STATUS_TAGS.get(a.status, "govuk-tag--grey"),
            is_review_overdue=a.review_overdue_on(today),
            replaces_version=versions.get(a.replaces_id) if a.replaces_id else None,
            signatories=list(a.signatories.all()),
        ))
    groups = []
    for reference, group in by_reference.items():
        current = next((v for v in group if v.agreement.status == AgreementStatus.ACTIVE),
                       group[0])
        groups.append(AgreementGroup(reference=reference, current=current,
                                     earlier=[v for v in group if v is not current]))
    # In-force agreements first, then by kind and title, so the page reads like a register.
    groups.sort(key=lambda g: (g.current.agreement.status != AgreementStatus.ACTIVE,
                               g.current.agreement.kind, g.current.agreement.title))
    return groups


def _funding(user: Any, partnership: Partnership, today: datetime.date) -> dict[str, Any]:
    rows = list(Funding.objects.visible_to(user).filter(partnership=partnership)
                .select_related("funder", "recipient").order_by("period_start", "pk"))
    by_year: dict[int, Decimal] = defaultdict(Decimal)
    for f in rows:
        for year, part in spread_over_financial_years(f.amount, f.period_start,
                                                      f.period_end).items():
            by_year[year] += part
    this_year = financial_year_of(today)
    return {
        "funding": rows,
        "funding_total": sum((f.amount for f in rows), Decimal("0.00")),
        "funding_by_year": [FinancialYearTotal(start_year=y, amount=by_year[y],
                                               is_current=y == this_year)
                            for y in sorted(by_year)],
    }


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


# ---------------------------------------------------------------------------------------------
# Organisation page
# ---------------------------------------------------------------------------------------------
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
    today = today or _today()
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
    current, past = [], []
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


# ---------------------------------------------------------------------------------------------
# Compare page
# ---------------------------------------------------------------------------------------------
MAX_CANDIDATES = 10


@dataclass
class Lookup:
    """What one typed name or slug matched: exactly one partnership, several, or none."""

    term: str
    match: Partnership | None = None
    candidates: list[Partnership] = field(default_factory=list)
    more_candidates: bool = False


def partnership_lookup(*, user: Any, terms: Sequence[str]) -> list[Lookup]:
    """Resolve what people typed into partnerships: an exact slug, else an exact name (any
    case), else a unique part of a name. With thousands of partnerships a select list is
    unusable, so the compare page asks for text and resolves it here.

    One query for all exact matches, then at most one per term still unresolved.
    """
    visible = Partnership.objects.visible_to(user)
    lookups = [Lookup(term=t) for t in terms]
    if not lookups:
        return lookups
    exact_q = Q(slug__in=[t.lower() for t in terms])
    for t in terms:
        exact_q |= Q(name__iexact=t)
    exact = list(visible.filter(exact_q).order_by("name", "pk"))
    by_slug = {p.slug: p for p in exact}
    for lookup in lookups:
        if lookup.term.lower() in by_slug:
            lookup.match = by_slug[lookup.term.lower()]
            continue
        named = [p for p in exact if p.name.casefold() == lookup.term.casefold()]
        if len(named) == 1:
            lookup.match = named[0]
        elif named:
            lookup.candidates = named[:MAX_CANDIDATES]
            lookup.more_candidates = len(named) > MAX_CANDIDATES
    for lookup in lookups:
        if lookup.match or lookup.candidates:
            continue
        found = list(visible.filter(name__icontains=lookup.term)
                     .order_by("name", "pk")[:MAX_CANDIDATES + 1])
        if len(found) == 1:
            lookup.match = found[0]
        else:
            lookup.candidates = found[:MAX_CANDIDATES]
            lookup.more_candidates = len(found) > MAX_CANDIDATES
    return lookups


@dataclass
class ComparedPartnership:
    """One column of the comparison."""

    partnership: Partnership
    status_tag: str
    lead_partner: Organisation | None = None
    current_members: list[Organisation] = field(default_factory=list)
    leads: dict[int, LeadResponsibility] = field(default_factory=dict)  # activity id → lead
    services_total: int = 0
    services_by_category: dict[int, int] = field(default_factory=dict)  # category id → count
    agreements_active: int = 0
    agreements_overdue: int = 0
    agreements_superseded: int = 0
    next_review: datetime.date | None = None
    next_review_overdue: bool = False
    funding_rows: int = 0
    funding_this_year: Decimal = Decimal("0.00")
    funding_all_time: Decimal = Decimal("0.00")


@dataclass
class Comparison:
    columns: list[ComparedPartnership]
    activities: list[Activity]  # the standard lead-agency activities, in guidance order
    categories: list[ServiceCategory]  # every category any compared partnership delivers in
    financial_year: int
    today: datetime.date

    @property
    def financial_year_label(self) -> str:
        return financial_year_label(self.financial_year)


def partnership_comparison(*, user: Any, partnerships: Sequence[Partnership],
                           today: datetime.date | None = None) -> Comparison:
    """Side-by-side facts about a few partnerships, in a fixed number of queries (about eight)
    whatever their size: counts are aggregated in the database, not by loading every row."""
    today = today or _today()
    ids = [p.pk for p in partnerships]
    loaded = {p.pk: p for p in Partnership.objects.visible_to(user).with_summary()
              .filter(pk__in=ids)}
    columns = {pk: ComparedPartnership(
        partnership=loaded[pk],
        status_tag=PARTNERSHIP_STATUS_TAGS.get(loaded[pk].status, "govuk-tag--grey"))
        for pk in ids if pk in loaded}

    for m in (Membership.objects.visible_to(user).filter(partnership_id__in=columns)
              .active_on(today).select_related("organisation")
              .order_by("organisation__name", "pk")):
        column = columns[m.partnership_id]
        if m.organisation not in column.current_members:
            column.current_members.append(m.organisation)
        if m.role == MemberRole.LEAD_PARTNER:
            column.lead_partner = m.organisation

    activities = list(Activity.objects.filter(is_standard=True, partnership=None)
                      .order_by("position", "name"))
    for r in (LeadResponsibility.objects.visible_to(user)
              .filter(partnership_id__in=columns, activity__in=activities)
              .active_on(today).select_related("organisation")):
        columns[r.partnership_id].leads[r.activity_id] = r

    active_services = Service.objects.visible_to(user).active().filter(
        partnership_id__in=columns)
    for row in active_services.values("partnership_id").annotate(n=Count("pk")):
        columns[row["partnership_id"]].services_total = row["n"]
    Through = Service.categories.through  # noqa: N806
    category_counts = (Through.objects
                       .filter(service__in=active_services)
                       .values("service__partnership_id", "servicecategory_id")
                       .annotate(n=Count("service_id", distinct=True)))
    used_categories: set[int] = set()
    for row in category_counts:
        columns[row["service__partnership_id"]].services_by_category[
            row["servicecategory_id"]] = row["n"]
        used_categories.add(row["servicecategory_id"])
    categories = list(ServiceCategory.objects.filter(pk__in=used_categories)
                      .order_by("position", "name")) if used_categories else []

    for a in (Agreement.objects.visible_to(user).filter(partnership_id__in=columns)
              .values("partnership_id", "status", "review_due")):
        column = columns[a["partnership_id"]]
        if a["status"] == AgreementStatus.ACTIVE:
            column.agreements_active += 1
            due = a["review_due"]
            if due and due < today:
                column.agreements_overdue += 1
            if due and (column.next_review is None or due < column.next_review):
                column.next_review = due
                column.next_review_overdue = due < today
        elif a["status"] == AgreementStatus.SUPERSEDED:
            column.agreements_superseded += 1

    this_year = financial_year_of(today)
    for f in (Funding.objects.visible_to(user).filter(partnership_id__in=columns)
              .values("partnership_id", "amount", "period_start", "period_end")):
        column = columns[f["partnership_id"]]
        column.funding_rows += 1
        column.funding_all_time += f["amount"]
        column.funding_this_year += spread_over_financial_years(
            f["amount"], f["period_start"], f["period_end"]).get(this_year, Decimal("0"))

    return Comparison(columns=list(columns.values()), activities=activities,
                      categories=categories, financial_year=this_year, today=today)

