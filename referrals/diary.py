"""An organisation's conference diary: the planned case conferences of every open case it is
involved in over the next weeks, for the team that runs its diary — as a page grouped by week,
and as an iCalendar feed (an organisation-scope sibling of the personal feeds of
``notifications.calendar``, whose token rules it reuses).

The page shows what case pages already show the same users (reference, kind, lead agency, the
organisations expected, the person's initials). The feed leaves the building (it is fetched by
calendar programs with no session), so its events carry the case reference and the kind of
meeting only.

Both read in a fixed number of queries whatever the number of conferences.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import icalendar
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.urls import reverse

from core import clock
from core.display import govuk_date
from notifications.calendar import (
    UID_DOMAIN,
    WINDOW_PAST_DAYS,
    absolute_url,
    dated_within,
    live_for_token,
)

from .choices import ConferenceStatus
from .models import Case, CaseConference, ConferenceDiaryFeed, LeadAgency, Referral

#: How far ahead the diary looks: the issue's "next 8 weeks".
DIARY_WEEKS = 8
CALENDAR_NAME = "Case conferences"
PRODID = "-//Partnership Registry//Conference diary//EN"
#: A conference with a time of day is entered for this long (the records hold no end time).
TIMED_LENGTH = datetime.timedelta(hours=1)
UK = zoneinfo.ZoneInfo("Europe/London")


def diary_window(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the page: today and the next ``DIARY_WEEKS`` weeks."""
    return today, today + datetime.timedelta(weeks=DIARY_WEEKS)


def _conferences(organisation_id: int | None, today: datetime.date) -> QuerySet[CaseConference]:
    """Conferences of open cases the organisation is involved in today, each with its case and
    the current lead agency's name (a subquery: one query)."""
    cases = Case.objects.involving(organisation_id, on=today).open()
    current_lead = LeadAgency.objects.current(today).filter(case=OuterRef("case_id"))
    return (CaseConference.objects.filter(case__in=cases.values("pk"))
            .select_related("case", "case__person")
            .annotate(lead_name=Subquery(current_lead.values("organisation__name")[:1]),
                      lead_id=Subquery(current_lead.values("organisation_id")[:1])))


@dataclass(frozen=True)
class DiaryEntry:
    """One planned conference as the diary lists it."""

    conference: CaseConference
    expected: list[str]  # organisation names, the user's own first

    @property
    def case(self) -> Case:
        return self.conference.case


@dataclass
class DiaryDay:
    """The conferences of one day."""

    day: datetime.date
    entries: list[DiaryEntry] = field(default_factory=list)


@dataclass
class DiaryWeek:
    """The days of one week (Monday first) that have conferences."""

    starts_on: datetime.date
    days: list[DiaryDay] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(day.entries) for day in self.days)


def _expected(case_ids: list[int], today: datetime.date) -> dict[int, dict[int, str]]:
    """Who each case's conferences expect: the organisations involved in the case today — its
    lead agency and both ends of its open referrals (``Case.objects.involving``). Two
    queries."""
    expected: dict[int, dict[int, str]] = defaultdict(dict)
    for case_id, org_id, name in (LeadAgency.objects.current(today)
                                  .filter(case_id__in=case_ids)
                                  .values_list("case_id", "organisation_id",
                                               "organisation__name")):
        expected[case_id][org_id] = name
    for row in (Referral.objects.open().filter(case_id__in=case_ids)
                .values_list("case_id", "from_organisation_id", "from_organisation__name",
                             "to_organisation_id", "to_organisation__name")):
        expected[row[0]][row[1]] = row[2]
        expected[row[0]][row[3]] = row[4]
    return expected


def conference_diary(user: Any, today: datetime.date | None = None) -> list[DiaryWeek]:
    """The user's organisation's planned conferences from today to ``DIARY_WEEKS`` weeks ahead,
    by week and day, for caseworkers (others get none: the view refuses them first). Three
    queries whatever the number of conferences."""
    today = today or clock.today()
    if not user.has_perm("referrals.view_conference_diary"):
        return []
    first, last = diary_window(today)
    conferences = list(_conferences(user.organisation_id, today)
                       .filter(status=ConferenceStatus.PLANNED, planned_on__range=(first, last))
                       .order_by("planned_on", F("planned_time").asc(nulls_first=True),
                                 "case__reference", "pk"))
    expected = _expected(sorted({c.case_id for c in conferences}), today)
    own = user.organisation_id
    weeks: list[DiaryWeek] = []
    for conference in conferences:
        monday = conference.planned_on - datetime.timedelta(days=conference.planned_on.weekday())
        if not weeks or weeks[-1].starts_on != monday:
            weeks.append(DiaryWeek(monday))
        week = weeks[-1]
        if not week.days or week.days[-1].day != conference.planned_on:
            week.days.append(DiaryDay(conference.planned_on))
        organisations = expected.get(conference.case_id, {})
        names = sorted(organisations.items(), key=lambda item: (item[0] != own, item[1]))
        week.days[-1].entries.append(DiaryEntry(conference, [name for _, name in names]))
    return weeks


# -- the feed -------------------------------------------------------------------------------------


def live_diary_feed(organisation_id: int | None) -> ConferenceDiaryFeed | None:
    """The organisation's live feed, if it has one."""
    if not organisation_id:
        return None
    return (ConferenceDiaryFeed.objects.filter(organisation_id=organisation_id,
                                               revoked_at__isnull=True)
            .select_related("created_by").first())


def live_diary_feed_for_token(token: str) -> ConferenceDiaryFeed | None:
    """The live feed for ``token``, or None for anything else (unknown, revoked, malformed):
    callers answer all of these the same way. One query, none for a malformed token."""
    return live_for_token(ConferenceDiaryFeed.objects.all(), token)


def diary_feed_url(token: str) -> str:
    """The absolute subscription URL for a raw token (shown once, when it is created)."""
    return absolute_url(reverse("referrals:conference-diary-feed", args=[token]))


def diary_ics(organisation_id: int, today: datetime.date | None = None) -> bytes:
    """The organisation's conferences as iCalendar (RFC 5545, written by the ``icalendar``
    package: ADR 0021): planned ones up to ``DIARY_WEEKS`` weeks ahead and, so a subscribed
    calendar keeps the recent past, those planned or held in the last ``WINDOW_PAST_DAYS``
    days. Missed and cancelled ones are left out (a calendar drops what leaves the feed).
    Events name the kind of meeting and the case reference, nothing else. One query."""
    today = today or clock.today()
    first = today - datetime.timedelta(days=WINDOW_PAST_DAYS)
    last = diary_window(today)[1]
    conferences = (_conferences(organisation_id, today)
                   .filter(dated_within(first, last, ConferenceStatus.PLANNED,
                                        ConferenceStatus.HELD))
                   .order_by("planned_on", "pk"))
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", CALENDAR_NAME)
    calendar.add("x-published-ttl", datetime.timedelta(hours=1))
    for conference in conferences:
        calendar.add_component(_event(conference))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _event(conference: CaseConference) -> icalendar.Event:
    held = conference.status == ConferenceStatus.HELD
    day = conference.held_on if held and conference.held_on else conference.planned_on
    reference = conference.case.reference
    when = (f"Held on {govuk_date(day)}." if held else f"Planned for {govuk_date(day)}.")
    if conference.planned_time is not None and day == conference.planned_on:
        when = when[:-1] + f" at {conference.planned_time:%H:%M}."
    event = icalendar.Event()
    event.add("uid", f"diary-conference-{conference.pk}@{UID_DOMAIN}")
    event.add("dtstamp", conference.modified_on)
    if conference.planned_time is not None and day == conference.planned_on:
        # UK time with its VTIMEZONE, so the meeting keeps its hour across the clocks' change.
        start = datetime.datetime.combine(day, conference.planned_time, tzinfo=UK)
        event.add("dtstart", start)
        event.add("dtend", start + TIMED_LENGTH)
    else:
        # An all-day DATE event keeps its day in every time zone, the clocks' change included.
        event.add("dtstart", day)
        event.add("dtend", day + datetime.timedelta(days=1))
        event.add("transp", "TRANSPARENT")
    event.add("summary", f"{conference.get_kind_display()}: case {reference}")
    event.add("description", f"Case conference on case {reference}. {when}")
    event.add("url", absolute_url(reverse("referrals:case", args=[reference])))
    return event
