"""The quarterly reviews part of the demo.

**North Pennine Prisons Recovery Partnership** (led by Northgate Recovery Trust, the
demo-manager's organisation) has held a review in each of the last four financial quarters (the
current one only once its mid-quarter review day has come), recorded by
the demo-manager, with realistic attendance: most members come; HMP Kelder Fell (a statutory
partner) sent no one to two of them; Second Chance Recovery CIC sent no one to any, so the
engagement report flags it. Turning Tide Recovery is asked about only from when it joined. The
next review is planned a quarter after the last one, so it is in the future. Every other active
demo partnership gets its first review planned (``partnerships.actions.review_plan_first``).

Dates are relative to today (like the monitoring returns), so the report always has four
quarters to show. History is written as rows (the actions refuse dates in the past for planning,
and the registry's demo writes are the system's), audited like everything else, using the same
rules as the actions: attendance for exactly the members on the day, the next review
``REVIEW_INTERVAL_MONTHS`` on. Idempotent: a partnership that has any review is left alone.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model

from core import audit, clock
from core.actions import audited_create
from core.display import govuk_date
from core.models import AuditEvent
from demo.data import model_label
from partnerships import actions
from partnerships.choices import PartnershipStatus, ReviewStatus
from partnerships.engagement import report_quarters
from partnerships.models import Partnership, ReviewAttendance, ReviewMeeting

PARTNERSHIP = "north-pennine-prisons-recovery-partnership"
#: Organisation identifiers (see ``demo.data.ORGANISATIONS``).
KELDER_FELL = "GB-GOR-PRN0103"
SECOND_CHANCE = "GB-COH-09351764"
#: Reviews fall about halfway through each quarter (the Tuesday on or before this day of it).
DAYS_INTO_QUARTER = 45
#: Which of them (by position) HMP Kelder Fell missed.
KELDER_FELL_MISSED = (1, 2)
NOTES = (
    "Reviewed the referral pathway from prison recovery teams to community treatment on "
    "release; agreed to report appointment attendance within three weeks of release.",
    "Reviewed continuity of care for people transferred between prisons; the shared case "
    "management record is to follow them on transfer.",
    "Reviewed the information-sharing protocol and the lead agency matrix; no changes.",
    "Reviewed the women's pathway from HMP Calderbrook with Turning Tide Recovery; agreed a "
    "joint case conference at the start of each licence.",
)


def _tuesday_on_or_before(day: datetime.date) -> datetime.date:
    """Partnership meetings in the demo fall on a Tuesday."""
    return day - datetime.timedelta(days=(day.weekday() - 1) % 7)


def held_dates(today: datetime.date) -> list[datetime.date]:
    """The demo's held reviews, oldest first: one about halfway through each of the engagement
    report's four quarters, except the current one while its review day is still to come."""
    days = [_tuesday_on_or_before(q.starts_on + datetime.timedelta(days=DAYS_INTO_QUARTER))
            for q in report_quarters(today)]
    return [day for day in days if day <= today]


class ReviewsLoader:
    def __init__(self, *, report: Any, log: Callable[[str], None],
                 today: datetime.date | None = None) -> None:
        self.report = report
        self.log = log
        self.today = today or clock.today()
        self.label = model_label(ReviewMeeting)

    def run(self) -> None:
        main = Partnership.objects.filter(slug=PARTNERSHIP).first()
        if main is not None:
            self._history(main)
        first = 0
        for partnership in (Partnership.objects.filter(status=PartnershipStatus.ACTIVE)
                            .exclude(slug=PARTNERSHIP).order_by("name")):
            if actions.review_plan_first(partnership, self.today) is None:
                self.report.existing[self.label] += 1
            else:
                first += 1
                self.report.created[self.label] += 1
        self.log(f"  Quarterly reviews: {first} first review{'s' if first != 1 else ''} "
                 "planned elsewhere")

    def _history(self, partnership: Partnership) -> None:
        existing = partnership.review_meetings.count()
        if existing:
            self.report.existing[self.label] += existing
            self.log(f"  Quarterly reviews of {partnership}: already loaded, skipped")
            return
        manager = get_user_model().objects.filter(username="demo-manager").first()
        last = None
        dates = held_dates(self.today)
        for index, held_on in enumerate(dates):
            planned_on = actions.next_review_on(last) if last else held_on
            self._held(partnership, index, planned_on, held_on, manager)
            last = held_on
        following = actions.next_review_on(last)
        audited_create(instance=ReviewMeeting(partnership=partnership, planned_on=following),
                       by=None, summary=f"Planned the next partnership review on "
                                        f"{govuk_date(following)}")
        self.report.created[self.label] += len(dates) + 1
        self.log(f"  Quarterly reviews of {partnership}: {len(dates)} held, the next "
                 f"planned for {govuk_date(following)}")

    def _held(self, partnership: Partnership, index: int, planned_on: datetime.date,
              held_on: datetime.date, manager: Any) -> None:
        meeting = audited_create(
            instance=ReviewMeeting(partnership=partnership, planned_on=planned_on,
                                   status=ReviewStatus.HELD, held_on=held_on,
                                   notes=NOTES[index], recorded_by=manager),
            by=None, summary=f"Recorded the partnership review held on "
                             f"{govuk_date(held_on)}")
        rows = []
        for organisation in actions.members_on(partnership, held_on):
            missed = (organisation.identifier == SECOND_CHANCE
                      or (organisation.identifier == KELDER_FELL and index in KELDER_FELL_MISSED))
            rows.append(ReviewAttendance(meeting=meeting, organisation=organisation,
                                         attended=not missed))
        for row in ReviewAttendance.objects.bulk_create(rows):
            audit.record(instance=row, action=AuditEvent.Action.CREATE, by=None,
                         summary=f"Review of {govuk_date(held_on)}: {row}")


def load_reviews(*, report: Any, log: Callable[[str], None] = lambda line: None,
                 today: datetime.date | None = None) -> None:
    """Load the reviews demo (after the registry and the demo logins, in the same
    transaction). Skips whatever already exists."""
    ReviewsLoader(report=report, log=log, today=today).run()


__all__ = ["PARTNERSHIP", "ReviewsLoader", "held_dates", "load_reviews"]
