"""Which closed cases are past retention, and for how long each is kept.

A case is kept for the longest ``retention_months`` of the sharing protocols its referrals were
made under (the strictest promise made to any party wins), or for
``settings.REFERRALS_DEFAULT_RETENTION_MONTHS`` when none was (e.g. referrals within one
organisation), counted from the day it closed. The retention task and the ``anonymise_cases``
command both ask here, then call ``actions.case_anonymise`` for each case.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max, Min

from core import clock

from .models import Case, SharingProtocol


def months_after(start: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` calendar months later (earlier if negative; the month's last day
    when it is shorter, e.g. 31 August + 6 months = 28 or 29 February)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


#: What ``actions.case_anonymise`` removes, in the words the close confirmation shows.
REMOVED_AT_ANONYMISATION = (
    "the person's initials, year of birth and gender, and identifiers such as a prison number "
    "(kept while another of their cases is still kept)",
    "why the case was referred, and why referrals were declined or withdrawn",
    "assessment summaries and conference outcomes",
    "the text of end-of-order notices",
    "those details in the case's change history, including why it was reopened",
)


def anonymisation_due_on(case: Case, closed_on: datetime.date | None = None) -> datetime.date:
    """The day the nightly run anonymises ``case`` if it is closed on ``closed_on`` (its
    closing date by default) and not reopened before then."""
    closed_on = closed_on or case.closed_on or clock.today()
    return months_after(closed_on, retention_months_for(case))


def default_retention_months() -> int:
    return int(settings.REFERRALS_DEFAULT_RETENTION_MONTHS)


@dataclass(frozen=True)
class DueCase:
    """A closed case whose retention period has run out."""

    case_id: int
    reference: str
    closed_on: datetime.date
    retention_months: int

    @property
    def due_on(self) -> datetime.date:
        return months_after(self.closed_on, self.retention_months)


def retention_months_for(case: Case) -> int:
    """How many months after closing this case is kept."""
    longest = (case.referrals.filter(protocol__isnull=False)
               .aggregate(longest=Max("protocol__retention_months"))["longest"])
    return longest or default_retention_months()


def due_cases(on: datetime.date | None = None) -> Iterator[DueCase]:
    """Closed, not yet anonymised cases whose retention ran out on or before ``on`` (today by
    default), oldest closure first. One query, streamed: the month arithmetic is done here
    rather than in SQL, which differs between SQLite and PostgreSQL."""
    on = on or clock.today()
    default = default_retention_months()
    # No case can be due before the shortest period in use has passed: skip the recent ones.
    shortest = SharingProtocol.objects.aggregate(shortest=Min("retention_months"))["shortest"]
    latest_closure = months_after(on, -min(default, shortest or default))
    rows = (Case.objects.due_for_anonymisation(latest_closure)
            .annotate(longest=Max("referrals__protocol__retention_months"))
            .order_by("closed_on", "pk")
            .values_list("pk", "reference", "closed_on", "longest"))
    for pk, reference, closed_on, longest in rows.iterator(chunk_size=1000):
        due = DueCase(case_id=pk, reference=reference, closed_on=closed_on,
                      retention_months=longest or default)
        if due.due_on <= on:
            yield due


def cases_anonymise_due(*, on: datetime.date | None = None, dry_run: bool = False,
                  progress: Callable[[DueCase], None] | None = None) -> list[DueCase]:
    """Anonymise every case past retention (``actions.case_anonymise``, one transaction per
    case, so one failure keeps the others), or with ``dry_run`` only say which. Returns the
    cases done. Safe to run again: anonymised cases are no longer due."""
    from core.errors import DomainError

    from .actions import case_anonymise

    done: list[DueCase] = []
    for due in list(due_cases(on)):  # read first, then write: no cursor held open meanwhile
        if not dry_run:
            case = Case.objects.filter(pk=due.case_id).first()
            if case is None:
                continue
            try:
                case_anonymise(case=case, retention_months=due.retention_months)
            except DomainError:  # reopened since it was read: no longer due
                continue
        done.append(due)
        if progress is not None:
            progress(due)
    return done
