"""Shared set-up for the bench scripts: find the project, configure Django, insist on PostgreSQL.

The scripts run as plain files (``.venv/bin/python bench/generate.py``), so this module puts the
project root on ``sys.path`` before Django is imported.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The username of the commissioner the generator creates and the benchmark signs in as.
BENCH_USER_PREFIX = "bench-"
BENCH_COMMISSIONER = "bench-commissioner"


def setup_django(*, debug: bool | None = None) -> None:
    """Configure Django from ``config.settings`` (DATABASE_URL picks the database).

    ``debug=False`` switches DEBUG off before the settings load, so Django does not keep every
    query in ``connection.queries`` and templates render as in production.
    """
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if debug is not None:
        os.environ["DEBUG"] = "1" if debug else "0"
    import django

    django.setup()


def isolate_from_workers() -> None:
    """Keep everything a bench script queues or mails in this process: Celery's in-memory broker
    with no worker, not eager, and in-memory email. Development settings point Celery at a
    folder shared with a local worker (or at Redis): a worker there must never pick up the
    benchmark's deliveries. Exits if the broker is anything else."""
    from django.conf import settings

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from config.celery import app

    app.conf.broker_url = "memory://"
    app.conf.broker_transport_options = {}
    app.conf.result_backend = None
    app.conf.task_always_eager = False
    with app.connection_for_write() as conn:
        if conn.transport_cls != "memory":
            sys.exit(f"Celery's broker is {conn.transport_cls}; the benchmark needs memory://")


def require_postgresql() -> str:
    """The name of the PostgreSQL database in use; exit with a clear message on anything else.

    Without DATABASE_URL the project falls back to the development SQLite file, which the
    generator must never fill (or wipe) by accident.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit(
            f"The bench scripts need PostgreSQL, but the database is {connection.vendor} "
            f"({connection.settings_dict.get('NAME')}). Set DATABASE_URL, e.g.\n"
            "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_bench"
        )
    return str(connection.settings_dict["NAME"])


class Progress:
    """Prints one line per phase: what was made, how many rows, how long it took."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.phase_started = self.started

    def start(self, phase: str) -> None:
        self.phase_started = time.perf_counter()
        print(f"  {phase} ...", end="", flush=True)

    def done(self, **counts: int) -> None:
        now = time.perf_counter()
        parts = ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in counts.items())
        print(f" {parts} ({now - self.phase_started:.1f}s, total {now - self.started:.1f}s)",
              flush=True)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started
