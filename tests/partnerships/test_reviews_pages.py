"""The review pages: who sees what (404 for those who may not read a partnership's reviews, 403
for readers who may not act), planning, recording with every member's attendance, moving,
errors linked from the error summary with nothing lost, and bounded queries.

"Today" is 25 November 2026 (``timezone.now`` patched), unless a test says otherwise.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse

from core.models import AuditEvent
from partnerships.choices import ReviewStatus
from partnerships.models import ReviewAttendance, ReviewMeeting
from tests.accounts.factories import CommissionerFactory, PlatformAdminFactory
from tests.html import assert_good_markup, text
from tests.partnerships.factories import MembershipFactory, OrganisationFactory
from tests.partnerships.review_factories import (
    HeldReviewFactory,
    ReviewAttendanceFactory,
    ReviewMeetingFactory,
    ReviewSetup,
    at,
    review_setup,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("today")]

D = dt.date





def reviews_url(s: ReviewSetup) -> str:
    return reverse("partnerships:reviews", args=[s.partnership.slug])


def record_url(s: ReviewSetup, meeting: ReviewMeeting) -> str:
    return reverse("partnerships:review-record", args=[s.partnership.slug, meeting.pk])


def move_url(s: ReviewSetup, meeting: ReviewMeeting) -> str:
    return reverse("partnerships:review-reschedule", args=[s.partnership.slug, meeting.pk])


def cancel_url(s: ReviewSetup, meeting: ReviewMeeting) -> str:
    return reverse("partnerships:review-cancel", args=[s.partnership.slug, meeting.pk])


def counts() -> tuple[int, int, int]:
    return (ReviewMeeting.objects.count(), ReviewAttendance.objects.count(),
            AuditEvent.objects.count())


def held(s: ReviewSetup, held_on: dt.date, came: tuple[bool, ...] = (True, True, False)
         ) -> ReviewMeeting:
    meeting = HeldReviewFactory(partnership=s.partnership, planned_on=held_on)
    for org, attended in zip(s.members, came, strict=True):
        ReviewAttendanceFactory(meeting=meeting, organisation=org, attended=attended)
    return meeting


def date_data(name: str, day: dt.date | None) -> dict[str, str]:
    if day is None:
        return {f"{name}_day": "", f"{name}_month": "", f"{name}_year": ""}
    return {f"{name}_day": str(day.day), f"{name}_month": str(day.month),
            f"{name}_year": str(day.year)}


# -- access -----------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client: Any, s: ReviewSetup) -> None:
    response = client.get(reviews_url(s))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["outsider", "unfunding_commissioner"])
def test_outsiders_find_nothing(client: Any, s: ReviewSetup, who: str) -> None:
    user = CommissionerFactory() if who == "unfunding_commissioner" else s.outsider
    planned = ReviewMeetingFactory(partnership=s.partnership)
    client.force_login(user)
    for url in (reviews_url(s), record_url(s, planned), move_url(s, planned)):
        assert client.get(url).status_code == 404, url
    assert client.post(cancel_url(s, planned), {"reason": "No quorum"}).status_code == 404
    assert client.post(reviews_url(s), date_data("planned_on", D(2027, 1, 5))).status_code == 404


def test_unknown_partnership_is_404(client: Any, s: ReviewSetup) -> None:
    client.force_login(s.manager)
    assert client.get("/partnerships/no-such-partnership/reviews/").status_code == 404


def test_a_review_of_another_partnership_is_404(client: Any, s: ReviewSetup) -> None:
    other = review_setup(name="Other Partnership")
    theirs = ReviewMeetingFactory(partnership=other.partnership)
    cancelled = ReviewMeetingFactory(partnership=s.partnership, status=ReviewStatus.CANCELLED)
    client.force_login(PlatformAdminFactory())
    assert client.get(record_url(s, theirs)).status_code == 404
    assert client.get(move_url(s, theirs)).status_code == 404
    assert client.get(record_url(s, cancelled)).status_code == 404


@pytest.mark.parametrize("who", ["member_staff", "commissioner"])
def test_readers_see_the_reviews_but_cannot_act(client: Any, s: ReviewSetup,
                                                who: str) -> None:
    planned = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2027, 2, 1))
    client.force_login(getattr(s, who))
    response = client.get(reviews_url(s))
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 February 2027" in html
    assert "Record the review" not in html and "Move the review" not in html
    assert "Plan the next review" not in html
    before = counts()
    for response in (client.get(record_url(s, planned)), client.get(move_url(s, planned)),
                     client.post(record_url(s, planned), {}),
                     client.post(cancel_url(s, planned), {"reason": "No quorum"}),
                     client.post(reviews_url(s), date_data("planned_on", D(2027, 3, 5)))):
        assert response.status_code == 403
        assert "Reviews are planned and recorded by the lead partner's partnership managers" \
            in text(response.content.decode())
    assert counts() == before


def test_the_partnership_page_links_to_the_reviews_for_readers_only(client: Any,
                                                                    s: ReviewSetup) -> None:
    detail = reverse("partnerships:detail", args=[s.partnership.slug])
    client.force_login(s.member_staff)
    assert reviews_url(s) in client.get(detail).content.decode()
    client.force_login(s.outsider)
    assert reviews_url(s) not in client.get(detail).content.decode()


# -- the reviews page -------------------------------------------------------------------------


def test_manager_without_a_planned_review_sees_the_plan_form(client: Any,
                                                             s: ReviewSetup) -> None:
    client.force_login(s.manager)
    response = client.get(reviews_url(s))
    html = response.content.decode()
    assert_good_markup(html)
    page = text(html)
    assert "No review is planned." in page
    assert "Plan the next review" in page
    assert 'name="planned_on_day"' in html
    assert "No review has been recorded as held yet." in page
    assert "Partner engagement report" in page  # managers may read it


def test_manager_plans_a_review(client: Any, s: ReviewSetup) -> None:
    client.force_login(s.manager)
    response = client.post(reviews_url(s), date_data("planned_on", D(2027, 3, 5)), follow=True)
    assert response.redirect_chain == [(reviews_url(s), 302)]
    page = text(response.content.decode())
    assert "The next review is planned for 5 March 2027." in page
    assert "Plan the next review" not in page
    assert ReviewMeeting.objects.get().planned_on == D(2027, 3, 5)


@pytest.mark.parametrize(("day", "message"), [
    (None, "Enter the date of the review"),
    (D(2026, 11, 1), "The date of the review must be today or in the future."),
])
def test_a_bad_plan_is_shown_on_the_form(client: Any, s: ReviewSetup, day: dt.date | None,
                                         message: str) -> None:
    client.force_login(s.manager)
    before = counts()
    response = client.post(reviews_url(s), date_data("planned_on", day))
    assert response.status_code == 200
    html = response.content.decode()
    assert_good_markup(html)
    assert f'<a href="#id_planned_on">{message}</a>' in html
    assert html.count(message) == 2  # the summary and the field
    assert "<title>Error: " in html
    if day:
        assert 'value="2026"' in html and 'value="11"' in html  # what was typed is kept
    assert counts() == before


def test_planning_twice_says_which_review_to_change(client: Any, s: ReviewSetup) -> None:
    """A second manager's form submitted after the first planned one."""
    ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2027, 3, 5))
    client.force_login(s.manager)
    response = client.post(reviews_url(s), date_data("planned_on", D(2027, 4, 1)))
    assert ("Fellside Recovery Partnership already has a review planned on 5 March 2027; "
            "change that one instead.") in text(response.content.decode())
    assert ReviewMeeting.objects.count() == 1


def test_planned_review_on_time_and_overdue(client: Any, s: ReviewSetup) -> None:
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2026, 11, 25))
    client.force_login(s.manager)
    page = text(client.get(reviews_url(s)).content.decode())
    assert "Date 25 November 2026 Status Planned" in page
    assert "Overdue" not in page
    assert "Record the review planned for 25 November 2026" in page
    meeting.planned_on = D(2026, 11, 24)
    meeting.save()
    html = client.get(reviews_url(s)).content.decode()
    assert '<strong class="govuk-tag govuk-tag--red">Overdue — not recorded</strong>' in html


def test_held_reviews_newest_first_with_attendance(client: Any, s: ReviewSetup) -> None:
    held(s, D(2026, 5, 12), (True, True, True))
    held(s, D(2026, 8, 20), (True, False, False))
    client.force_login(s.member_staff)
    page = text(client.get(reviews_url(s)).content.decode())
    assert ("20 August 2026 1 of 3 organisations attended View the review held on 20 August "
            "2026") in page
    assert page.index("20 August 2026") < page.index("12 May 2026 3 of 3 organisations")


def test_held_reviews_are_paginated(client: Any, s: ReviewSetup) -> None:
    for n in range(12):
        held(s, D(2023, 1, 1) + dt.timedelta(days=91 * n))
    client.force_login(s.member_staff)
    first = client.get(reviews_url(s))
    assert len(first.context["page"].object_list) == 10
    assert 'class="govuk-pagination"' in first.content.decode()
    second = client.get(reviews_url(s), {"page": "2"})
    assert len(second.context["page"].object_list) == 2
    beyond = client.get(reviews_url(s), {"page": "9"})
    assert "so the last page is shown" in text(beyond.content.decode())


def test_reviews_page_costs_the_same_for_2_or_12_reviews_and_3_or_15_members(
        client: Any, s: ReviewSetup, django_assert_max_num_queries: Any) -> None:
    big = review_setup(name="Big Partnership")
    for _ in range(12):
        org = OrganisationFactory()
        MembershipFactory(partnership=big.partnership, organisation=org,
                          joined_on=D(2020, 4, 1))
    for n in range(12):
        meeting = HeldReviewFactory(partnership=big.partnership,
                                    planned_on=D(2023, 1, 1) + dt.timedelta(days=91 * n))
        for org in big.members:
            ReviewAttendanceFactory(meeting=meeting, organisation=org)
    ReviewMeetingFactory(partnership=big.partnership, planned_on=D(2027, 2, 1))
    held(s, D(2026, 5, 12))
    held(s, D(2026, 8, 12))
    ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2027, 2, 1))
    admin = PlatformAdminFactory()
    numbers = []
    for user in (s.manager, big.manager, s.commissioner, big.commissioner, admin):
        client.force_login(user)
        url = reverse("partnerships:reviews",
                      args=[(s if user in (s.manager, s.commissioner) else big)
                            .partnership.slug])
        client.get(url)  # warm the session
        # session + user, unread count, partnership, may read (member, or funder), may manage
        # (lead), planned, may read the engagement report (funder), count, page: 10 at most.
        with django_assert_max_num_queries(10) as captured:
            assert client.get(url).status_code == 200
        numbers.append(len(captured.captured_queries))
    assert numbers[0] == numbers[1] and numbers[2] == numbers[3], numbers


# -- recording ------------------------------------------------------------------------------


HELD_ON = D(2026, 11, 24)


def record_data(s: ReviewSetup, held_on: dt.date | None = HELD_ON,
                answers: dict[Any, str] | None = None, notes: str = "") -> dict[str, str]:
    answers = {s.lead: "yes", s.charity: "yes", s.statutory: "no"} if answers is None \
        else answers
    return {**date_data("held_on", held_on), "notes": notes,
            **{f"organisation_{org.pk}": value for org, value in answers.items()}}


def test_record_form_asks_about_every_current_member(client: Any, s: ReviewSetup) -> None:
    leaver = OrganisationFactory(name="Open Door Housing Advice")
    MembershipFactory(partnership=s.partnership, organisation=leaver, joined_on=D(2020, 4, 1),
                      left_on=D(2026, 1, 1))
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2026, 11, 20))
    client.force_login(s.manager)
    response = client.get(record_url(s, meeting))
    html = response.content.decode()
    assert_good_markup(html)
    page = text(html)
    assert "Planned for 20 November 2026." in page
    for org in s.members:
        assert f'name="organisation_{org.pk}"' in html
        assert org.name in page
    assert "Open Door" not in page
    assert page.count("Attended") == 3 and page.count("Sent no one") == 3
    # The planned date has come: it is suggested.
    assert 'name="held_on_day" type="text" inputmode="numeric" value="20"' in html


def test_recording_a_review(client: Any, s: ReviewSetup) -> None:
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2026, 11, 20))
    client.force_login(s.manager)
    response = client.post(record_url(s, meeting), record_data(s, notes="Pathways reviewed."),
                           follow=True)
    assert response.redirect_chain == [(reviews_url(s), 302)]
    page = text(response.content.decode())
    assert "The review was recorded as held on 24 November 2026." in page
    assert "24 November 2026 2 of 3 organisations attended" in page
    assert "Date 24 February 2027 Status Planned" in page  # the next one, a quarter on
    meeting.refresh_from_db()
    assert meeting.status == ReviewStatus.HELD and meeting.notes == "Pathways reviewed."
    assert dict(meeting.attendance.values_list("organisation_id", "attended")) == {
        s.lead.pk: True, s.charity.pk: True, s.statutory.pk: False}


def test_a_review_held_before_someone_left_asks_about_the_members_that_day(
        client: Any, s: ReviewSetup) -> None:
    leaver = OrganisationFactory(name="Open Door Housing Advice")
    MembershipFactory(partnership=s.partnership, organisation=leaver, joined_on=D(2020, 4, 1),
                      left_on=D(2026, 11, 22))  # left two days after the review was held
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2026, 11, 20))
    client.force_login(s.manager)
    assert "Open Door" not in text(client.get(record_url(s, meeting)).content.decode())
    before = counts()

    # Answered for today's members, held on the 20th: asked again, Open Door included.
    response = client.post(record_url(s, meeting), record_data(s, held_on=D(2026, 11, 20)))

    assert response.status_code == 200
    html = response.content.decode()
    assert_good_markup(html)
    assert (f'<a href="#id_organisation_{leaver.pk}">Select whether Open Door Housing Advice '
            "attended</a>") in html
    assert re.search(rf'name="organisation_{s.charity.pk}" type="radio" value="yes" checked',
                     html)  # the answers given are kept
    assert counts() == before

    answers = {s.lead: "yes", s.charity: "yes", s.statutory: "no", leaver: "no"}
    response = client.post(record_url(s, meeting),
                           record_data(s, held_on=D(2026, 11, 20), answers=answers))
    assert response.status_code == 302
    assert dict(meeting.attendance.values_list("organisation_id", "attended")) == {
        s.lead.pk: True, s.charity.pk: True, s.statutory.pk: False, leaver.pk: False}


def test_unanswered_organisations_are_errors_linked_from_the_summary(client: Any,
                                                                      s: ReviewSetup) -> None:
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2026, 11, 20))
    client.force_login(s.manager)
    before = counts()
    response = client.post(record_url(s, meeting),
                           record_data(s, answers={s.lead: "yes"}, notes="Kept notes"))
    assert response.status_code == 200
    html = response.content.decode()
    assert_good_markup(html)
    assert (f'<a href="#id_organisation_{s.charity.pk}">Select whether Brightwater Family '
            "Support attended</a>") in html
    assert f'<a href="#id_organisation_{s.statutory.pk}">' in html
    assert ">Kept notes</textarea>" in html  # nothing typed is lost
    assert 'value="yes" checked' in html
    assert 'value="24"' in html
    assert counts() == before


@pytest.mark.parametrize(("day", "message"), [
    (D(2026, 11, 26), "The date the review was held must be today or in the past"),
    (None, "Enter the date the review was held"),
])
def test_bad_held_dates_are_errors(client: Any, s: ReviewSetup, day: dt.date | None,
                                   message: str) -> None:
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2026, 11, 20))
    client.force_login(s.manager)
    before = counts()
    html = client.post(record_url(s, meeting), record_data(s, held_on=day)).content.decode()
    assert f'<a href="#id_held_on">{message}</a>' in html
    assert counts() == before


def test_an_organisation_that_joined_since_is_not_asked_about(client: Any,
                                                              s: ReviewSetup) -> None:
    """The form shows today's members; for a review held on 1 June 2026 it records the members
    of that day, so an organisation that joined in July is left out (its answer ignored)."""
    joiner = OrganisationFactory(name="Turning Tide Recovery")
    MembershipFactory(partnership=s.partnership, organisation=joiner, joined_on=D(2026, 7, 1))
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2026, 6, 1))
    client.force_login(s.manager)
    data = record_data(s, held_on=D(2026, 6, 1),
                       answers={s.lead: "yes", s.charity: "yes", s.statutory: "yes",
                                joiner: "no"})
    assert client.post(record_url(s, meeting), data).status_code == 302
    assert set(meeting.attendance.values_list("organisation_id", flat=True)) == {
        s.lead.pk, s.charity.pk, s.statutory.pk}


def test_an_action_refusal_is_shown_on_the_form(client: Any, s: ReviewSetup) -> None:
    """What the form cannot check, the action refuses, and the page shows why (here a held date
    before the partnership started)."""
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2026, 6, 1))
    client.force_login(s.manager)
    before = counts()
    html = client.post(record_url(s, meeting),
                       record_data(s, held_on=D(2019, 6, 1))).content.decode()
    assert "Fellside Recovery Partnership started on" in text(html)
    assert counts() == before


def test_a_held_review_shows_its_record(client: Any, s: ReviewSetup) -> None:
    meeting = held(s, D(2026, 8, 20), (True, True, False))
    meeting.recorded_by = s.manager
    meeting.save()
    client.force_login(s.commissioner)
    response = client.get(record_url(s, meeting))
    html = response.content.decode()
    assert_good_markup(html)
    page = text(html)
    assert "Review held on 20 August 2026" in page
    assert "Attendance 2 of 3 organisations attended" in page
    assert "Probation Service North East Statutory Sent no one" in page
    assert client.post(record_url(s, meeting), {}).status_code == 403


def test_record_form_costs_the_same_for_3_or_15_members(
        client: Any, s: ReviewSetup, django_assert_max_num_queries: Any) -> None:
    big = review_setup(name="Big Partnership")
    for _ in range(12):
        MembershipFactory(partnership=big.partnership, joined_on=D(2020, 4, 1))
    numbers = []
    for setup in (s, big):
        meeting = ReviewMeetingFactory(partnership=setup.partnership, planned_on=D(2026, 11, 20))
        client.force_login(setup.manager)
        client.get(record_url(setup, meeting))
        with django_assert_max_num_queries(8) as captured:
            assert client.get(record_url(setup, meeting)).status_code == 200
        numbers.append(len(captured.captured_queries))
    assert numbers[0] == numbers[1], numbers


def test_record_form_suggests_the_uk_day_just_after_midnight_bst(
        client: Any, s: ReviewSetup, monkeypatch: Any) -> None:
    """00:30 BST on 25 October 2026 (the day summer time ends) is 24 October in UTC."""
    at(monkeypatch, dt.datetime(2026, 10, 24, 23, 30, tzinfo=dt.UTC))
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2026, 11, 20))
    client.force_login(s.manager)
    html = client.get(record_url(s, meeting)).content.decode()
    assert 'name="held_on_day" type="text" inputmode="numeric" value="25"' in html
    response = client.post(record_url(s, meeting), record_data(s, held_on=D(2026, 10, 25)))
    assert response.status_code == 302
    assert ReviewMeeting.objects.get(pk=meeting.pk).held_on == D(2026, 10, 25)


# -- moving ---------------------------------------------------------------------------------


def test_moving_the_planned_review(client: Any, s: ReviewSetup) -> None:
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2027, 2, 1))
    client.force_login(s.manager)
    html = client.get(move_url(s, meeting)).content.decode()
    assert_good_markup(html)
    assert 'value="2027"' in html  # the current date, to change
    response = client.post(move_url(s, meeting), date_data("planned_on", D(2027, 2, 8)),
                           follow=True)
    assert "The review was moved to 8 February 2027." in text(response.content.decode())
    assert ReviewMeeting.objects.get().planned_on == D(2027, 2, 8)


def test_moving_to_a_past_date_is_an_error(client: Any, s: ReviewSetup) -> None:
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2027, 2, 1))
    client.force_login(s.manager)
    before = counts()
    html = client.post(move_url(s, meeting), date_data("planned_on", D(2026, 1, 1))).content
    assert (b'<a href="#id_planned_on">The date of the review must be today or in the future.'
            in html)
    assert counts() == before


def test_a_held_review_has_no_move_page(client: Any, s: ReviewSetup) -> None:
    meeting = held(s, D(2026, 8, 20))
    client.force_login(s.manager)
    assert client.get(move_url(s, meeting)).status_code == 404


# -- cancelling ------------------------------------------------------------------------------------


def test_a_manager_cancels_the_planned_review_saying_why(client: Any, s: ReviewSetup) -> None:
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2027, 2, 1))
    client.force_login(s.manager)
    page = client.get(move_url(s, meeting)).content.decode()
    assert_good_markup(page)
    assert "Or cancel it" in text(page)
    audits = AuditEvent.objects.count()

    response = client.post(cancel_url(s, meeting), {"reason": "  The venue closed.  "},
                           follow=True)

    assert ("The review planned for 1 February 2027 was cancelled. Plan the next one when you "
            "know its date.") in text(response.content.decode())
    assert "Plan the next review" in text(response.content.decode())
    meeting.refresh_from_db()
    assert (meeting.status, meeting.notes) == (ReviewStatus.CANCELLED,
                                               "Cancelled: The venue closed.")
    assert AuditEvent.objects.count() == audits + 1


def test_cancelling_without_a_reason_is_refused_and_keeps_the_page(client: Any,
                                                                   s: ReviewSetup) -> None:
    meeting = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2027, 2, 1))
    client.force_login(s.manager)
    before = counts()

    response = client.post(cancel_url(s, meeting), {"reason": "   "})

    assert response.status_code == 200
    html = response.content.decode()
    assert_good_markup(html)
    assert re.search(r"<title>\s*Error: Move or cancel the review", html)
    assert 'href="#id_reason"' in html and "Say why the review is cancelled" in text(html)
    assert counts() == before
    meeting.refresh_from_db()
    assert meeting.status == ReviewStatus.PLANNED


def test_only_a_planned_review_can_be_cancelled_and_only_by_post(client: Any,
                                                                 s: ReviewSetup) -> None:
    meeting = held(s, D(2026, 8, 20))
    client.force_login(s.manager)
    assert client.post(cancel_url(s, meeting), {"reason": "Late"}).status_code == 404
    planned = ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2027, 2, 1))
    assert client.get(cancel_url(s, planned)).status_code == 405
