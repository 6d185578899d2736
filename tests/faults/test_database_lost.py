"""A PostgreSQL connection killed in the middle of a request: a styled 503 page (JSON under
/api/) with Retry-After, one log line without personal data, and the next request succeeds on a
new connection.

How: a real page through Django's test client, with a query hook (``execute_wrapper``) that
lets the page's first queries run and then has a second connection call
``pg_terminate_backend`` on the request's own backend, so the next query of that same request
meets a dead connection, as in a database restart or failover. The test client runs the whole
middleware stack and handler in this thread, so the kill lands between two given queries of one
request every time; a live server would add a socket but put the request in another thread,
where the hook cannot reach without code in the application. The client also does not run
Django's between-requests connection clean-up, so "the next request succeeds" proves the
middleware itself closed the broken connection.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from core.faults import RETRY_AFTER_SECONDS, unavailable_response
from tests.partnerships.review_factories import ReviewSetup, review_setup

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="terminating a request's database connection needs PostgreSQL "
           "(pg_terminate_backend); SQLite has no server to lose")


def backend_pid() -> int:
    return connection.connection.info.backend_pid


def terminate(pid: int) -> None:
    """From a second connection, as an administrator or a failover would."""
    import psycopg

    s = connection.settings_dict
    with psycopg.connect(host=s["HOST"] or None, port=s["PORT"] or None, user=s["USER"],
                         password=s["PASSWORD"] or None, dbname=s["NAME"],
                         autocommit=True) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
        deadline = time.monotonic() + 10
        while other.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s",
                            [pid]).fetchone()[0]:
            assert time.monotonic() < deadline, "the backend did not go"
            time.sleep(0.02)


def kill_after(queries: int, killed: list[int]) -> Callable[..., Any]:
    """A query hook: after the request's ``queries``-th query, kill its connection."""
    count = [0]

    def hook(execute: Callable[..., Any], sql: str, params: Any, many: bool,
             context: dict[str, Any]) -> Any:
        result = execute(sql, params, many, context)
        count[0] += 1
        if count[0] == queries:
            killed.append(backend_pid())
            terminate(killed[-1])
        return result

    return hook


@pytest.fixture
def s(committed_db: None) -> ReviewSetup:
    """Committed (the killed connection takes any open transaction with it)."""
    return review_setup()


@postgresql_only
@pytest.mark.parametrize("api", [False, True], ids=["page", "api"])
def test_a_connection_killed_mid_request_gives_a_styled_503_and_the_next_request_succeeds(
        client: Any, s: ReviewSetup, api: bool, caplog: pytest.LogCaptureFixture) -> None:
    url = (reverse("partnership-detail", args=[s.partnership.slug]) if api
           else reverse("partnerships:detail", args=[s.partnership.slug]))
    client.force_login(s.manager)
    assert client.get(url).status_code == 200
    caplog.set_level(logging.INFO)

    killed: list[int] = []
    # Query 1 loads the session, 2 the user; the kill lands before the view's own queries.
    with connection.execute_wrapper(kill_after(2, killed)):
        response = client.get(url)

    assert killed, "the hook never ran"
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    if api:
        assert response.json() == {
            "detail": "Sorry, the service is unavailable. Try again in a few minutes."}
    else:
        page = response.content.decode()
        assert "<h1 class=\"govuk-heading-l\">Sorry, the service is unavailable</h1>" in page
        assert "try again in a few minutes" in page.lower()
        assert "govuk-frontend.min.css" in page  # styled like every other page
    log = "\n".join(r.getMessage() for r in caplog.records if r.name == "core.faults")
    view = "partnership-detail" if api else "partnerships:detail"
    assert log == f"Database unavailable during GET {view} (OperationalError); answered 503"
    assert s.manager.email not in caplog.text

    response = client.get(url)
    assert response.status_code == 200
    assert backend_pid() != killed[0]  # a new connection


def test_the_503_page_needs_no_database(rf: Any) -> None:
    """Rendered when the database is gone, so it must not query it (no context processors, no
    user in the header): without the django_db mark any query here raises."""
    page = unavailable_response(rf.get("/partnerships/")).content.decode()
    api = unavailable_response(rf.get("/api/v1/partnerships/"))
    assert "Sorry, the service is unavailable" in page
    assert api["Content-Type"] == "application/json"
