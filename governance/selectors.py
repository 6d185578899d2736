"""Summaries of governance for pages, the API and (later) the quarterly review pack, which reuses
them so the pack's figures are the pages' figures.

- ``training_last_year``: joint training and practice sharing over the last year (events,
  organisations taking part, attendees), in one query: the partnership page asks it for every
  visitor.
- ``feedback_by_quarter``: feedback counted per financial quarter (by source, average rating,
  how the ratings spread). Counts only: comments are read with ``feedback_comments``, which
  callers show only to members of the partnership, never to commissioners or in exports.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet, Sum

from partnerships.engagement import Quarter, report_quarters

from .choices import FeedbackSource
from .models import FeedbackResponse, TrainingAttendance, TrainingEvent

#: Ratings run from 1 (very poor) to 5 (very good).
RATINGS = (1, 2, 3, 4, 5)
RATING_LABELS = {1: "Very poor", 2: "Poor", 3: "Neither good nor poor", 4: "Good",
                 5: "Very good"}


def year_before(today: datetime.date) -> datetime.date:
    """The first day of the year ending ``today`` (29 February falls back to the 28th)."""
    try:
        start = today.replace(year=today.year - 1)
    except ValueError:
        start = today.replace(year=today.year - 1, day=28)
    return start + datetime.timedelta(days=1)


@dataclass(frozen=True)
class TrainingSummary:
    """Training across partners from ``since`` to ``until`` (both included)."""

    since: datetime.date
    until: datetime.date
    events: int
    organisations: int
    attendees: int


def training_last_year(partnership: Any, today: datetime.date) -> TrainingSummary:
    """Events held in the year ending ``today``, the organisations whose staff came to at least
    one, and how many people came in all (one query)."""
    since = year_before(today)
    totals = (TrainingAttendance.objects
              .filter(event__partnership=partnership, event__held_on__gte=since,
                      event__held_on__lte=today)
              .aggregate(events=Count("event", distinct=True),
                         organisations=Count("organisation", distinct=True),
                         attendees=Sum("attendees")))
    return TrainingSummary(since=since, until=today, events=totals["events"] or 0,
                           organisations=totals["organisations"] or 0,
                           attendees=totals["attendees"] or 0)


def training_events(partnership: Any) -> QuerySet[TrainingEvent]:
    """The partnership's events, newest first, with their host and attendance (three queries
    for a whole page)."""
    return (TrainingEvent.objects.filter(partnership=partnership)
            .select_related("host").prefetch_related("attendance__organisation")
            .annotate(attendees=Sum("attendance__attendees"))
            .order_by("-held_on", "-pk"))


@dataclass
class QuarterFeedback:
    """Feedback received in one financial quarter."""

    quarter: Quarter
    responses: int = 0
    by_source: dict[str, int] = field(default_factory=dict)
    ratings: dict[int, int] = field(default_factory=dict)

    @property
    def average_rating(self) -> float | None:
        """The mean rating to one decimal place (None with no responses)."""
        if not self.responses:
            return None
        return round(sum(r * n for r, n in self.ratings.items()) / self.responses, 1)

    def source_rows(self) -> list[tuple[str, str, int]]:
        """(source, its label, count) for every source, in the list's order."""
        return [(value, str(label), self.by_source.get(value, 0))
                for value, label in FeedbackSource.choices]

    def rating_rows(self) -> list[tuple[int, str, int]]:
        """(rating, its words, count) for every rating from 5 down to 1."""
        return [(r, RATING_LABELS[r], self.ratings.get(r, 0)) for r in reversed(RATINGS)]


def feedback_quarters(today: datetime.date) -> list[Quarter]:
    """The quarters the feedback summary covers: the last four, today's last."""
    return report_quarters(today)


def feedback_by_quarter(partnership: Any, quarters: Sequence[Quarter]) -> list[QuarterFeedback]:
    """Feedback per quarter of ``quarters`` (in their order), counted by source and rating
    (one query, however many quarters)."""
    summaries = [QuarterFeedback(quarter=q, by_source=dict.fromkeys(FeedbackSource.values, 0),
                                 ratings=dict.fromkeys(RATINGS, 0)) for q in quarters]
    if not summaries:
        return summaries
    counts = (FeedbackResponse.objects
              .filter(partnership=partnership,
                      received_on__gte=min(q.starts_on for q in quarters),
                      received_on__lte=max(q.ends_on for q in quarters))
              .values("received_on", "source", "rating").annotate(n=Count("pk"))
              .order_by())
    for row in counts:
        for summary in summaries:
            if summary.quarter.starts_on <= row["received_on"] <= summary.quarter.ends_on:
                summary.responses += row["n"]
                source = row["source"]
                summary.by_source[source] = summary.by_source.get(source, 0) + row["n"]
                summary.ratings[row["rating"]] += row["n"]
    return summaries


def feedback_comments(partnership: Any,
                      quarters: Sequence[Quarter]) -> QuerySet[FeedbackResponse]:
    """Feedback received in ``quarters`` that has a comment, newest first. For members of the
    partnership only: callers check ``may_read_feedback_comments`` first."""
    if not quarters:
        return FeedbackResponse.objects.none()
    return (FeedbackResponse.objects
            .filter(partnership=partnership,
                    received_on__gte=min(q.starts_on for q in quarters),
                    received_on__lte=max(q.ends_on for q in quarters))
            .exclude(comment="").select_related("about_organisation")
            .order_by("-received_on", "-pk"))


def may_read_feedback_comments(user: Any, partnership: Any) -> bool:
    """Comments are read inside the partnership only: staff of its current member organisations
    and platform admins (who run the service), never a funding commissioner."""
    from .actions.feedback import may_record_feedback

    return may_record_feedback(user, partnership)


def feedback_csv_rows(summaries: Sequence[QuarterFeedback]) -> tuple[list[str], list[list[Any]]]:
    """The summary as a table for a CSV download: one row per quarter, counts only (no
    comments, whoever downloads it)."""
    header = ["Quarter", "Months", "Responses",
              *[f"From: {label}" for _, label in FeedbackSource.choices],
              "Average rating", *[f"Rated {r} ({RATING_LABELS[r].lower()})" for r in RATINGS]]
    rows = [[s.quarter.label, s.quarter.months, s.responses,
             *[s.by_source.get(v, 0) for v in FeedbackSource.values],
             "" if s.average_rating is None else s.average_rating,
             *[s.ratings.get(r, 0) for r in RATINGS]] for s in summaries]
    return header, rows
