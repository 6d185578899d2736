"""Scheduled casework jobs (Celery; the schedule is ``CELERY_BEAT_SCHEDULE`` in settings).

Thin by design: each task calls what ``retention`` and ``actions`` already do, so running it
twice, or alongside the ``anonymise_cases`` command, changes nothing more. Logs and results
carry case references only, never anything about a person.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from celery import shared_task

from core import clock

from . import continuity_reminders
from .actions import orders_end_due
from .reminders import sweep
from .retention import cases_anonymise_due

logger = logging.getLogger(__name__)


@shared_task(name="referrals.anonymise_due_cases")
def anonymise_due_cases() -> dict[str, Any]:
    """Anonymise the closed cases whose retention period has run out (nightly)."""
    done = cases_anonymise_due()
    if done:
        logger.info("Anonymised %d closed cases past retention: %s", len(done),
                    ", ".join(d.reference for d in done))
    return {"anonymised": len(done), "references": [d.reference for d in done]}


@shared_task(name="referrals.send_end_of_order_notices")
def send_end_of_order_notices() -> dict[str, Any]:
    """Tell every involved agency when an order has ended while treatment continues (daily)."""
    done = orders_end_due()
    sent = [case.reference for case, outcome in done if isinstance(outcome, list)]
    refused = [case.reference for case, outcome in done if not isinstance(outcome, list)]
    if done:
        logger.info("End-of-order notices sent for %s; refused for %s",
                    ", ".join(sent) or "none", ", ".join(refused) or "none")
    return {"notified": sent, "refused": refused}


@shared_task(name="referrals.remind_conferences")
def remind_conferences(today: str | None = None) -> dict[str, int]:
    """Remind the organisations involved in a case of its conferences coming up, and flag to the
    lead agency those past their date and not recorded (daily). ``today``: an ISO date, for a
    manual catch-up run; by default the UK date."""
    return sweep(datetime.date.fromisoformat(today) if today else clock.today())


@shared_task(name="referrals.remind_continuity")
def remind_continuity(today: str | None = None) -> dict[str, int]:
    """Remind the lead agency on day 7 and day 14 after a release from custody with no first
    community appointment recorded, and the releasing prison's partnership managers on day 21
    (daily). ``today``: an ISO date, for a manual catch-up run; by default the UK date."""
    return continuity_reminders.sweep(datetime.date.fromisoformat(today) if today
                                      else clock.today())
