"""Reads behind the casework pages: the caseload, commissioners' counts, a case page with its
timeline, the referral inbox, end-of-order notices and the access log.

Every list starts from a need-to-know queryset (``Case.objects.visible_to``,
``Referral.objects.visible_to``) and costs a fixed number of queries however many rows there are:
what a row shows from other tables comes from subqueries or ``select_related``, not per row.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Role
from core import clock
from core.querysets import is_signed_in

from .choices import ConferenceStatus, HistoryKind, OrderType, ReferralStatus, Seriousness
from .models import (
    Assessment,
    Case,
    CaseAccess,
    CaseConference,
    CaseHistoryEntry,
    CustodyEpisode,
    EndOfOrderNotice,
    LeadAgency,
    Referral,
)

#: GOV.UK tag colour for each seriousness.
SERIOUSNESS_TAGS: dict[str, str] = {
    Seriousness.LOW: "govuk-tag--grey",
    Seriousness.MEDIUM: "govuk-tag--yellow",
    Seriousness.HIGH: "govuk-tag--red",
}

#: GOV.UK tag colour for each referral state.
REFERRAL_TAGS: dict[str, str] = {
    ReferralStatus.SENT: "govuk-tag--blue",
    ReferralStatus.ACCEPTED: "govuk-tag--green",
    ReferralStatus.DECLINED: "govuk-tag--orange",
    ReferralStatus.COMPLETED: "govuk-tag--grey",
    ReferralStatus.WITHDRAWN: "govuk-tag--grey",
}

#: GOV.UK tag colour for each conference state.
CONFERENCE_TAGS: dict[str, str] = {
    ConferenceStatus.PLANNED: "govuk-tag--blue",
    ConferenceStatus.HELD: "govuk-tag--green",
    ConferenceStatus.MISSED: "govuk-tag--red",
    ConferenceStatus.CANCELLED: "govuk-tag--grey",
    ConferenceStatus.CALLED_OFF: "govuk-tag--grey",
}


# -- the caseload ---------------------------------------------------------------------------------


def caseload(user: Any, *, lead_only: bool = False, seriousness: str = "") -> QuerySet[Case]:
    """Open cases the user's organisation is involved in, each with its current lead agency, the
    next planned conference and the number of open referrals (subqueries, so one query a page).
    Ordered by the order's end, soonest first: those are the cases with work to plan."""
    today = clock.today()
    current_lead = LeadAgency.objects.current(today).filter(case=OuterRef("pk"))
    next_conference = (CaseConference.objects
                       .filter(case=OuterRef("pk"), status=ConferenceStatus.PLANNED,
                               planned_on__gte=today)
                       .order_by("planned_on").values("planned_on")[:1])
    open_referrals = (Referral.objects.open().filter(case=OuterRef("pk")).order_by()
                      .values("case").annotate(n=Count("pk")).values("n"))
    cases = (Case.objects.visible_to(user).open()
             .annotate(lead_name=Subquery(current_lead.values("organisation__name")[:1]),
                       lead_id=Subquery(current_lead.values("organisation_id")[:1]),
                       next_conference_on=Subquery(next_conference),
                       open_referrals=Coalesce(Subquery(open_referrals,
                                                        output_field=IntegerField()), 0)))
    if lead_only:
        cases = cases.filter(Exists(current_lead.filter(organisation_id=user.organisation_id)))
    if seriousness in Seriousness.values:
        cases = cases.filter(seriousness=seriousness)
    return cases.order_by("order_ends_on", "reference")


@dataclass(frozen=True)
class CountRow:
    """Open cases of one order type, by seriousness."""

    order_type: str
    by_seriousness: list[int]
    total: int


@dataclass(frozen=True)
class PartnershipCounts:
    """A funded partnership's open cases, counted: never a reference or anything about a
    person."""

    partnership: Any
    rows: list[CountRow]
    totals: list[int]
    total: int


def commissioner_counts(user: Any) -> list[PartnershipCounts]:
    """Open cases of each partnership the commissioner's organisation funds, by order type and
    seriousness. Two queries: the partnerships, then one grouped count."""
    from partnerships.models import Partnership

    if not is_signed_in(user) or user.role != Role.COMMISSIONER or not user.organisation_id:
        return []
    partnerships = list(Partnership.objects
                        .filter(funding__funder_id=user.organisation_id).distinct()
                        .order_by("name"))
    if not partnerships:
        return []
    grouped: dict[int, dict[tuple[str, str], int]] = defaultdict(dict)
    counted = (Case.objects.open().filter(partnership__in=partnerships).order_by()
               .values("partnership_id", "order_type", "seriousness").annotate(n=Count("pk")))
    for row in counted:
        grouped[row["partnership_id"]][row["order_type"], row["seriousness"]] = row["n"]
    levels = Seriousness.values
    result = []
    for partnership in partnerships:
        counts = grouped.get(partnership.pk, {})
        rows = []
        for value, label in OrderType.choices:
            numbers = [counts.get((value, level), 0) for level in levels]
            if sum(numbers):
                rows.append(CountRow(label, numbers, sum(numbers)))
        totals = [sum(r.by_seriousness[i] for r in rows) for i in range(len(levels))]
        result.append(PartnershipCounts(partnership, rows, totals, sum(totals)))
    return result


# -- one case -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One entry of a case's timeline: a referral, an assessment, a conference or a notice."""

    on: datetime.date
    kind: str  # "referral", "assessment", "conference" or "notice"
    item: Any
    order: int = 0  # keeps events of one day in a stable order
    tag: str = ""  # GOV.UK tag colour of its state, if it has one


@dataclass
class CaseFile:
    """What the case page shows, read in a fixed number of queries."""

    case: Case
    leads: list[LeadAgency]
    identifiers: list[Any]
    referrals: list[Referral]
    assessments: list[Assessment]
    conferences: list[CaseConference]
    notices: list[EndOfOrderNotice]
    timeline: list[Event] = field(default_factory=list)

    @property
    def current_lead(self) -> LeadAgency | None:
        today = clock.today()
        for lead in reversed(self.leads):
            if lead.starts_on <= today and (lead.ends_on is None or lead.ends_on > today):
                return lead
        return None

    @property
    def to_record(self) -> list[CaseConference]:
        """Planned conferences whose day has come: held or missed, they need recording."""
        today = clock.today()
        return [c for c in self.conferences
                if c.status == ConferenceStatus.PLANNED and c.planned_on <= today]

    @property
    def upcoming(self) -> list[CaseConference]:
        """Planned conferences still to come, soonest first: the schedule the case page lists
        (where the lead agency moves or cancels one)."""
        today = clock.today()
        return [c for c in self.conferences
                if c.status == ConferenceStatus.PLANNED and c.planned_on > today]

    @property
    def next_planned(self) -> CaseConference | None:
        today = clock.today()
        return next((c for c in self.conferences
                     if c.status == ConferenceStatus.PLANNED and c.planned_on > today), None)


def case_by_reference(reference: str) -> Case | None:
    """A case with what every case page heads with (its person and partnership)."""
    return (Case.objects.select_related("person", "partnership")
            .filter(reference=reference).first())


def case_file(case: Case, *, with_identifiers: bool = True) -> CaseFile:
    """The case's lead agencies (oldest first), identifiers, referrals, assessments, conferences
    (those a re-plan replaced left out; each with ``changes``: its moves and cancellation by a
    person), notices and changes of seriousness, and one timeline of them all in date order."""
    leads = list(case.lead_agencies.select_related("organisation", "set_by")
                 .order_by("starts_on", "pk"))
    identifiers = (list(case.person.identifiers.order_by("kind")) if with_identifiers else [])
    referrals = list(case.referrals.select_related(
        "from_organisation", "from_service", "to_service", "to_organisation", "pathway",
        "sent_by", "responded_by").order_by("created_on", "pk"))
    assessments = list(case.assessments.select_related("organisation", "service")
                       .order_by("assessed_on", "pk"))
    conferences = list(case.conferences.exclude(status=ConferenceStatus.CANCELLED)
                       .prefetch_related(Prefetch(
                           "attendees", queryset=_attendees()))
                       .order_by("planned_on", "pk"))
    notices = list(case.end_notices.select_related("organisation", "responsible_organisation",
                                                   "acknowledged_by").order_by("created_on", "pk"))
    history = list(case.history.order_by("effective_on", "created_on", "pk"))
    # Each conference carries its own moves and cancellation ("Moved from … to …: reason").
    changes: dict[int, list[CaseHistoryEntry]] = defaultdict(list)
    for entry in history:
        if entry.conference_id is not None:
            changes[entry.conference_id].append(entry)
    for conference in conferences:
        conference.changes = changes.get(conference.pk, [])  # type: ignore[attr-defined]
    events = [Event(timezone.localtime(r.created_on).date(), "referral", r, 1,
                    REFERRAL_TAGS.get(r.status, "")) for r in referrals]
    events += [Event(a.assessed_on, "assessment", a, 0) for a in assessments]
    events += [Event(c.held_on or c.planned_on, "conference", c, 2,
                     CONFERENCE_TAGS.get(c.status, "")) for c in conferences]
    events += [Event(timezone.localtime(n.created_on).date(), "notice", n, 3) for n in notices]
    events += [Event(e.effective_on, "seriousness", e, 0) for e in history
               if e.kind == HistoryKind.SERIOUSNESS_CHANGED]
    events.sort(key=lambda e: (e.on, e.order))
    return CaseFile(case, leads, identifiers, referrals, assessments, conferences, notices,
                    events)


def _attendees() -> QuerySet[Any]:
    from .models import ConferenceAttendee

    return ConferenceAttendee.objects.select_related("organisation").order_by("pk")


def access_log(case: Case) -> QuerySet[CaseAccess]:
    """Who read the case, newest first."""
    return (case.access_log.select_related("user", "organisation", "api_token")
            .order_by("-accessed_at", "-pk"))


def custody_episodes(case: Case) -> list[CustodyEpisode]:
    """The case's custody episodes, oldest first, each with its prison, release area, the
    prisons it was transferred from and to, and its release plan (provider, referral): one query
    however many times the person moved."""
    return list(CustodyEpisode.objects.filter(case=case).select_related(
        "establishment", "release_area", "ended_by_transfer_to__establishment",
        "transferred_from__establishment", "release_plan__community_provider",
        "release_plan__referral__to_service")
        .order_by("received_on", "pk"))


# -- referrals ------------------------------------------------------------------------------------


def _referral_rows(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    return referrals.select_related("case", "from_organisation", "from_service", "to_service",
                                    "to_organisation")


def inbox(user: Any) -> QuerySet[Referral]:
    """Referrals addressed to the user's organisation, of cases it is still involved in: those
    waiting for an answer first (the longest due first), then the rest, newest first."""
    waiting = When(status=ReferralStatus.SENT, then=Value(0))
    return (_referral_rows(Referral.objects.visible_to(user).inbox_of(user.organisation_id))
            .annotate(waiting=models.Case(waiting, default=Value(1), output_field=IntegerField()))
            .order_by("waiting", "response_due_on", "-created_on", "pk"))


def sent(user: Any) -> QuerySet[Referral]:
    """Referrals the user's organisation sent, of cases it is still involved in, newest first."""
    return (_referral_rows(Referral.objects.visible_to(user)
                           .filter(from_organisation_id=user.organisation_id))
            .order_by("-created_on", "pk"))


def is_overdue(referral: Referral) -> bool:
    """Still waiting for an answer after its response was due."""
    return referral.status == ReferralStatus.SENT and referral.response_due_on < clock.today()


# -- end-of-order notices -------------------------------------------------------------------------


def notices_for(user: Any) -> QuerySet[EndOfOrderNotice]:
    """End-of-order notices addressed to the user's organisation: unacknowledged first, newest
    first within each."""
    if not is_signed_in(user) or not user.organisation_id:
        return EndOfOrderNotice.objects.none()
    return (EndOfOrderNotice.objects.filter(organisation_id=user.organisation_id)
            .select_related("case", "responsible_organisation", "acknowledged_by")
            .annotate(done=models.Case(When(Q(acknowledged_at__isnull=True), then=Value(0)),
                                 default=Value(1), output_field=IntegerField()))
            .order_by("done", "-created_on", "-pk"))


# -- services a case can be referred to ----------------------------------------------------------


def referable_services(case: Case, organisation_id: int | None,
                       on: datetime.date | None = None) -> QuerySet[Any]:
    """The services ``organisation_id`` may refer ``case`` to on ``on`` (today by default):
    active services of the other current members of the case's partnership that a referral
    pathway in force in that partnership leads to (by the service itself or by one of its
    categories). The referrer's own services are left out: a referral goes to another agency.
    The refer form offers exactly these and ``referral_send`` refuses any other, so the page,
    the API and every other caller agree. One query."""
    from partnerships.models import Membership
    from services.models import Service

    from .models import ReferralPathway

    on = on or clock.today()
    members = Membership.objects.active_on(on).filter(partnership_id=case.partnership_id)
    pathways = ReferralPathway.objects.in_force(on).filter(partnership_id=case.partnership_id)
    return (Service.objects
            .filter(provider__in=members.values("organisation_id"), is_active=True)
            .exclude(provider_id=organisation_id)
            .filter(Exists(pathways.filter(to_service=OuterRef("pk")))
                    | Exists(pathways.filter(to_category__services=OuterRef("pk")))))
