"""The header's unread count comes with the signed-in user (accounts.backends): one query for
the user, their organisation and the count, and the right number whichever way the user came."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.backends import RegistryModelBackend
from notifications.context_processors import UNREAD_ATTRIBUTE
from notifications.models import Notification
from tests.accounts.factories import PASSWORD, ProviderStaffFactory
from tests.html import text

pytestmark = pytest.mark.django_db


def header_count(html: str) -> str:
    link = re.search(r'<a [^>]*href="/notifications/"[^>]*>(.*?)</a>', html, re.S)
    assert link
    return text(link.group(1)).strip()


def test_a_signed_in_page_costs_the_session_and_one_query_for_the_user(
        client, recipient, make_notification, django_assert_num_queries):
    make_notification()
    make_notification()
    make_notification(to=ProviderStaffFactory())  # someone else's: not counted
    client.force_login(recipient)
    # The session; the user with their organisation and unread count; the page's tokens.
    with django_assert_num_queries(3) as captured:
        response = client.get(reverse("accounts:api-tokens"))
    assert response.status_code == 200
    html = response.content.decode()
    assert header_count(html) == "Notifications 2 unread"
    assert str(recipient.organisation) in html
    user_query = captured.captured_queries[1]["sql"]
    assert "partnerships_organisation" in user_query and "count(*)" in user_query


def test_the_count_follows_reading(client, recipient, make_notification):
    first = make_notification()
    make_notification()
    client.force_login(recipient)
    assert header_count(client.get(reverse("notifications:list")).content.decode()) == \
        "Notifications 2 unread"
    response = client.get(reverse("notifications:open", args=[first.pk]))
    assert response.status_code == 302
    assert header_count(client.get(reverse("notifications:list")).content.decode()) == \
        "Notifications 1 unread"
    client.post(reverse("notifications:mark-all-read"))
    assert header_count(client.get(reverse("notifications:list")).content.decode()) == \
        "Notifications 0 unread"


def test_signing_in_counts_for_the_page_it_lands_on(client, recipient, make_notification):
    make_notification()
    response = client.post(reverse("login"), {"username": recipient.username,
                                              "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    assert header_count(response.content.decode()) == "Notifications 1 unread"


def test_the_backend_loads_the_count_and_refuses_who_modelbackend_refuses(
        recipient, make_notification):
    make_notification()
    read = make_notification()
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_on)
    backend = RegistryModelBackend()
    user = backend.get_user(recipient.pk)
    assert user == recipient and getattr(user, UNREAD_ATTRIBUTE) == 1
    assert backend.get_user(10**9) is None
    get_user_model().objects.filter(pk=recipient.pk).update(is_active=False)
    assert backend.get_user(recipient.pk) is None


def test_signing_in_and_out_still_work(client, recipient):
    assert client.login(username=recipient.username, password=PASSWORD)
    assert client.get(reverse("accounts:api-tokens")).status_code == 200
    client.post(reverse("logout"))
    response = client.get(reverse("accounts:api-tokens"))
    assert response.status_code == 302 and "/sign-in/" in response.url
