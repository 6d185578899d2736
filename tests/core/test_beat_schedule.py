"""The beat schedule: every entry names a task a worker knows, at a time that makes sense."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from celery.schedules import crontab
from django.conf import settings

from config.celery import app


def test_every_scheduled_task_is_registered_with_the_worker() -> None:
    app.loader.import_default_modules()  # what a worker does at start: each app's tasks.py
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled - set(app.tasks) == set()
    assert {"monitoring.remind_returns", "partnerships.remind_reviews",
            "partnerships.remind_agreements", "referrals.remind_conferences",
            "referrals.remind_continuity", "governance.remind_actions",
            "notifications.send_digests",
            "notifications.redeliver_pending"} <= scheduled


def test_the_reminder_sweeps_run_every_morning_before_the_working_day() -> None:
    sweeps = [entry for entry in settings.CELERY_BEAT_SCHEDULE.values()
              if entry["task"].split(".")[1].startswith("remind_")]
    assert len(sweeps) == 6
    for entry in sweeps:
        schedule = entry["schedule"]
        assert isinstance(schedule, crontab)
        assert schedule.hour == {7}, entry["task"]
        assert schedule.day_of_month == set(range(1, 32))  # every day, weekends included
        assert schedule.day_of_week == set(range(7))


def test_lost_deliveries_are_queued_again_every_quarter_hour() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["redeliver-pending-notifications"]
    assert entry["schedule"].minute == {0, 15, 30, 45}
    assert entry["schedule"].hour == set(range(24))


def test_the_beat_runs_in_uk_time() -> None:
    assert settings.CELERY_TIMEZONE == "Europe/London"


def _settings_in_a_new_process(**environment: str) -> subprocess.CompletedProcess:
    code = ("from django.conf import settings as s; import json; print(json.dumps("
            "{e['task']: [sorted(e['schedule'].hour), sorted(e['schedule'].minute)] "
            "for e in s.CELERY_BEAT_SCHEDULE.values()}))")
    env = {**os.environ, "DJANGO_ENV": "test", "DJANGO_SETTINGS_MODULE": "config.settings",
           **environment}
    return subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"],
                          env=env, capture_output=True, text=True, timeout=60, check=False)


def test_the_sweep_and_digest_times_come_from_the_environment() -> None:
    done = _settings_in_a_new_process(REMINDER_SWEEPS_AT="06:50", DIGEST_AT="16:05")
    assert done.returncode == 0, done.stderr
    times = json.loads(done.stdout)
    assert times["monitoring.remind_returns"] == [[6], [50]]
    assert times["partnerships.remind_reviews"] == [[6], [55]]
    assert times["partnerships.remind_agreements"] == [[7], [0]]
    assert times["referrals.remind_conferences"] == [[7], [5]]
    assert times["referrals.remind_continuity"] == [[7], [10]]
    assert times["governance.remind_actions"] == [[7], [15]]
    assert times["notifications.send_digests"] == [[16], [5]]


def test_a_malformed_time_is_refused_with_its_name() -> None:
    done = _settings_in_a_new_process(REMINDER_SWEEPS_AT="7am")
    assert done.returncode != 0
    assert "REMINDER_SWEEPS_AT must be a time of day as HH:MM" in done.stderr


def test_the_default_visibility_timeout_passes_the_check() -> None:
    from notifications.checks import visibility_timeout_outlasts_tasks

    assert visibility_timeout_outlasts_tasks() == []


def test_a_visibility_timeout_shorter_than_a_task_and_its_retry_fails_the_check(
        settings: Any) -> None:
    from notifications.checks import visibility_timeout_outlasts_tasks

    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
    (error,) = visibility_timeout_outlasts_tasks()
    assert error.id == "notifications.E001"
    assert "CELERY_VISIBILITY_TIMEOUT is 600 seconds; it must be longer than 900" in error.msg
