"""Scheduled partnership jobs (Celery; the schedule is ``CELERY_BEAT_SCHEDULE`` in settings).

Thin by design: each task calls a sweep in ``reminders``; running it twice sends nothing more
(each reminder has its own unique key). Logs and results carry counts and dates only.
"""

from __future__ import annotations

import datetime

from celery import shared_task

from core import clock


def _date(today: str | None) -> datetime.date:
    """The UK date to act for: ``today`` (ISO, for a manual catch-up run) or today."""
    return datetime.date.fromisoformat(today) if today else clock.today()


@shared_task(name="partnerships.remind_reviews")
def remind_reviews(today: str | None = None) -> dict[str, int]:
    """Remind members of their partnership's review coming up, and tell the lead partner's
    managers of one past its date and not recorded (daily)."""
    from .reminders import sweep_reviews

    return sweep_reviews(_date(today))


@shared_task(name="partnerships.remind_agreements")
def remind_agreements(today: str | None = None) -> dict[str, int]:
    """Remind the managers concerned of agreement reviews due soon or overdue, and of
    agreements about to expire (daily)."""
    from .reminders import sweep_agreements

    return sweep_agreements(_date(today))


@shared_task(name="partnerships.agreements_take_effect")
def agreements_take_effect(today: str | None = None) -> dict[str, int]:
    """Bring into force the agreement versions due to take effect by today, each replacing the
    version before it (daily, just after midnight; a second run changes nothing)."""
    from .actions import agreements_take_effect as take_effect

    return {"took_effect": len(take_effect(on=_date(today)))}
