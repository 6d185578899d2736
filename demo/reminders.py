"""The reminders the 07:00 beat would have sent by now, for the demo: the monitoring returns
sweep for each of the last few mornings (returns are dated in the demo's story, so a return
overdue is reminded, then escalated to the lead partner, then to the commissioners funding the
partnership, each dated the morning it went), then every sweep for today. So a first
``make run`` shows what people would have been told without waiting for tomorrow morning. The
casework is dated today, so its sweeps are not replayed: they would remind of a meeting before
the case existed. Running it again sends nothing new (each reminder's key)."""

from __future__ import annotations

import datetime
import logging
from collections import Counter
from collections.abc import Callable

from django.utils import timezone

from core import clock
from demo.inbox import dated

#: How many past mornings are replayed: the longest escalation (a return 28 days overdue is
#: escalated to the commissioners) and the sweeps' catch-up window both fit, whatever the day.
PAST_MORNINGS = 35


def _morning(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(7)))


def sweep_day(day: datetime.date) -> dict[str, int]:
    """Every reminder sweep, as the 07:00 beat runs them on ``day``; returns how many
    notifications each kind created."""
    from monitoring.reminders import sweep as returns
    from partnerships.reminders import sweep_agreements, sweep_reviews
    from referrals.reminders import sweep as conferences

    created: dict[str, int] = {}
    for sweep in (returns, sweep_reviews, sweep_agreements, conferences):
        created.update(sweep(day))
    return created


def send_todays_reminders(*, log: Callable[[str], None] = lambda line: None,
                          mornings: int = PAST_MORNINGS) -> dict[str, int]:
    """Run the returns sweep for each of the last ``mornings`` days (oldest first, each dated
    that morning), then every sweep for today; returns how many notifications each kind
    created."""
    from monitoring.reminders import sweep as returns

    today = clock.today()
    created: Counter[str] = Counter()
    sweeps_log = logging.getLogger("notifications.sweeps")
    level = sweeps_log.level
    sweeps_log.setLevel(logging.WARNING)  # one summary line below, not one a morning
    try:
        for back in range(mornings, 0, -1):
            day = today - datetime.timedelta(days=back)
            with dated(_morning(day)):
                created.update(returns(day))
    finally:
        sweeps_log.setLevel(level)
    created.update(sweep_day(today))
    made = sum(created.values())
    log(f"Reminders of the last {mornings} mornings and today: {made} "
        f"notification{'s' if made != 1 else ''} "
        f"({', '.join(f'{kind} {n}' for kind, n in created.items() if n) or 'none due'})")
    return dict(created)
