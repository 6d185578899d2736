"""Partnership reviews in the users' calendar feeds (``notifications.calendar``): reviews of the
partnerships the user's organisation is a current member of. Registered in
``PartnershipsConfig.ready``."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Exists, OuterRef
from django.urls import reverse

from notifications.calendar import (
    UID_DOMAIN,
    Event,
    absolute_url,
    dated_within,
    meeting_day,
    window,
)

from .choices import ReviewStatus
from .models import Membership, ReviewMeeting


def review_events(user: Any, today: datetime.date) -> list[Event]:
    """Reviews of partnerships the user's organisation is a current member of. One query."""
    if not getattr(user, "organisation_id", None):
        return []
    first, last = window(today)
    member = Membership.objects.active_on(today).filter(
        organisation_id=user.organisation_id, partnership_id=OuterRef("partnership_id"))
    meetings = (ReviewMeeting.objects
                .filter(dated_within(first, last, ReviewStatus.PLANNED, ReviewStatus.HELD))
                .filter(Exists(member))
                .select_related("partnership")
                .only("id", "planned_on", "held_on", "status", "modified_on",
                      "partnership__name", "partnership__slug")
                .order_by("planned_on", "id"))
    events = []
    for meeting in meetings:
        day, description = meeting_day(meeting, held=meeting.status == ReviewStatus.HELD)
        events.append(Event(
            uid=f"review-{meeting.pk}@{UID_DOMAIN}", day=day,
            summary=f"Partnership review: {meeting.partnership.name}",
            description=f"Quarterly partnership review. {description}",
            url=absolute_url(reverse("partnerships:reviews", args=[meeting.partnership.slug])),
            stamp=meeting.modified_on))
    return events
