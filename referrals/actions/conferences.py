"""Case conferences: planning them (``conferences_replan``, when a case opens or changes, from
the schedule ``referrals.schedule`` computes), recording one as held (date, outcome, who
attended) or missed, and a person moving one to another working day (``conference_move``) or
calling it off (``conference_cancel``), each with a reason kept in the case's history."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db import transaction

from core import audit, clock
from core.actions import audited_create, audited_update
from core.display import govuk_date
from core.errors import DomainError
from core.models import AuditEvent
from partnerships.models import Organisation

from .. import schedule, working_days
from ..choices import AttendeeRole, ConferenceStatus, HistoryKind
from ..dates import check_case_date
from ..models import CaseConference, CaseHistoryEntry, ConferenceAttendee
from . import _events
from ._common import _redact, _refresh, _require, _require_open

if TYPE_CHECKING:
    from accounts.models import User


def _same_record(conference: CaseConference, *, held: bool, held_on: datetime.date | None,
                 outcome: str, attendees: list[dict[str, Any]] | None) -> bool:
    """Whether ``conference`` is already recorded with exactly these answers (a form sent
    twice), so the second time can show the record instead of an error."""
    status = ConferenceStatus.HELD if held else ConferenceStatus.MISSED
    if (conference.status != status or conference.held_on != (held_on if held else None)
            or conference.outcome != (outcome or "").strip()):
        return False

    def key(role: Any, organisation: Any, attended: Any) -> tuple[str, str, bool]:
        pk = getattr(organisation, "pk", organisation)
        return (str(role), "" if pk is None else str(pk), bool(attended))

    given = sorted(key(a.get("role"), a.get("organisation"), a.get("attended", True))
                   for a in attendees or [])
    stored = sorted(key(a.role, a.organisation_id, a.attended)
                    for a in conference.attendees.all())
    return given == stored


@transaction.atomic
def conference_record(*, conference: Any, by: User, held: bool,
                      held_on: datetime.date | None = None, outcome: str = "",
                      attendees: list[dict[str, Any]] | None = None) -> Any:
    """Record a planned conference as held (date, outcome, attendees: role, organisation,
    attended) or missed. Involved organisations' caseworkers only."""
    locked = (CaseConference.objects.select_for_update().select_related("case")
              .get(pk=conference.pk))
    case = locked.case
    _require(by, "referrals.record_conference", locked,
             f"Only caseworkers of organisations involved in case {case.reference} can record "
             "its conferences.")
    _require_open(case)
    today = clock.today()
    if locked.status == ConferenceStatus.CANCELLED:
        raise DomainError("This conference was cancelled when the schedule was re-planned; "
                          "record the one that replaced it.", code="state")
    if locked.status == ConferenceStatus.CALLED_OFF:
        raise DomainError("This conference was cancelled, so it cannot be recorded as held or "
                          "missed.", code="state")
    if locked.status != ConferenceStatus.PLANNED:
        if _same_record(locked, held=held, held_on=held_on, outcome=outcome,
                        attendees=attendees):
            return _refresh(conference, locked)  # sent twice: the record stands as it is
        raise DomainError(f"This conference is already recorded as "
                          f"{locked.get_status_display().lower()}.", code="state")
    if held:
        if held_on is None:
            raise DomainError("Enter the date the conference was held.", field="held_on")
        if held_on > today:
            raise DomainError("The date the conference was held cannot be in the future.",
                              field="held_on")
        check_case_date(case, held_on, field="held_on", what="the conference", today=today)
    else:
        if held_on is not None:
            raise DomainError("A missed conference has no date held.", field="held_on")
        if locked.planned_on > today:
            raise DomainError(f"This conference is planned for {govuk_date(locked.planned_on)}; it "
                              "can be recorded as missed only from then.", field="held")
    rows = []
    for number, attendee in enumerate(attendees or [], start=1):
        role = attendee.get("role")
        if role not in AttendeeRole.values:
            raise DomainError(f"Attendee {number}: choose a role.", field="attendees")
        organisation = attendee.get("organisation")
        if organisation is not None and not isinstance(organisation, Organisation):
            found = Organisation.objects.filter(pk=organisation).first()
            if found is None:
                raise DomainError(f"Attendee {number}: there is no such organisation.",
                                  field="attendees")
            organisation = found
        rows.append(ConferenceAttendee(conference=locked, role=role, organisation=organisation,
                                       attended=bool(attendee.get("attended", True))))
    status = ConferenceStatus.HELD if held else ConferenceStatus.MISSED
    listed = [[r.role, r.organisation.pk if r.organisation else None, r.attended] for r in rows]
    audited_update(instance=locked, by=by,
                   summary=f"Recorded a conference on case {case.reference} as "
                           f"{'held' if held else 'missed'}",
                   redact=_redact, extra_changes={"attendees": [None, listed]} if rows else None,
                   status=status, held_on=held_on if held else None,
                   outcome=(outcome or "").strip(), recorded_by=by)
    ConferenceAttendee.objects.bulk_create(rows)
    return _refresh(conference, locked)


class Replanned(NamedTuple):
    """What a re-plan changed: the conferences it created and those it cancelled."""

    created: list[Any]
    cancelled: list[Any]


def conferences_replan(*, case: Any, today: datetime.date | None, by: User | None) -> Replanned:
    """Bring the stored schedule in line with ``schedule.plan``: planned conferences dated after
    ``today`` that the new plan does not ask for are cancelled, and the future part of the
    plan that is missing is created. Held, missed and cancelled ones, and anything dated
    today or earlier, are left alone; a three-way meeting already held is not planned again.
    ``today=None`` (a case being opened) plans the whole order, past dates included.
    Each created or cancelled conference gets its audit row (references only), and the
    caseworkers of the organisations involved are told what was planned, moved or cancelled
    (``_events.conferences_changed``), except when a case is being opened (``today=None``):
    then only the lead agency opening it is involved, and it sees the schedule on the case
    page it lands on. Runs inside the calling case action's transaction (the case is locked
    there)."""
    wanted = schedule.plan(case, today)
    existing = list(case.conferences.exclude(status=ConferenceStatus.CANCELLED))
    # A meeting a person moved (or called off) still answers for the date the schedule gave it.
    keep = {(c.kind, c.schedule_date) for c in existing}
    held_kinds = {c.kind for c in existing
                  if c.status == ConferenceStatus.HELD and c.kind in schedule.THREE_WAY}
    wanted_set = set(wanted)
    cancelled = []
    for conference in existing:
        if (conference.status == ConferenceStatus.PLANNED
                and (today is None or conference.planned_on > today)
                and (conference.kind, conference.schedule_date) not in wanted_set):
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
    if today is not None:
        _events.conferences_changed(case, created, cancelled, by)
    return Replanned(created, cancelled)


#: The longest reason for moving or cancelling a conference (shown in the case's history).
CONFERENCE_REASON_MAX = 300
#: How far after the order's end a conference may be moved (an end-of-order meeting a little
#: late is normal; a year later is a typo).
MOVE_AFTER_ORDER_END = datetime.timedelta(days=90)


def _locked_planned(conference: Any, by: User, what: str) -> CaseConference:
    """The conference locked for this transaction, once ``by`` may manage it (the case's lead
    agency), its case is open and it is still planned."""
    locked = (CaseConference.objects.select_for_update().select_related("case")
              .get(pk=conference.pk))
    case = locked.case
    _require(by, "referrals.manage_conference", locked,
             f"Only caseworkers of the lead agency of case {case.reference} can {what} its "
             "conferences.")
    _require_open(case)
    if locked.status in (ConferenceStatus.CANCELLED, ConferenceStatus.CALLED_OFF):
        raise DomainError(f"This conference was cancelled, so you cannot {what} it.",
                          code="state")
    if locked.status != ConferenceStatus.PLANNED:
        raise DomainError(f"This conference is already recorded as "
                          f"{locked.get_status_display().lower()}, so you cannot {what} it.",
                          code="state")
    return locked


def _clean_reason(reason: str, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise DomainError(f"Enter why you are {what} the conference.", field="reason")
    if len(text) > CONFERENCE_REASON_MAX:
        raise DomainError(f"Why you are {what} the conference must be {CONFERENCE_REASON_MAX} "
                          "characters or fewer.", field="reason")
    return text


def not_working_day_message(day: datetime.date, subdivision: str) -> str:
    """Why ``day`` cannot have a conference, naming the next working day (for the person who
    typed it: a date they chose is refused, not silently changed)."""
    where = "Wales" if subdivision == working_days.WALES else "England"
    what = (f"a {day:%A}" if day.weekday() >= 5 else f"a bank holiday in {where}")
    after = working_days.next_working_day(day, subdivision)
    return (f"{govuk_date(day)} is {what}. Conferences are held on working days: choose "
            f"another date, for example {after:%A} {govuk_date(after)}.")


@transaction.atomic
def conference_move(*, conference: Any, by: User, planned_on: datetime.date,
                    planned_time: datetime.time | None = None, reason: str) -> Any:
    """Move a planned conference to another date (and, optionally, time of day), saying why:
    the case's lead agency only. The new date must be a working day where the case is worked
    (``schedule.subdivision_of``): a weekend or bank holiday is refused with the next working
    day named, because the person typed that date and should choose. The schedule's date is
    kept (``scheduled_on``), so a later re-plan does not put the meeting back. Writes the
    audit row and a line of the case history ("Moved from … to …: reason"), and tells the
    caseworkers of the organisations involved (their email carries the case reference, never
    the reason)."""
    locked = _locked_planned(conference, by, "move")
    case = locked.case
    reason = _clean_reason(reason, "moving")
    today = clock.today()
    if planned_on is None:
        raise DomainError("Enter the new date of the conference.", field="planned_on")
    if planned_on < today:
        raise DomainError("The new date of the conference must be today or in the future.",
                          field="planned_on")
    latest = case.order_ends_on + MOVE_AFTER_ORDER_END
    if planned_on > latest:
        raise DomainError(f"The new date must be on or before {govuk_date(latest)}: no more "
                          f"than {MOVE_AFTER_ORDER_END.days} days after the order ends "
                          f"({govuk_date(case.order_ends_on)}).", field="planned_on")
    subdivision = schedule.subdivision_of(case)
    if not working_days.is_working_day(planned_on, subdivision):
        raise DomainError(not_working_day_message(planned_on, subdivision), field="planned_on")
    if planned_on == locked.planned_on and planned_time == locked.planned_time:
        raise DomainError("The conference is already planned for then: choose another date or "
                          "time.", field="planned_on")
    old_on, old_time = locked.planned_on, locked.planned_time
    audited_update(instance=locked, by=by, redact=_redact,
                   summary=f"Moved a conference on case {case.reference} from "
                           f"{govuk_date(old_on)} to {govuk_date(planned_on)}",
                   planned_on=planned_on, planned_time=planned_time,
                   scheduled_on=locked.schedule_date)
    entry = audited_create(
        instance=CaseHistoryEntry(case=case, conference=locked,
                                  kind=HistoryKind.CONFERENCE_MOVED, effective_on=today,
                                  from_date=old_on, from_time=old_time, to_date=planned_on,
                                  to_time=planned_time, reason=reason, recorded_by=by),
        by=by, redact=_redact, summary=f"Conference moved on case {case.reference}")
    _events.conference_moved(case, locked, entry, by)
    return _refresh(conference, locked)


@transaction.atomic
def conference_cancel(*, conference: Any, by: User, reason: str) -> Any:
    """Call off a planned conference, saying why: the case's lead agency only. It shows as
    "Cancelled" in the case's timeline with the reason, and re-planning never plans it again
    (unlike a conference a re-plan replaced, "Cancelled (re-planned)"). Writes the audit row
    and a line of the case history, and tells the caseworkers of the organisations involved
    (case reference and date only)."""
    locked = _locked_planned(conference, by, "cancel")
    case = locked.case
    reason = _clean_reason(reason, "cancelling")
    audited_update(instance=locked, by=by, redact=_redact,
                   summary=f"Cancelled a conference on case {case.reference} planned for "
                           f"{govuk_date(locked.planned_on)}",
                   status=ConferenceStatus.CALLED_OFF)
    entry = audited_create(
        instance=CaseHistoryEntry(case=case, conference=locked,
                                  kind=HistoryKind.CONFERENCE_CANCELLED,
                                  effective_on=clock.today(), from_date=locked.planned_on,
                                  from_time=locked.planned_time, reason=reason,
                                  recorded_by=by),
        by=by, redact=_redact, summary=f"Conference cancelled on case {case.reference}")
    _events.conference_called_off(case, locked, entry, by)
    return _refresh(conference, locked)
