"""Create the reporting periods returns are owed for, up to the one containing today.

Returns can only be started for periods that exist, so this runs daily (cron or, from issue 6,
Celery beat) and once after set-up. Safe to run any number of times.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core import clock
from core.periods import financial_year_bounds, financial_year_start
from monitoring.actions import periods_ensure
from monitoring.choices import Frequency
from monitoring.models import ReturnRequirement


class Command(BaseCommand):
    help = ("Create missing reporting periods (quarterly, plus any frequency a requirement uses) "
            "from --since up to the period containing today.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--since", type=datetime.date.fromisoformat,
                            help="First date to cover (YYYY-MM-DD). Default: the start of the "
                                 "previous UK financial year.")

    def handle(self, *args: Any, since: datetime.date | None = None, **options: Any) -> None:
        today = clock.today()
        if since is None:
            since = financial_year_bounds(financial_year_start(today) - 1)[0]
        if since > today:
            raise CommandError(f"--since {since:%Y-%m-%d} is after today ({today:%Y-%m-%d}).")
        frequencies = {Frequency.QUARTERLY} | set(
            ReturnRequirement.objects.values_list("frequency", flat=True).distinct())
        for frequency in sorted(frequencies):
            periods = periods_ensure(start=since, end=today, frequency=frequency)
            self.stdout.write(f"{Frequency(frequency).label}: {len(periods)} periods from "
                              f"{periods[0]} to {periods[-1]} are in place.")
