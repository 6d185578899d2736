"""Fixtures for tests with a REAL Celery worker process, the real Redis and PostgreSQL.

What these tests prove (exactly one email under concurrency and under a killed worker, nothing
queued by a rolled-back transaction) depends on a real broker and real processes, so nothing here
is eager or mocked:

- ``broker``: a Redis database and a queue of this xdist worker's own (``PYTEST_XDIST_WORKER``;
  the database is flushed first), and the test process's Celery app publishing to them for the
  test's duration. When Redis does not answer, the test is skipped with the reason on a
  developer's machine but FAILS in CI (``CI=true``), as the browser tests do for Chromium.
- ``start_worker()``: ``celery worker`` (prefork, two processes) in a process group of its own,
  on the test's database (committed data only: the tests use ``transactional_db``), sending
  email into a folder (``tests.celery.mailbox``). Every worker is SIGKILLed at the end.

PostgreSQL only: SQLite cannot share the test database with another process, and has no row
locks; the test modules skip themselves there.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from tests.celery import mailbox

REDIS_SERVER = os.environ.get("TEST_REDIS_SERVER", "redis://127.0.0.1:6379")
# Database 0 is left to people's own Redis use; each xdist worker takes one of 9..15.
FIRST_REDIS_DB = int(os.environ.get("TEST_REDIS_DB", "9"))
WORKER_START_TIMEOUT = 30.0


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def xdist_name() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "gw0")


def redis_db() -> int:
    index = int(re.sub(r"\D", "", xdist_name()) or "0")
    return FIRST_REDIS_DB + index % (16 - FIRST_REDIS_DB)


def wait_for(condition: Callable[[], Any], *, timeout: float, what: str,
             interval: float = 0.05) -> Any:
    """Poll ``condition`` until it returns something true; fail naming ``what`` at the deadline,
    so a test waits only as long as the worker needs, never a fixed sleep."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}", pytrace=False)
        time.sleep(interval)


# -- Redis and the test process's Celery app ---------------------------------------------------

@dataclass
class Broker:
    url: str
    queue: str
    client: Any  # redis.Redis

    def drained(self) -> bool:
        """Nothing waiting in our queue and nothing taken but unacknowledged: with late acks a
        task leaves ``unacked`` only once it has finished, so every task sent has run."""
        return self.client.llen(self.queue) == 0 and self.client.hlen("unacked") == 0

    def results(self) -> list[bytes]:
        """Result keys the worker stored: one per task it ran."""
        return list(self.client.scan_iter("celery-task-meta-*"))

    def result(self, task_id: str) -> Any:
        """What the worker stored as the task's return value (None if not stored yet)."""
        import json

        stored = self.client.get(f"celery-task-meta-{task_id}")
        return json.loads(stored)["result"] if stored else None


def _reset_connections(app: Any) -> None:
    """Forget the app's broker connections and routing, so the next publish uses ``app.conf``
    as it is now."""
    from kombu import pools

    pools.reset()  # closes the pooled connections and producers, and forgets them
    app._pool = None
    app.__dict__.pop("amqp", None)


@contextmanager
def publishing_to(url: str, queue: str) -> Iterator[None]:
    """The test process's Celery app sends tasks to ``url``/``queue`` (not eagerly)."""
    keys = ("broker_url", "task_default_queue", "task_always_eager")
    saved = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(broker_url=url, task_default_queue=queue, task_always_eager=False)
    _reset_connections(celery_app)
    try:
        yield
    finally:
        celery_app.conf.update(saved)
        _reset_connections(celery_app)


@pytest.fixture
def broker() -> Iterator[Broker]:
    import redis

    url = f"{REDIS_SERVER}/{redis_db()}"
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        reason = (f"the Celery worker tests need Redis at {REDIS_SERVER}, which does not answer "
                  f"({exc}). Start it (e.g. `sudo apt-get install redis-server`) or set "
                  "TEST_REDIS_SERVER.")
        if in_ci():
            pytest.fail(f"CI=true and {reason}", pytrace=False)
        pytest.skip(reason)
    client.flushdb()
    queue = f"registry-tests-{xdist_name()}"
    with publishing_to(url, queue):
        yield Broker(url=url, queue=queue, client=client)
    client.flushdb()
    client.close()


# -- the worker process ------------------------------------------------------------------------

def database_url() -> str:
    """The URL of the database this test process uses (the test database, e.g.
    ``test_registry_ci_gw0`` under xdist), for the worker's ``DATABASE_URL``."""
    s = connection.settings_dict
    credentials = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        credentials += ":" + quote(s["PASSWORD"], safe="")
    host = quote(s["HOST"] or "", safe="")
    port = f":{s['PORT']}" if s["PORT"] else ""
    at = "@" if credentials else ""
    return f"postgres://{credentials}{at}{host}{port}/{quote(s['NAME'], safe='')}"


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool processes): no warm shutdown, no
        acknowledgement, no message handed back; as when a machine dies."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        # The pool processes are in the same group; a dead process has closed its sockets (so
        # PostgreSQL has rolled back its transaction) even while it waits, a zombie, for init.
        wait_for(lambda: not live_members(self.process.pid), timeout=10,
                 what="the worker's pool processes to exit")


def live_members(pgid: int) -> list[int]:
    """The processes of group ``pgid`` that are still running (not zombies), from /proc."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        state, group = fields[0], int(fields[2])
        if group == pgid and state not in ("Z", "X"):
            members.append(int(stat.parent.name))
    return members


@dataclass
class Mailbox:
    folder: Path

    def messages(self) -> list[dict[str, Any]]:
        return mailbox.messages(self.folder)

    def block(self, seconds: float) -> None:
        (self.folder / mailbox.BLOCK).write_text(str(seconds))

    def unblock(self) -> None:
        (self.folder / mailbox.BLOCK).unlink(missing_ok=True)

    def sending(self) -> dict[int, float]:
        """Pool processes inside send (blocked), by pid, with the time each started."""
        return {int(path.name.removeprefix(mailbox.SENDING_PREFIX)): float(path.read_text())
                for path in self.folder.glob(f"{mailbox.SENDING_PREFIX}*")
                if path.read_text()}


@pytest.fixture
def outbox(tmp_path: Path) -> Mailbox:
    folder = tmp_path / "mailbox"
    folder.mkdir()
    return Mailbox(folder=folder)


@pytest.fixture
def start_worker(broker: Broker, transactional_db: None, django_db_serialized_rollback: None,
                 outbox: Mailbox, tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """``start_worker(**env)``: a ready worker on the test database, our Redis queue and the
    mailbox folder; extra environment (e.g. ``CELERY_VISIBILITY_TIMEOUT``) as keywords.

    Requesting it makes the test transactional (the worker sees only committed rows), with the
    migrations' seed data restored first (serialized rollback), since the flush after each
    transactional test removes it. ``broker`` comes first so that a missing Redis skips the test
    before a test database is set up."""
    workers: list[Worker] = []

    def start(**extra_env: str) -> Worker:
        worker = launch_worker(redis_url=broker.url, queue=broker.queue,
                               mailbox_folder=outbox.folder, concurrency=2,
                               log=tmp_path / f"worker-{len(workers) + 1}.log",
                               name=f"{broker.queue}-{len(workers) + 1}@%h", **extra_env)
        workers.append(worker)
        return worker

    yield start
    outbox.unblock()
    stop_workers(workers)


def launch_worker(*, redis_url: str, queue: str, mailbox_folder: Path, concurrency: int,
                  log: Path, name: str, **extra_env: str) -> Worker:
    """A ready ``celery worker`` (prefork) on the test database, reading ``queue`` on
    ``redis_url`` and emailing into ``mailbox_folder``; its output goes to ``log``."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "test",
        "DATABASE_URL": database_url(),
        "CONN_MAX_AGE": "0",
        "REDIS_URL": redis_url,
        "CELERY_QUEUE": queue,  # what the worker's own tasks send goes there too
        "EMAIL_BACKEND": "tests.celery.mailbox.EmailBackend",
        "TEST_MAILBOX_DIR": str(mailbox_folder),
        **extra_env,
    }
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork",
             f"--concurrency={concurrency}", "-Q", queue, "-n", name, "--loglevel=INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=settings.BASE_DIR, env=env, stdout=out,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    worker = Worker(process=process, log=log)

    def ready() -> bool:
        if process.poll() is not None:
            pytest.fail(f"the Celery worker exited ({process.returncode}):\n"
                        f"{worker.output()[-3000:]}", pytrace=False)
        return " ready." in worker.output()

    wait_for(ready, timeout=WORKER_START_TIMEOUT, what="the Celery worker to start",
             interval=0.1)
    return worker


def stop_workers(workers: list[Worker]) -> None:
    """Kill the test's workers and print the end of each log (pytest shows it on failure)."""
    for number, worker in enumerate(workers, 1):
        worker.kill()
        print(f"--- worker {number} log (end) ---\n{worker.output()[-4000:]}")
