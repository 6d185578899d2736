"""Fixtures for the browser tests: one Chromium per test session (per xdist worker), a fresh
browser context per test, the demo registry loaded into the live server's database, and a
signed-in page.

Chromium is Debian's ``/usr/bin/chromium`` (Playwright's own browser download does not work on
our machines). When it is missing the browser tests are skipped with a printed reason on a
developer's machine, but fail in CI (``CI=true``), so CI can never pass without them.
"""

from __future__ import annotations

import os

# Playwright's sync API keeps an asyncio event loop on the test thread, and Django refuses ORM
# calls from a thread with a running loop (SynchronousOnlyOperation). Our fixtures call the ORM
# from that thread (loading the demo, creating sessions), so allow it before Playwright starts.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from io import StringIO  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402

BROWSER_DIR = Path(__file__).resolve().parent
# An override for machines whose Chromium lives elsewhere (e.g. a Mac); CI uses the default.
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Without the background-networking flags Chromium tries to reach Google, which the closed
# network refuses (slow start-up and noise); no sandbox because CI runs as root.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
DEMO_USERNAME = "demo-commissioner"  # the users this issue is for: commissioners
DEMO_PASSWORD = "Lantern-Harbour-Demo-Registry"  # published with the demo (demo/data.py)
DEFAULT_TIMEOUT_MS = 15_000


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def chromium_missing_reason() -> str | None:
    if Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK):
        return None
    return (f"browser tests need Chromium at {CHROMIUM}, which is missing. Install it with "
            "`sudo apt-get install chromium` (Debian/Ubuntu) or set CHROMIUM_PATH.")


def _is_browser_test(item: pytest.Item) -> bool:
    return BROWSER_DIR in Path(str(item.path)).resolve().parents


def pytest_report_header(config: pytest.Config) -> str:
    reason = chromium_missing_reason()
    if reason is None:
        return f"browser tests: Chromium at {CHROMIUM}"
    if in_ci():
        return f"browser tests: WILL FAIL (CI=true): {reason}"
    return f"browser tests: SKIPPED: {reason}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = chromium_missing_reason()
    for item in items:
        if not _is_browser_test(item):
            continue
        item.add_marker(pytest.mark.browser)
        if reason is not None and not in_ci():
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: a Playwright test in a real Chromium")


# -- the browser ----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    reason = chromium_missing_reason()
    if reason is not None:
        # Only reached in CI: elsewhere the tests were marked skipped at collection.
        pytest.fail(f"CI=true and {reason} (.ci/run installs it with apt-get)", pytrace=False)
    from playwright.sync_api import expect, sync_playwright

    # Generous waits: CI machines and a laptop running the suite on every core can be slow.
    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)

    # Django keeps database connections in a "thread-critical" asgiref Local, which hands out
    # different connections once an event loop is running on the thread, as it is from here
    # on. Without this, the tests and pytest-django would get new connection objects that lack
    # the test database's serialised seed data (so the flush after a test would not restore it)
    # and, for SQLite, a second connection to the in-memory database. Keep one set.
    sync_connections = {alias: connections[alias] for alias in connections}
    with sync_playwright() as playwright:
        for alias, conn in sync_connections.items():
            connections[alias] = conn
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class BrowserProblems:
    """JavaScript errors, console errors (CSP violations are reported there) and failed
    requests seen by a page, so a test can assert the page ran cleanly."""

    messages: list[str]


@pytest.fixture
def browser_problems() -> BrowserProblems:
    return BrowserProblems(messages=[])


@pytest.fixture
def context(browser: Any, live_server: Any) -> Iterator[Any]:
    ctx = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900},
                              locale="en-GB", timezone_id="Europe/London",
                              accept_downloads=True)
    ctx.set_default_timeout(DEFAULT_TIMEOUT_MS)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any, browser_problems: BrowserProblems) -> Any:
    new_page = context.new_page()
    new_page.on("pageerror", lambda exc: browser_problems.messages.append(f"JS error: {exc}"))
    new_page.on("console", lambda msg: msg.type == "error" and browser_problems.messages.append(
        f"console error: {msg.text}"))
    new_page.on("requestfailed", lambda req: browser_problems.messages.append(
        f"request failed: {req.url} ({req.failure})"))
    return new_page


# -- data -----------------------------------------------------------------------------------

@dataclass
class Demo:
    username: str
    password: str


# The demo as loaded by the first test in this process, serialised: later tests restore it in
# about a third of the time load_demo takes (it writes through the actions, with audit rows).
_demo_snapshot: dict[str, str] = {}


@pytest.fixture
def demo(live_server: Any, django_db_serialized_rollback: None) -> Demo:
    """The demo registry (the five partnership shapes and the demo logins), committed so the
    live server's thread sees it.

    live_server makes the test transactional, so the database is flushed afterwards (without
    resetting sequences, so restored primary keys never meet new ones); serialized rollback
    first restores what the migrations seeded (regions, service categories, activities), which
    the demo needs and a flush removes. Rows restored from the snapshot keep their primary keys,
    so the seeds are updated in place and the demo's rows inserted."""
    snapshot = _demo_snapshot.get(connection.alias)
    if snapshot is None:
        call_command("load_demo", force=True, stdout=StringIO())
        _demo_snapshot[connection.alias] = connection.creation.serialize_db_to_string()
    else:
        connection.creation.deserialize_db_from_string(snapshot)
    return Demo(username=DEMO_USERNAME, password=DEMO_PASSWORD)


@pytest.fixture
def signed_in_page(page: Any, context: Any, demo: Demo, live_server: Any) -> Any:
    """A page whose browser is signed in as the demo commissioner. The session is made on the
    server (as Django's test client does) so only the sign-in tests pay for the form."""
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username=demo.username))
    context.add_cookies([{
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }])
    return page


@pytest.fixture
def open_as(browser: Any, live_server: Any, browser_problems: BrowserProblems) -> Iterator[Any]:
    """``open_as(user)``: a page in a browser context of its own, signed in as ``user`` (the
    session made on the server, as Django's test client does), for journeys between people."""
    contexts = []

    def open_page(user: Any) -> Any:
        client = Client()
        client.force_login(user)
        context = browser.new_context(base_url=live_server.url, locale="en-GB",
                                      timezone_id="Europe/London",
                                      viewport={"width": 1280, "height": 900})
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                              "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                              "url": live_server.url}])
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: browser_problems.messages.append(f"JS error: {exc}"))
        page.on("console", lambda msg: msg.type == "error" and browser_problems.messages.append(
            f"console error: {msg.text}"))
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    folder = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
