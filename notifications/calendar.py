"""A user's private iCalendar feed: which meetings it holds, and the RFC 5545 text.

The feed is fetched by calendar programs (Outlook, Google Calendar) with no session, so the
URL's random token is the only credential. It holds meetings only, never anything about the
people using services: partnership reviews name the partnership, case conferences name the
case reference (a random reference, not the person). Every event is an all-day DATE event, so a
meeting on the day the clocks change stays on its day in every time zone.

Rules, in one place:

* reviews (planned and held) of partnerships the user's organisation is a current member of;
* case conferences (planned and held) of open cases the user's organisation is involved in
  (``Case.objects.involving``), for caseworkers only (``referrals.rules``);
* dated from ``WINDOW_PAST_DAYS`` ago to ``WINDOW_AHEAD_DAYS`` ahead (a held meeting by the
  day it was held, a planned one by its planned day);
* cancelled reviews, and cancelled or missed conferences, are left out rather than sent as
  ``STATUS:CANCELLED``: a subscribed calendar drops an event that disappears from the feed,
  which is what a cancelled meeting should do, and it keeps the feed to what will happen or did.

We write the iCalendar text ourselves (a few dozen lines) rather than depend on a library:
CRLF line ends, lines folded at 75 octets without splitting a UTF-8 character, TEXT values
escaped (backslash, semicolon, comma, newline), a DTSTAMP and a stable UID on every event.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from core import clock
from core.display import govuk_date
from core.errors import DomainError

from .models import CalendarFeed

WINDOW_PAST_DAYS = 90
WINDOW_AHEAD_DAYS = 400
CALENDAR_NAME = "Partnership Registry meetings"
PRODID = "-//Partnership Registry//Meetings calendar//EN"
UID_DOMAIN = "partnership-registry"
# ``secrets.token_urlsafe(32)`` gives 43 characters; anything not URL-safe base64, or of an
# implausible length, is refused before it reaches the database.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{32,128}")


def hash_token(token: str) -> str:
    """The SHA-256 hex of a token: all the database ever holds, so it cannot give a URL away."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def replace_live_feed(*, revoke_live: Callable[[datetime.datetime], object],
                      build: Callable[[str], Any], busy_message: str) -> tuple[str, Any]:
    """Save a new feed in place of the live one and return ``(raw token, feed)``; call inside a
    transaction. Each kind of feed allows one live row (a partial unique constraint), so two
    requests at once (a double click) race: the insert runs in a savepoint, and the loser calls
    ``revoke_live`` again (turning off the winner's fresh feed) and retries, so the last request's
    link is the live one. After three lost races the person is asked to try again."""
    for attempt in range(3):
        revoke_live(timezone.now())
        token = secrets.token_urlsafe(32)
        feed = build(hash_token(token))
        try:
            with transaction.atomic():
                feed.save()
        except IntegrityError:
            if attempt == 2:
                raise DomainError(busy_message) from None
            continue
        return token, feed
    raise AssertionError("unreachable")  # pragma: no cover


def feed_url(token: str) -> str:
    """The absolute subscription URL for a raw token (shown once, when it is created)."""
    return absolute_url(reverse("notifications:calendar-feed", args=[token]))


def live_for_token(feeds: QuerySet[Any], token: str) -> Any | None:
    """The live (not revoked) row of ``feeds`` for ``token``, or None for anything else
    (unknown, revoked, malformed): callers answer all of these the same way, so a response
    never hints which it was. One query, none for a malformed token."""
    if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
        return None
    return feeds.filter(token_hash=hash_token(token), revoked_at__isnull=True).first()


def live_feed_for_token(token: str) -> CalendarFeed | None:
    """The live feed of an active user for ``token`` (see ``live_for_token``; a feed of a user
    no longer active counts as unknown). One query."""
    return live_for_token(CalendarFeed.objects.select_related("user")
                          .filter(user__is_active=True), token)


def calendar_feed_note_use(feed: Any, now: datetime.datetime | None = None) -> bool:
    """Record when the feed was last fetched, at most once a minute (calendar programs poll;
    a write on every poll would be noise). True if it wrote. Any feed model with a
    ``last_used_at`` (a personal ``CalendarFeed``, or a higher app's organisation feed)."""
    now = now or timezone.now()
    if feed.last_used_at is not None and now - feed.last_used_at < datetime.timedelta(minutes=1):
        return False
    feed.last_used_at = now
    type(feed)._default_manager.filter(pk=feed.pk).update(last_used_at=now)
    return True


@dataclass(frozen=True)
class Event:
    """One all-day meeting in the feed."""

    uid: str
    day: datetime.date
    summary: str
    description: str
    url: str
    stamp: datetime.datetime  # when the meeting's record last changed (DTSTAMP)


def absolute_url(path: str) -> str:
    """A path as a full address, for calendar programs (they open links outside the site)."""
    return settings.SITE_URL.rstrip("/") + path


def meeting_day(meeting: Any, *, held: bool) -> tuple[datetime.date, str]:
    """A meeting's day in the calendar (held: the day it was held) and the words for it."""
    if held:
        return meeting.held_on, (f"Held on {govuk_date(meeting.held_on)} "
                                 f"(planned for {govuk_date(meeting.planned_on)}).")
    return meeting.planned_on, f"Planned for {govuk_date(meeting.planned_on)}."


def window(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day the feed covers."""
    return (today - datetime.timedelta(days=WINDOW_PAST_DAYS),
            today + datetime.timedelta(days=WINDOW_AHEAD_DAYS))


def dated_within(first: datetime.date, last: datetime.date, planned: str, held: str) -> Q:
    """Meetings planned, or held, within the window."""
    return (Q(status=planned, planned_on__range=(first, last))
            | Q(status=held, held_on__range=(first, last)))


#: Where a feed's events come from: one function (user, today) → events per app with meetings,
#: registered in that app's ``AppConfig.ready`` (partnership reviews, case conferences), since
#: this app sits below them and cannot import them.
EventSource = Callable[[Any, datetime.date], list[Event]]
_sources: list[EventSource] = []


def register_source(source: EventSource) -> None:
    """Add an app's meetings to every calendar feed (idempotent)."""
    if source not in _sources:
        _sources.append(source)


def events_for(user: Any, today: datetime.date | None = None) -> list[Event]:
    """Everything in the user's feed, by day. A fixed number of queries (one per source)
    whatever their number."""
    today = today or clock.today()
    events = [event for source in _sources for event in source(user, today)]
    return sorted(events, key=lambda event: (event.day, event.uid))


# -- RFC 5545 writing -----------------------------------------------------------------------------


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon and comma escaped, newlines as \\n."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return re.sub(r"\r\n|\r|\n", "\\\\n", value)


def fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 3.1): each continuation starts with one space,
    which counts towards its 75; a UTF-8 character is never split."""
    parts: list[str] = []
    current, size, limit = [], 0, 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, 74
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def _utc_stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _event_lines(event: Event) -> list[str]:
    return [
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{_utc_stamp(event.stamp)}",
        f"DTSTART;VALUE=DATE:{event.day:%Y%m%d}",
        f"DTEND;VALUE=DATE:{event.day + datetime.timedelta(days=1):%Y%m%d}",
        f"SUMMARY:{escape_text(event.summary)}",
        f"DESCRIPTION:{escape_text(event.description)}",
        f"URL:{event.url}",
        "TRANSP:TRANSPARENT",  # an all-day marker, not a day-long busy block
        "END:VEVENT",
    ]


def ics_text(events: Iterable[Event]) -> str:
    """The whole calendar as RFC 5545 text: CRLF line ends, folded lines."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{escape_text(CALENDAR_NAME)}",
        "X-PUBLISHED-TTL:PT1H",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
    ]
    for event in events:
        lines.extend(_event_lines(event))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
