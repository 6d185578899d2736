"""The quarterly review actions: planning, moving, recording (with every member's attendance and
the next review planned a quarter on) and cancelling; who may; and that a refusal changes
nothing — no rows, no audit rows.

"Today" is fixed by patching ``timezone.now`` (UK dates come from it), so the dates read as
written: 25 November 2026 unless a test says otherwise.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from core.errors import DomainError
from core.models import AuditEvent
from partnerships import actions as reviews
from partnerships.choices import PartnershipStatus, ReviewStatus
from partnerships.models import ReviewAttendance, ReviewMeeting
from tests.accounts.factories import PartnershipManagerFactory, PlatformAdminFactory
from tests.partnerships.factories import (
    EndedMembershipFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
)
from tests.partnerships.review_factories import (
    HeldReviewFactory,
    ReviewMeetingFactory,
    ReviewSetup,
    at,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("today")]

D = dt.date





def counts() -> tuple[int, int, int]:
    return (ReviewMeeting.objects.count(), ReviewAttendance.objects.count(),
            AuditEvent.objects.count())


def refused(call: Any, message: str) -> DomainError:
    """``call()`` is refused with ``message`` in its text, and nothing is written."""
    before = counts()
    with pytest.raises(DomainError) as caught:
        call()
    assert message in str(caught.value)
    assert counts() == before
    return caught.value


def everyone(s: ReviewSetup, attended: bool = True) -> dict[int, bool]:
    return {o.pk: attended for o in s.members}


# -- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("held_on", "following"), [
    (D(2025, 11, 30), D(2026, 2, 28)),   # clamped to the end of February
    (D(2027, 11, 30), D(2028, 2, 29)),   # a leap year
    (D(2025, 12, 31), D(2026, 3, 31)),   # Q3 → Q4, the last day of the financial year
    (D(2026, 1, 31), D(2026, 4, 30)),    # across the financial year boundary, clamped
    (D(2026, 8, 31), D(2026, 11, 30)),
    (D(2026, 5, 12), D(2026, 8, 12)),
])
def test_next_review_is_a_quarter_on_clamped_to_month_end(held_on: dt.date,
                                                          following: dt.date) -> None:
    assert reviews.next_review_on(held_on) == following


def test_interval_comes_from_settings(settings: Any) -> None:
    settings.REVIEW_INTERVAL_MONTHS = 6
    assert reviews.next_review_on(D(2026, 8, 31)) == D(2027, 2, 28)


# -- planning ---------------------------------------------------------------------------------


def test_manager_plans_the_next_review(s: ReviewSetup) -> None:
    audits = AuditEvent.objects.count()
    meeting = reviews.review_plan(partnership=s.partnership, planned_on=D(2027, 3, 5),
                                  by=s.manager)
    assert (meeting.status, meeting.planned_on) == (ReviewStatus.PLANNED, D(2027, 3, 5))
    event = AuditEvent.objects.latest("pk")
    assert AuditEvent.objects.count() == audits + 1
    assert event.actor == s.manager
    assert event.partnership_id == s.partnership.pk
    assert event.summary == "Planned a partnership review on 5 March 2027"


def test_planning_today_is_allowed(s: ReviewSetup, today: dt.date) -> None:
    reviews.review_plan(partnership=s.partnership, planned_on=today, by=s.manager)


def test_a_second_planned_review_is_refused(s: ReviewSetup) -> None:
    reviews.review_plan(partnership=s.partnership, planned_on=D(2027, 3, 5), by=s.manager)
    error = refused(lambda: reviews.review_plan(partnership=s.partnership,
                                                planned_on=D(2027, 4, 1), by=s.manager),
                    "Fellside Recovery Partnership already has a review planned on 5 March "
                    "2027; change that one instead.")
    assert error.field == "planned_on"


def test_a_date_in_the_past_is_refused(s: ReviewSetup) -> None:
    error = refused(lambda: reviews.review_plan(partnership=s.partnership,
                                                planned_on=D(2026, 11, 24), by=s.manager),
                    "The date of the review must be today or in the future.")
    assert error.field == "planned_on"


def test_an_ended_partnership_plans_no_reviews(s: ReviewSetup) -> None:
    admin = PlatformAdminFactory()
    ended = PartnershipFactory(status=PartnershipStatus.ENDED, ended_on=D(2026, 3, 31))
    refused(lambda: reviews.review_plan(partnership=ended, planned_on=D(2027, 1, 5), by=admin),
            "has ended, so it has no more reviews")


@pytest.mark.parametrize("who", ["member_staff", "commissioner", "outsider", "other_manager"])
def test_only_managers_and_admins_plan(s: ReviewSetup, who: str) -> None:
    user = (PartnershipManagerFactory(organisation=s.charity) if who == "other_manager"
            else getattr(s, who))
    error = refused(lambda: reviews.review_plan(partnership=s.partnership,
                                                planned_on=D(2027, 3, 5), by=user),
                    "Only the partnership's managers")
    assert error.code == "forbidden"


def test_platform_admin_plans(s: ReviewSetup) -> None:
    reviews.review_plan(partnership=s.partnership, planned_on=D(2027, 3, 5),
                        by=PlatformAdminFactory())
    assert reviews.planned_review(s.partnership).planned_on == D(2027, 3, 5)


# -- moving -----------------------------------------------------------------------------------


def test_manager_moves_the_planned_review(s: ReviewSetup) -> None:
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2027, 3, 5))
    reviews.review_reschedule(meeting=meeting, planned_on=D(2027, 3, 12), by=s.manager)
    meeting.refresh_from_db()
    assert meeting.planned_on == D(2027, 3, 12)
    event = AuditEvent.objects.latest("pk")
    assert event.summary == "Moved the partnership review from 5 March 2027 to 12 March 2027"
    assert event.changes == {"planned_on": ["2027-03-05", "2027-03-12"]}


def test_moving_an_overdue_review_to_a_future_date(s: ReviewSetup) -> None:
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2026, 11, 1))
    reviews.review_reschedule(meeting=meeting, planned_on=D(2026, 12, 2), by=s.manager)
    assert meeting.planned_on == D(2026, 12, 2)  # the caller's object is up to date


@pytest.mark.parametrize(("planned_on", "message"), [
    (D(2026, 11, 1), "must be today or in the future"),
    (D(2027, 3, 5), "already planned on 5 March 2027"),
])
def test_moving_refusals(s: ReviewSetup, planned_on: dt.date, message: str) -> None:
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2027, 3, 5))
    refused(lambda: reviews.review_reschedule(meeting=meeting, planned_on=planned_on,
                                              by=s.manager), message)


def test_a_held_review_cannot_be_moved(s: ReviewSetup) -> None:
    meeting = HeldReviewFactory(partnership=s.partnership)
    refused(lambda: reviews.review_reschedule(meeting=meeting, planned_on=D(2027, 3, 5),
                                              by=s.manager),
            "This review is held; only a planned review can be moved.")


def test_members_cannot_move_reviews(s: ReviewSetup) -> None:
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2027, 3, 5))
    refused(lambda: reviews.review_reschedule(meeting=meeting, planned_on=D(2027, 3, 6),
                                              by=s.member_staff), "Only the partnership's")


# -- recording --------------------------------------------------------------------------------


def test_recording_a_review_with_attendance_plans_the_next(s: ReviewSetup) -> None:
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2026, 11, 30))
    audits = AuditEvent.objects.count()
    attendance = {s.lead.pk: True, s.charity.pk: True, s.statutory.pk: False}
    done = reviews.review_record(meeting=meeting, held_on=D(2026, 11, 24),
                                 attendance=attendance, notes="  Pathways reviewed.  ",
                                 by=s.manager)
    assert done is meeting
    meeting.refresh_from_db()
    assert (meeting.status, meeting.held_on, meeting.notes, meeting.recorded_by) == (
        ReviewStatus.HELD, D(2026, 11, 24), "Pathways reviewed.", s.manager)
    assert dict(meeting.attendance.values_list("organisation_id", "attended")) == attendance
    following = reviews.planned_review(s.partnership)
    assert following.planned_on == D(2027, 2, 24)
    # The meeting's update, three attendance rows and the next review: all audited.
    assert AuditEvent.objects.count() == audits + 5
    summaries = list(AuditEvent.objects.order_by("pk").values_list("summary", flat=True))[-5:]
    assert summaries[0] == ("Recorded the partnership review as held on 24 November 2026: 2 "
                            "of 3 organisations attended")
    assert "Review of 24 November 2026: Probation Service North East sent no one" in summaries
    assert summaries[4] == "Planned the next partnership review on 24 February 2027"
    # All five are in the partnership's history (one indexed query), attendance rows included.
    latest = AuditEvent.objects.order_by("-pk").values_list("partnership_id", flat=True)[:5]
    assert list(latest) == [s.partnership.pk] * 5


def test_held_on_30_november_plans_28_february(s: ReviewSetup, monkeypatch: Any) -> None:
    at(monkeypatch, dt.datetime(2025, 12, 1, 9, 0, tzinfo=dt.UTC))
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2025, 11, 30))
    reviews.review_record(meeting=meeting, held_on=D(2025, 11, 30), attendance=everyone(s),
                          notes="", by=s.manager)
    assert reviews.planned_review(s.partnership).planned_on == D(2026, 2, 28)


def test_held_on_31_december_plans_31_march(s: ReviewSetup, monkeypatch: Any) -> None:
    # Q3 to the last day of Q4 and of the financial year 2025–26.
    at(monkeypatch, dt.datetime(2026, 1, 2, 9, 0, tzinfo=dt.UTC))
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2025, 12, 31))
    reviews.review_record(meeting=meeting, held_on=D(2025, 12, 31), attendance=everyone(s),
                          notes="", by=s.manager)
    assert reviews.planned_review(s.partnership).planned_on == D(2026, 3, 31)


def test_a_late_record_plans_the_next_review_in_the_past(s: ReviewSetup) -> None:
    """Recorded months late: the next one is already overdue, and says so."""
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2026, 5, 1))
    reviews.review_record(meeting=meeting, held_on=D(2026, 5, 1), attendance=everyone(s),
                          notes="", by=s.manager)
    assert reviews.planned_review(s.partnership).planned_on == D(2026, 8, 1)


def test_attendance_is_for_the_members_on_the_day_held(s: ReviewSetup) -> None:
    """An organisation that left before the review is not asked about; one that joined after
    it neither."""
    leaver = OrganisationFactory(name="Open Door Housing Advice")
    EndedMembershipFactory(partnership=s.partnership, organisation=leaver,
                           joined_on=D(2020, 4, 1), left_on=D(2026, 6, 1))
    joiner = OrganisationFactory(name="Turning Tide Recovery")
    MembershipFactory(partnership=s.partnership, organisation=joiner, joined_on=D(2026, 9, 1))
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2026, 7, 1))
    reviews.review_record(meeting=meeting, held_on=D(2026, 7, 1), attendance=everyone(s),
                          notes="", by=s.manager)
    assert meeting.attendance.count() == 3


def test_a_missing_member_is_refused_by_name(s: ReviewSetup) -> None:
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2026, 11, 20))
    attendance = {s.lead.pk: True}
    error = refused(lambda: reviews.review_record(meeting=meeting, held_on=D(2026, 11, 20),
                                                  attendance=attendance, notes="",
                                                  by=s.manager),
                    "Say whether each member organisation attended: Brightwater Family "
                    "Support and Probation Service North East have no answer.")
    assert error.field == "attendance"
    meeting.refresh_from_db()
    assert meeting.status == ReviewStatus.PLANNED


def test_an_organisation_that_was_not_a_member_is_refused_by_name(s: ReviewSetup) -> None:
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2026, 11, 20))
    stranger = OrganisationFactory(name="Harbour Lights Community Trust")
    joiner = OrganisationFactory(name="Turning Tide Recovery")
    MembershipFactory(partnership=s.partnership, organisation=joiner, joined_on=D(2026, 11, 21))
    attendance = {**everyone(s), stranger.pk: True, joiner.pk: False}
    refused(lambda: reviews.review_record(meeting=meeting, held_on=D(2026, 11, 20),
                                          attendance=attendance, notes="", by=s.manager),
            "Harbour Lights Community Trust and Turning Tide Recovery were not a member of "
            "Fellside Recovery Partnership on 20 November 2026")


def test_an_unknown_organisation_number_is_refused(s: ReviewSetup) -> None:
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2026, 11, 20))
    refused(lambda: reviews.review_record(meeting=meeting, held_on=D(2026, 11, 20),
                                          attendance={**everyone(s), 999_999: True}, notes="",
                                          by=s.manager),
            "an unknown organisation (number 999999) was not a member")


def test_attendance_must_be_yes_or_no(s: ReviewSetup) -> None:
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2026, 11, 20))
    attendance: dict[Any, Any] = {**everyone(s), s.lead.pk: "maybe"}
    refused(lambda: reviews.review_record(meeting=meeting, held_on=D(2026, 11, 20),
                                          attendance=attendance, notes="", by=s.manager),
            "whether it attended (yes or no)")


@pytest.mark.parametrize(("held_on", "message"), [
    (D(2026, 11, 26), "The date the review was held must be today or in the past."),
    (D(2020, 3, 31), "started on 1 April 2020; the review cannot have been held before."),
    (None, "Enter the date the review was held."),
])
def test_bad_dates_are_refused(s: ReviewSetup, held_on: dt.date | None, message: str) -> None:
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2026, 11, 20))
    error = refused(lambda: reviews.review_record(meeting=meeting, held_on=held_on,
                                                  attendance=everyone(s), notes="",
                                                  by=s.manager), message)
    assert error.field == "held_on"


def test_a_held_review_cannot_be_recorded_again(s: ReviewSetup) -> None:
    meeting = HeldReviewFactory(partnership=s.partnership)
    refused(lambda: reviews.review_record(meeting=meeting, held_on=D(2026, 11, 20),
                                          attendance=everyone(s), notes="", by=s.manager),
            "This review is already held.")


@pytest.mark.parametrize("who", ["member_staff", "commissioner", "outsider"])
def test_only_managers_and_admins_record(s: ReviewSetup, who: str) -> None:
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2026, 11, 20))
    refused(lambda: reviews.review_record(meeting=meeting, held_on=D(2026, 11, 20),
                                          attendance=everyone(s), notes="",
                                          by=getattr(s, who)),
            "Only the partnership's managers")


def test_a_former_lead_partners_manager_may_not_record(s: ReviewSetup) -> None:
    """The rule is the *current* lead partner's managers."""
    other = PartnershipFactory()
    meeting = ReviewMeetingFactory(partnership=other, planned_on=D(2026, 11, 20))
    refused(lambda: reviews.review_record(meeting=meeting, held_on=D(2026, 11, 20),
                                          attendance={}, notes="", by=s.manager),
            "Only the partnership's managers")


def test_recorded_at_half_past_midnight_bst_is_dated_that_uk_day(
        s: ReviewSetup, monkeypatch: Any) -> None:
    """00:30 BST on 25 October 2026 (the day British Summer Time ends) is still 24 October in
    UTC: the review held that UK day is not "in the future"."""
    at(monkeypatch, dt.datetime(2026, 10, 24, 23, 30, tzinfo=dt.UTC))
    assert timezone.localdate() == D(2026, 10, 25)
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2026, 10, 25))
    reviews.review_record(meeting=meeting, held_on=D(2026, 10, 25), attendance=everyone(s),
                          notes="", by=s.manager)
    assert reviews.planned_review(s.partnership).planned_on == D(2027, 1, 25)


def test_recorded_at_half_past_eleven_on_the_day_bst_ends(s: ReviewSetup,
                                                         monkeypatch: Any) -> None:
    """23:30 UK (GMT again) on 25 October 2026: that day is today, the next one is not."""
    at(monkeypatch, dt.datetime(2026, 10, 25, 23, 30, tzinfo=dt.UTC))
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2026, 10, 25))
    refused(lambda: reviews.review_record(meeting=meeting, held_on=D(2026, 10, 26),
                                          attendance=everyone(s), notes="", by=s.manager),
            "must be today or in the past")
    reviews.review_record(meeting=meeting, held_on=D(2026, 10, 25), attendance=everyone(s),
                          notes="", by=s.manager)
    assert meeting.held_on == D(2026, 10, 25)


# -- cancelling -------------------------------------------------------------------------------


def test_cancelling_keeps_the_reason_and_plans_nothing(s: ReviewSetup) -> None:
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2026, 12, 10))
    reviews.review_cancel(meeting=meeting, reason="Clashes with recommissioning.",
                          by=s.manager)
    assert (meeting.status, meeting.notes) == (ReviewStatus.CANCELLED,
                                               "Cancelled: Clashes with recommissioning.")
    assert reviews.planned_review(s.partnership) is None
    reviews.review_plan(partnership=s.partnership, planned_on=D(2027, 1, 14), by=s.manager)


def test_cancelling_needs_a_reason_and_a_planned_review(s: ReviewSetup) -> None:
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2026, 12, 10))
    refused(lambda: reviews.review_cancel(meeting=meeting, reason="  ", by=s.manager),
            "Say why the review is cancelled.")
    held = HeldReviewFactory(partnership=s.partnership)
    refused(lambda: reviews.review_cancel(meeting=held, reason="No.", by=s.manager),
            "only a planned review can be cancelled")
    refused(lambda: reviews.review_cancel(meeting=meeting, reason="No.", by=s.member_staff),
            "Only the partnership's managers")


# -- the first review -------------------------------------------------------------------------


def test_an_active_partnership_without_reviews_gets_its_first(s: ReviewSetup,
                                                              today: dt.date) -> None:
    audits = AuditEvent.objects.count()
    meeting = reviews.review_plan_first(s.partnership, today)
    assert (meeting.status, meeting.planned_on) == (ReviewStatus.PLANNED, D(2027, 2, 25))
    assert AuditEvent.objects.count() == audits + 1
    assert reviews.review_plan_first(s.partnership, today) is None  # safe to call again
    assert ReviewMeeting.objects.count() == 1


def test_first_review_only_for_active_partnerships_never_reviewed(today: dt.date) -> None:
    forming = PartnershipFactory(status=PartnershipStatus.FORMING, started_on=None)
    assert reviews.review_plan_first(forming, today) is None
    reviewed = PartnershipFactory()
    HeldReviewFactory(partnership=reviewed)
    assert reviews.review_plan_first(reviewed, today) is None
    cancelled = PartnershipFactory()
    ReviewMeetingFactory(partnership=cancelled, status=ReviewStatus.CANCELLED)
    assert reviews.review_plan_first(cancelled, today) is None
    assert ReviewMeeting.objects.filter(status=ReviewStatus.PLANNED).count() == 0
