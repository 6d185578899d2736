"""The case-conference schedule from the national guidance, and re-planning it.

``plan`` is pure (dates in, ``(kind, date)`` pairs out) so the rule can be tested without a
database: three three-way meetings at the start, middle and end of the order; and, when the case
needs them (medium/high seriousness, complex needs, non-compliance, a recorded significant
change), joint meetings every month (same day of the month, clamped to the month's end) or every
six weeks from the trigger until the order ends, never on a three-way meeting's date.

``replan`` applies a plan to the stored conferences: only the future, still-planned ones change
(dropped ones are cancelled, so the history stays); held, missed and past ones are left alone.
"""

from __future__ import annotations

import datetime
from typing import Any, NamedTuple

from core.periods import add_months

from .choices import ConferenceKind, ConferenceStatus, JointMeetingInterval

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
    from .choices import Compliance, Seriousness

    other_reason = (case.seriousness in (Seriousness.MEDIUM, Seriousness.HIGH)
                    or case.complex_needs or case.compliance == Compliance.NOT_COMPLYING)
    change = case.significant_change_on
    if not other_reason and change is not None and change > case.order_starts_on:
        return change
    return case.order_starts_on


def plan_dates(*, starts_on: datetime.date, ends_on: datetime.date,
               joint_from: datetime.date | None = None,
               interval: str = JointMeetingInterval.MONTHLY) -> list[Planned]:
    """The schedule for an order from ``starts_on`` to ``ends_on``, with joint meetings from
    ``joint_from`` (none when None), in date order."""
    three_way = [Planned(ConferenceKind.START, starts_on),
                 Planned(ConferenceKind.MIDDLE, midpoint(starts_on, ends_on)),
                 Planned(ConferenceKind.END, ends_on)]
    taken = {p.on for p in three_way}
    joint: list[Planned] = []
    if joint_from is not None:
        step = 0
        while True:
            day = (add_months(joint_from, step) if interval == JointMeetingInterval.MONTHLY
                   else joint_from + SIX_WEEKS * step)
            if day > ends_on:
                break
            if day >= starts_on and day not in taken:
                joint.append(Planned(ConferenceKind.JOINT, day))
            step += 1
    return sorted(three_way + joint, key=lambda p: (p.on, THREE_WAY_ORDER.get(p.kind, 3)))


def interval_of(partnership: Any) -> str:
    """The partnership's joint-meeting interval (monthly unless its settings say otherwise)."""
    from .models import CaseworkSettings

    settings = CaseworkSettings.objects.filter(partnership=partnership).first()
    return settings.joint_meeting_interval if settings else JointMeetingInterval.MONTHLY


def plan(case: Any, today: datetime.date | None = None, *,
         interval: str | None = None) -> list[Planned]:
    """The conferences ``case`` should have (all of them; only those dated after ``today``
    when given). ``interval`` defaults to the partnership's setting (one query); pass it to
    keep this free of the database."""
    if interval is None:
        interval = interval_of(case.partnership_id)
    planned = plan_dates(starts_on=case.order_starts_on, ends_on=case.order_ends_on,
                         joint_from=joint_trigger(case), interval=interval)
    if today is not None:
        planned = [p for p in planned if p.on > today]
    return planned


class Replanned(NamedTuple):
    created: list[Any]
    cancelled: list[Any]


def replan(case: Any, *, today: datetime.date | None, by: Any) -> Replanned:
    """Bring the stored schedule in line with ``plan``: planned conferences dated after
    ``today`` that the new plan does not ask for are cancelled, and the future part of the
    plan that is missing is created. Held, missed and cancelled ones, and anything dated
    today or earlier, are left alone; a three-way meeting already held is not planned again.
    ``today=None`` (a case being opened) plans the whole order, past dates included.
    Each created or cancelled conference gets its audit row (references only)."""
    from core import audit
    from core.models import AuditEvent

    from .models import CaseConference

    wanted = plan(case, today)
    existing = list(case.conferences.exclude(status=ConferenceStatus.CANCELLED))
    keep = {(c.kind, c.planned_on) for c in existing}
    held_kinds = {c.kind for c in existing
                  if c.status == ConferenceStatus.HELD and c.kind in THREE_WAY}
    wanted_set = set(wanted)
    cancelled = []
    for conference in existing:
        if (conference.status == ConferenceStatus.PLANNED
                and (today is None or conference.planned_on > today)
                and (conference.kind, conference.planned_on) not in wanted_set):
            before = audit.snapshot(conference)
            conference.status = ConferenceStatus.CANCELLED
            conference.save(update_fields=["status", "modified_on"])
            audit.record(instance=conference, action=AuditEvent.Action.UPDATE, by=by,
                         before=before, summary=f"Cancelled conference on {case.reference} "
                                                "(re-planned)")
            cancelled.append(conference)
    created = []
    for item in wanted:
        if (item.kind, item.on) in keep or item.kind in held_kinds:
            continue
        conference = CaseConference.objects.create(case=case, kind=item.kind,
                                                   planned_on=item.on)
        audit.record(instance=conference, action=AuditEvent.Action.CREATE, by=by,
                     summary=f"Planned conference on {case.reference}")
        created.append(conference)
    return Replanned(created, cancelled)
