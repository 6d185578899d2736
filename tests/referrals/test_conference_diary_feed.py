"""The conference diary's iCalendar feed (issue 16): an organisation-scope secret link that its
caseworkers create, replace and turn off; the feed parses with ``icalendar``, holds the
organisation's conferences (all-day, or timed in UK time once a time is set), names the case
reference only, and a revoked or another organisation's token shows nothing of it."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import icalendar
import pytest
from django.urls import reverse

from core.models import AuditEvent
from notifications.calendar import hash_token
from referrals import actions
from referrals.choices import ConferenceStatus
from referrals.models import ConferenceDiaryFeed
from tests.referrals.factories import (
    CaseConferenceFactory,
    days,
    open_case,
    send_referral,
)
from tests.referrals.helpers import get, post

pytestmark = pytest.mark.django_db

DIARY = "/casework/conferences/"
CREATE = "/casework/conferences/calendar/create/"
TURN_OFF = "/casework/conferences/calendar/turn-off/"


def fetch(client, token):
    client.logout()  # calendar programs have no session
    return client.get(reverse("referrals:conference-diary-feed", args=[token]))


def parsed(response) -> icalendar.Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def events(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(e["summary"]): e for e in calendar.walk("VEVENT")}


def token_from(response) -> str:
    url = re.search(r'id="calendar-url"[^>]*value="([^"]+)"', response.content.decode()).group(1)
    assert url.startswith("http") and "/calendar/conferences/" in url
    return url.rsplit("/", 1)[1].removesuffix(".ics")


def test_a_caseworker_creates_the_link_and_the_feed_holds_the_conferences(client, s):
    case = open_case(s, initials="ZQ")
    case.conferences.all().delete()
    send_referral(s, case)
    all_day = CaseConferenceFactory(case=case, kind="joint", planned_on=days(5))
    timed = CaseConferenceFactory(case=case, kind="start", planned_on=days(12),
                                  planned_time=datetime.time(10, 30))
    CaseConferenceFactory(case=case, kind="middle", planned_on=days(70))  # beyond 8 weeks
    CaseConferenceFactory(case=case, kind="end", planned_on=days(6),
                          status=ConferenceStatus.MISSED)
    response = post(client, s.officer, CREATE, status=200)
    assert "no-store" in response["Cache-Control"]
    token = token_from(response)
    feed = ConferenceDiaryFeed.objects.get()
    assert feed.organisation == s.probation and feed.token_hash == hash_token(token)

    calendar = parsed(fetch(client, token))
    found = events(calendar)
    assert set(found) == {f"Joint case meeting: case {case.reference}",
                          f"Three-way meeting: start of order: case {case.reference}"}
    joint = found[f"Joint case meeting: case {case.reference}"]
    assert joint.decoded("dtstart") == all_day.planned_on  # an all-day DATE
    assert joint.decoded("dtend") == all_day.planned_on + datetime.timedelta(days=1)
    start = found[f"Three-way meeting: start of order: case {case.reference}"]
    london = zoneinfo.ZoneInfo("Europe/London")
    assert start.decoded("dtstart") == datetime.datetime.combine(
        timed.planned_on, datetime.time(10, 30), tzinfo=london)
    assert start.decoded("dtstart").utcoffset() == london.utcoffset(
        datetime.datetime.combine(timed.planned_on, datetime.time(10, 30)))
    assert calendar.walk("VTIMEZONE")  # the time zone travels with the feed
    assert str(joint["url"]).endswith(f"/casework/cases/{case.reference}/")
    # The case reference only: never the person's initials or reference, nor the token.
    body = fetch(client, token).content.decode()
    assert "ZQ" not in body and case.person.reference not in body and token not in body
    assert "Recovery" not in body and "Probation" not in body


def test_the_provider_involved_by_referral_gets_the_case_in_its_own_feed(client, s):
    case = open_case(s)
    case.conferences.all().delete()
    send_referral(s, case)
    CaseConferenceFactory(case=case, planned_on=days(5))
    token = token_from(post(client, s.worker, CREATE, status=200))
    assert case.reference in fetch(client, token).content.decode()


def test_another_organisations_token_does_not_leak_events(client, s):
    ours = open_case(s)  # probation leads it; the provider is not involved
    CaseConferenceFactory(case=ours, planned_on=days(5))
    theirs = token_from(post(client, s.worker, CREATE, status=200))
    calendar = parsed(fetch(client, theirs))
    assert calendar.walk("VEVENT") == []
    assert ours.reference not in fetch(client, theirs).content.decode()


def test_replace_and_turn_off(client, s):
    first = token_from(post(client, s.officer, CREATE, status=200))
    assert fetch(client, first).status_code == 200
    # Another caseworker of the same organisation replaces it: the organisation's, not theirs.
    colleague = type(s.officer).objects.create(username="colleague", role=s.officer.role,
                                               organisation=s.probation)
    response = post(client, colleague, CREATE, status=200)
    assert "The old link no longer works" in response.content.decode()
    second = token_from(response)
    assert fetch(client, first).status_code == 404
    assert fetch(client, second).status_code == 200
    assert ConferenceDiaryFeed.objects.filter(revoked_at__isnull=True).count() == 1
    html = get(client, s.officer, DIARY)
    assert "Replace the link" in html and "Turn off the link" in html

    response = post(client, s.officer, TURN_OFF, status=302)
    assert response["Location"] == DIARY
    revoked = fetch(client, second)
    assert revoked.status_code == 404
    assert revoked.content == b"Not found"
    assert "Create a calendar link" in get(client, s.officer, DIARY)
    assert actions.diary_feed_revoke(by=s.officer) == 0


@pytest.mark.parametrize("token", ["nope", "x" * 43, "a/b", "A" * 200])
def test_unknown_or_malformed_tokens_get_a_plain_404(client, s, token):
    response = client.get(f"/calendar/conferences/{token}.ics")
    assert response.status_code == 404
    assert case_free(response.content.decode())


def case_free(body: str) -> bool:
    return "VEVENT" not in body and "VCALENDAR" not in body


@pytest.mark.parametrize("who", ["commissioner", "admin"])
def test_only_caseworkers_create_or_turn_off_the_link(client, s, who):
    user = getattr(s, who)
    post(client, user, CREATE, status=403)
    post(client, user, TURN_OFF, status=403)
    assert not ConferenceDiaryFeed.objects.exists()


def test_create_and_turn_off_are_audited_without_the_token(client, s):
    token = actions.diary_feed_create(by=s.officer)
    actions.diary_feed_revoke(by=s.officer)
    feed = ConferenceDiaryFeed.objects.get()
    rows = list(AuditEvent.objects.filter(summary__contains="conference diary").order_by("id"))
    assert [(e.action, e.actor_id) for e in rows] == [("create", s.officer.pk),
                                                      ("update", s.officer.pk)]
    for row in rows:
        written = f"{row.changes} {row.object_repr} {row.summary}"
        assert token not in written and feed.token_hash not in written


def test_the_feed_costs_the_same_for_few_and_many(client, s, django_assert_max_num_queries):
    for i in range(10):
        case = open_case(s)
        CaseConferenceFactory(case=case, planned_on=days(1 + i))
    token = actions.diary_feed_create(by=s.officer)
    client.logout()
    # The feed, last used, the conferences (with their cases).
    with django_assert_max_num_queries(4):
        response = client.get(reverse("referrals:conference-diary-feed", args=[token]))
    assert len(parsed(response).walk("VEVENT")) >= 10


def test_the_diary_page_says_when_the_link_was_last_used(client, s):
    token = actions.diary_feed_create(by=s.officer)
    assert "not used yet" in get(client, s.officer, DIARY)
    fetch(client, token)
    assert ConferenceDiaryFeed.objects.get().last_used_at is not None
    assert "last used" in get(client, s.officer, DIARY)
