"""Fixtures for the fault tests: a Redis server of the test's own that it stops, hangs and starts
again, the test process's cache and Celery app pointed at it, and a real Celery worker on it.

The shared Redis on 6379 (other tests, other people) is never touched: each test starts
``redis-server`` on a free port with a data folder in its temporary directory and no
persistence, so a restart comes back empty, as a broker whose data was lost does. Without
``redis-server`` the tests are skipped with the reason on a developer's machine and FAIL in CI
(``CI=true``), as tests/celery does for the shared Redis.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from config.celery import app as celery_app
from core.cache import ResilientRedisCache
from tests.celery.conftest import (
    Mailbox,
    Worker,
    _reset_connections,
    in_ci,
    launch_worker,
    stop_workers,
    wait_for,
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RedisServer:
    """A ``redis-server`` of the test's own. ``stop()`` shuts it down (connections refused),
    ``hang()`` freezes it (connections accepted, never answered), ``start()`` brings it back
    on the same port, empty."""

    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> Any:
        import redis

        return redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=2)

    def answers(self) -> bool:
        import redis

        try:
            return bool(self.client().ping())
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
            return False

    def start(self) -> None:
        assert self.process is None, "already running"
        log = (self.folder / "redis.log").open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - a fixed program and our own arguments
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port),
             "--bind", "127.0.0.1", "--dir", str(self.folder), "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
        wait_for(self.answers, timeout=10, what=f"redis-server to answer on port {self.port}")

    def stop(self) -> None:
        """Stop it at once (SIGKILL: no goodbye to clients), and wait until the port refuses."""
        if self.process is None:
            return
        with suppress(ProcessLookupError):
            os.kill(self.process.pid, signal.SIGCONT)  # if hung
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None
        wait_for(lambda: not self.answers(), timeout=10, what="the stopped Redis to refuse")

    def hang(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        reason = ("the fault tests start their own Redis and need `redis-server` "
                  "(e.g. `sudo apt-get install redis-server`), which is not installed.")
        if in_ci():
            pytest.fail(f"CI=true and {reason}", pytrace=False)
        pytest.skip(reason)
    folder = tmp_path / "redis"
    folder.mkdir()
    server = RedisServer(folder=folder)
    server.start()
    yield server
    server.stop()


def redis_cache_settings(url: str) -> dict[str, Any]:
    """CACHES as config/settings/base.py builds them when REDIS_URL is set (test settings
    otherwise use a local-memory cache)."""
    return {"default": {"BACKEND": "core.cache.ResilientRedisCache", "LOCATION": url,
                        "OPTIONS": {"socket_connect_timeout": settings.REDIS_CONNECT_TIMEOUT,
                                    "socket_timeout": settings.REDIS_CONNECT_TIMEOUT}}}


@pytest.fixture
def redis_cache(redis_server: RedisServer, settings: Any) -> Iterator[RedisServer]:
    """The cache is the test's Redis, as in production; no outage remembered from before."""
    settings.CACHES = redis_cache_settings(redis_server.url)
    ResilientRedisCache.outage.skip_until = 0.0
    yield redis_server
    ResilientRedisCache.outage.skip_until = 0.0


@contextmanager
def celery_on(url: str, queue: str) -> Iterator[None]:
    """The test process's Celery app sends tasks to ``url``/``queue`` with Redis as its result
    backend too (as in production), with every other setting as configured."""
    keys = ("broker_url", "result_backend", "task_default_queue", "task_always_eager")
    saved = {key: celery_app.conf[key] for key in keys}

    def reset() -> None:
        _reset_connections(celery_app)
        celery_app._backend_cache = None
        with suppress(AttributeError):
            del celery_app._local.backend

    celery_app.conf.update(broker_url=url, result_backend=url, task_default_queue=queue,
                           task_always_eager=False)
    reset()
    try:
        yield
    finally:
        celery_app.conf.update(saved)
        reset()


@pytest.fixture
def celery_redis(redis_server: RedisServer) -> Iterator[RedisServer]:
    with celery_on(redis_server.url, "registry-faults"):
        yield redis_server


@pytest.fixture
def committed_db(transactional_db: None) -> None:
    """A transactional test (what it writes is committed, so another process or connection
    sees it), restored afterwards by serialized rollback like every transactional test
    (tests/conftest.py). The content-type cache is cleared: ids cached by an earlier test may
    no longer exist."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


@pytest.fixture
def start_worker(celery_redis: RedisServer, committed_db: None, tmp_path: Path
                 ) -> Iterator[tuple[Callable[[], Worker], Mailbox]]:
    """``(start, outbox)``: ``start()`` runs a ready ``celery worker`` on the test database and
    the test's Redis, emailing into ``outbox`` (a folder, tests.celery.mailbox)."""
    folder = tmp_path / "mailbox"
    folder.mkdir()
    outbox = Mailbox(folder=folder)
    workers: list[Worker] = []

    def start() -> Worker:
        worker = launch_worker(redis_url=celery_redis.url, queue="registry-faults",
                               mailbox_folder=folder, concurrency=1, name="faults@%h",
                               log=tmp_path / f"worker-{len(workers) + 1}.log")
        workers.append(worker)
        return worker

    yield start, outbox
    stop_workers(workers)
