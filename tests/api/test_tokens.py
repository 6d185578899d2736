"""Hashed API tokens on the API: what authenticates and what is refused (401 with a challenge),
and that every use is logged as that token (case reads, audited changes, last used)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.actions import api_token_create, api_token_revoke
from accounts.models import ApiToken
from core.authentication import current_api_token_id
from core.models import AuditEvent
from referrals.models import CaseAccess
from tests.accounts.factories import ProviderStaffFactory, api_token_for
from tests.referrals.helpers import client_of

pytestmark = pytest.mark.django_db

CHALLENGE = 'Token realm="api"'


def with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def assert_401(response, detail: str) -> None:
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == CHALLENGE
    assert response.json() == {"detail": detail}


def test_a_token_authenticates_as_its_user_with_the_token_as_request_auth():
    user = ProviderStaffFactory()
    token, key = api_token_create(user=user, name="Case system")
    response = with_key(key).get(reverse("notification-list"))
    assert response.status_code == 200
    assert response.wsgi_request.user == user
    # DRF's request.auth is the token itself (the view's Request wraps wsgi_request).
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_no_credentials_is_401_with_a_challenge():
    assert_401(APIClient().get(reverse("organisation-list")),
               "Authentication credentials were not provided.")


@pytest.mark.parametrize("header", [
    "Token " + "0" * 40,  # an old DRF token: they no longer work
    "Token 0123abcd." + "A" * 43,  # our shape, unknown key
    "Token not-a-token",
    "token " + "f" * 40,
])
def test_an_unknown_or_old_token_is_401(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert_401(client.get(reverse("organisation-list")), "Invalid token.")


@pytest.mark.parametrize("header", ["Token", "Token a b"])
def test_a_malformed_header_is_401(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(reverse("organisation-list"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == CHALLENGE


def test_a_drf_token_row_key_is_not_a_credential_any_more():
    """The key column is gone: what is stored (the digest) does not authenticate either."""
    token, _key = api_token_create(user=ProviderStaffFactory(), name="Case system")
    assert_401(with_key(token.digest).get(reverse("organisation-list")), "Invalid token.")


def test_a_revoked_token_is_401():
    user = ProviderStaffFactory()
    token, key = api_token_create(user=user, name="Case system")
    client = with_key(key)
    assert client.get(reverse("organisation-list")).status_code == 200
    api_token_revoke(token=token, by=user)
    assert_401(client.get(reverse("organisation-list")), "This token has been revoked.")


def test_an_expired_token_is_401_from_its_expiry_day():
    user = ProviderStaffFactory()
    token, key = api_token_create(user=user, name="Case system")
    today = timezone.localdate()
    ApiToken.objects.filter(pk=token.pk).update(expires_on=today + datetime.timedelta(days=1))
    assert with_key(key).get(reverse("organisation-list")).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_on=today)
    assert_401(with_key(key).get(reverse("organisation-list")),
               "This token has expired. Create a new one on your API tokens page.")


def test_a_token_of_a_switched_off_user_is_401():
    user = ProviderStaffFactory()
    _token, key = api_token_create(user=user, name="Case system")
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert_401(with_key(key).get(reverse("organisation-list")), "User inactive or deleted.")


def test_signed_in_but_not_allowed_stays_403():
    """Only missing or bad credentials are 401: a known user who may not is refused with 403."""
    from tests.partnerships.review_factories import review_setup

    rs = review_setup()  # a member's staff may read the reviews, not plan one
    _token, key = api_token_create(user=rs.member_staff, name="Case system")
    url = reverse("review-list", kwargs={"slug": rs.partnership.slug})
    for client in (with_key(key), client_of(rs.member_staff)):
        response = client.post(url, {"planned_on": "2030-02-24"}, format="json")
        assert response.status_code == 403, response.content
        assert "WWW-Authenticate" not in response


def test_last_used_is_written_at_most_once_a_minute():
    user = ProviderStaffFactory()
    token, key = api_token_create(user=user, name="Case system")
    url = reverse("organisation-list")
    recent = timezone.now() - datetime.timedelta(seconds=30)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=recent)
    with_key(key).get(url)
    token.refresh_from_db()
    assert token.last_used_at == recent
    stale = timezone.now() - datetime.timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=stale)
    with_key(key).get(url)
    token.refresh_from_db()
    assert token.last_used_at > stale


def test_a_case_read_through_a_token_is_logged_as_that_token(world):
    officer = world.cw.officer  # the lead agency's caseworker
    token, key = api_token_create(user=officer, name="Probation case system")
    client = with_key(key)
    url = reverse("case-detail", kwargs={"reference": world.case.reference})
    assert client.get(url).status_code == 200
    read = CaseAccess.objects.filter(case=world.case).latest("pk")
    assert (read.user, read.channel, read.api_token) == (officer, "api", token)

    # A read by the same user signed in on the page is not put down to the token.
    page = client_of(officer)
    page.get(reverse("referrals:case", kwargs={"reference": world.case.reference}))
    assert CaseAccess.objects.filter(case=world.case).latest("pk").api_token is None

    log = client.get(reverse("case-access-log", kwargs={"reference": world.case.reference}))
    rows = log.json()["results"]
    assert rows[-1]["api_token"] == {"name": "Probation case system", "prefix": token.prefix}
    assert rows[0]["api_token"] is None
    html = page.get(reverse("referrals:access-log",
                            kwargs={"reference": world.case.reference})).content.decode()
    assert "via API token ‘Probation case system’" in html
    assert key not in log.content.decode() and key not in html


def test_a_change_through_a_token_is_audited_as_that_token(world):
    officer = world.cw.officer
    token, key = api_token_create(user=officer, name="Probation case system")
    url = reverse("case-detail", kwargs={"reference": world.case.reference})
    before = AuditEvent.objects.count()
    response = with_key(key).patch(url, {"seriousness": "high"}, format="json")
    assert response.status_code == 200, response.content
    events = AuditEvent.objects.order_by("pk")[before:]
    assert events, "the change wrote no audit row"
    assert {(e.actor, e.api_token) for e in events} == {(officer, token)}


def test_the_token_is_forgotten_when_the_request_ends(world):
    """The next request on the same thread (here: a session write) is not put down to it."""
    officer = world.cw.officer
    _token, key = api_token_create(user=officer, name="Probation case system")
    url = reverse("case-detail", kwargs={"reference": world.case.reference})
    assert with_key(key).get(url).status_code == 200
    assert current_api_token_id() is None
    before = AuditEvent.objects.count()
    response = client_of(officer).patch(url, {"seriousness": "high"}, format="json")
    assert response.status_code == 200, response.content
    assert {e.api_token_id for e in AuditEvent.objects.order_by("pk")[before:]} == {None}


def test_a_token_issued_directly_still_needs_a_live_user():
    user = ProviderStaffFactory(is_active=False)
    _token, key = api_token_for(user)
    assert with_key(key).get(reverse("organisation-list")).status_code == 401
