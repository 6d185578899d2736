"""Case conferences in the users' calendar feeds (``notifications.calendar``): conferences of
open cases the user's organisation is involved in, for caseworkers only. Registered in
``ReferralsConfig.ready``; events name the case reference, never the person."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse

from notifications.calendar import (
    UID_DOMAIN,
    Event,
    absolute_url,
    dated_within,
    meeting_day,
    window,
)

from .choices import ConferenceStatus
from .models import Case, CaseConference


def conference_events(user: Any, today: datetime.date) -> list[Event]:
    """Conferences of open cases the user's organisation is involved in, for caseworkers only
    (others get none). One query."""
    if not user.has_perm("notifications.calendar_case_conferences"):
        return []
    first, last = window(today)
    cases = Case.objects.involving(user.organisation_id, on=today).open()
    conferences = (CaseConference.objects
                   .filter(dated_within(first, last, ConferenceStatus.PLANNED,
                                         ConferenceStatus.HELD))
                   .filter(case__in=cases.values("pk"))
                   .select_related("case")
                   .only("id", "kind", "planned_on", "held_on", "status", "modified_on",
                         "case__reference")
                   .order_by("planned_on", "id"))
    events = []
    for conference in conferences:
        day, description = meeting_day(conference, held=conference.status == ConferenceStatus.HELD)
        reference = conference.case.reference
        events.append(Event(
            uid=f"conference-{conference.pk}@{UID_DOMAIN}", day=day,
            summary=f"{conference.get_kind_display()}: case {reference}",
            description=f"Case conference on case {reference}. {description}",
            url=absolute_url(reverse("referrals:case", args=[reference])),
            stamp=conference.modified_on))
    return events
