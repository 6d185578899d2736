"""Redis stopped (or hung): the site still serves pages and saves work; notifications made
meanwhile are stored, and emailed exactly once when Redis returns.

Each test runs its own ``redis-server`` (tests/faults/conftest.py), stops or freezes it during
the test, and points the cache and the Celery app at it as ``REDIS_URL`` does in production.
The first three run on SQLite and PostgreSQL; the last needs a real worker and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.throttling import UserRateThrottle

from core.cache import ResilientRedisCache
from notifications import tasks
from notifications.models import EmailStatus, Notification
from partnerships.models import ReviewMeeting
from partnerships.reminders import REVIEW_DUE_SOON, sweep_reviews
from tests.celery.conftest import wait_for
from tests.faults.conftest import RedisServer
from tests.partnerships.review_factories import (
    ReviewSetup,
    review_setup,
    today,  # noqa: F401  (the fixture: 25 November 2026)
)

D = dt.date
PLANNED = D(2025, 4, 1)  # a review the sweep of that day reminds every member's people about
#: Seconds a request may take with Redis down: the settings give up after about one.
FAIL_FAST = 5.0
WAIT = 60.0  # seconds: the most the worker may take to reconnect and send


def people(s: ReviewSetup) -> list[Any]:
    return [s.manager, s.member_staff]


def assert_no_personal_data(text: str, s: ReviewSetup) -> None:
    for user in people(s) + [s.commissioner]:
        for value in (user.email, user.get_full_name(), user.get_username()):
            assert not value or value not in text


# -- the cache ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_cache_answers_as_an_empty_one_while_redis_is_stopped_and_works_once_it_returns(
        redis_cache: RedisServer, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(ResilientRedisCache, "RETRY_AFTER", 0.5)
    cache.set("greeting", "hello")
    assert cache.get("greeting") == "hello"

    redis_cache.stop()
    started = time.monotonic()
    assert cache.get("greeting") is None
    assert cache.get("greeting", "not cached") == "not cached"
    cache.set("other", 1)  # dropped, not raised
    assert cache.add("other", 1) is False
    assert cache.get_many(["greeting", "other"]) == {}
    assert cache.has_key("greeting") is False
    assert cache.delete("greeting") is False
    with pytest.raises(ValueError, match="not found"):
        cache.incr("counter")
    assert time.monotonic() - started < FAIL_FAST
    assert "Cache unavailable (ConnectionError)" in caplog.text
    assert "greeting" not in caplog.text  # keys are not logged

    redis_cache.start()  # back, empty
    time.sleep(0.6)  # past RETRY_AFTER
    cache.set("greeting", "hello again")
    assert cache.get("greeting") == "hello again"


@pytest.mark.django_db
def test_a_hung_redis_costs_one_short_timeout_then_nothing(redis_cache: RedisServer) -> None:
    cache.set("greeting", "hello")
    redis_cache.hang()  # accepts connections, never answers
    try:
        started = time.monotonic()
        assert cache.get("greeting") is None
        first = time.monotonic() - started
        started = time.monotonic()
        for _ in range(50):
            assert cache.get("greeting", "miss") == "miss"
        rest = time.monotonic() - started
    finally:
        redis_cache.resume()
    assert first < FAIL_FAST
    assert rest < 0.5  # skipped while the outage is recent, not 50 more timeouts


@pytest.mark.django_db
def test_api_throttling_lets_requests_through_while_redis_is_stopped(
        redis_cache: RedisServer, admin_user: Any) -> None:
    """DRF's throttles count requests in the cache: with Redis away they must not fail the
    request (nor block it)."""
    redis_cache.stop()
    request = RequestFactory().get("/api/v1/partnerships/")
    request.user = admin_user
    assert UserRateThrottle().allow_request(request, view=None) is True


# -- pages and saving work ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("today")
def test_pages_render_and_work_is_saved_while_redis_is_stopped(
        client: Any, redis_cache: RedisServer, celery_redis: RedisServer) -> None:
    s = review_setup()
    redis_cache.stop()
    client.force_login(s.manager)

    for url in (reverse("home"), reverse("partnerships:detail", args=[s.partnership.slug]),
                reverse("partnerships:reviews", args=[s.partnership.slug]),
                reverse("notifications:list")):
        started = time.monotonic()
        assert client.get(url).status_code == 200, url
        assert time.monotonic() - started < FAIL_FAST, url

    response = client.post(reverse("partnerships:reviews", args=[s.partnership.slug]),
                           {"planned_on_day": "5", "planned_on_month": "3",
                            "planned_on_year": "2027"})
    assert response.status_code == 302
    assert ReviewMeeting.objects.get(partnership=s.partnership).planned_on == D(2027, 3, 5)


@pytest.mark.django_db
def test_a_sweep_while_redis_is_stopped_stores_its_notifications_and_fails_fast(
        celery_redis: RedisServer, django_capture_on_commit_callbacks: Any,
        caplog: pytest.LogCaptureFixture) -> None:
    """The notifications are saved and the run finishes in about a second: without the short
    timeouts the result backend's retries held it ~20 s and then raised, failing the sweep
    after its rows were committed."""
    s = review_setup()
    ReviewMeeting.objects.create(partnership=s.partnership, planned_on=PLANNED)
    celery_redis.stop()

    caplog.set_level(logging.INFO)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        counts = sweep_reviews(PLANNED)
    elapsed = time.monotonic() - started

    notifications = list(Notification.objects.all())
    assert counts[REVIEW_DUE_SOON] == len(notifications) > 0
    assert {n.email_status for n in notifications} == {EmailStatus.PENDING}
    assert len(callbacks) == 1  # one batched delivery task, which could not be sent
    assert elapsed < FAIL_FAST
    assert (f"Could not queue notifications.deliver_notifications for {len(notifications)} "
            "notification(s)") in caplog.text
    assert "redeliver_pending will queue it again" in caplog.text
    assert_no_personal_data(caplog.text, s)


# -- and once Redis returns: a real worker sends each email once ---------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="a real worker needs PostgreSQL: SQLite cannot share the test "
                           "database with another process")
def test_notifications_made_while_redis_was_stopped_are_emailed_once_when_it_returns(
        start_worker: Any, celery_redis: RedisServer, caplog: pytest.LogCaptureFixture) -> None:
    start, outbox = start_worker
    server = celery_redis
    s = review_setup()
    ReviewMeeting.objects.create(partnership=s.partnership, planned_on=PLANNED)
    worker = start()

    server.stop()  # Redis goes away while the worker runs
    started = time.monotonic()
    counts = sweep_reviews(PLANNED)  # committed; its delivery task cannot be sent
    assert time.monotonic() - started < FAIL_FAST
    made = list(Notification.objects.select_related("recipient"))
    assert counts[REVIEW_DUE_SOON] == len(made) > 0
    assert "Could not queue notifications.deliver_notifications" in caplog.text

    server.start()  # back, empty: the lost task is not there
    # The beat's next run comes 15 minutes later; the notifications are older than that by then.
    Notification.objects.update(created_on=F("created_on") - dt.timedelta(minutes=20))
    queued = tasks.redeliver_pending.delay().get(timeout=WAIT)  # as beat sends it
    assert queued == len(made)
    wait_for(lambda: len(outbox.messages()) >= len(made), timeout=WAIT,
             what=f"{len(made)} emails from the worker")

    # Exactly once: the next run finds nothing waiting, and nothing more is sent.
    assert tasks.redeliver_pending.delay().get(timeout=WAIT) == 0
    client = server.client()
    wait_for(lambda: client.llen("registry-faults") == 0 and client.hlen("unacked") == 0,
             timeout=WAIT, what="the queue to drain")
    messages = outbox.messages()
    assert Counter(tuple(m["to"]) for m in messages) == Counter(
        (n.recipient.email,) for n in made)
    for notification in made:
        notification.refresh_from_db()
        assert notification.email_status == EmailStatus.SENT
        link = settings.SITE_URL.rstrip("/") + reverse("notifications:open",
                                                       args=[notification.pk])
        assert sum(link in m["body"] for m in messages) == 1
    assert worker.process.poll() is None  # the worker rode out the outage
