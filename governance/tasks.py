"""Scheduled governance jobs (Celery; the schedule is ``CELERY_BEAT_SCHEDULE`` in settings).
Thin by design: each task calls what the app's modules already do, so running it twice changes
nothing more."""

from __future__ import annotations

import datetime

from celery import shared_task

from core import clock

from . import reminders


@shared_task(name="governance.remind_actions")
def remind_actions(today: str | None = None) -> dict[str, int]:
    """Remind the owners of actions past their due date, once per action and person (daily).
    ``today``: an ISO date, for a manual catch-up run; by default the UK date."""
    return reminders.sweep(datetime.date.fromisoformat(today) if today else clock.today())
