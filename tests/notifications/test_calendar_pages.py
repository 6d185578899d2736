"""The settings page's calendar section: create (shown once), replace, turn off; and the admin."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from notifications import calendar
from notifications.models import CalendarFeed
from tests.html import assert_good_markup, text

pytestmark = pytest.mark.django_db

SETTINGS = reverse("notifications:settings")
CREATE = reverse("notifications:calendar-create")
REVOKE = reverse("notifications:calendar-revoke")


@pytest.fixture
def signed_in(client, recipient):
    client.force_login(recipient)
    return client


def shown_token(html: str) -> str:
    match = re.search(r'value="[^"]*/calendar/([A-Za-z0-9_-]+)\.ics"', html)
    assert match, "the page shows the link"
    return match.group(1)


def test_without_a_link_the_page_offers_to_create_one(signed_in):
    html = signed_in.get(SETTINGS).content.decode()
    assert_good_markup(html)
    words = text(html)
    assert "Calendar subscription" in words
    assert "Create a calendar link" in words
    assert "Replace the link" not in words
    assert "a daily digest is one email at 5:30pm" in words
    assert f'action="{CREATE}"' in html


def test_creating_shows_the_link_once(signed_in, recipient, client):
    response = signed_in.post(CREATE)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert_good_markup(html)
    words = text(html)
    assert "Your calendar link" in words and "Copy it now" in words
    assert "Keep it private" in words
    assert "Outlook" in words and "Google Calendar" in words
    token = shown_token(html)
    feed = CalendarFeed.objects.get(user=recipient)
    assert feed.token_hash == calendar.hash_token(token)
    assert Client().get(f"/calendar/{token}.ics").status_code == 200

    page = signed_in.get(SETTINGS).content.decode()
    assert_good_markup(page)
    assert token not in page  # never again
    words = text(page)
    assert re.search(r"You have a calendar link created on \d{1,2} \w+ \d{4}, last used",
                     words)  # fetched just above
    assert "Replace the link" in words and "Turn off the link" in words
    assert "Create a calendar link" not in words


def test_the_page_says_when_the_link_was_last_used(signed_in):
    token = shown_token(signed_in.post(CREATE).content.decode())
    words = text(signed_in.get(SETTINGS).content.decode())
    assert re.search(r"You have a calendar link created on \d{1,2} \w+ \d{4}, not used yet",
                     words)
    Client().get(f"/calendar/{token}.ics")
    words = text(signed_in.get(SETTINGS).content.decode())
    assert re.search(r"last used \d{1,2} \w+ \d{4} at \d{1,2}:\d\d[ap]m", words)


def test_replacing_stops_the_old_link(signed_in):
    old = shown_token(signed_in.post(CREATE).content.decode())
    html = signed_in.post(CREATE).content.decode()
    assert "Your old link no longer works" in text(html)
    new = shown_token(html)
    assert new != old
    anonymous = Client()
    assert anonymous.get(f"/calendar/{old}.ics").status_code == 404
    assert anonymous.get(f"/calendar/{new}.ics").status_code == 200


def test_turning_off(signed_in):
    token = shown_token(signed_in.post(CREATE).content.decode())
    response = signed_in.post(REVOKE, follow=True)
    words = text(response.content.decode())
    assert "Your calendar link is turned off" in words
    assert "Create a calendar link" in words
    assert Client().get(f"/calendar/{token}.ics").status_code == 404
    again = signed_in.post(REVOKE, follow=True)
    assert "You have no calendar link to turn off." in text(again.content.decode())


def test_the_section_names_case_conferences_only_for_caseworkers(client, commissioner_user,
                                                                 recipient):
    def calendar_section() -> str:
        words = text(client.get(SETTINGS).content.decode())
        return words[words.index("Calendar subscription"):]

    client.force_login(recipient)
    assert "case conferences" in calendar_section()
    client.force_login(commissioner_user)
    assert "case conferences" not in calendar_section()


def test_sign_in_post_and_csrf_are_required(client, recipient):
    for url in (CREATE, REVOKE):
        response = client.post(url)
        assert response.status_code == 302 and "/sign-in/" in response.url
    client.force_login(recipient)
    assert client.get(CREATE).status_code == 405
    assert client.get(REVOKE).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(recipient)
    assert strict.post(CREATE).status_code == 403
    assert not CalendarFeed.objects.exists()


def test_the_settings_page_cost_does_not_grow_with_feeds(signed_in, recipient,
                                                         django_assert_max_num_queries):
    # The session; the user with the header's count; the email choices; the feed.
    with django_assert_max_num_queries(4) as before:
        signed_in.get(SETTINGS)
    without_link = len(before.captured_queries)  # read now: each request resets the log
    for _ in range(3):
        signed_in.post(CREATE)
    with django_assert_max_num_queries(without_link):
        signed_in.get(SETTINGS)


def test_platform_admins_see_feeds_read_only_without_the_hash(client, admin_user, recipient):
    signed = Client()
    signed.force_login(recipient)
    signed.post(CREATE)
    feed = CalendarFeed.objects.get()
    client.force_login(admin_user)
    changelist = client.get(reverse("admin:notifications_calendarfeed_changelist"))
    assert changelist.status_code == 200
    change_url = reverse("admin:notifications_calendarfeed_change", args=[feed.pk])
    change = client.get(change_url)
    assert change.status_code == 200
    for response in (changelist, change):
        assert feed.token_hash not in response.content.decode()
    assert client.post(change_url, {"revoked_at": ""}).status_code == 403
    assert client.get(reverse("admin:notifications_calendarfeed_add")).status_code == 403
    client.force_login(recipient)
    response = client.get(reverse("admin:notifications_calendarfeed_changelist"))
    assert response.status_code == 302
