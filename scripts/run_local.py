#!/usr/bin/env python3
"""``make run``: the development web server and one Celery worker with beat embedded, together.

Reminders are sent by Celery, so a first run needs a real worker and beat for them to work;
without ``REDIS_URL`` the development settings give Celery a broker kept in files under
``.celery/`` (config/settings/local.py), so nothing has to be installed.

The worker and runserver each run in a process group of their own, so this script alone decides
when they stop: on Ctrl+C, on SIGTERM/SIGHUP, or when runserver exits, each whole group is asked
to stop (for the worker, a warm shutdown) and killed if it has not within a few seconds. On
Linux both are also told by the kernel to stop if this script dies without cleaning up
(PR_SET_PDEATHSIG), so nothing is left behind.

Usage: ``python scripts/run_local.py [HOST:PORT]``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import MutableMapping
from contextlib import suppress
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
STOP_GRACE_SECONDS = 10


def worker_command(python: str = sys.executable) -> list[str]:
    """One worker with beat embedded (exactly one beat: it is the only one on a laptop). One
    pool process is enough for a developer, and keeps SQLite's single writer uncontended."""
    return [python, "-m", "celery", "-A", "config", "worker", "--beat", "--loglevel=INFO",
            "--concurrency=1", "--without-gossip", "--without-mingle", "--without-heartbeat"]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask Linux to send SIGTERM to the worker when this script dies, however it dies."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the finally block in main() still stops the worker


def start(command: list[str]) -> subprocess.Popen:
    """Start ``command`` in a process group of its own (so a stop reaches its children too:
    the worker's pool and beat processes, runserver's autoreloaded server)."""
    return subprocess.Popen(command, cwd=ROOT, process_group=0,  # noqa: S603
                            preexec_fn=_die_with_parent if sys.platform == "linux" else None)


def stop(process: subprocess.Popen, *, term_group: bool) -> None:
    """Stop ``process`` and everything in its process group: SIGTERM first, SIGKILL to the
    group after the grace period, and to any process of the group left over.

    The worker's SIGTERM goes to its main process only: that is Celery's warm shutdown, which
    lets a task being sent finish and stops the pool and beat processes itself (signalled
    directly, they would die mid-task). runserver's goes to its group, since its autoreloader
    does not pass it on to the server it runs."""
    def send(sig: int, *, group: bool) -> None:
        with suppress(ProcessLookupError):
            if group:
                os.killpg(process.pid, sig)
            elif process.poll() is None:
                process.send_signal(sig)

    send(signal.SIGTERM, group=term_group)
    try:
        process.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL, group=True)
        process.wait(timeout=STOP_GRACE_SECONDS)
    send(signal.SIGKILL, group=True)


def describe() -> str:
    """Where the worker's broker and emails are, in one line (no credentials)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django
    from django.conf import settings

    django.setup()
    broker = ("files in .celery/ (no REDIS_URL)"
              if settings.CELERY_BROKER_URL.startswith("filesystem") else "Redis (REDIS_URL)")
    emails = ("printed here, in this terminal (console)"
              if settings.EMAIL_BACKEND.endswith("console.EmailBackend")
              else f"sent with {settings.EMAIL_BACKEND} (EMAIL_URL)")
    return f"Celery worker and beat are running; broker: {broker}; emails are {emails}."


def _in_dotenv(name: str) -> bool:
    dotenv = ROOT / ".env"
    return dotenv.exists() and any(
        line.strip().startswith(f"{name}=") for line in dotenv.read_text().splitlines())


def use_service_error_pages(environ: MutableMapping[str, str]) -> None:
    """``make run`` is what a newcomer starts, so it shows the service's own "Page not found"
    and "Sorry, there is a problem with the service" pages, never Django's debug page: DEBUG
    is off unless the developer asks for it (``DEBUG=true make run``, or DEBUG in .env).
    Static files are still served, by WhiteNoise from the app folders (config/settings/local.py).
    See docs/decisions/0020-make-run-without-debug.md."""
    if "DEBUG" not in environ and not _in_dotenv("DEBUG"):
        environ["DEBUG"] = "false"


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str]) -> int:
    address = argv[1] if len(argv) > 1 else "127.0.0.1:8000"
    # Ctrl+C must work even when started with SIGINT ignored (as a background job is).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGHUP, _exit_on_signal)
    # Links in emails point at this server unless SITE_URL is set (here or in .env).
    if "SITE_URL" not in os.environ and not _in_dotenv("SITE_URL"):
        os.environ["SITE_URL"] = f"http://{address}"
    use_service_error_pages(os.environ)
    line = describe()
    worker, server = start(worker_command()), None
    try:
        print(line, flush=True)
        # Ctrl+C in the terminal reaches only this script (the children have their own process
        # groups), which then stops both.
        server = start([sys.executable, "manage.py", "runserver", address])
        warned = False
        while server.poll() is None:
            if worker.poll() is not None and not warned:
                print(f"WARNING: the Celery worker stopped (exit {worker.returncode}); reminders "
                      "and emails will not be sent. Its output is above.", flush=True)
                warned = True
            time.sleep(0.5)
        return server.returncode
    except KeyboardInterrupt:
        return 0
    finally:
        if server is not None:
            stop(server, term_group=True)
        stop(worker, term_group=False)
        print("Stopped the web server and the Celery worker.", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
