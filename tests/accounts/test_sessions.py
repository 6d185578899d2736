"""Sessions live in PostgreSQL with no cache in front (config/settings/base.py, ADR 0024):
signing out ends the session for every copy of its cookie, whatever state Redis is in, and a
deleted session is refused."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from tests.accounts.factories import PASSWORD, ProviderStaffFactory

pytestmark = pytest.mark.django_db

TOKENS = reverse("accounts:api-tokens")


def signed_in_client() -> Client:
    user = ProviderStaffFactory()
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_sessions_are_stored_in_the_database_only():
    # A cache in front (cached_db) would let a sign-out made while Redis is down be undone.
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


def test_a_signed_in_page_costs_the_session_the_user_and_its_own_query(
        django_assert_num_queries):
    client = signed_in_client()
    with django_assert_num_queries(3):  # session; user with organisation and count; tokens
        assert client.get(TOKENS).status_code == 200


def test_signing_out_ends_the_session_for_a_copy_of_the_cookie():
    client = signed_in_client()
    assert client.get(TOKENS).status_code == 200
    copy = Client()
    copy.cookies = client.cookies.__class__(client.cookies)  # the same session cookie
    assert copy.get(TOKENS).status_code == 200
    client.post(reverse("logout"))
    response = copy.get(TOKENS)
    assert response.status_code == 302 and "/sign-in/" in response.url


def test_a_deleted_session_is_refused():
    client = signed_in_client()
    key = client.cookies["sessionid"].value
    Session.objects.filter(session_key=key).delete()
    response = client.get(TOKENS)
    assert response.status_code == 302 and "/sign-in/" in response.url
