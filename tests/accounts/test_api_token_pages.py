"""The API tokens page (each user's own tokens) and the admin's token list: the key is shown
once, at creation, and never again anywhere; someone else's token is a 404; platform admins
revoke in the admin but can neither read nor set a key there."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.actions import api_token_create
from accounts.models import ApiToken
from core.models import AuditEvent
from tests.accounts.factories import (
    CommissionerFactory,
    PartnershipManagerFactory,
    PlatformAdminFactory,
    ProviderStaffFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("accounts:api-tokens")
NEW = reverse("accounts:api-token-new")
ROLES = {"provider_staff": ProviderStaffFactory, "partnership_manager": PartnershipManagerFactory,
         "commissioner": CommissionerFactory, "platform_admin": PlatformAdminFactory}


def revoke_url(token: ApiToken) -> str:
    return reverse("accounts:api-token-revoke", args=[token.pk])


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_pages_need_sign_in(client):
    token, _ = api_token_create(user=ProviderStaffFactory(), name="Case system")
    for url in (LIST, NEW, revoke_url(token)):
        response = client.get(url)
        assert response.status_code == 302 and "/sign-in/" in response["Location"]
    client.post(revoke_url(token))
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_the_header_links_to_the_page():
    html = signed_in(ProviderStaffFactory()).get(LIST).content.decode()
    assert f'href="{LIST}">API tokens</a>' in html


def test_creating_a_token_shows_the_key_once_and_it_works():
    user = ProviderStaffFactory()
    client = signed_in(user)
    form = client.get(NEW)
    assert form.status_code == 200 and 'name="expires_in"' in form.content.decode()
    response = client.post(NEW, {"name": "Case system", "expires_in": "30"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=user)
    html = response.content.decode()
    key = html.split('id="api-token" name="api-token" type="text" value="')[1].split('"')[0]
    assert key.startswith(token.prefix + ".")
    assert "This is the only time we show this token" in html
    # Never again: not on the list, not on the revoke page.
    for url in (LIST, revoke_url(token)):
        page = client.get(url).content.decode()
        assert token.prefix in page and key not in page and token.digest not in page
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(reverse("organisation-list")).status_code == 200
    assert AuditEvent.objects.filter(content_type__model="apitoken", actor=user).count() == 1


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"name": "", "expires_in": "90"}, "id_name", "Enter a name for the token"),
    ({"name": "x" * 101, "expires_in": "90"}, "id_name", "100 characters or fewer"),
    ({"name": "Case system"}, "id_expires_in", "Select when the token should expire"),
    ({"name": "Case system", "expires_in": "3650"}, "id_expires_in",
     "Select when the token should expire"),
])
def test_bad_input_shows_the_error_summary_and_creates_nothing(data, field, message):
    response = signed_in(ProviderStaffFactory()).post(NEW, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html
    assert "govuk-error-summary" in html and f'href="#{field}"' in html
    assert message in html
    assert not ApiToken.objects.exists()


def test_a_duplicate_name_is_shown_against_the_name():
    user = ProviderStaffFactory()
    api_token_create(user=user, name="Case system")
    html = signed_in(user).post(NEW, {"name": "Case system", "expires_in": "90"}).content.decode()
    assert 'href="#id_name"' in html and "You already have a token called" in html
    assert ApiToken.objects.count() == 1


def test_the_list_shows_only_my_tokens_with_their_state():
    me, someone = ProviderStaffFactory(), ProviderStaffFactory()
    api_token_create(user=me, name="Case system")
    gone, _ = api_token_create(user=me, name="Old laptop")
    signed_in(me).post(revoke_url(gone))
    api_token_create(user=someone, name="Their script")
    html = signed_in(me).get(LIST).content.decode()
    assert "Case system" in html and "Old laptop" in html and "Their script" not in html
    assert "Revoked" in html and "Active" in html


def test_revoking_asks_first_then_revokes():
    user = ProviderStaffFactory()
    token, key = api_token_create(user=user, name="Case system")
    client = signed_in(user)
    page = client.get(revoke_url(token))
    assert page.status_code == 200
    assert "Are you sure you want to revoke the API token ‘Case system’?" in page.content.decode()
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    response = client.post(revoke_url(token), follow=True)
    assert "is revoked" in response.content.decode()
    assert ApiToken.objects.get(pk=token.pk).revoked_by == user
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(reverse("organisation-list")).status_code == 401
    again = client.post(revoke_url(token), follow=True)
    assert "already revoked" in again.content.decode()


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("whose", ["own", "other"])
def test_permission_matrix_own_token_or_someone_elses(role, whose):
    """Every role manages its own tokens; anyone else's is a 404 (even for platform admins,
    who revoke other people's tokens in the admin) and stays live."""
    user = ROLES[role]()
    owner = user if whose == "own" else ProviderStaffFactory()
    token, _ = api_token_create(user=owner, name="Case system")
    client = signed_in(user)
    assert client.get(LIST).status_code == 200
    assert client.get(NEW).status_code == 200
    expected = 200 if whose == "own" else 404
    assert client.get(revoke_url(token)).status_code == expected
    response = client.post(revoke_url(token))
    assert response.status_code == (302 if whose == "own" else 404)
    assert (ApiToken.objects.get(pk=token.pk).revoked_at is not None) == (whose == "own")
    assert ("Case system" in client.get(LIST).content.decode()) == (whose == "own")


def test_an_unknown_token_is_404():
    assert signed_in(ProviderStaffFactory()).get(
        reverse("accounts:api-token-revoke", args=[999999])).status_code == 404


# -- the admin ------------------------------------------------------------------------------------


def test_the_admin_lists_tokens_without_any_secret():
    token, key = api_token_create(user=ProviderStaffFactory(), name="Case system")
    client = signed_in(PlatformAdminFactory())
    changelist = client.get(reverse("admin:accounts_apitoken_changelist"))
    change = client.get(reverse("admin:accounts_apitoken_change", args=[token.pk]))
    for response in (changelist, change):
        html = response.content.decode()
        assert response.status_code == 200
        assert "Case system" in html and token.prefix in html
        assert key not in html and token.digest not in html and "digest" not in html.lower()
    assert 'name="name"' not in change.content.decode()  # read-only: nothing to set
    assert client.get(reverse("admin:accounts_apitoken_add")).status_code == 403
    client.post(reverse("admin:accounts_apitoken_change", args=[token.pk]),
                {"name": "Renamed", "digest": "0" * 64})
    token.refresh_from_db()
    assert (token.name, token.digest) == ("Case system", token.digest)


def test_a_platform_admin_revokes_tokens_in_the_admin():
    admin_user = PlatformAdminFactory()
    live, _ = api_token_create(user=ProviderStaffFactory(), name="Case system")
    other, _ = api_token_create(user=ProviderStaffFactory(), name="Script")
    response = signed_in(admin_user).post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke_tokens", "_selected_action": [live.pk]}, follow=True)
    assert "Revoked 1 API token" in response.content.decode()
    live.refresh_from_db()
    other.refresh_from_db()
    assert live.revoked_by == admin_user and other.revoked_at is None
    assert AuditEvent.objects.filter(summary="Revoked API token ‘Case system’",
                                     actor=admin_user).exists()


def test_partnership_managers_do_not_see_tokens_in_the_admin():
    api_token_create(user=ProviderStaffFactory(), name="Case system")
    client = signed_in(PartnershipManagerFactory())
    assert client.get(reverse("admin:accounts_apitoken_changelist")).status_code == 403
