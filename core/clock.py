"""What day it is, in one place. The registry's dates (periods, meetings, orders, due dates) are
UK dates, and the server runs in UTC: between midnight and 1am in summer the two disagree, so
every "today" is asked of Django's current time zone (Europe/London), never of ``date.today()``.

Tests move the clock by patching ``django.utils.timezone.now``, which this follows."""

from __future__ import annotations

import datetime

from django.utils import timezone


def today() -> datetime.date:
    """Today's date in the UK (Django's current time zone, Europe/London)."""
    return timezone.localdate()
