"""Joint training and practice sharing (issue 19, point 5): an event with its topic, date and
host, and how many staff of each organisation came in each role (counts, never names).

Recorded by those who write the partnership's governance (its managers, the chairs of its
bodies, platform admins) and also by a partnership manager of the host organisation: the host
ran the session and knows who came, so it should not have to ask the lead partner to type it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import rules
from django.db import transaction

from accounts.rules import is_partnership_manager
from core import audit, clock
from core.actions import audited_create
from core.errors import DomainError
from core.models import AuditEvent

from ..choices import AttendeeRole, TrainingKind
from ..models import TrainingAttendance, TrainingEvent

if TYPE_CHECKING:
    from accounts.models import User

#: One attendance row: the organisation, the role (``AttendeeRole``) and how many came.
Attendance = tuple[Any, str, int]

#: The most people one organisation may report in one role at one event (a typing slip guard).
MAX_ATTENDEES = 500


def may_record_training(user: Any, partnership: Any, host: Any = None) -> bool:
    """Whether ``user`` may record training of ``partnership`` hosted by ``host`` (any host
    when None: the question the pages ask before showing the form)."""
    if rules.has_perm("governance.manage", user, partnership):
        return True
    if not is_partnership_manager(user) or not user.organisation_id:
        return False
    if host is not None:
        return bool(host.pk == user.organisation_id)
    return bool(partnership.memberships.filter(organisation_id=user.organisation_id)
                .active_on(clock.today()).exists())


def _refuse_unless_allowed(by: Any, partnership: Any, host: Any) -> None:
    if not may_record_training(by, partnership, host):
        raise DomainError(f"Training of {partnership} is recorded by its managers, the chairs "
                          "of its bodies, and a partnership manager of the organisation that "
                          "hosted it.", code="forbidden")


def _member_ids_on(partnership: Any, day: datetime.date) -> set[int]:
    return set(partnership.memberships.active_on(day).values_list("organisation_id", flat=True))


def _clean_attendance(partnership: Any, held_on: datetime.date,
                      attendance: Iterable[Attendance]) -> list[Attendance]:
    """The rows, checked: members on the day, known roles, at least one person, each
    organisation once per role, and at least one row (an event nobody came to is not one)."""
    rows = list(attendance)
    if not rows:
        raise DomainError("Say how many people came from at least one organisation.",
                          field="attendance")
    members = _member_ids_on(partnership, held_on)
    seen: set[tuple[int, str]] = set()
    for organisation, role, attendees in rows:
        if organisation.pk not in members:
            raise DomainError(f"{organisation} was not a member of {partnership} on the day.",
                              field="attendance")
        if role not in AttendeeRole.values:
            raise DomainError("Choose the role of the people who came.", field="attendance")
        if not isinstance(attendees, int) or not 1 <= attendees <= MAX_ATTENDEES:
            raise DomainError(f"The number who came from {organisation} must be from 1 to "
                              f"{MAX_ATTENDEES}.", field="attendance")
        if (organisation.pk, role) in seen:
            raise DomainError(f"{organisation} is listed twice as "
                              f"{AttendeeRole(role).label.lower()}: give one number for each "
                              "organisation and role.", field="attendance")
        seen.add((organisation.pk, role))
    return rows


def _attendance_text(rows: Iterable[Attendance]) -> str:
    """For the audit row: organisations and counts (never names)."""
    return "; ".join(f"{org} {AttendeeRole(role).label.lower()}: {n}" for org, role, n in rows)


@transaction.atomic
def training_record(*, partnership: Any, kind: str, topic: str, held_on: datetime.date,
                    host: Any, attendance: Iterable[Attendance], by: User) -> TrainingEvent:
    """Record a joint training or practice-sharing event that has happened, with who came."""
    _refuse_unless_allowed(by, partnership, host)
    topic = (topic or "").strip()
    if kind not in TrainingKind.values:
        raise DomainError("Choose joint training or practice sharing.", field="kind")
    if not topic:
        raise DomainError("Say what the training was about.", field="topic")
    if held_on > clock.today():
        raise DomainError("Record training once it has happened: the date must be today or "
                          "in the past.", field="held_on")
    if host.pk not in _member_ids_on(partnership, held_on):
        raise DomainError(f"{host} was not a member of {partnership} on the day.", field="host")
    rows = _clean_attendance(partnership, held_on, attendance)
    event = audited_create(
        instance=TrainingEvent(partnership=partnership, kind=kind, topic=topic, held_on=held_on,
                               host=host, recorded_by=by),
        by=by, summary=f"Recorded {TrainingKind(kind).label.lower()} hosted by {host} for "
                       f"{partnership}")
    _write_attendance(event, rows, by=by)
    return event


def _write_attendance(event: TrainingEvent, rows: list[Attendance], *, by: Any) -> None:
    before = _attendance_text((a.organisation, a.role, a.attendees)
                              for a in event.attendance.select_related("organisation"))
    event.attendance.all().delete()
    TrainingAttendance.objects.bulk_create(
        TrainingAttendance(event=event, organisation=org, role=role, attendees=n)
        for org, role, n in rows)
    after = _attendance_text(rows)
    if before != after:
        audit.record(instance=event, action=AuditEvent.Action.UPDATE, by=by,
                     summary=f"Set who came to {event.topic}",
                     changes={"attendance": [before or None, after]})


@transaction.atomic
def training_attendance_set(*, event: TrainingEvent, attendance: Iterable[Attendance],
                            by: User) -> TrainingEvent:
    """Replace who came to ``event`` (the whole list, so a correction is one step)."""
    event = TrainingEvent.objects.select_for_update().select_related(
        "partnership", "host").get(pk=event.pk)
    _refuse_unless_allowed(by, event.partnership, event.host)
    rows = _clean_attendance(event.partnership, event.held_on, attendance)
    _write_attendance(event, rows, by=by)
    return event
