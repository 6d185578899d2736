"""Quarterly partnership reviews: planning, moving, recording and cancelling them.

National guidance has partners review their referral processes and how they work together at
quarterly meetings, and partner engagement is judged by who turns up. These actions keep that
record honest: each is one transaction, checks permission through ``partnerships.rules``, writes its
audit rows, and raises ``DomainError`` (changing nothing) on bad input. Views, the admin, the
demo and the reminder sweep call these; none re-implements them.

"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction

from core import audit, clock
from core.actions import audited_create, audited_update
from core.display import govuk_date
from core.errors import DomainError
from core.models import AuditEvent
from core.periods import add_months

from ..choices import PartnershipStatus, ReviewStatus
from ..models import Membership, Organisation, Partnership, ReviewAttendance, ReviewMeeting

if TYPE_CHECKING:
    from accounts.models import User

MANAGE = "partnerships.manage_reviews"


def next_review_on(held_on: datetime.date) -> datetime.date:
    """When the review after one held on ``held_on`` is due (``REVIEW_INTERVAL_MONTHS``)."""
    return add_months(held_on, settings.REVIEW_INTERVAL_MONTHS)


def members_on(partnership: Partnership, day: datetime.date) -> list[Organisation]:
    """The organisations that were members of ``partnership`` on ``day`` (any role), by name:
    the ones whose attendance a review held that day records. One query."""
    return list(Organisation.objects.filter(
        pk__in=Membership.objects.active_on(day).filter(partnership=partnership)
        .values("organisation_id")).order_by("name"))


def planned_review(partnership: Partnership) -> ReviewMeeting | None:
    """The partnership's planned review, if any (the database allows at most one)."""
    return partnership.review_meetings.filter(status=ReviewStatus.PLANNED).first()


def _require(by: User, obj: Any, what: str) -> None:
    if by is None or not by.has_perm(MANAGE, obj):
        raise DomainError(f"Only the partnership's managers (the lead partner's partnership "
                          f"managers) and platform admins can {what}.", code="forbidden")


def _names(organisations: list[Any]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    names = [str(o) for o in organisations]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _locked_meeting(meeting: ReviewMeeting) -> ReviewMeeting:
    return (ReviewMeeting.objects.select_for_update().select_related("partnership")
            .get(pk=meeting.pk))


def _refresh(meeting: ReviewMeeting, locked: ReviewMeeting) -> ReviewMeeting:
    """Copy the saved state onto the caller's object, so it does not hold stale values."""
    for field in ReviewMeeting._meta.concrete_fields:
        setattr(meeting, field.attname, getattr(locked, field.attname))
    return meeting


def _check_plannable(partnership: Partnership, planned_on: datetime.date | None) -> None:
    if planned_on is None:
        raise DomainError("Enter the date of the review.", field="planned_on")
    if planned_on < clock.today():
        raise DomainError("The date of the review must be today or in the future.",
                          field="planned_on")
    if partnership.status == PartnershipStatus.ENDED:
        raise DomainError(f"{partnership} has ended, so it has no more reviews.")
    if partnership.ended_on and planned_on > partnership.ended_on:
        raise DomainError(f"{partnership} ends on {govuk_date(partnership.ended_on)}; plan the "
                          "review before then.", field="planned_on")


@transaction.atomic
def review_plan(*, partnership: Partnership, planned_on: datetime.date,
                by: User) -> ReviewMeeting:
    """Plan the partnership's next review. Refused when one is already planned (move that one
    instead) or the date has passed."""
    _require(by, partnership, "plan its reviews")
    # Lock the partnership, so two managers planning at once cannot both pass the check below.
    partnership = Partnership.objects.select_for_update().get(pk=partnership.pk)
    _check_plannable(partnership, planned_on)
    existing = planned_review(partnership)
    if existing is not None:
        raise DomainError(f"{partnership} already has a review planned on "
                          f"{govuk_date(existing.planned_on)}; change that one instead.",
                          field="planned_on", code="state")
    meeting = ReviewMeeting(partnership=partnership, planned_on=planned_on)
    return audited_create(instance=meeting, by=by,
                          summary=f"Planned a partnership review on {govuk_date(planned_on)}")


@transaction.atomic
def review_reschedule(*, meeting: ReviewMeeting, planned_on: datetime.date,
                      by: User) -> ReviewMeeting:
    """Move a planned review to another date (today or later)."""
    locked = _locked_meeting(meeting)
    _require(by, locked, "move its reviews")
    if locked.status != ReviewStatus.PLANNED:
        raise DomainError(f"This review is {locked.get_status_display().lower()}; only a "
                          "planned review can be moved.", code="state")
    _check_plannable(locked.partnership, planned_on)
    if planned_on == locked.planned_on:
        raise DomainError(f"The review is already planned on {govuk_date(planned_on)}.",
                          field="planned_on")
    was = locked.planned_on
    audited_update(instance=locked, by=by, planned_on=planned_on,
                   summary=f"Moved the partnership review from {govuk_date(was)} to "
                           f"{govuk_date(planned_on)}")
    return _refresh(meeting, locked)


def _check_attendance(members: list[Organisation], attendance: Mapping[Any, Any],
                      partnership: Partnership, held_on: datetime.date) -> dict[int, bool]:
    """``attendance`` keyed by organisation id, checked against the members on ``held_on``:
    every member answered, nobody else. The refusals name the organisations."""
    try:
        answers = {int(org_id): value for org_id, value in attendance.items()}
    except (TypeError, ValueError):
        raise DomainError("Attendance must be given per organisation.",
                          field="attendance") from None
    if any(not isinstance(value, bool) for value in answers.values()):
        raise DomainError("Say for each organisation whether it attended (yes or no).",
                          field="attendance")
    member_ids = {o.pk for o in members}
    unknown_ids = set(answers) - member_ids
    if unknown_ids:
        known = {o.pk: o for o in Organisation.objects.filter(pk__in=unknown_ids)}
        named = sorted((known.get(pk) or f"an unknown organisation (number {pk})"
                        for pk in unknown_ids), key=str)
        verb = "was" if len(named) == 1 else "were"
        raise DomainError(f"{_names(named)} {verb} not a member of {partnership} on "
                          f"{govuk_date(held_on)}, so its attendance cannot be recorded.",
                          field="attendance")
    missing = [o for o in members if o.pk not in answers]
    if missing:
        raise DomainError(f"Say whether each member organisation attended: {_names(missing)} "
                          f"{'has' if len(missing) == 1 else 'have'} no answer.",
                          field="attendance")
    return answers


@transaction.atomic
def review_record(*, meeting: ReviewMeeting, held_on: datetime.date,
                  attendance: Mapping[int, bool], notes: str, by: User) -> ReviewMeeting:
    """Record a planned review as held on ``held_on`` (today or earlier), with whether each
    organisation that was a member that day attended (``attendance``: organisation id →
    attended). Then plan the next review ``REVIEW_INTERVAL_MONTHS`` after ``held_on``, unless
    one is planned already — recording a late review may plan the next one in the past, which
    then shows as overdue: the truth, not a date made up to look tidy."""
    locked = _locked_meeting(meeting)
    partnership = locked.partnership
    _require(by, locked, "record its reviews")
    if locked.status != ReviewStatus.PLANNED:
        raise DomainError(f"This review is already {locked.get_status_display().lower()}.",
                          code="state")
    if held_on is None:
        raise DomainError("Enter the date the review was held.", field="held_on")
    if held_on > clock.today():
        raise DomainError("The date the review was held must be today or in the past.",
                          field="held_on")
    if partnership.started_on and held_on < partnership.started_on:
        raise DomainError(f"{partnership} started on {govuk_date(partnership.started_on)}; the "
                          "review cannot have been held before.", field="held_on")
    members = members_on(partnership, held_on)
    if not members:
        raise DomainError(f"{partnership} had no member organisations on "
                          f"{govuk_date(held_on)}.", field="held_on")
    answers = _check_attendance(members, attendance, partnership, held_on)

    came = sum(answers.values())
    audited_update(instance=locked, by=by, status=ReviewStatus.HELD, held_on=held_on,
                   notes=(notes or "").strip(), recorded_by=by,
                   summary=f"Recorded the partnership review as held on {govuk_date(held_on)}: "
                           f"{came} of {len(members)} organisations attended")
    rows = ReviewAttendance.objects.bulk_create(
        [ReviewAttendance(meeting=locked, organisation=o, attended=answers[o.pk])
         for o in members])
    for row in rows:
        audit.record(instance=row, action=AuditEvent.Action.CREATE, by=by,
                     summary=f"Review of {govuk_date(held_on)}: {row}")
    if planned_review(partnership) is None:
        following = next_review_on(held_on)
        audited_create(instance=ReviewMeeting(partnership=partnership, planned_on=following),
                       by=by, summary=f"Planned the next partnership review on "
                                      f"{govuk_date(following)}")
    return _refresh(meeting, locked)


@transaction.atomic
def review_cancel(*, meeting: ReviewMeeting, reason: str, by: User) -> ReviewMeeting:
    """Cancel a planned review, saying why (kept in its notes). Nothing is planned in its
    place: the managers plan the next one when they know the date."""
    locked = _locked_meeting(meeting)
    _require(by, locked, "cancel its reviews")
    if locked.status != ReviewStatus.PLANNED:
        raise DomainError(f"This review is {locked.get_status_display().lower()}; only a "
                          "planned review can be cancelled.", code="state")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the review is cancelled.", field="reason")
    audited_update(instance=locked, by=by, status=ReviewStatus.CANCELLED,
                   notes=f"Cancelled: {reason}",
                   summary=f"Cancelled the review planned on {govuk_date(locked.planned_on)}")
    return _refresh(meeting, locked)


@transaction.atomic
def review_plan_first(partnership: Partnership, today: datetime.date) -> ReviewMeeting | None:
    """Give an active partnership that has never had a review its first one, planned
    ``REVIEW_INTERVAL_MONTHS`` from ``today`` (a quarter's notice, like any later review).
    Returns the new review, or None when the partnership is not active or already has (or had)
    one. Written by the system (no user), audited; safe to call again."""
    locked = Partnership.objects.select_for_update().get(pk=partnership.pk)
    if locked.status != PartnershipStatus.ACTIVE or locked.review_meetings.exists():
        return None
    planned_on = add_months(today, settings.REVIEW_INTERVAL_MONTHS)
    if locked.ended_on and planned_on > locked.ended_on:
        return None
    return audited_create(instance=ReviewMeeting(partnership=locked, planned_on=planned_on),
                          by=None, summary=f"Planned the first partnership review on "
                                           f"{govuk_date(planned_on)}")
