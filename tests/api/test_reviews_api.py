"""The reviews and engagement API: who may do what (anonymous refused, outsiders 404, readers
200 but 403 on writes, managers and admins act), each write end to end, each bad input a 400
with the action's message and nothing changed (rows and audit trail), bounded queries at two
sizes, UK dates at a quarter boundary and across a British Summer Time change, and the schema.

"Today" is 25 November 2026 (``timezone.now`` patched), unless a test says otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import AuditEvent
from partnerships.choices import ReviewStatus
from partnerships.models import ReviewAttendance, ReviewMeeting
from tests.accounts.factories import CommissionerFactory, PlatformAdminFactory
from tests.partnerships.factories import MembershipFactory, OrganisationFactory
from tests.partnerships.review_factories import (
    REVIEW_TODAY,
    HeldReviewFactory,
    ReviewAttendanceFactory,
    ReviewMeetingFactory,
    ReviewSetup,
    at,
    review_setup,
)

from .test_schema import fresh_generator_stats, generate  # noqa: F401  (autouse here too)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("today")]

D = dt.date
UTC = dt.UTC


@pytest.fixture
def rs(db: None) -> ReviewSetup:
    """Fellside Recovery Partnership: lead, charity and statutory agency since April 2020; its
    manager, a member's staff, a funding commissioner and an outsider."""
    return review_setup()


def client_of(user: Any) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def reviews_url(slug: str) -> str:
    return reverse("review-list", kwargs={"slug": slug})


def review_url(slug: str, pk: int, what: str = "") -> str:
    name = f"review-{what}" if what else "review-detail"
    return reverse(name, kwargs={"slug": slug, "pk": pk})


def engagement_url(slug: str) -> str:
    return reverse("partnership-engagement", kwargs={"slug": slug})


def counts() -> tuple[int, int, int]:
    """What a refusal must leave alone: reviews, attendance rows and the audit trail."""
    return (ReviewMeeting.objects.count(), ReviewAttendance.objects.count(),
            AuditEvent.objects.count())


def held(rs: ReviewSetup, held_on: dt.date, came: tuple[bool, ...] = (True, True, False),
         notes: str = "Reviewed the referral pathways.") -> ReviewMeeting:
    meeting = HeldReviewFactory(partnership=rs.partnership, planned_on=held_on, notes=notes)
    for org, attended in zip(rs.members, came, strict=True):
        ReviewAttendanceFactory(meeting=meeting, organisation=org, attended=attended)
    return meeting


def attendance(rs: ReviewSetup, came: tuple[bool, ...] = (True, True, False)
               ) -> list[dict[str, Any]]:
    return [{"organisation": org.slug, "attended": attended}
            for org, attended in zip(rs.members, came, strict=True)]


def user_for(rs: ReviewSetup, who: str) -> Any:
    if who == "anonymous":
        return None
    if who == "admin":
        return PlatformAdminFactory()
    if who == "unfunding_commissioner":
        return CommissionerFactory()
    return getattr(rs, who)


# --------------------------------------------------------------------------------------------
# Who may do what
# --------------------------------------------------------------------------------------------

#: What each kind of user gets from reading the reviews, one review, and the report.
READS: dict[str, tuple[int, int, int]] = {
    "anonymous": (401, 401, 401),
    "outsider": (404, 404, 404),
    "unfunding_commissioner": (404, 404, 404),
    "member_staff": (200, 200, 404),  # the report is for managers and funders
    "commissioner": (200, 200, 200),
    "manager": (200, 200, 200),
    "admin": (200, 200, 200),
}


@pytest.mark.parametrize("who", list(READS))
def test_who_may_read(rs: ReviewSetup, who: str) -> None:
    meeting = held(rs, D(2026, 10, 6))
    client = client_of(user_for(rs, who))
    slug = rs.partnership.slug
    answers = (client.get(reviews_url(slug)), client.get(review_url(slug, meeting.pk)),
               client.get(engagement_url(slug)))
    assert tuple(r.status_code for r in answers) == READS[who]
    for response in answers:
        body = response.json()
        if response.status_code == 401:
            assert body == {"detail": "Authentication credentials were not provided."}
        if response.status_code == 404:
            # the same answer as for a partnership that does not exist
            assert body == client_of(PlatformAdminFactory()).get(
                reviews_url("no-such-partnership")).json()
            assert "Fellside" not in response.content.decode()


def _plan(rs: ReviewSetup) -> tuple[str, dict[str, Any], int]:
    return reviews_url(rs.partnership.slug), {"planned_on": "2027-02-24"}, 201


def _reschedule(rs: ReviewSetup) -> tuple[str, dict[str, Any], int]:
    meeting = ReviewMeetingFactory(partnership=rs.partnership, planned_on=D(2027, 2, 24))
    return (review_url(rs.partnership.slug, meeting.pk, "reschedule"),
            {"planned_on": "2027-03-03"}, 200)


def _record(rs: ReviewSetup) -> tuple[str, dict[str, Any], int]:
    meeting = ReviewMeetingFactory(partnership=rs.partnership, planned_on=D(2026, 11, 20))
    return (review_url(rs.partnership.slug, meeting.pk, "record"),
            {"held_on": "2026-11-20", "attendance": attendance(rs), "notes": "Pathways."}, 200)


def _cancel(rs: ReviewSetup) -> tuple[str, dict[str, Any], int]:
    meeting = ReviewMeetingFactory(partnership=rs.partnership, planned_on=D(2027, 2, 24))
    return (review_url(rs.partnership.slug, meeting.pk, "cancel"),
            {"reason": "The lead partner's premises are closed."}, 200)


WRITES: dict[str, Callable[[ReviewSetup], tuple[str, dict[str, Any], int]]] = {
    "plan": _plan, "reschedule": _reschedule, "record": _record, "cancel": _cancel}

#: What each kind of user gets from a write (None: the write's own success code).
WRITERS: dict[str, int | None] = {
    "anonymous": 401, "outsider": 404, "unfunding_commissioner": 404, "member_staff": 403,
    "commissioner": 403, "manager": None, "admin": None}


@pytest.mark.parametrize("who", list(WRITERS))
@pytest.mark.parametrize("write", list(WRITES))
def test_who_may_write(rs: ReviewSetup, who: str, write: str) -> None:
    url, body, success = WRITES[write](rs)
    expected = WRITERS[who] or success
    before = counts()
    response = client_of(user_for(rs, who)).post(url, body, format="json")
    assert response.status_code == expected, response.content
    if expected == 403 and who != "anonymous":
        assert response.json() == {"detail": (
            "Reviews are planned, moved, recorded and cancelled by the lead partner's "
            "partnership managers and platform admins.")}
    if expected in (401, 403, 404):
        assert counts() == before
    else:
        assert counts() != before
        assert response.json()["id"]


def test_token_authentication_works_and_an_inactive_token_is_refused(rs: ReviewSetup) -> None:
    from accounts.actions import api_token_create

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=rs.manager, name='T')[1]}")
    assert client.get(reviews_url(rs.partnership.slug)).status_code == 200
    rs.manager.is_active = False
    rs.manager.save()
    assert client.get(reviews_url(rs.partnership.slug)).status_code == 401


def test_a_review_of_another_partnership_is_not_found(rs: ReviewSetup) -> None:
    other = review_setup(name="Other Partnership")
    theirs = ReviewMeetingFactory(partnership=other.partnership)
    admin = client_of(PlatformAdminFactory())
    slug = rs.partnership.slug
    before = counts()
    assert admin.get(review_url(slug, theirs.pk)).status_code == 404
    assert admin.post(review_url(slug, theirs.pk, "cancel"), {"reason": "No."},
                      format="json").status_code == 404
    assert admin.get(f"{reviews_url(slug)}abc/").status_code == 404
    assert admin.get(f"{reviews_url(slug)}{'9' * 19}/").status_code == 404
    assert counts() == before


def test_readers_are_refused_before_their_input_is_read(rs: ReviewSetup) -> None:
    """A member's bad body gets the 403, not a 400 that would hint at the rules."""
    response = client_of(rs.member_staff).post(reviews_url(rs.partnership.slug), {},
                                               format="json")
    assert response.status_code == 403


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def test_the_list_planned_first_then_newest_first(rs: ReviewSetup) -> None:
    spring = held(rs, D(2026, 5, 12), came=(True, False, False))
    summer = held(rs, D(2026, 8, 20), came=(True, True, True))
    cancelled = ReviewMeetingFactory(partnership=rs.partnership, planned_on=D(2026, 7, 1),
                                     status=ReviewStatus.CANCELLED, notes="Cancelled: strike.")
    planned = ReviewMeetingFactory(partnership=rs.partnership, planned_on=D(2026, 11, 24))
    body = client_of(rs.member_staff).get(reviews_url(rs.partnership.slug)).json()
    assert body["count"] == 4
    assert [r["id"] for r in body["results"]] == [planned.pk, summer.pk, cancelled.pk,
                                                  spring.pk]
    first, second = body["results"][:2]
    assert first == {"id": planned.pk, "planned_on": "2026-11-24", "status": "planned",
                     "held_on": None, "notes": "", "attended_count": 0, "expected_count": 0,
                     "overdue": True}
    assert second == {"id": summer.pk, "planned_on": "2026-08-20", "status": "held",
                      "held_on": "2026-08-20", "notes": "Reviewed the referral pathways.",
                      "attended_count": 3, "expected_count": 3, "overdue": False}
    assert body["results"][3]["attended_count"] == 1
    assert "attendance" not in first  # on the detail only


def test_a_review_planned_for_today_is_not_overdue(rs: ReviewSetup) -> None:
    ReviewMeetingFactory(partnership=rs.partnership, planned_on=REVIEW_TODAY)
    body = client_of(rs.manager).get(reviews_url(rs.partnership.slug)).json()
    assert body["results"][0]["overdue"] is False


def test_the_list_is_paginated(rs: ReviewSetup) -> None:
    for month in range(1, 11):
        held(rs, D(2026, month, 3))
    body = client_of(rs.manager).get(reviews_url(rs.partnership.slug),
                                     {"page_size": 4, "page": 3}).json()
    assert body["count"] == 10
    assert [r["held_on"] for r in body["results"]] == ["2026-02-03", "2026-01-03"]
    assert body["next"] is None and body["previous"]


def test_a_held_review_with_its_attendance(rs: ReviewSetup) -> None:
    meeting = held(rs, D(2026, 10, 6), came=(True, False, True))
    meeting.recorded_by = rs.manager
    meeting.save()
    body = client_of(rs.commissioner).get(review_url(rs.partnership.slug, meeting.pk)).json()
    assert body["status"] == "held"
    assert (body["attended_count"], body["expected_count"]) == (2, 3)
    # by organisation name
    assert [(a["organisation"]["slug"], a["organisation"]["name"], a["attended"])
            for a in body["attendance"]] == [
        (rs.charity.slug, "Brightwater Family Support", False),
        (rs.lead.slug, "Fellside Recovery Trust", True),
        (rs.statutory.slug, "Probation Service North East", True)]
    assert body["recorded_by"]


def test_the_engagement_report(rs: ReviewSetup) -> None:
    held(rs, D(2026, 5, 12), came=(True, False, False))
    held(rs, D(2026, 8, 20), came=(True, False, True))
    newcomer = OrganisationFactory(name="Aardvark Housing")
    MembershipFactory(partnership=rs.partnership, organisation=newcomer,
                      joined_on=D(2026, 9, 1))
    body = client_of(rs.manager).get(engagement_url(rs.partnership.slug)).json()
    assert body["partnership"] == {"slug": rs.partnership.slug,
                                   "name": "Fellside Recovery Partnership"}
    assert (body["as_of"], body["starts_on"]) == ("2026-11-25", "2026-01-01")
    assert [q["label"] for q in body["quarters"]] == [
        "2025–26 Q4", "2026–27 Q1", "2026–27 Q2", "2026–27 Q3"]
    assert body["quarters"][1] == {"label": "2026–27 Q1", "months": "April to June 2026",
                                   "starts_on": "2026-04-01", "ends_on": "2026-06-30",
                                   "reviews_held_on": ["2026-05-12"]}
    assert (body["reviews_held"], body["sent_no_one_count"]) == (2, 1)
    rows = {row["organisation"]["slug"]: row for row in body["rows"]}
    assert [row["organisation"]["slug"] for row in body["rows"]] == [
        rs.charity.slug, rs.statutory.slug, rs.lead.slug, newcomer.slug]
    charity = rows[rs.charity.slug]
    assert (charity["sent_no_one"], charity["statutory"], charity["rate"]) == (True, False, 0)
    statutory = rows[rs.statutory.slug]
    assert (statutory["statutory"], statutory["attended"], statutory["expected"],
            statutory["rate"]) == (True, 1, 2, 50)
    assert statutory["quarters"][0] == {"quarter": "2025–26 Q4", "marks": []}
    assert statutory["quarters"][1]["marks"] == [
        {"held_on": "2026-05-12", "mark": "sent_no_one", "label": "Sent no one"}]
    new = rows[newcomer.slug]
    assert (new["rate"], new["sent_no_one"]) == (None, False)
    assert new["quarters"][2]["marks"] == [
        {"held_on": "2026-08-20", "mark": "not_a_member", "label": "Not a member then"}]


def test_an_empty_engagement_report(rs: ReviewSetup) -> None:
    body = client_of(PlatformAdminFactory()).get(engagement_url(rs.partnership.slug)).json()
    assert (body["reviews_held"], body["sent_no_one_count"]) == (0, 0)
    assert all(row["rate"] is None for row in body["rows"])
    assert len(body["rows"]) == 3


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def test_manager_plans_a_review(rs: ReviewSetup) -> None:
    before = AuditEvent.objects.count()
    response = client_of(rs.manager).post(reviews_url(rs.partnership.slug),
                                          {"planned_on": "2027-02-24"}, format="json")
    assert response.status_code == 201, response.content
    meeting = ReviewMeeting.objects.get()
    assert response.json() == {
        "id": meeting.pk, "planned_on": "2027-02-24", "status": "planned", "held_on": None,
        "notes": "", "attended_count": 0, "expected_count": 0, "overdue": False,
        "attendance": [], "recorded_by": None}
    assert AuditEvent.objects.count() == before + 1


def test_manager_records_a_review_and_the_next_is_planned(rs: ReviewSetup) -> None:
    meeting = ReviewMeetingFactory(partnership=rs.partnership, planned_on=D(2026, 11, 20))
    response = client_of(rs.manager).post(
        review_url(rs.partnership.slug, meeting.pk, "record"),
        {"held_on": "2026-11-20", "attendance": attendance(rs, (True, False, True)),
         "notes": "  Agreed a new pathway.  "}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["held_on"], body["notes"]) == (
        "held", "2026-11-20", "Agreed a new pathway.")
    assert (body["attended_count"], body["expected_count"]) == (2, 3)
    assert {a["organisation"]["slug"]: a["attended"] for a in body["attendance"]} == {
        rs.lead.slug: True, rs.charity.slug: False, rs.statutory.slug: True}
    assert body["recorded_by"]
    listed = client_of(rs.manager).get(reviews_url(rs.partnership.slug)).json()["results"]
    assert [(r["status"], r["planned_on"]) for r in listed] == [
        ("planned", "2027-02-20"), ("held", "2026-11-20")]


def test_manager_moves_and_cancels_a_review(rs: ReviewSetup) -> None:
    meeting = ReviewMeetingFactory(partnership=rs.partnership, planned_on=D(2027, 2, 24))
    client = client_of(rs.manager)
    slug = rs.partnership.slug
    moved = client.post(review_url(slug, meeting.pk, "reschedule"),
                        {"planned_on": "2027-03-03"}, format="json")
    assert moved.status_code == 200, moved.content
    assert moved.json()["planned_on"] == "2027-03-03"
    cancelled = client.post(review_url(slug, meeting.pk, "cancel"),
                            {"reason": "The venue is closed."}, format="json")
    assert cancelled.status_code == 200, cancelled.content
    assert (cancelled.json()["status"], cancelled.json()["notes"]) == (
        "cancelled", "Cancelled: The venue is closed.")
    meeting.refresh_from_db()
    assert (meeting.status, meeting.planned_on) == (ReviewStatus.CANCELLED, D(2027, 3, 3))
    # nothing planned in its place: the next one can be planned
    assert client.post(reviews_url(slug), {"planned_on": "2027-04-01"},
                       format="json").status_code == 201


def test_reads_and_writes_take_json_only(rs: ReviewSetup) -> None:
    response = client_of(rs.manager).post(reviews_url(rs.partnership.slug),
                                          {"planned_on": "2027-02-24"})  # multipart
    assert response.status_code == 415
    assert not ReviewMeeting.objects.exists()


# --------------------------------------------------------------------------------------------
# Bad input: a 400 that says why, and nothing changed
# --------------------------------------------------------------------------------------------


def assert_refused(response: Any, field: str, message: str,
                   before: tuple[int, int, int]) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body, body
    assert message in str(body[field]), body
    assert counts() == before


@pytest.mark.parametrize(("body", "field", "message"), [
    ({}, "planned_on", "This field is required."),
    ({"planned_on": "24/02/2027"}, "planned_on", "Date has wrong format."),
    ({"planned_on": "2026-11-24"}, "planned_on",
     "The date of the review must be today or in the future."),
])
def test_bad_plans(rs: ReviewSetup, body: dict[str, Any], field: str, message: str) -> None:
    before = counts()
    response = client_of(rs.manager).post(reviews_url(rs.partnership.slug), body,
                                          format="json")
    assert_refused(response, field, message, before)


def test_planning_a_second_review_names_the_first(rs: ReviewSetup) -> None:
    ReviewMeetingFactory(partnership=rs.partnership, planned_on=D(2027, 3, 5))
    before = counts()
    response = client_of(rs.manager).post(reviews_url(rs.partnership.slug),
                                          {"planned_on": "2027-04-01"}, format="json")
    assert_refused(response, "planned_on",
                   "Fellside Recovery Partnership already has a review planned on 5 March "
                   "2027; change that one instead.", before)


def record_refusal(rs: ReviewSetup, body: dict[str, Any],
                   meeting: ReviewMeeting | None = None) -> tuple[Any, tuple[int, int, int]]:
    meeting = meeting or ReviewMeetingFactory(partnership=rs.partnership,
                                              planned_on=D(2026, 11, 20))
    before = counts()
    response = client_of(rs.manager).post(
        review_url(rs.partnership.slug, meeting.pk, "record"),
        {"held_on": "2026-11-20", "attendance": attendance(rs), **body}, format="json")
    return response, before


def test_recording_without_every_member_names_who_is_missing(rs: ReviewSetup) -> None:
    response, before = record_refusal(rs, {"attendance": attendance(rs)[:1]})
    assert_refused(response, "attendance",
                   "Say whether each member organisation attended: Brightwater Family Support "
                   "and Probation Service North East have no answer.", before)


def test_recording_an_outsider_names_it(rs: ReviewSetup) -> None:
    stranger = OrganisationFactory(name="Elsewhere Trust")
    response, before = record_refusal(rs, {"attendance": [
        *attendance(rs), {"organisation": stranger.slug, "attended": True}]})
    assert_refused(response, "attendance",
                   "Elsewhere Trust was not a member of Fellside Recovery Partnership on 20 "
                   "November 2026", before)


@pytest.mark.parametrize(("body", "field", "message"), [
    ({"held_on": "2026-11-26"}, "held_on",
     "The date the review was held must be today or in the past."),
    ({"held_on": "2019-03-01"}, "held_on", "Fellside Recovery Partnership started on"),
    ({"held_on": None}, "held_on", "This field may not be null."),
    ({"attendance": [{"organisation": "no-such-org", "attended": True}]}, "attendance",
     "Object with slug=no-such-org does not exist."),
    ({"attendance": [{"organisation": "x"}]}, "attendance", "This field is required."),
    ({"attendance": "everyone"}, "attendance", "Expected a list of items"),
    ({"notes": "x" * 5001}, "notes", "Ensure this field has no more than 5000 characters."),
])
def test_bad_records(rs: ReviewSetup, body: dict[str, Any], field: str, message: str) -> None:
    response, before = record_refusal(rs, body)
    assert_refused(response, field, message, before)


def test_an_organisation_twice_is_refused(rs: ReviewSetup) -> None:
    response, before = record_refusal(rs, {"attendance": [
        *attendance(rs), {"organisation": rs.lead.slug, "attended": False}]})
    assert_refused(response, "attendance", "Fellside Recovery Trust is listed more than once",
                   before)


def test_a_held_review_cannot_be_recorded_moved_or_cancelled_again(rs: ReviewSetup) -> None:
    meeting = held(rs, D(2026, 10, 6))
    client = client_of(rs.manager)
    slug = rs.partnership.slug
    before = counts()
    for what, body, message in [
        ("record", {"held_on": "2026-11-20", "attendance": attendance(rs)},
         "This review is already held."),
        ("reschedule", {"planned_on": "2027-01-05"},
         "This review is held; only a planned review can be moved."),
        ("cancel", {"reason": "Duplicate."},
         "This review is held; only a planned review can be cancelled."),
    ]:
        response = client.post(review_url(slug, meeting.pk, what), body, format="json")
        assert response.status_code == 400, response.content
        assert response.json() == {"non_field_errors": [message]}
    assert counts() == before


@pytest.mark.parametrize(("what", "body", "field", "message"), [
    ("reschedule", {"planned_on": "2027-02-24"}, "planned_on",
     "The review is already planned on 24 February 2027."),
    ("reschedule", {"planned_on": "2026-11-01"}, "planned_on",
     "The date of the review must be today or in the future."),
    ("reschedule", {}, "planned_on", "This field is required."),
    ("cancel", {"reason": "   "}, "reason", "Say why the review is cancelled."),
    ("cancel", {}, "reason", "This field is required."),
])
def test_bad_moves_and_cancellations(rs: ReviewSetup, what: str, body: dict[str, Any],
                                     field: str, message: str) -> None:
    meeting = ReviewMeetingFactory(partnership=rs.partnership, planned_on=D(2027, 2, 24))
    before = counts()
    response = client_of(rs.manager).post(review_url(rs.partnership.slug, meeting.pk, what),
                                          body, format="json")
    assert_refused(response, field, message, before)


# --------------------------------------------------------------------------------------------
# UK dates: a quarter boundary and British Summer Time
# --------------------------------------------------------------------------------------------


def test_overdue_turns_at_uk_midnight_in_summer_time_at_a_quarter_end(
        rs: ReviewSetup, monkeypatch: pytest.MonkeyPatch) -> None:
    """Planned for 30 June 2026, the last day of 2026–27 Q1: at 23:30 UTC it is still 30 June
    in UTC but already 1 July in London (BST), so the review is overdue."""
    ReviewMeetingFactory(partnership=rs.partnership, planned_on=D(2026, 6, 30))
    client = client_of(rs.manager)
    at(monkeypatch, dt.datetime(2026, 6, 30, 22, 59, tzinfo=UTC))  # 23:59 BST
    assert client.get(reviews_url(rs.partnership.slug)).json()["results"][0]["overdue"] is False
    at(monkeypatch, dt.datetime(2026, 6, 30, 23, 30, tzinfo=UTC))  # 00:30 BST on 1 July
    assert client.get(reviews_url(rs.partnership.slug)).json()["results"][0]["overdue"] is True


def test_planning_for_today_on_the_night_summer_time_ends(
        rs: ReviewSetup, monkeypatch: pytest.MonkeyPatch) -> None:
    """At 23:30 UTC on 24 October 2026 it is 00:30 BST on 25 October (the clocks go back at
    01:00 UTC): a review planned for the 25th is today, not in the future's past."""
    at(monkeypatch, dt.datetime(2026, 10, 24, 23, 30, tzinfo=UTC))
    client = client_of(rs.manager)
    refused = client.post(reviews_url(rs.partnership.slug), {"planned_on": "2026-10-24"},
                          format="json")
    assert refused.status_code == 400
    planned = client.post(reviews_url(rs.partnership.slug), {"planned_on": "2026-10-25"},
                          format="json")
    assert planned.status_code == 201, planned.content
    assert planned.json()["overdue"] is False


def test_the_report_rolls_to_a_new_quarter_at_uk_midnight(
        rs: ReviewSetup, monkeypatch: pytest.MonkeyPatch) -> None:
    """At 23:30 UTC on 31 March 2026 it is 1 April in London (BST since 29 March): the report
    covers 2025–26 Q2 to 2026–27 Q1, and the review held on 31 March is in 2025–26 Q4."""
    held(rs, D(2026, 3, 31))
    held(rs, D(2025, 6, 30))  # before the period
    at(monkeypatch, dt.datetime(2026, 3, 31, 23, 30, tzinfo=UTC))
    body = client_of(rs.manager).get(engagement_url(rs.partnership.slug)).json()
    assert (body["as_of"], body["starts_on"]) == ("2026-04-01", "2025-07-01")
    assert [q["label"] for q in body["quarters"]] == [
        "2025–26 Q2", "2025–26 Q3", "2025–26 Q4", "2026–27 Q1"]
    assert [q["reviews_held_on"] for q in body["quarters"]] == [[], [], ["2026-03-31"], []]
    assert body["reviews_held"] == 1


# --------------------------------------------------------------------------------------------
# Queries: the same for a few rows as for many
# --------------------------------------------------------------------------------------------


def grow(rs: ReviewSetup, n: int) -> ReviewMeeting:
    """``n`` held reviews (the latest returned) and ``n`` extra members who attended them."""
    extra = [MembershipFactory(partnership=rs.partnership, joined_on=D(2020, 4, 1)).organisation
             for _ in range(n)]
    latest = None
    for i in range(n):
        latest = held(rs, D(2026, 11, 1) - dt.timedelta(days=7 * i))
        for org in extra:
            ReviewAttendanceFactory(meeting=latest, organisation=org, attended=i % 2 == 0)
    ReviewMeetingFactory(partnership=rs.partnership, planned_on=D(2027, 2, 1))
    return latest


@pytest.mark.parametrize("n", [2, 20])
@pytest.mark.parametrize("what", ["list", "detail", "engagement"])
def test_bounded_queries(rs: ReviewSetup, django_assert_num_queries: Any, n: int,
                         what: str) -> None:
    latest = grow(rs, n)
    slug = rs.partnership.slug
    url = {"list": reviews_url(slug), "detail": review_url(slug, latest.pk),
           "engagement": engagement_url(slug)}[what]
    client = client_of(rs.manager)
    # session, user, the partnership, the rule; then the list's count and page; the detail's
    # review and its attendance; the report's three
    expected = {"list": 6, "detail": 6, "engagement": 7}[what]
    with django_assert_num_queries(expected):
        response = client.get(url, {"page_size": 100} if what == "list" else None)
    assert response.status_code == 200


# --------------------------------------------------------------------------------------------
# The schema
# --------------------------------------------------------------------------------------------

PATHS = {
    "/api/v1/partnerships/{slug}/reviews/": {"get", "post"},
    "/api/v1/partnerships/{slug}/reviews/{id}/": {"get"},
    "/api/v1/partnerships/{slug}/reviews/{id}/reschedule/": {"post"},
    "/api/v1/partnerships/{slug}/reviews/{id}/record/": {"post"},
    "/api/v1/partnerships/{slug}/reviews/{id}/cancel/": {"post"},
    "/api/v1/partnerships/{slug}/engagement/": {"get"},
}


def test_the_schema_documents_the_review_endpoints(tmp_path: Path) -> None:
    schema = generate(tmp_path)  # --validate --fail-on-warn: any warning fails
    paths = schema["paths"]
    for path, methods in PATHS.items():
        assert set(paths[path]) - {"parameters"} == methods, path
    for path in list(PATHS)[2:5]:
        assert {"200", "400", "403", "404"} <= set(paths[path]["post"]["responses"]), path
    assert {"201", "400", "403", "404"} <= set(
        paths["/api/v1/partnerships/{slug}/reviews/"]["post"]["responses"])
    components = schema["components"]["schemas"]
    assert components["ReviewStatusEnum"]["enum"] == ["planned", "held", "cancelled"]
    assert {"attendance", "overdue", "attended_count", "expected_count"} <= set(
        components["ReviewDetail"]["properties"])
    assert set(components["ReviewRecordInputRequest"]["required"]) == {"held_on",
                                                                       "attendance"}
    assert {"sent_no_one", "statutory", "rate", "quarters"} <= set(
        components["EngagementRow"]["properties"])
