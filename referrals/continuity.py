"""The continuity-of-care rule (issue 18): an adult released from prison counts as engaged in
community treatment if their first community appointment is attended within 21 days of release.

The national indicator counts CALENDAR days: weekends and bank holidays do not extend the 21 days
(unlike the working days of ``referrals.working_days``, used for referral response targets). A
release on Friday 22 May 2026, before the 25 May bank holiday, is engaged in time by an
appointment up to Friday 12 June 2026 and not by one on 13 June.
"""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

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
