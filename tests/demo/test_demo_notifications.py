"""load_demo tells the demo logins what happened, through the actions: each login opens the
service to unread notifications and (all but the commissioner) something in "Your work"; the
history the demo replays is read; a second load tells nobody anything twice."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from composition.selectors.your_work import your_work
from demo.inbox import UNREAD_DAYS
from monitoring.choices import ReturnStatus
from monitoring.models import MonitoringReturn
from notifications.models import Notification
from partnerships.choices import AgreementStatus
from partnerships.models import Signatory

LOGINS = ["demo-admin", "demo-commissioner", "demo-manager", "demo-partner", "demo-provider"]
#: 7 December 2026: the latest quarter that has ended (July to September) was due on
#: 28 October, so its missing returns have been escalated to the funders' commissioners.
EIGHT_WEEKS_INTO_A_QUARTER = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


def load() -> str:
    out = StringIO()
    call_command("load_demo", "--force", stdout=out)
    return out.getvalue()


def unread(username: str) -> list[Notification]:
    return list(Notification.objects.filter(recipient__username=username, read_at__isnull=True)
                .order_by("created_on", "id"))


def kinds(username: str) -> set[str]:
    return {n.kind for n in unread(username)}


def has_work(username: str) -> bool:
    return your_work(User.objects.get(username=username), notifications=False).has_work


@pytest.mark.django_db
def test_each_login_has_news_and_work_and_a_second_load_tells_nobody_twice():
    load()

    # The people the events are for hear of them, as the actions tell them.
    assert {"referral_accepted", "return_submitted"} <= kinds("demo-manager")
    assert "referral_received" in kinds("demo-provider")
    assert "agreement_signature_needed" in kinds("demo-partner")
    for username in ("demo-manager", "demo-partner", "demo-provider"):
        assert unread(username), username
        assert has_work(username), username
    assert has_work("demo-admin")  # the returns waiting for review

    before = {u: [n.pk for n in unread(u)] for u in LOGINS}
    total = Notification.objects.count()
    out = load()
    assert Notification.objects.count() == total
    assert {u: [n.pk for n in unread(u)] for u in LOGINS} == before
    assert "Notifications of the demo's events: 0 new" in out


@pytest.mark.django_db
def test_the_replayed_history_is_read_and_what_is_waiting_is_not():
    load()
    now = timezone.now()
    made = Notification.objects.filter(recipient__username__in=LOGINS)
    # Years of history are replayed, but nobody opens the service to it.
    assert made.filter(read_at__isnull=False).count() > made.filter(read_at__isnull=True).count()
    assert not made.filter(read_at__isnull=True,
                           created_on__lt=now - dt.timedelta(days=UNREAD_DAYS)).exists()
    # A request for a signature stays unread exactly while that signature is missing.
    for n in made.filter(kind="agreement_signature_needed").select_related("recipient"):
        missing = Signatory.objects.filter(
            agreement_id=int(n.object_id), organisation_id=n.recipient.organisation_id,
            signed_on__isnull=True, agreement__status__in=AgreementStatus.pending()).exists()
        assert (n.read_at is None) == missing, n.subject
    # The release handover renewal waits for Moorside (demo-partner), not for Northgate
    # (demo-manager), which has signed it.
    assert any("Release handover" in n.subject for n in unread("demo-partner")
               if n.kind == "agreement_signature_needed")
    assert "agreement_signature_needed" not in kinds("demo-manager")
    # A return the reviewer already reviewed is not "to review" any more: they opened it.
    for n in made.filter(kind="return_submitted", read_at__isnull=True):
        assert MonitoringReturn.objects.get(pk=int(n.object_id)).status == \
            ReturnStatus.SUBMITTED, n.subject
    assert made.filter(kind="return_submitted", read_at__isnull=True).exists()
    # The referral the provider already accepted was opened; the one waiting was not.
    received = [n for n in unread("demo-provider") if n.kind == "referral_received"]
    assert len(received) == 1


@pytest.mark.django_db
def test_eight_weeks_into_a_quarter_the_commissioner_hears_of_returns_still_missing(
        monkeypatch):
    """The commissioner has nothing to act on (search stays home), but the funders'
    commissioners are told when a return is still missing 28 days after its due date, which
    the demo's beat replay sends. Earlier in a quarter nothing is that late, so a commissioner
    signing in then has no unread notifications."""
    monkeypatch.setattr(timezone, "now", lambda: EIGHT_WEEKS_INTO_A_QUARTER)
    load()

    news = unread("demo-commissioner")
    assert news and {n.kind for n in news} == {"return_overdue_commissioner"}
    assert all("North Pennine Prisons Recovery Partnership" in n.subject for n in news)
    assert not has_work("demo-commissioner")
    # The lead partner was told first (escalated at 14 days), dated the morning it went.
    escalated = [n for n in unread("demo-manager") if n.kind == "return_overdue_escalated"]
    assert escalated
    assert {timezone.localtime(n.created_on).date() for n in escalated} == {
        dt.date(2026, 11, 11)}
    for username in ("demo-manager", "demo-partner", "demo-provider"):
        assert unread(username) and has_work(username), username
