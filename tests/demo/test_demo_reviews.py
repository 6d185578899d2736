"""load_demo's quarterly reviews: North Pennine held one in each of the last four quarters with
realistic attendance (a statutory partner missing twice, one organisation sending no one), the
next one planned in the future, a first review planned for every other active partnership, the
pages open for the demo logins, and a second run that changes nothing."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.models import AuditEvent
from demo.reviews import PARTNERSHIP, held_dates
from partnerships.actions import next_review_on
from partnerships.choices import PartnershipStatus, ReviewStatus
from partnerships.engagement import engagement_report
from partnerships.models import Partnership, ReviewAttendance, ReviewMeeting


def run_load_demo() -> str:
    out = StringIO()
    call_command("load_demo", "--force", stdout=out)
    return out.getvalue()


def counts() -> tuple[int, int, int]:
    return (ReviewMeeting.objects.count(), ReviewAttendance.objects.count(),
            AuditEvent.objects.count())


@pytest.fixture
def demo(demo_loaded: str, db: None) -> str:
    """The demo, loaded once for this module (tests/demo/conftest.py)."""
    return demo_loaded


def test_north_pennine_reviews_and_engagement(demo: str) -> None:
    today = timezone.localdate()
    p = Partnership.objects.get(slug=PARTNERSHIP)
    held = list(p.review_meetings.filter(status=ReviewStatus.HELD).order_by("held_on"))
    assert [m.held_on for m in held] == held_dates(today)
    assert all(m.held_on.weekday() == 1 and m.recorded_by.username == "demo-manager"
               for m in held)
    planned = p.review_meetings.get(status=ReviewStatus.PLANNED)
    assert planned.planned_on == next_review_on(held[-1].held_on)
    assert len(held) in (3, 4)  # the current quarter's once its review day has come
    assert f"Quarterly reviews of North Pennine Prisons Recovery Partnership: {len(held)} held" \
        in demo

    report = engagement_report(p, today)
    assert len(report.reviews) == len(held)  # all within the report's four quarters
    first = report.rows[0]
    assert first.organisation.name == "Second Chance Recovery CIC"
    assert first.sent_no_one and report.sent_no_one_count == 1
    kelder = next(r for r in report.rows if r.organisation.name == "HMP Kelder Fell")
    assert kelder.is_statutory and (kelder.attended, kelder.expected) == (len(held) - 2,
                                                                          len(held))
    lead = next(r for r in report.rows if r.organisation.name == "Northgate Recovery Trust")
    assert lead.rate == 100


def test_every_other_active_partnership_has_a_review_planned(demo: str) -> None:
    others = Partnership.objects.filter(status=PartnershipStatus.ACTIVE).exclude(slug=PARTNERSHIP)
    assert others.exists()
    for p in others:
        assert p.review_meetings.get().status == ReviewStatus.PLANNED


def test_demo_logins_open_the_pages(demo: str, client) -> None:
    reviews = reverse("partnerships:reviews", args=[PARTNERSHIP])
    engagement = reverse("partnerships:engagement", args=[PARTNERSHIP])
    client.force_login(User.objects.get(username="demo-manager"))
    assert client.get(reviews).status_code == 200
    page = client.get(engagement)
    assert page.status_code == 200
    assert "Second Chance Recovery CIC" in page.content.decode()
    client.force_login(User.objects.get(username="demo-provider"))  # Turning Tide, a member
    assert client.get(reviews).status_code == 200
    assert client.get(engagement).status_code == 404


def test_second_run_changes_nothing(demo: str) -> None:
    before = counts()
    second = run_load_demo()
    assert counts() == before
    assert "Quarterly reviews of North Pennine Prisons Recovery Partnership: already loaded" \
        in second


@pytest.mark.parametrize(("today", "expected"), [
    # 25 November 2026: a review in each of 2025–26 Q4 and 2026–27 Q1, Q2 and Q3.
    (datetime.date(2026, 11, 25), [datetime.date(2026, 2, 10), datetime.date(2026, 5, 12),
                                   datetime.date(2026, 8, 11), datetime.date(2026, 11, 10)]),
    # 2 October 2026: the current quarter's review day has not come yet.
    (datetime.date(2026, 10, 2), [datetime.date(2026, 2, 10), datetime.date(2026, 5, 12),
                                  datetime.date(2026, 8, 11)]),
])
def test_held_dates(today: datetime.date, expected: list[datetime.date]) -> None:
    assert held_dates(today) == expected
