"""An organisation's conference diary: the planned case conferences of every open case it is
involved in over the next weeks, for the team that runs its diary — as a page showing one week
at a time, grouped by day, and as an iCalendar feed (an organisation-scope sibling of the
personal feeds of ``notifications.calendar``, whose token rules it reuses).

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
from django.core.paginator import Page
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.urls import reverse

from core import clock
from core.display import govuk_date
from core.pagination import paginate
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
#: Conferences a page of one week shows: a big probation delivery unit plans ~500 a week.
PER_PAGE = 100
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
    """The conferences of one day (on this page of the week)."""

    day: datetime.date
    entries: list[DiaryEntry] = field(default_factory=list)


@dataclass(frozen=True)
class DiaryWeek:
    """One week of the diary as the page shows it: the days of this page of the week that have
    conferences (Monday first), the page itself (for its links and the week's count), the weeks
    either side that the diary reaches (None past either end), the number planned in the whole
    ``DIARY_WEEKS`` window, and a notice when the requested week or page could not be shown."""

    starts_on: datetime.date
    first: datetime.date  # the window: today ...
    last: datetime.date  # ... to DIARY_WEEKS weeks ahead
    days: list[DiaryDay]
    page: Page
    total: int  # planned in the whole window
    previous_week: datetime.date | None
    next_week: datetime.date | None
    notice: str = ""

    @property
    def ends_on(self) -> datetime.date:
        return self.starts_on + datetime.timedelta(days=6)

    @property
    def count(self) -> int:
        """Planned conferences in this week (all its pages)."""
        return int(self.page.paginator.count)


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


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def choose_week(requested: str | None, today: datetime.date) -> tuple[datetime.date, str]:
    """The Monday of the week to show for ``?week=`` (any day of it, as YYYY-MM-DD), and a
    notice when the request could not be followed. Nothing asked: this week. Not a date, or a
    week outside the diary's window (bookmarks outlive it): this week, saying why, instead of
    an error page."""
    this_week = _monday(today)
    raw = (requested or "").strip()
    if not raw:
        return this_week, ""
    try:
        asked = datetime.date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        asked = None
    if asked is None:
        return this_week, ("The week must be a date written like "
                           f"{this_week.isoformat()}, so this week is shown.")
    first, last = diary_window(today)
    if not this_week <= _monday(asked) <= _monday(last):
        return this_week, (f"The diary shows the next {DIARY_WEEKS} weeks, from "
                           f"{govuk_date(first)} to {govuk_date(last)}, so this week is shown.")
    return _monday(asked), ""


def conference_diary(user: Any, today: datetime.date | None = None, *,
                     week: str | None = None, page: str | None = None) -> DiaryWeek | None:
    """One week (Monday to Sunday, UK dates; ``?week=``) of the user's organisation's planned
    conferences between today and ``DIARY_WEEKS`` weeks ahead, by day, ``PER_PAGE`` at a time
    (``?page=``): a big probation delivery unit plans hundreds a week, and the whole window at
    once was thousands of rows no one could use and seconds to draw. For caseworkers (others:
    None; the view refuses them first). Five queries whatever the number of conferences: the
    window's count, the week's count, its page, and the page's expected organisations (two)."""
    today = today or clock.today()
    if not user.has_perm("referrals.view_conference_diary"):
        return None
    first, last = diary_window(today)
    monday, notice = choose_week(week, today)
    sunday = monday + datetime.timedelta(days=6)
    planned = (_conferences(user.organisation_id, today)
               .filter(status=ConferenceStatus.PLANNED))
    total = planned.filter(planned_on__range=(first, last)).count()
    in_week = (planned.filter(planned_on__range=(max(first, monday), min(last, sunday)))
               .order_by("planned_on", F("planned_time").asc(nulls_first=True),
                         "case__reference", "pk"))
    result = paginate(in_week, page, per_page=PER_PAGE)
    conferences: list[CaseConference] = list(result.page.object_list)
    expected = _expected(sorted({c.case_id for c in conferences}), today)
    own = user.organisation_id
    days: list[DiaryDay] = []
    for conference in conferences:
        if not days or days[-1].day != conference.planned_on:
            days.append(DiaryDay(conference.planned_on))
        organisations = expected.get(conference.case_id, {})
        names = sorted(organisations.items(), key=lambda item: (item[0] != own, item[1]))
        days[-1].entries.append(DiaryEntry(conference, [name for _, name in names]))
    step = datetime.timedelta(weeks=1)
    return DiaryWeek(
        starts_on=monday, first=first, last=last, days=days, page=result.page, total=total,
        previous_week=monday - step if monday > _monday(first) else None,
        next_week=monday + step if monday < _monday(last) else None,
        notice=" ".join(n for n in (notice, result.notice) if n))


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
