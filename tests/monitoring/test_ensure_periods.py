"""The ensure_periods command: creates what is missing up to today, once."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from monitoring.choices import Frequency
from monitoring.models import ReportingPeriod
from tests.monitoring.factories import ReturnRequirementFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("ensure_periods", *args, stdout=out)
    return out.getvalue()


def test_creates_quarters_up_to_today_once():
    out = run("--since", "2024-04-01")
    quarters = ReportingPeriod.objects.filter(frequency=Frequency.QUARTERLY)
    today = timezone.localdate()
    assert quarters.order_by("starts_on").first().starts_on == datetime.date(2024, 4, 1)
    assert quarters.filter(starts_on__lte=today, ends_on__gte=today).count() == 1
    assert not quarters.filter(starts_on__gt=today).exists()
    assert "Quarterly:" in out
    count = ReportingPeriod.objects.count()
    run("--since", "2024-04-01")
    assert ReportingPeriod.objects.count() == count


def test_covers_frequencies_requirements_use():
    ReturnRequirementFactory(frequency=Frequency.MONTHLY)
    run("--since", "2026-01-15")
    months = ReportingPeriod.objects.filter(frequency=Frequency.MONTHLY)
    assert months.order_by("starts_on").first().starts_on == datetime.date(2026, 1, 1)
    first = months.order_by("starts_on").first()
    assert first.due_on == first.ends_on + datetime.timedelta(days=28)


def test_refuses_a_start_after_today():
    with pytest.raises(CommandError, match="after today"):
        run("--since", "2999-01-01")
    assert not ReportingPeriod.objects.exists()
