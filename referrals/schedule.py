"""The case-conference schedule from the national guidance (what to plan; no writes).

``plan`` is pure (dates in, ``(kind, date)`` pairs out) so the rule can be tested without a
database: three three-way meetings at the start, middle and end of the order; and, when the case
needs them (medium/high seriousness, complex needs, non-compliance, a recorded significant
change), joint meetings every month (same day of the month, clamped to the month's end) or every
six weeks from the trigger until the order ends, never on a three-way meeting's date. Every
date is then a working day where the case is worked (``subdivision_of``: Wales or England):
one on a weekend or a bank holiday moves forward to the next working day
(``working_days.next_working_day``).

Applying a plan to the stored conferences is a write: ``referrals.actions.conferences_replan``.
"""

from __future__ import annotations

import datetime
from typing import Any, NamedTuple

from core.periods import add_months

from .choices import Compliance, ConferenceKind, JointMeetingInterval, Seriousness
from .models import CaseworkSettings
from .working_days import ENGLAND, WALES, next_working_day

#: The code of the Wales region (``partnerships.Region``, seeded).
WALES_REGION = "wales"

THREE_WAY = (ConferenceKind.START, ConferenceKind.MIDDLE, ConferenceKind.END)
SIX_WEEKS = datetime.timedelta(weeks=6)
#: On a shared date the three-way meeting sorts first (start, middle, end).
THREE_WAY_ORDER = {ConferenceKind.START: 0, ConferenceKind.MIDDLE: 1, ConferenceKind.END: 2}


class Planned(NamedTuple):
    """One conference the schedule asks for."""

    kind: str
    on: datetime.date


def midpoint(starts_on: datetime.date, ends_on: datetime.date) -> datetime.date:
    """The middle of the order (rounded down to a whole day)."""
    return starts_on + (ends_on - starts_on) // 2


def joint_trigger(case: Any) -> datetime.date | None:
    """The date joint meetings recur from: the order start when seriousness, complex needs or
    non-compliance call for them; the recorded significant change when that is the only
    reason (and it is later than the start). None when the case does not need them."""
    if not case.needs_joint_meetings:
        return None
    other_reason = (case.seriousness in (Seriousness.MEDIUM, Seriousness.HIGH)
                    or case.complex_needs or case.compliance == Compliance.NOT_COMPLYING)
    change = case.significant_change_on
    if not other_reason and change is not None and change > case.order_starts_on:
        return change
    return case.order_starts_on


def plan_dates(*, starts_on: datetime.date, ends_on: datetime.date,
               joint_from: datetime.date | None = None,
               interval: str = JointMeetingInterval.MONTHLY,
               subdivision: str | None = None) -> list[Planned]:
    """The schedule for an order from ``starts_on`` to ``ends_on``, with joint meetings from
    ``joint_from`` (none when None), in date order. With a ``subdivision`` ("ENG", "WLS") each
    date moves forward to a working day there; a joint meeting that then lands on a three-way
    meeting's day is dropped, as one on that day would be. None: the guidance's calendar
    dates as they are."""

    def shift(day: datetime.date) -> datetime.date:
        return day if subdivision is None else next_working_day(day, subdivision)

    three_way = [Planned(ConferenceKind.START, shift(starts_on)),
                 Planned(ConferenceKind.MIDDLE, shift(midpoint(starts_on, ends_on))),
                 Planned(ConferenceKind.END, shift(ends_on))]
    taken = {p.on for p in three_way}
    joint: list[Planned] = []
    if joint_from is not None:
        step = 0
        while True:
            day = (add_months(joint_from, step) if interval == JointMeetingInterval.MONTHLY
                   else joint_from + SIX_WEEKS * step)
            if day > ends_on:
                break
            if day >= starts_on and shift(day) not in taken:
                joint.append(Planned(ConferenceKind.JOINT, shift(day)))
                taken.add(shift(day))
            step += 1
    return sorted(three_way + joint, key=lambda p: (p.on, THREE_WAY_ORDER.get(p.kind, 3)))


def subdivision_of(case: Any) -> str:
    """Where the case is worked, for its bank holidays: Wales ("WLS") when every region its
    partnership serves is Wales; England ("ENG") when the partnership serves regions and Wales
    is not among them; otherwise (no regions recorded, or Wales with others) the region of its
    current lead agency decides. England when nothing says Wales (and for an object that is not
    a stored case). Two queries."""
    from partnerships.models import Region

    from .models import LeadAgency

    partnership_id = getattr(case, "partnership_id", None)
    if partnership_id is None:
        return ENGLAND
    codes = set(Region.objects.filter(partnerships__id=partnership_id)
                .values_list("code", flat=True))
    if codes == {WALES_REGION}:
        return WALES
    if codes and WALES_REGION not in codes:
        return ENGLAND
    lead_region = (LeadAgency.objects.current().filter(case_id=case.pk)
                   .values_list("organisation__region__code", flat=True).first())
    return WALES if lead_region == WALES_REGION else ENGLAND


def interval_of(partnership: Any) -> str:
    """The partnership's joint-meeting interval (monthly unless its settings say otherwise)."""
    settings = CaseworkSettings.objects.filter(partnership=partnership).first()
    return settings.joint_meeting_interval if settings else JointMeetingInterval.MONTHLY


def plan(case: Any, today: datetime.date | None = None, *,
         interval: str | None = None, subdivision: str | None = None,
         on_working_days: bool = True) -> list[Planned]:
    """The conferences ``case`` should have (all of them; only those dated after ``today``
    when given), each on a working day where the case is worked. ``interval`` defaults to the
    partnership's setting (one query) and ``subdivision`` to ``subdivision_of(case)``; pass
    them to keep this free of the database. ``on_working_days=False``: the guidance's
    calendar dates, before moving them to working days."""
    if interval is None:
        interval = interval_of(case.partnership_id)
    if on_working_days and subdivision is None:
        subdivision = subdivision_of(case)
    planned = plan_dates(starts_on=case.order_starts_on, ends_on=case.order_ends_on,
                         joint_from=joint_trigger(case), interval=interval,
                         subdivision=subdivision if on_working_days else None)
    if today is not None:
        planned = [p for p in planned if p.on > today]
    return planned
