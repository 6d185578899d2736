"""The partner engagement report: who came to a partnership's quarterly reviews.

Guidance on partnership working says to keep assessing engagement, especially of statutory
agencies that miss meetings; attendance at reviews is the measurable signal. The rules, chosen
to be simple and honest:

- **Period**: the last four UK financial quarters — the current quarter to date and the three
  before it (today 25 November 2026: 1 January 2026 to 25 November 2026, columns 2025–26 Q4 to
  2026–27 Q3). A review counts when it was *held* in the period (by ``held_on``); planned and
  cancelled reviews do not.
- **Rows**: every organisation that was a member at some time in the period, plus any whose
  attendance was recorded at a review in it (a membership corrected afterwards does not hide a
  record).
- **Cells**: per quarter, one mark per review held in it: *attended*, *sent no one*, *not a
  member then* (no attendance recorded and not a member that day), *not recorded* (a member that
  day per today's membership history, but the review's record has no answer for it, e.g. a
  membership added afterwards); a quarter with no review held says so.
- **Attendance rate** = reviews attended ÷ reviews it was expected at, where expected means its
  attendance was recorded (the recording action asks exactly for the members on that day), so
  nothing is counted against an organisation without a record.
- **Flags**: statutory agencies (``OrganisationKind.statutory()``) are marked; an organisation
  expected at one review or more that attended none "sent no one" and is listed first, then the
  lowest rates, then by name.

Reads in a fixed number of queries (three) whatever the number of organisations and reviews.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from core import clock
from core.display import govuk_date
from core.periods import quarter_for, quarter_label

from .choices import OrganisationKind, ReviewStatus
from .models import Membership, Organisation, Partnership, ReviewAttendance, ReviewMeeting
from .querysets import overlapping

#: How many financial quarters the report covers (the current one to date and those before).
QUARTERS = 4

ATTENDED = "attended"
SENT_NO_ONE = "sent_no_one"
NOT_A_MEMBER = "not_a_member"
NOT_RECORDED = "not_recorded"

#: How each mark reads on the page and in the download.
MARK_LABELS = {ATTENDED: "Attended", SENT_NO_ONE: "Sent no one",
               NOT_A_MEMBER: "Not a member then", NOT_RECORDED: "Not recorded"}
NO_REVIEW = "No review held"


@dataclass(frozen=True)
class Quarter:
    """A UK financial quarter (Q1 is April to June)."""

    starts_on: datetime.date
    ends_on: datetime.date

    @property
    def label(self) -> str:
        """As monitoring names quarters: 2026–27 Q3."""
        return quarter_label(self.starts_on)

    @property
    def months(self) -> str:
        """October to December 2026."""
        return f"{self.starts_on:%B} to {self.ends_on:%B %Y}"


def quarter_of(day: datetime.date) -> Quarter:
    """The financial quarter containing ``day``."""
    return Quarter(*quarter_for(day))


def report_quarters(today: datetime.date) -> list[Quarter]:
    """The ``QUARTERS`` quarters of the report, oldest first, ending with today's."""
    quarters = [quarter_of(today)]
    while len(quarters) < QUARTERS:
        quarters.insert(0, quarter_of(quarters[0].starts_on - datetime.timedelta(days=1)))
    return quarters


@dataclass(frozen=True)
class Mark:
    """One organisation at one held review."""

    held_on: datetime.date
    state: str

    @property
    def label(self) -> str:
        return MARK_LABELS[self.state]


@dataclass
class EngagementRow:
    """One organisation's attendance over the period."""

    organisation: Organisation
    cells: list[list[Mark]] = field(default_factory=list)  # per quarter, one mark per review
    attended: int = 0
    expected: int = 0

    @property
    def is_statutory(self) -> bool:
        return self.organisation.kind in OrganisationKind.statutory()

    @property
    def sent_no_one(self) -> bool:
        """Expected at one review or more, and came to none."""
        return self.expected > 0 and self.attended == 0

    @property
    def rate(self) -> Decimal | None:
        """Attended ÷ expected, as a percentage to the nearest whole; None when not expected."""
        if not self.expected:
            return None
        return (Decimal(100 * self.attended) / self.expected).quantize(
            Decimal(1), rounding=ROUND_HALF_UP)

    @property
    def rate_text(self) -> str:
        if self.rate is None:
            return "No reviews expected"
        return f"{self.rate}% ({self.attended} of {self.expected})"


@dataclass
class EngagementReport:
    partnership: Partnership
    today: datetime.date
    quarters: list[Quarter]
    reviews: list[ReviewMeeting]
    rows: list[EngagementRow]

    @property
    def starts_on(self) -> datetime.date:
        return self.quarters[0].starts_on

    @property
    def reviews_by_quarter(self) -> list[list[ReviewMeeting]]:
        return [[r for r in self.reviews if q.starts_on <= r.held_on <= q.ends_on]
                for q in self.quarters]

    @property
    def is_empty(self) -> bool:
        """No review was held in the period: nothing to measure."""
        return not self.reviews

    @property
    def sent_no_one_count(self) -> int:
        return sum(1 for row in self.rows if row.sent_no_one)


def _in_force(joined: datetime.date, left: datetime.date | None, day: datetime.date) -> bool:
    return joined <= day and (left is None or left > day)


def engagement_report(partnership: Partnership,
                      today: datetime.date | None = None) -> EngagementReport:
    """Attendance at the partnership's reviews held in the last four quarters, by organisation
    (see the module's docstring for the rules). Three queries."""
    today = today or clock.today()
    quarters = report_quarters(today)
    start = quarters[0].starts_on
    reviews = list(ReviewMeeting.objects
                   .filter(partnership=partnership, status=ReviewStatus.HELD,
                           held_on__gte=start, held_on__lte=today)
                   .order_by("held_on", "pk"))
    recorded: dict[tuple[int, int], bool] = {}
    organisations: dict[int, Organisation] = {}
    for row in (ReviewAttendance.objects.filter(meeting__in=[r.pk for r in reviews])
                .select_related("organisation")):
        recorded[(row.organisation_id, row.meeting_id)] = row.attended
        organisations.setdefault(row.organisation_id, row.organisation)
    spans: dict[int, list[tuple[datetime.date, datetime.date | None]]] = defaultdict(list)
    # A membership in force on some day of [start, today]: overlapping [start, today + 1).
    for membership in (Membership.objects.filter(partnership=partnership)
                       .filter(overlapping(start, today + datetime.timedelta(days=1),
                                           "joined_on", "left_on"))
                       .select_related("organisation")):
        spans[membership.organisation_id].append((membership.joined_on, membership.left_on))
        organisations.setdefault(membership.organisation_id, membership.organisation)

    rows = []
    for org_id, organisation in organisations.items():
        row = EngagementRow(organisation)
        for quarter in quarters:
            marks = []
            for review in reviews:
                if not quarter.starts_on <= review.held_on <= quarter.ends_on:
                    continue
                answer = recorded.get((org_id, review.pk))
                if answer is not None:
                    state = ATTENDED if answer else SENT_NO_ONE
                    row.expected += 1
                    row.attended += answer
                elif any(_in_force(j, left, review.held_on) for j, left in spans[org_id]):
                    state = NOT_RECORDED
                else:
                    state = NOT_A_MEMBER
                marks.append(Mark(review.held_on, state))
            row.cells.append(marks)
        rows.append(row)
    rows.sort(key=_order)
    return EngagementReport(partnership, today, quarters, reviews, rows)


def _order(row: EngagementRow) -> tuple[Any, ...]:
    """Sent no one first, then the lowest rates; those never expected last; then by name."""
    rate = row.rate
    return (not row.sent_no_one, rate is None, rate if rate is not None else 0,
            row.organisation.name.lower(), row.organisation.pk)


def cell_text(marks: list[Mark], many: bool) -> str:
    """A cell in words: 'Attended', or with dates when the quarter had more than one review
    ('Attended 5 May 2026; Sent no one 20 June 2026'); 'No review held' when it had none."""
    if not marks:
        return NO_REVIEW
    if not many:
        return marks[0].label
    return "; ".join(f"{m.label} {govuk_date(m.held_on)}" for m in marks)


def csv_rows(report: EngagementReport) -> tuple[list[str], list[list[Any]]]:
    """The report as a header and rows for ``core.csv_export.csv_response``: what the page
    shows, one line per organisation."""
    header = ["Organisation", "Kind", "Statutory agency",
              *[f"{q.label} ({q.months})" for q in report.quarters],
              "Reviews attended", "Reviews expected at", "Attendance rate (%)", "Sent no one"]
    rows = []
    for row in report.rows:
        rows.append([
            row.organisation.name, row.organisation.get_kind_display(), row.is_statutory,
            *[cell_text(marks, len(marks) > 1) for marks in row.cells],
            row.attended, row.expected, row.rate if row.rate is not None else "",
            row.sent_no_one])
    return header, rows


__all__ = ["ATTENDED", "MARK_LABELS", "NOT_A_MEMBER", "NOT_RECORDED", "NO_REVIEW", "QUARTERS",
           "SENT_NO_ONE", "EngagementReport", "EngagementRow", "Mark", "Quarter", "cell_text",
           "csv_rows", "engagement_report", "quarter_of", "report_quarters"]
