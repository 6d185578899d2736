"""Who may call every endpoint, by which authentication, and with which methods."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.actions import api_token_create
from tests.accounts.factories import (
    CommissionerFactory,
    PartnershipManagerFactory,
    PlatformAdminFactory,
    ProviderStaffFactory,
    api_token_for,
)

from .conftest import ENDPOINT_IDS, ENDPOINTS, endpoint_url

pytestmark = pytest.mark.django_db

# The token authenticator comes first and sends a WWW-Authenticate challenge, so DRF answers a
# request without (or with bad) credentials with 401; a signed-in user who may not is 403.
REFUSED = 401
FORBIDDEN = 403

ROLE_FACTORIES = {
    "provider_staff": ProviderStaffFactory,
    "partnership_manager": PartnershipManagerFactory,
    "commissioner": CommissionerFactory,
    "platform_admin": PlatformAdminFactory,
}


def token_client(user: object) -> APIClient:
    client = APIClient()
    if user.is_active:
        _token, key = api_token_create(user=user, name="Tests")
    else:  # a token issued before the account was switched off
        _token, key = api_token_for(user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def assert_refused(response: object, status: int = REFUSED) -> None:
    assert response.status_code == status, response.content
    if status == REFUSED:
        assert response["WWW-Authenticate"] == 'Token realm="api"'
    assert "results" not in response.json()
    assert "slug" not in response.json()


@pytest.mark.parametrize(("name", "kwargs_for"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_anonymous_is_refused(registry, name, kwargs_for):
    response = APIClient().get(endpoint_url(name, kwargs_for, registry))
    assert_refused(response)
    assert response.json()["detail"] == "Authentication credentials were not provided."


@pytest.mark.parametrize(("name", "kwargs_for"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_inactive_user_signed_in_by_session_is_refused(registry, client_for, name, kwargs_for):
    client = client_for(ProviderStaffFactory(is_active=False))
    assert_refused(client.get(endpoint_url(name, kwargs_for, registry)))


@pytest.mark.parametrize(("name", "kwargs_for"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_inactive_user_with_token_is_refused(registry, name, kwargs_for):
    user = ProviderStaffFactory()
    client = token_client(user)  # issued while active; the account switched off since
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = client.get(endpoint_url(name, kwargs_for, registry))
    assert_refused(response)
    assert response.json()["detail"] == "User inactive or deleted."


@pytest.mark.parametrize(("name", "kwargs_for"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_inactive_user_is_refused_by_the_rules_too(registry, name, kwargs_for):
    """Even if some authenticator let an inactive account through, the rules refuse it."""
    client = APIClient()
    client.force_authenticate(ProviderStaffFactory(is_active=False))
    assert_refused(client.get(endpoint_url(name, kwargs_for, registry)), FORBIDDEN)


@pytest.mark.parametrize("role", list(ROLE_FACTORIES))
@pytest.mark.parametrize(("name", "kwargs_for"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_every_role_can_read(registry, client_for, role, name, kwargs_for):
    client = client_for(ROLE_FACTORIES[role]())
    response = client.get(endpoint_url(name, kwargs_for, registry))
    assert response.status_code == 200, response.content
    body = response.json()
    if kwargs_for is None:
        assert body["count"] >= 1
        assert len(body["results"]) == body["count"]
    else:
        assert set(kwargs_for(registry).values()) & {body.get("slug"), body.get("id")}


@pytest.mark.parametrize(("name", "kwargs_for"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_token_authentication_works(registry, name, kwargs_for):
    client = token_client(ProviderStaffFactory())
    assert client.get(endpoint_url(name, kwargs_for, registry)).status_code == 200


@pytest.mark.parametrize(("name", "kwargs_for"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_unknown_token_is_refused(registry, name, kwargs_for):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    response = client.get(endpoint_url(name, kwargs_for, registry))
    assert_refused(response)
    assert response.json()["detail"] == "Invalid token."


@pytest.mark.parametrize("authentication", ["session", "token"])
@pytest.mark.parametrize(("name", "kwargs_for"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_write_methods_are_not_allowed(registry, client_for, authentication, name, kwargs_for):
    user = PlatformAdminFactory()
    client = client_for(user) if authentication == "session" else token_client(user)
    url = endpoint_url(name, kwargs_for, registry)
    # The registry takes writes through its own operations (POST on the organisation,
    # partnership and agreement lists, PATCH on organisations and partnerships:
    # tests/api/test_registry_writes.py); replacing or deleting a record never.
    writable = {"organisation-list", "partnership-list", "agreement-list"}
    patchable = {"organisation-detail", "partnership-detail"}
    if kwargs_for is None:
        methods = [] if name in writable else ["post"]
    else:
        methods = ["put", "delete"] if name in patchable else ["put", "patch", "delete"]
    for method in methods:
        response = getattr(client, method)(url, {"name": "Changed"}, format="json")
        assert response.status_code == 405, (method, response.content)
    registry.hub.refresh_from_db()
    assert registry.hub.name == "Women's Hub"
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(("name", "kwargs_for"), ENDPOINTS, ids=ENDPOINT_IDS)
def test_anonymous_write_is_refused_before_method_check(registry, name, kwargs_for):
    response = APIClient().delete(endpoint_url(name, kwargs_for, registry))
    assert_refused(response)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [("organisation-detail", {"slug": "no-such-organisation"}),
     ("partnership-detail", {"slug": "no-such-partnership"}),
     ("agreement-detail", {"pk": 999999}),
     ("service-detail", {"slug": "no-such-service"}),
     ("location-detail", {"slug": "no-such-location"})],
)
def test_unknown_object_is_404(registry, signed_in, name, kwargs):
    response = signed_in.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 404
    assert response.json()["detail"].endswith("matches the given query.")


def test_api_root_needs_sign_in(registry, signed_in):
    assert APIClient().get("/api/v1/").status_code == REFUSED
    body = signed_in.get("/api/v1/").json()
    assert {"organisations", "partnerships", "agreements", "services", "locations"} <= set(body)
