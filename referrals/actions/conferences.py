"""Case conferences: planning them (``conferences_replan``, when a case opens or changes, from
the schedule ``referrals.schedule`` computes) and recording one as held (date, outcome, who
attended) or missed."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db import transaction

from core import audit, clock
from core.actions import audited_update
from core.display import govuk_date
from core.errors import DomainError
from core.models import AuditEvent
from partnerships.models import Organisation

from .. import schedule
from ..choices import AttendeeRole, ConferenceStatus
from ..dates import check_case_date
from ..models import CaseConference, ConferenceAttendee
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
    keep = {(c.kind, c.planned_on) for c in existing}
    held_kinds = {c.kind for c in existing
                  if c.status == ConferenceStatus.HELD and c.kind in schedule.THREE_WAY}
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
    if today is not None:
        _events.conferences_changed(case, created, cancelled, by)
    return Replanned(created, cancelled)
