"""Scheduled monitoring jobs (Celery; the schedule is ``CELERY_BEAT_SCHEDULE`` in settings).

Thin by design: each task calls what ``actions`` and ``reminders`` already do, and running it
twice changes nothing more (periods are created once; each reminder has its own unique key).
Logs and results carry counts and dates only.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from celery import shared_task

from core import clock

logger = logging.getLogger(__name__)


def _date(today: str | None) -> datetime.date:
    """The UK date to act for: ``today`` (ISO, for a manual catch-up run) or today."""
    return datetime.date.fromisoformat(today) if today else clock.today()


@shared_task(name="monitoring.remind_returns")
def remind_returns(today: str | None = None) -> dict[str, int]:
    """Remind providers of returns due soon or overdue, and escalate overdue ones (daily)."""
    from .reminders import sweep

    return sweep(_date(today))


@shared_task(name="monitoring.ensure_periods")
def ensure_periods(today: str | None = None) -> dict[str, Any]:
    """Create the reporting periods for the quarter containing today and the one before, at
    every frequency in use (daily, so returns can be started as soon as a period opens)."""
    from .actions import periods_ensure
    from .choices import Frequency
    from .models import ReturnRequirement, quarter_for

    day = _date(today)
    since = quarter_for(quarter_for(day)[0] - datetime.timedelta(days=1))[0]
    frequencies = {Frequency.QUARTERLY} | set(
        ReturnRequirement.objects.values_list("frequency", flat=True).distinct())
    result = {}
    for frequency in sorted(frequencies):
        periods = periods_ensure(start=since, end=day, frequency=frequency)
        result[str(frequency)] = [p.label for p in periods]
    logger.info("Reporting periods in place: %s", result)
    return result
