"""The continuity-of-care rule (issue 18): an adult released from prison counts as engaged in
community treatment if their first community appointment is attended within 21 days of release.

The national indicator counts CALENDAR days: weekends and bank holidays do not extend the 21 days
(unlike the working days of ``referrals.working_days``, used for referral response targets). A
release on Friday 22 May 2026, before the 25 May bank holiday, is engaged in time by an
appointment up to Friday 12 June 2026 and not by one on 13 June.
"""

from __future__ import annotations

import bisect
import datetime
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import rules
from django.db import models
from django.db.models import Exists, Min, OuterRef, Q, QuerySet

from core import clock
from core.periods import add_months, quarter_for, quarter_label
from partnerships.models import Organisation, Partnership

from .models import CustodyEpisode, ReleasePlan
from .release_plans import plan_ready_for_release

#: Calendar days after release within which the first appointment counts as engagement.
CONTINUITY_DAYS = 21


def days_to_first_appointment(released_on: datetime.date, attended_on: datetime.date) -> int:
    """Calendar days from release to the first appointment attended (0 on the day of release;
    negative if the dates are the wrong way round, which ``engaged_within`` refuses to count)."""
    return (attended_on - released_on).days


def engaged_within(released_on: datetime.date, attended_on: datetime.date | None) -> bool:
    """Whether an appointment attended on ``attended_on`` counts as engagement after a release on
    ``released_on``: from the day of release up to and including day ``CONTINUITY_DAYS``, in
    calendar days (bank holidays and weekends do not extend it: the national indicator is in
    calendar days). No appointment, or one before release, does not count."""
    if attended_on is None:
        return False
    return 0 <= days_to_first_appointment(released_on, attended_on) <= CONTINUITY_DAYS


class ContinuityOutcome(models.TextChoices):
    """Where one release stands against the 21-day rule: the buckets the report counts."""

    ENGAGED = "engaged", "Engaged within 21 days"
    ENGAGED_LATE = "engaged_late", "Engaged after 21 days"
    NOT_ENGAGED = "not_engaged", "Not engaged"
    AWAITING = "awaiting", "Within 21 days, nothing recorded yet"


def release_outcome(released_on: datetime.date, attended_on: datetime.date | None,
                    did_not_attend: bool, *, today: datetime.date) -> ContinuityOutcome:
    """The outcome of one release on ``today``: one rule for the report's counts and for the
    status a case shows, so the two never disagree. A release with nothing recorded is awaiting
    until its 21 days have passed, then not engaged."""
    if attended_on is not None:
        if engaged_within(released_on, attended_on):
            return ContinuityOutcome.ENGAGED
        return ContinuityOutcome.ENGAGED_LATE
    if did_not_attend or (today - released_on).days > CONTINUITY_DAYS:
        return ContinuityOutcome.NOT_ENGAGED
    return ContinuityOutcome.AWAITING


def releases_in(period_start: datetime.date,
                period_end: datetime.date) -> QuerySet[CustodyEpisode]:
    """Custody episodes that ended in a release from ``period_start`` to ``period_end``
    inclusive. Only ``released_on`` counts: a transfer to another prison is not a release."""
    return CustodyEpisode.objects.released_between(period_start, period_end)


@dataclass(frozen=True)
class ContinuityFigures:
    """The continuity-of-care figures of one set of releases (a partnership's, optionally one
    prison's or one community provider's, in one period). Releases are of people with a
    treatment need only; transfers are counted separately and are never releases."""

    releases: int
    engaged_within_21_days: int
    engaged_late: int           # first appointment attended after day 21
    not_engaged: int            # did not attend, or 21 days passed with nothing recorded
    awaiting: int               # released under 21 days before ``today``, nothing recorded yet
    no_plan_by_release: int     # no community provider or no booked appointment at release
    median_days_to_first_appointment: float | None
    transfers_in: int
    transfers_out: int

    @property
    def percent_engaged(self) -> float | None:
        """Engaged within 21 days as a share of releases, to one decimal place (None when
        there were no releases: 0% would claim a failure that did not happen)."""
        if not self.releases:
            return None
        return round(100 * self.engaged_within_21_days / self.releases, 1)


#: One release as counted: (released on, first appointment attended on, did not attend, the
#: plan's community provider id, the plan's booked appointment date).
ReleaseRow = tuple[datetime.date, datetime.date | None, bool, int | None, datetime.date | None]

#: One episode as its transfers are counted: (transferred out on, received on, whether it was
#: received by transfer).
MoveRow = tuple[datetime.date | None, datetime.date, bool]

#: A period counted: its first and last day (inclusive).
Period = tuple[datetime.date, datetime.date]


def _in_partnership(queryset: QuerySet[CustodyEpisode], partnership_id: int,
                    prison_id: int | None) -> QuerySet[CustodyEpisode]:
    queryset = queryset.filter(case__partnership_id=partnership_id)
    if prison_id is not None:
        queryset = queryset.filter(establishment_id=prison_id)
    return queryset


def _release_rows(*, partnership_id: int, start: datetime.date, end: datetime.date,
                  prison_id: int | None, provider_id: int | None) -> list[ReleaseRow]:
    """The releases with a treatment need from ``start`` to ``end``, with their plans: one
    query. A provider's releases are those whose plan (held on the releasing episode) names it."""
    released = _in_partnership(releases_in(start, end).filter(treatment_need=True),
                               partnership_id, prison_id)
    if provider_id is not None:
        released = released.filter(release_plan__community_provider_id=provider_id)
    rows = released.values_list("released_on", "attended_on", "did_not_attend",
                                "release_plan__community_provider_id",
                                "release_plan__appointment_on")
    return cast(list[ReleaseRow], list(rows))  # released_on is never null here


def _move_rows(*, partnership_id: int, start: datetime.date, end: datetime.date,
               prison_id: int | None, provider_id: int | None) -> list[MoveRow]:
    """Episodes transferred out, or received by transfer, from ``start`` to ``end``: one query.
    The plan moves with the person, so a provider's transfers are those of people whose plan
    (on any of their case's episodes) names it: the sending episode no longer holds it."""
    moves = _in_partnership(CustodyEpisode.objects.all(), partnership_id, prison_id).filter(
        Q(transferred_on__gte=start, transferred_on__lte=end)
        | Q(transferred_from__isnull=False, received_on__gte=start, received_on__lte=end))
    if provider_id is not None:
        moves = moves.filter(Exists(ReleasePlan.objects.filter(
            episode__case=OuterRef("case"), community_provider_id=provider_id)))
    rows = moves.annotate(received_by_transfer=Exists(CustodyEpisode.objects.filter(
        ended_by_transfer_to=OuterRef("pk")))).values_list("transferred_on", "received_on",
                                                           "received_by_transfer")
    return cast(list[MoveRow], list(rows))


def _tally(periods: Sequence[Period], releases: Iterable[ReleaseRow],
           moves: Iterable[MoveRow], today: datetime.date) -> list[ContinuityFigures]:
    """The figures of each of ``periods`` (in date order, not overlapping) from rows already
    read: the one place releases, outcomes and transfers are counted, for one period
    (``figures``) or many (``report``)."""
    starts = [start for start, _ in periods]

    def index(day: datetime.date | None) -> int | None:
        if day is None:
            return None
        i = bisect.bisect_right(starts, day) - 1
        return i if i >= 0 and day <= periods[i][1] else None

    # Per period: each outcome, "releases", "no_plan", "in" and "out" counted; and the days
    # to each first appointment attended, for the median.
    counts: list[Counter[str]] = [Counter() for _ in periods]
    days: list[list[int]] = [[] for _ in periods]
    for released_on, attended_on, did_not_attend, provider, appointment_on in releases:
        i = index(released_on)
        if i is None:
            continue
        counts[i]["releases"] += 1
        counts[i][release_outcome(released_on, attended_on, did_not_attend, today=today)] += 1
        if not plan_ready_for_release(provider, appointment_on):
            counts[i]["no_plan"] += 1
        if attended_on is not None:
            days[i].append(days_to_first_appointment(released_on, attended_on))
    for transferred_on, received_on, received_by_transfer in moves:
        out = index(transferred_on)
        if out is not None:
            counts[out]["out"] += 1
        into = index(received_on) if received_by_transfer else None
        if into is not None:
            counts[into]["in"] += 1
    return [ContinuityFigures(
        releases=c["releases"], engaged_within_21_days=c[ContinuityOutcome.ENGAGED],
        engaged_late=c[ContinuityOutcome.ENGAGED_LATE],
        not_engaged=c[ContinuityOutcome.NOT_ENGAGED], awaiting=c[ContinuityOutcome.AWAITING],
        no_plan_by_release=c["no_plan"],
        median_days_to_first_appointment=(float(statistics.median(d)) if d else None),
        transfers_in=c["in"], transfers_out=c["out"]) for c, d in zip(counts, days, strict=True)]


def _counted(periods: Sequence[Period], *, partnership_id: int, prison_id: int | None,
             provider_id: int | None, today: datetime.date) -> list[ContinuityFigures]:
    """The figures of each period, read in two queries however many periods there are."""
    start, end = periods[0][0], periods[-1][1]
    releases = _release_rows(partnership_id=partnership_id, start=start, end=end,
                             prison_id=prison_id, provider_id=provider_id)
    moves = _move_rows(partnership_id=partnership_id, start=start, end=end,
                       prison_id=prison_id, provider_id=provider_id)
    return _tally(periods, releases, moves, today)


def figures(*, partnership_id: int, start: datetime.date, end: datetime.date,
            prison_id: int | None = None, provider_id: int | None = None,
            today: datetime.date | None = None) -> ContinuityFigures:
    """The continuity figures of the partnership's releases from ``start`` to ``end``
    (inclusive), optionally of one prison (the releasing establishment) or one community
    provider (the release plan's). Two queries: the releases with their plans, and the
    transfers. ``today`` decides which releases are still inside their 21 days."""
    return _counted([(start, end)], partnership_id=partnership_id, prison_id=prison_id,
                    provider_id=provider_id, today=today or clock.today())[0]


# -- the continuity report: the figures per financial quarter ------------------------------------


@dataclass(frozen=True)
class QuarterFigures:
    """One financial quarter of the continuity report."""

    label: str                  # as the sector writes it: 2026–27 Q1
    starts_on: datetime.date
    ends_on: datetime.date
    figures: ContinuityFigures


def report(*, partnership: Partnership, prison_id: int | None = None,
           provider_id: int | None = None, quarters: int = 8,
           today: datetime.date | None = None) -> list[QuarterFigures]:
    """The partnership's continuity figures per UK financial quarter, oldest first: from the
    quarter of its first release or transfer (at most ``quarters`` quarters back) to the
    current quarter, whose figures are to date. Empty when the partnership has recorded no
    release or transfer: there is nothing to report yet. Three queries, however many quarters
    and releases (the span's releases and transfers are read once and counted per quarter)."""
    today = today or clock.today()
    first = CustodyEpisode.objects.filter(case__partnership_id=partnership.pk).aggregate(
        released=Min("released_on"), transferred=Min("transferred_on"))
    firsts = [day for day in first.values() if day is not None]
    if not firsts:
        return []
    current = quarter_for(today)[0]
    starts_on = max(quarter_for(min(firsts))[0], add_months(current, -3 * (quarters - 1)))
    periods: list[Period] = []
    while starts_on <= current:
        periods.append(quarter_for(starts_on))
        starts_on = add_months(starts_on, 3)
    counted = _counted(periods, partnership_id=partnership.pk, prison_id=prison_id,
                       provider_id=provider_id, today=today)
    return [QuarterFigures(label=quarter_label(start), starts_on=start, ends_on=end,
                           figures=figures_of_quarter)
            for (start, end), figures_of_quarter in zip(periods, counted, strict=True)]


def report_prisons(partnership_id: int) -> QuerySet[Organisation]:
    """The prisons the report may be narrowed to: those that have held anyone on the
    partnership's cases (released, transferred or still holding them), by name."""
    return Organisation.objects.filter(Exists(CustodyEpisode.objects.filter(
        case__partnership_id=partnership_id, establishment=OuterRef("pk")))).order_by("name")


def report_providers(partnership_id: int) -> QuerySet[Organisation]:
    """The community providers the report may be narrowed to: those named in the release plans
    of the partnership's cases, by name."""
    return Organisation.objects.filter(Exists(ReleasePlan.objects.filter(
        episode__case__partnership_id=partnership_id,
        community_provider=OuterRef("pk")))).order_by("name")


def partnership_for_report(user: Any, slug: str) -> Partnership | None:
    """The partnership whose report ``user`` may read, or None (the caller answers 404, as for
    a partnership that does not exist). The figures are counts, not personal data, so whoever
    may see the partnership in the registry may see them, as with its monitoring summary."""
    partnership = Partnership.objects.visible_to(user).filter(slug=slug).first()
    if partnership is None or not rules.has_perm("partnerships.view_partnership", user,
                                                 partnership):
        return None
    return partnership
