"""The continuity-of-care rule (issue 18): an adult released from prison counts as engaged in
community treatment if their first community appointment is attended within 21 days of release.

The national indicator counts CALENDAR days: weekends and bank holidays do not extend the 21 days
(unlike the working days of ``referrals.working_days``, used for referral response targets). A
release on Friday 22 May 2026, before the 25 May bank holiday, is engaged in time by an
appointment up to Friday 12 June 2026 and not by one on 13 June.
"""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from core import clock

from .models import CustodyEpisode

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


def _scoped(queryset: QuerySet[CustodyEpisode], *, partnership_id: int,
            prison_id: int | None, provider_id: int | None) -> QuerySet[CustodyEpisode]:
    queryset = queryset.filter(case__partnership_id=partnership_id)
    if prison_id is not None:
        queryset = queryset.filter(establishment_id=prison_id)
    if provider_id is not None:
        queryset = queryset.filter(release_plan__community_provider_id=provider_id)
    return queryset


def figures(*, partnership_id: int, start: datetime.date, end: datetime.date,
            prison_id: int | None = None, provider_id: int | None = None,
            today: datetime.date | None = None) -> ContinuityFigures:
    """The continuity figures of the partnership's releases from ``start`` to ``end``
    (inclusive), optionally of one prison (the releasing establishment) or one community
    provider (the release plan's). Two queries: the releases with their plans, and the
    transfers. ``today`` decides which releases are still inside their 21 days."""
    today = today or clock.today()
    released = _scoped(releases_in(start, end).filter(treatment_need=True),
                       partnership_id=partnership_id, prison_id=prison_id,
                       provider_id=provider_id)
    rows = list(released.values_list("released_on", "attended_on", "did_not_attend",
                                     "release_plan__community_provider_id",
                                     "release_plan__appointment_on"))
    engaged = late = not_engaged = awaiting = no_plan = 0
    days: list[int] = []
    for released_on, attended_on, did_not_attend, provider, appointment_on in rows:
        if not (provider and appointment_on):
            no_plan += 1
        if attended_on is not None:
            days.append(days_to_first_appointment(released_on, attended_on))
            if engaged_within(released_on, attended_on):
                engaged += 1
            else:
                late += 1
        elif did_not_attend or (today - released_on).days > CONTINUITY_DAYS:
            not_engaged += 1
        else:
            awaiting += 1
    moves = _scoped(CustodyEpisode.objects.all(), partnership_id=partnership_id,
                    prison_id=prison_id, provider_id=provider_id)
    transfers = moves.aggregate(
        out=Count("pk", filter=Q(transferred_on__gte=start, transferred_on__lte=end)),
        into=Count("pk", filter=Q(transferred_from__isnull=False, received_on__gte=start,
                                  received_on__lte=end)))
    return ContinuityFigures(
        releases=len(rows), engaged_within_21_days=engaged, engaged_late=late,
        not_engaged=not_engaged, awaiting=awaiting, no_plan_by_release=no_plan,
        median_days_to_first_appointment=(float(statistics.median(days)) if days else None),
        transfers_in=transfers["into"], transfers_out=transfers["out"])
