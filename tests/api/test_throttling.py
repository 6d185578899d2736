"""API rate limits: per user, per anonymous IP, a stricter one for writes, and one for bad
tokens per IP (a flood of bad tokens gets 429s). Every 429 has Retry-After and a JSON detail.

The real throttle classes are on in every test (with rates no test reaches); these tests lower
the rates through settings, which the classes read at request time.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from accounts.actions import api_token_create
from core import throttling
from tests.accounts.factories import ProviderStaffFactory
from tests.referrals.helpers import client_of

pytestmark = pytest.mark.django_db

HIGH = "100000/min"


@pytest.fixture(autouse=True)
def empty_cache():
    """Throttle counts live in the cache: start and end each test with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def rates(settings):
    """Set some rates (the others stay out of reach) for the rest of the test."""

    def set_rates(**scopes: str) -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"anon": HIGH, "user": HIGH, "write": HIGH,
                                       "token_failure": HIGH, **scopes}}

    return set_rates


def assert_throttled(response) -> int:
    assert response.status_code == 429, response.content
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 60
    assert "throttled" in response.json()["detail"] or "Too many" in response.json()["detail"]
    return wait


def bad_token_client(address: str = "203.0.113.7") -> APIClient:
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION="Token 0123abcd." + "B" * 43)
    return client


def test_the_default_throttles_are_the_real_classes():
    from rest_framework.settings import api_settings

    assert {c.__name__ for c in api_settings.DEFAULT_THROTTLE_CLASSES} == {
        "AnonThrottle", "UserThrottle", "WriteThrottle"}
    assert api_settings.DEFAULT_AUTHENTICATION_CLASSES[0].__name__ == "ApiTokenAuthentication"


def test_300_bad_tokens_in_a_burst_get_429s_at_the_production_rate(rates):
    """The probe's flood: at the shipped default (20 a minute) all but the first 20 are 429."""
    from config.settings import base

    rates(token_failure=base.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token_failure"])
    allowed = int(base.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token_failure"].split("/")[0])
    client = bad_token_client()
    url = reverse("organisation-list")
    codes = [client.get(url).status_code for _ in range(300)]
    assert codes[:allowed] == [401] * allowed
    assert codes[allowed:] == [429] * (300 - allowed)
    assert_throttled(client.get(url))


def test_a_blocked_address_cannot_use_even_a_good_token_but_others_can(rates):
    rates(token_failure="3/min")
    user = ProviderStaffFactory()
    _token, key = api_token_create(user=user, name="Case system")
    url = reverse("organisation-list")
    guesser = bad_token_client("203.0.113.7")
    for _ in range(3):
        assert guesser.get(url).status_code == 401
    assert_throttled(guesser.get(url))
    same_address = APIClient(REMOTE_ADDR="203.0.113.7")
    same_address.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert_throttled(same_address.get(url))  # no guessing while blocked, not even a lucky one
    elsewhere = APIClient(REMOTE_ADDR="198.51.100.20")
    elsewhere.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert elsewhere.get(url).status_code == 200
    assert bad_token_client("198.51.100.21").get(url).status_code == 401


def test_good_tokens_do_not_count_as_failures(rates):
    rates(token_failure="2/min")
    _token, key = api_token_create(user=ProviderStaffFactory(), name="Case system")
    client = APIClient(REMOTE_ADDR="203.0.113.9")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert [client.get(reverse("organisation-list")).status_code for _ in range(5)] == [200] * 5


def test_each_user_has_their_own_allowance(rates):
    rates(user="3/min")
    user, other = ProviderStaffFactory(), ProviderStaffFactory()
    _token, key = api_token_create(user=user, name="Case system")
    by_token = APIClient()
    by_token.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    by_session = client_of(user)
    url = reverse("organisation-list")
    assert [by_token.get(url).status_code, by_session.get(url).status_code,
            by_token.get(url).status_code] == [200, 200, 200]
    assert_throttled(by_session.get(url))  # token and session share the user's allowance
    assert_throttled(by_token.get(url))
    assert client_of(other).get(url).status_code == 200


def test_writes_have_a_stricter_allowance_and_reads_go_on(rates):
    rates(write="2/min", user="50/min")
    user = ProviderStaffFactory()
    client = client_of(user)
    url = reverse("notification-read-all")
    assert [client.post(url).status_code for _ in range(2)] == [200, 200]
    assert_throttled(client.post(url))
    assert client.get(reverse("notification-list")).status_code == 200
    assert client_of(ProviderStaffFactory()).post(url).status_code == 200


class OpenView(APIView):
    """An endpoint anyone may call (like the schema), with the default throttles."""

    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"ok": True})


def test_anonymous_callers_are_limited_per_address(rates):
    rates(anon="2/min")
    view = OpenView.as_view()
    factory = APIRequestFactory()
    first = [view(factory.get("/open/", REMOTE_ADDR="203.0.113.1")).status_code
             for _ in range(2)]
    assert first == [200, 200]
    response = view(factory.get("/open/", REMOTE_ADDR="203.0.113.1"))
    response.render()
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert view(factory.get("/open/", REMOTE_ADDR="203.0.113.2")).status_code == 200


def test_rates_are_read_at_request_time(rates):
    url = reverse("organisation-list")
    client = client_of(ProviderStaffFactory())
    assert [client.get(url).status_code for _ in range(3)] == [200] * 3
    rates(user="3/min")
    assert_throttled(client.get(url))
    rates(user="10/min")
    assert client.get(url).status_code == 200


def test_without_a_cache_the_api_still_answers(settings, rates, caplog):
    """A Redis that is down must not take the API with it: the limits are skipped, logged."""
    rates(user="1/min", token_failure="1/min")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}
    client = client_of(ProviderStaffFactory())
    url = reverse("organisation-list")
    assert [client.get(url).status_code for _ in range(3)] == [200] * 3
    assert bad_token_client().get(url).status_code == 401
    assert "cache is unavailable" in caplog.text


def test_failed_token_throttle_waits_until_the_oldest_failure_leaves_the_window(rates):
    rates(token_failure="2/min")
    throttle = throttling.FailedTokenThrottle()
    request = APIRequestFactory().get("/", REMOTE_ADDR="203.0.113.50")
    now = [1000.0]
    throttle.timer = lambda: now[0]
    throttle.record_failure(request)
    now[0] = 1030.0
    throttle.record_failure(request)
    assert throttle.blocked_for(request) == pytest.approx(30.0)
    now[0] = 1061.0  # the first failure has left the minute
    assert throttle.blocked_for(request) is None
