"""Which broker each environment gets, and the embedded one ``make run`` uses, for real.

Development without REDIS_URL must give a working worker and beat (reminders on the first run)
with nothing installed: kombu's filesystem transport in a local folder. Production must refuse
to start without Redis. These run on SQLite and PostgreSQL alike (no database is involved).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.celery.conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]
PROD_KEY = "x" * 20 + "-production-secret-key-for-tests-only-0123456789"


def clean_env(**overrides: str) -> dict[str, str]:
    """Only what we pass (plus what Python needs): no REDIS_URL or DJANGO_ENV from outside."""
    env = {k: v for k, v in os.environ.items()
           if k in ("PATH", "HOME", "LANG", "SYSTEMROOT", "VIRTUAL_ENV")}
    return {**env, "DJANGO_SETTINGS_MODULE": "config.settings", **overrides}


def celery_conf(**env: str) -> dict:
    code = ("import json; from config.celery import app; c = app.conf; "
            "print(json.dumps({'broker': c.broker_url, 'options': c.broker_transport_options, "
            "'results': c.result_backend, 'schedule': c.beat_schedule_filename, "
            "'queue': c.task_default_queue}))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean_env(**env),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_development_without_redis_uses_a_broker_in_files(tmp_path: Path) -> None:
    folder = tmp_path / "celery"
    conf = celery_conf(DJANGO_ENV="development", REDIS_URL="", LOCAL_CELERY_DIR=str(folder))

    assert conf["broker"].startswith("filesystem://")
    options = conf["options"]
    assert options["data_folder_in"] == options["data_folder_out"] == str(folder / "messages")
    assert options["control_folder"] == str(folder / "control")
    assert options["processed_folder"] == str(folder / "processed")
    for name in ("messages", "control", "processed"):
        assert (folder / name).is_dir()  # kombu needs them to exist
    assert "*" in (folder / ".gitignore").read_text().split()
    assert conf["results"] is None
    assert conf["schedule"] == str(folder / "celerybeat-schedule")


def test_development_with_redis_and_the_visibility_timeout_from_the_environment(
        tmp_path: Path) -> None:
    default = celery_conf(DJANGO_ENV="development", REDIS_URL="redis://127.0.0.1:6379/3",
                          LOCAL_CELERY_DIR=str(tmp_path))
    short = celery_conf(DJANGO_ENV="test", REDIS_URL="redis://127.0.0.1:6379/3",
                        CELERY_VISIBILITY_TIMEOUT="5", CELERY_QUEUE="registry-a")

    assert default["broker"] == "redis://127.0.0.1:6379/3"
    # Short socket timeouts too, so a web request never hangs on a Redis that is down
    # (tests/faults).
    assert default["options"] == {"visibility_timeout": 2 * 60 * 60,
                                  "socket_connect_timeout": 1.0, "socket_timeout": 3.0}
    assert default["queue"] == "celery"
    assert (short["options"]["visibility_timeout"], short["queue"]) == (5, "registry-a")


def test_production_refuses_to_start_without_redis() -> None:
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT,
                            env=clean_env(DJANGO_ENV="production", SECRET_KEY=PROD_KEY,
                                          ALLOWED_HOSTS="registry.example.org", REDIS_URL="",
                                          EMAIL_URL="smtp://mail.example.org:25"),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "REDIS_URL must be set in production" in result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def processes_with(marker: str) -> list[int]:
    """Live (not zombie) processes whose environment contains ``marker``: everything the run
    started, however deep, since children inherit the environment."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker.encode() not in environ.read_bytes().split(b"\0"):
                continue
            state = (environ.parent / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in ("Z", "X"):
            found.append(int(environ.parent.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux's /proc")
@pytest.mark.parametrize("how", ["Ctrl+C", "SIGTERM"])
def test_make_run_runs_a_worker_and_beat_on_the_embedded_broker_and_stops_them(
        tmp_path: Path, how: str) -> None:
    """``scripts/run_local.py`` as ``make run`` starts it, with no REDIS_URL: a task sent by
    another process (as the web server would) runs, beat starts, and stopping the script
    leaves no process behind."""
    folder = tmp_path / "celery"
    marker = f"LOCAL_CELERY_DIR={folder}"
    env = clean_env(DJANGO_ENV="development", REDIS_URL="", LOCAL_CELERY_DIR=str(folder),
                    DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", PYTHONUNBUFFERED="1")
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        run = subprocess.Popen(  # noqa: S603
            [sys.executable, "scripts/run_local.py", f"127.0.0.1:{free_port()}"], cwd=ROOT,
            env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            process_group=0)
    banner = ("Celery worker and beat are running; broker: files in .celery/ (no REDIS_URL); "
              "emails are printed here, in this terminal (console).")
    try:
        wait_for(lambda: banner in log.read_text(), timeout=30, what="the banner")
        if how == "Ctrl+C":
            wait_for(lambda: " ready." in log.read_text(), timeout=30,
                     what="the worker to start")
            sent = subprocess.run(
                [sys.executable, "-m", "celery", "-A", "config", "call", "celery.accumulate",
                 "--args", "[1, 2]"], cwd=ROOT, env=env, capture_output=True, text=True,
                timeout=60)
            assert sent.returncode == 0, sent.stderr
            task_id = sent.stdout.strip().splitlines()[-1]
            wait_for(lambda: f"celery.accumulate[{task_id}] succeeded" in log.read_text(),
                     timeout=20, what="the task to run")
            wait_for(lambda: "beat: Starting" in log.read_text(), timeout=10, what="beat")
            os.killpg(run.pid, signal.SIGINT)  # what the terminal does on Ctrl+C
        else:
            wait_for(lambda: "Quit the server with" in log.read_text(), timeout=30,
                     what="runserver to start")
            run.send_signal(signal.SIGTERM)  # to the script alone
        run.wait(timeout=30)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    output = log.read_text()
    assert "Stopped the web server and the Celery worker." in output, output[-3000:]
    wait_for(lambda: not processes_with(marker), timeout=10,
             what="every process the run started to exit")
