"""Every frequency a requirement may use works end to end, as a provider and the lead partner meet
it: the daily ``ensure_periods`` task creates the periods, the one just ended is owed, the
provider starts it, saves a draft, checks and submits it, and it shows on the dashboard for that
frequency under its own label ("April 2026", "2025–26 Q4", "2025 to 2026")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from monitoring import selectors
from monitoring.choices import Frequency, ReturnStatus
from monitoring.models import MonitoringReturn, ReportingPeriod
from monitoring.tasks import ensure_periods
from tests.html import text
from tests.monitoring.factories import ReturnRequirementFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 5, 10)

#: frequency → (the label of the period just ended, its first and last day)
JUST_ENDED = {
    Frequency.MONTHLY: ("April 2026", dt.date(2026, 4, 1), dt.date(2026, 4, 30)),
    Frequency.QUARTERLY: ("2025–26 Q4", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
    Frequency.ANNUAL: ("2025 to 2026", dt.date(2025, 4, 1), dt.date(2026, 3, 31)),
}


@pytest.fixture
def on_today(monkeypatch):
    """The clock (``core.clock`` follows ``timezone.now``) at midday on ``TODAY``."""
    moment = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(12)))
    monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.mark.parametrize("frequency", list(Frequency))
def test_each_frequency_from_ensure_periods_to_the_dashboard(client, s, on_today, frequency):
    if frequency != Frequency.QUARTERLY:  # s's provider already owes quarterly returns
        ReturnRequirementFactory(organisation=s.provider, partnership=s.partnership,
                                 frequency=frequency,
                                 frameworks=[s.commissioner_fw, s.partnership_fw])
    ensure_periods()
    label, starts_on, ends_on = JUST_ENDED[frequency]
    period = ReportingPeriod.objects.get(frequency=frequency, starts_on=starts_on)
    assert (period.label, period.ends_on) == (label, ends_on)
    assert period.due_on == ends_on + dt.timedelta(days=28)

    # Owed: listed on the provider's returns page, with a Start button.
    owed = selectors.owed_returns(s.staff)
    rows = [r for r in owed.due + owed.attention if r.period == period]
    assert len(rows) == 1 and rows[0].action == "start" and rows[0].submission_open
    client.force_login(s.staff)
    assert label in text(client.get(reverse("monitoring:my-returns")).content.decode())

    # Start, save a draft, continue to check, submit.
    response = client.post(reverse("monitoring:return-start"),
                           {"partnership": s.partnership.pk, "period": period.pk})
    ret = MonitoringReturn.objects.get(period=period)
    edit = reverse("monitoring:return-edit", args=[ret.pk])
    assert response["Location"] == edit
    assert label in text(client.get(edit).content.decode())
    figures = {"figure-starts": "10", "figure-completions": "4"}
    assert client.post(edit, {"version": ret.version, "action": "save",
                              **figures})["Location"] == edit
    ret.refresh_from_db()
    check = reverse("monitoring:return-check", args=[ret.pk])
    assert client.post(edit, {"version": ret.version, "action": "continue",
                              **figures})["Location"] == check
    ret.refresh_from_db()
    client.post(check, {"version": ret.version})
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.SUBMITTED

    # The lead partner sees it on the dashboard for that frequency.
    client.force_login(s.manager)
    html = client.get(reverse("monitoring:dashboard", args=[s.partnership.slug]),
                      {"frequency": frequency, "periods": "3"}).content.decode()
    words = text(html)
    assert label in words
    assert f"Submitted: {s.provider.name}, {label}" in words or \
        f"{s.provider.name}, {label}" in words
    assert f'value="{frequency}" selected' in html

    # The API lists it under that frequency (and not under the others).
    from tests.api.test_permissions import token_client

    api = token_client(s.manager)
    for other in Frequency:
        body = api.get(reverse("return-list"), {"frequency": other}).json()
        ids = [row["id"] for row in body["results"]]
        assert (ret.pk in ids) == (other == frequency), other
