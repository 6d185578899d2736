"""The private calendar feed: what it holds (and never holds), the iCalendar text, the token's
lifecycle and the bad tokens, and its cost."""

from __future__ import annotations

import datetime
import logging
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from core.models import AuditEvent
from notifications import actions, calendar
from notifications.models import CalendarFeed
from partnerships.choices import ReviewStatus
from partnerships.models import ReviewMeeting
from referrals.choices import CaseStatus, ConferenceStatus
from tests.accounts.factories import CommissionerFactory, ProviderStaffFactory, UserFactory
from tests.concurrency import at_once
from tests.partnerships.factories import (
    EndedMembershipFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
)
from tests.referrals.factories import (
    CaseConferenceFactory,
    CaseFactory,
    LeadAgencyFactory,
    PersonFactory,
    PersonIdentifierFactory,
    ReferralFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 3, 20)  # ten days before the clocks go forward (30 March 2025)


def d(n: int, start: datetime.date = TODAY) -> datetime.date:
    return start + datetime.timedelta(days=n)


@pytest.fixture
def world():
    """An organisation in a partnership, its caseworker, and an open case it leads, whose
    person has initials, a year of birth and a prison number that must never reach a feed."""
    organisation = OrganisationFactory(name="Northshire Recovery Services")
    partnership = PartnershipFactory(name="Northshire Reducing Reoffending Partnership",
                                     slug="northshire-rrp")
    MembershipFactory(partnership=partnership, organisation=organisation)
    person = PersonFactory(initials="ZS", year_of_birth=1911)
    PersonIdentifierFactory(person=person, value="A9876ZZ")
    case = CaseFactory(person=person, partnership=partnership,
                       order_starts_on=datetime.date(2024, 6, 1),
                       order_ends_on=datetime.date(2027, 6, 1))
    LeadAgencyFactory(case=case, organisation=organisation,
                      starts_on=datetime.date(2024, 6, 1))
    user = ProviderStaffFactory(organisation=organisation)
    return {"organisation": organisation, "partnership": partnership, "case": case,
            "person": person, "user": user}


def review(partnership, planned_on, status=ReviewStatus.PLANNED, held_on=None):
    return ReviewMeeting.objects.create(partnership=partnership, planned_on=planned_on,
                                        status=status, held_on=held_on)


def uids(events):
    return [event.uid for event in events]


# -- the iCalendar text ------------------------------------------------------------------------


def test_text_values_are_escaped():
    assert calendar.escape_text("a\\b;c,d\ne\r\nf") == "a\\\\b\\;c\\,d\\ne\\nf"


@pytest.mark.parametrize("line", [
    "SUMMARY:" + "x" * 200,
    "SUMMARY:" + "é" * 100,        # two octets each: never split between them
    "SUMMARY:" + "Review – " * 30,  # a three-octet dash among ASCII
])
def test_long_lines_fold_at_75_octets_and_unfold_to_the_original(line):
    folded = calendar.fold(line)
    physical = folded.split("\r\n")
    assert len(physical) > 1
    assert all(len(part.encode("utf-8")) <= 75 for part in physical)
    assert all(part.startswith(" ") for part in physical[1:])
    assert folded.replace("\r\n ", "") == line


def test_short_lines_are_not_folded():
    assert calendar.fold("VERSION:2.0") == "VERSION:2.0"


def test_the_calendar_text_follows_rfc_5545_basics(world):
    name = "Reducing Reoffending; Northshire, Westshire \\ Eastshire partnership " * 2
    world["partnership"].name = name.strip()
    world["partnership"].save()
    review(world["partnership"], d(10))
    ics = calendar.ics_text(calendar.events_for(world["user"], TODAY))
    assert ics.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert ics.endswith("END:VCALENDAR\r\n")
    assert "\n" not in ics.replace("\r\n", "")  # CRLF only
    assert "\r" not in ics.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))
    assert "X-WR-CALNAME:Partnership Registry meetings\r\n" in ics
    unfolded = ics.replace("\r\n ", "")
    assert ("SUMMARY:Partnership review: Reducing Reoffending\\; Northshire\\, Westshire \\\\ "
            "Eastshire partnership") in unfolded
    meeting = ReviewMeeting.objects.get()
    assert f"UID:review-{meeting.pk}@partnership-registry\r\n" in unfolded
    assert "DTSTART;VALUE=DATE:20250330\r\n" in unfolded
    assert "DTEND;VALUE=DATE:20250331\r\n" in unfolded
    assert re.search(r"\r\nDTSTAMP:\d{8}T\d{6}Z\r\n", unfolded)
    assert re.search(r"\r\nURL:https?://[^/\r]+/partnerships/northshire-rrp/reviews/\r\n",
                     unfolded)
    assert unfolded.count("BEGIN:VEVENT") == unfolded.count("END:VEVENT") == 1


# -- which meetings ----------------------------------------------------------------------------


def test_reviews_of_the_users_current_partnerships_within_the_window(world):
    partnership = world["partnership"]
    planned = review(partnership, d(400))                      # last day of the window
    held = review(partnership, d(-100), ReviewStatus.HELD, held_on=d(-90))  # first day
    review(partnership, d(-95), ReviewStatus.HELD, held_on=d(-91))   # held before the window
    review(partnership, d(-30), ReviewStatus.CANCELLED)               # cancelled: dropped
    other = PartnershipFactory()
    review(other, d(5))                                               # not a member
    left = PartnershipFactory()
    EndedMembershipFactory(partnership=left, organisation=world["organisation"])
    review(left, d(5))                                                # no longer a member
    events = calendar.events_for(world["user"], TODAY)
    assert uids(events) == [f"review-{held.pk}@partnership-registry",
                            f"review-{planned.pk}@partnership-registry"]
    assert events[0].day == d(-90)  # a held review shows the day it was held
    assert "Held on" in events[0].description
    ReviewMeeting.objects.filter(pk=planned.pk).update(planned_on=d(401))
    assert len(calendar.events_for(world["user"], TODAY)) == 1


def test_quarter_boundary_days_stay_on_their_days(world):
    """A review on the last day of a quarter and the next on the first day of the next."""
    first = review(world["partnership"], datetime.date(2025, 3, 31), ReviewStatus.HELD,
                   held_on=datetime.date(2025, 3, 31))
    second = review(world["partnership"], datetime.date(2025, 4, 1))
    ics = calendar.ics_text(calendar.events_for(world["user"], TODAY)).replace("\r\n ", "")
    assert re.search(rf"UID:review-{first.pk}@[^\r]*\r\nDTSTAMP:[^\r]*\r\n"
                     r"DTSTART;VALUE=DATE:20250331\r\n", ics)
    assert re.search(rf"UID:review-{second.pk}@[^\r]*\r\nDTSTAMP:[^\r]*\r\n"
                     r"DTSTART;VALUE=DATE:20250401\r\n", ics)


def test_conferences_of_open_cases_the_organisation_is_involved_in(world):
    case = world["case"]
    planned = CaseConferenceFactory(case=case, kind="start", planned_on=d(3))
    held = CaseConferenceFactory(case=case, kind="joint", planned_on=d(-10),
                                 status=ConferenceStatus.HELD, held_on=d(-8))
    CaseConferenceFactory(case=case, planned_on=d(4), status=ConferenceStatus.CANCELLED)
    CaseConferenceFactory(case=case, planned_on=d(-4), status=ConferenceStatus.MISSED)
    CaseConferenceFactory(case=case, planned_on=d(-91))                 # before the window
    uninvolved = CaseFactory(partnership=world["partnership"])
    CaseConferenceFactory(case=uninvolved, planned_on=d(3))             # not their case
    closed = CaseFactory(partnership=world["partnership"], status=CaseStatus.CLOSED,
                         closed_on=d(-1))
    LeadAgencyFactory(case=closed, organisation=world["organisation"],
                      starts_on=datetime.date(2024, 6, 1))
    CaseConferenceFactory(case=closed, planned_on=d(3))                 # closed case
    events = calendar.events_for(world["user"], TODAY)
    assert uids(events) == [f"conference-{held.pk}@partnership-registry",
                            f"conference-{planned.pk}@partnership-registry"]
    assert events[0].day == d(-8)
    assert events[1].summary == f"Three-way meeting: start of order: case {case.reference}"
    assert events[1].url.endswith(f"/casework/cases/{case.reference}/")


def test_a_case_involving_the_organisation_by_an_open_referral_counts(world):
    other_org = OrganisationFactory()
    case = CaseFactory(partnership=world["partnership"])
    LeadAgencyFactory(case=case, organisation=other_org, starts_on=datetime.date(2024, 6, 1))
    ReferralFactory(case=case, from_organisation=other_org,
                    to_organisation=world["organisation"])
    conference = CaseConferenceFactory(case=case, planned_on=d(3))
    assert f"conference-{conference.pk}@partnership-registry" in uids(
        calendar.events_for(world["user"], TODAY))


@pytest.mark.parametrize("role", [Role.COMMISSIONER, Role.PLATFORM_ADMIN])
def test_only_caseworkers_get_conferences(world, role):
    CaseConferenceFactory(case=world["case"], planned_on=d(3))
    meeting = review(world["partnership"], d(5))
    user = UserFactory(role=role, organisation=world["organisation"])
    assert uids(calendar.events_for(user, TODAY)) == [f"review-{meeting.pk}@partnership-registry"]


def test_a_user_without_an_organisation_gets_an_empty_calendar(world):
    review(world["partnership"], d(5))
    user = UserFactory(role=Role.PLATFORM_ADMIN, organisation=None)
    assert calendar.events_for(user, TODAY) == []
    assert "BEGIN:VEVENT" not in calendar.ics_text([])


def test_a_conference_on_the_day_the_clocks_go_forward_stays_on_that_day(world):
    """30 March 2025, BST starts at 01:00 UTC: an all-day DATE event has no time to shift."""
    conference = CaseConferenceFactory(case=world["case"], planned_on=datetime.date(2025, 3, 30))
    autumn = CaseConferenceFactory(case=world["case"], planned_on=datetime.date(2025, 10, 26))
    ics = calendar.ics_text(calendar.events_for(world["user"], TODAY)).replace("\r\n ", "")
    for pk, start, end in ((conference.pk, "20250330", "20250331"),
                           (autumn.pk, "20251026", "20251027")):
        block = re.search(rf"UID:conference-{pk}@.*?END:VEVENT", ics, re.S).group(0)
        assert f"DTSTART;VALUE=DATE:{start}\r\n" in block
        assert f"DTEND;VALUE=DATE:{end}\r\n" in block
        assert "TZID" not in block and "T000000" not in block


def test_the_feed_holds_no_personal_data(client, world):
    case, person = world["case"], world["person"]
    CaseConferenceFactory(case=case, planned_on=timezone.localdate())
    token = actions.calendar_feed_create(user=world["user"])
    ics = client.get(reverse("notifications:calendar-feed", args=[token])).content.decode()
    assert case.reference in ics
    for personal in (r"\bZS\b", r"\b1911\b", "A9876ZZ", re.escape(person.reference),
                     re.escape(world["user"].username), re.escape(world["user"].email)):
        assert not re.search(personal, ics), personal
    assert token not in ics


# -- the token's lifecycle ---------------------------------------------------------------------


def fetch(client, token):
    return client.get(reverse("notifications:calendar-feed", args=[token]))


def test_create_replace_revoke(client, world):
    user = world["user"]
    review(world["partnership"], timezone.localdate() + datetime.timedelta(days=3))
    first = actions.calendar_feed_create(user=user)
    assert len(first) >= 43 and re.fullmatch(r"[A-Za-z0-9_-]+", first)
    feed = CalendarFeed.objects.get()
    assert feed.token_hash == calendar.hash_token(first) and first not in feed.token_hash
    response = fetch(client, first)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith("inline")
    assert response["Cache-Control"] == "private, max-age=900"
    assert "Partnership review: Northshire Reducing Reoffending Partnership" in \
        response.content.decode().replace("\r\n ", "")

    second = actions.calendar_feed_create(user=user)   # replace
    assert fetch(client, first).status_code == 404
    assert fetch(client, second).status_code == 200
    assert CalendarFeed.objects.filter(revoked_at__isnull=True).count() == 1

    assert actions.calendar_feed_revoke(user=user) == 1
    assert fetch(client, second).status_code == 404
    assert actions.calendar_feed_revoke(user=user) == 0  # none live: nothing changes


def test_create_and_revoke_are_audited_without_the_token(world):
    user = world["user"]
    token = actions.calendar_feed_create(user=user)
    actions.calendar_feed_revoke(user=user)
    feed = CalendarFeed.objects.get()
    events = list(AuditEvent.objects.order_by("id"))
    assert [(e.action, e.summary, e.actor_id) for e in events] == [
        ("create", "Created a calendar link", user.pk),
        ("update", "Turned off a calendar link", user.pk)]
    for event in events:
        written = f"{event.changes} {event.object_repr} {event.summary}"
        assert token not in written and feed.token_hash not in written
        assert "token_hash" not in event.changes


def test_last_used_is_recorded_at_most_once_a_minute(client, world):
    token = actions.calendar_feed_create(user=world["user"])
    feed = CalendarFeed.objects.get()
    assert feed.last_used_at is None
    fetch(client, token)
    feed.refresh_from_db()
    first_use = feed.last_used_at
    assert first_use is not None
    fetch(client, token)
    feed.refresh_from_db()
    assert feed.last_used_at == first_use
    CalendarFeed.objects.update(last_used_at=first_use - datetime.timedelta(minutes=2))
    fetch(client, token)
    feed.refresh_from_db()
    assert feed.last_used_at > first_use - datetime.timedelta(minutes=2)


def test_a_user_no_longer_active_gets_404(client, world):
    token = actions.calendar_feed_create(user=world["user"])
    world["user"].is_active = False
    world["user"].save()
    assert fetch(client, token).status_code == 404


def test_a_token_with_a_control_character_is_refused_before_any_lookup(client, world, caplog):
    # NUL can never be in a token, so refusing it (centrally, as everywhere) reveals nothing.
    live = actions.calendar_feed_create(user=world["user"])
    caplog.set_level(logging.DEBUG)
    response = client.get(f"/calendar/{live[:-1]}%00.ics")
    assert response.status_code == 400
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert live[:-1] not in logged


@pytest.mark.parametrize("token", [
    "unknown-but-well-formed-token-000000000000000",
    "short",
    "a" * 129,
    "abc!def$ghi*" * 4,
    "ünïcödé" * 7,
    "abc def ghi jkl mno pqr stu vwx yz0 123 456",
])
def test_bad_tokens_get_the_same_plain_404_and_nothing_logged(client, world, token, caplog):
    live = actions.calendar_feed_create(user=world["user"])
    revoked = actions.calendar_feed_create(user=world["user"])
    actions.calendar_feed_revoke(user=world["user"])
    caplog.set_level(logging.DEBUG)
    answers = []
    for candidate in (token, live, revoked):  # ``live`` was replaced by ``revoked``
        response = client.get(f"/calendar/{candidate}.ics")
        answers.append((response.status_code, response.content, response["Content-Type"]))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 404 and answers[0][1] == b"Not found"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for candidate in (live, revoked):
        assert candidate not in logged


def test_a_feed_is_only_fetched(client, world):
    token = actions.calendar_feed_create(user=world["user"])
    assert client.head(reverse("notifications:calendar-feed", args=[token])).status_code == 200
    assert client.post(reverse("notifications:calendar-feed", args=[token])).status_code == 405


def test_a_non_user_cannot_create_a_feed(world):
    from django.contrib.auth.models import AnonymousUser

    from core.errors import DomainError

    with pytest.raises(DomainError):
        actions.calendar_feed_create(user=AnonymousUser())
    assert not CalendarFeed.objects.exists()


# -- cost --------------------------------------------------------------------------------------


def test_fixed_number_of_queries_whatever_the_number_of_meetings(client, world,
                                                                 django_assert_num_queries):
    token = actions.calendar_feed_create(user=world["user"])
    soon = timezone.localdate() + datetime.timedelta(days=3)

    def count_queries():
        CalendarFeed.objects.update(last_used_at=None)
        with django_assert_num_queries(4) as captured:  # feed, last used, reviews, conferences
            response = fetch(client, token)
        assert response.status_code == 200
        return len(captured.captured_queries), response.content.decode().count("BEGIN:VEVENT")

    review(world["partnership"], soon)
    CaseConferenceFactory(case=world["case"], planned_on=soon)
    small = count_queries()
    for n in range(6):
        partnership = PartnershipFactory()
        MembershipFactory(partnership=partnership, organisation=world["organisation"])
        review(partnership, soon + datetime.timedelta(days=n))
        CaseConferenceFactory(case=world["case"], planned_on=soon + datetime.timedelta(days=n))
    large = count_queries()
    assert small[1] == 2 and large[1] == 14
    assert small[0] == large[0]


def test_a_commissioners_feed_skips_the_conference_query(client, world,
                                                         django_assert_max_num_queries):
    review(world["partnership"], timezone.localdate() + datetime.timedelta(days=3))
    user = CommissionerFactory(organisation=world["organisation"])
    token = actions.calendar_feed_create(user=user)
    with django_assert_max_num_queries(5):  # + the permission lookup of a non-caseworker
        response = fetch(client, token)
    assert response.content.decode().count("BEGIN:VEVENT") == 1


# -- two creates at once -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_creates_at_once_leave_one_live_feed(world):
    """A double click: both requests race for the one live feed the database allows; both
    finish and exactly one link works (PostgreSQL: SQLite serialises writers anyway)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    # An earlier transactional test's flush may have re-created the content types under new
    # ids; the audit rows written from the threads must not use the process's stale cache.
    ContentType.objects.clear_cache()
    user = world["user"]
    tokens = at_once(lambda: actions.calendar_feed_create(user=user))
    assert len(tokens) == 2
    live = CalendarFeed.objects.filter(user=user, revoked_at__isnull=True)
    assert live.count() == 1
    assert live.get().token_hash in {calendar.hash_token(t) for t in tokens}
