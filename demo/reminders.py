"""Today's reminders for the demo: the sweeps the 07:00 beat runs, run once as the demo loads,
so a first ``make run`` shows notifications (and the worker prints their emails) without
waiting for tomorrow morning. Running it again sends nothing new (each reminder's key)."""

from __future__ import annotations

from collections.abc import Callable

from core import clock


def send_todays_reminders(*, log: Callable[[str], None] = lambda line: None) -> dict[str, int]:
    """Run every reminder sweep for today; returns how many notifications each kind created."""
    from monitoring.reminders import sweep as returns
    from partnerships.reminders import sweep_agreements, sweep_reviews
    from referrals.reminders import sweep as conferences

    today = clock.today()
    created: dict[str, int] = {}
    for sweep in (returns, sweep_reviews, sweep_agreements, conferences):
        created.update(sweep(today))
    made = sum(created.values())
    log(f"Reminders for today: {made} notification{'s' if made != 1 else ''} "
        f"({', '.join(f'{kind} {n}' for kind, n in created.items() if n) or 'none due'})")
    return created
