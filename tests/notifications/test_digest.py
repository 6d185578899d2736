"""The daily digest: one email per user listing what they gather, exactly once."""

from __future__ import annotations

import datetime
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

from notifications import actions, digest
from notifications.models import EmailStatus, Notification
from notifications.tasks import send_digest, send_digests
from tests.accounts.factories import ProviderStaffFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 10, 26)  # the clocks go back that morning


class FailingBackend(BaseEmailBackend):
    """An SMTP server that is down (Django's mail backend interface, not our code)."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("gone")


@pytest.fixture
def waiting(recipient):
    """``waiting(n, to=..., kind=..., status=...)``: n notifications left for the digest."""
    counter = iter(range(1, 10_000))

    def make(n=1, *, to=None, kind="return_overdue", status=EmailStatus.DIGEST, **fields):
        rows = []
        for _ in range(n):
            number = next(counter)
            values = {"subject": f"Return RET-{number} is overdue",
                      "body": "Past its due date.", "url": "/monitoring/returns/", **fields}
            rows.append(Notification.objects.create(
                kind=kind, key=f"digest-test:{number}", recipient=to or recipient,
                email_status=status, **values))
        return rows

    return make


def run_sweep(django_capture_on_commit_callbacks, today="2025-10-26"):
    """The beat task, with the per-user tasks it queues run (eagerly) after commit."""
    with django_capture_on_commit_callbacks(execute=True):
        return send_digests.apply(kwargs={"today": today}).get()


def test_one_email_lists_them_all_and_marks_them(recipient, waiting,
                                                 django_capture_on_commit_callbacks):
    rows = waiting(3)
    assert run_sweep(django_capture_on_commit_callbacks) == {"day": "2025-10-26", "users": 1}
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [recipient.email]
    assert email.subject == "Your Partnership Registry notifications: 3 new"
    for row in rows:
        assert row.subject in email.body
        assert reverse("notifications:open", args=[row.pk]) in email.body
    assert email.body.index(rows[0].subject) < email.body.index(rows[2].subject)
    assert "http://" in email.body or "https://" in email.body
    assert set(Notification.objects.values_list("digested_on", flat=True)) == {DAY}


def test_a_second_run_sends_nothing(waiting, django_capture_on_commit_callbacks):
    waiting(2)
    run_sweep(django_capture_on_commit_callbacks)
    assert run_sweep(django_capture_on_commit_callbacks) == {"day": "2025-10-26", "users": 0}
    assert len(mail.outbox) == 1
    # A duplicate per-user task (redelivered after a lost worker) sends nothing either.
    assert send_digest.apply(args=[Notification.objects.first().recipient_id,
                                   DAY.isoformat()]).get() == 0
    assert len(mail.outbox) == 1


def test_only_undigested_digest_rows(recipient, waiting, django_capture_on_commit_callbacks):
    wanted = waiting(1)
    for status in (EmailStatus.PENDING, EmailStatus.SENT, EmailStatus.OPTED_OUT,
                   EmailStatus.NO_ADDRESS):
        waiting(1, status=status)
    waiting(1, digested_on=DAY - datetime.timedelta(days=1))  # in yesterday's digest
    run_sweep(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.endswith(": 1 new")
    assert wanted[0].subject in mail.outbox[0].body
    assert Notification.objects.filter(digested_on=DAY).get() == wanted[0]


def test_mixed_kinds_go_in_one_email(waiting, django_capture_on_commit_callbacks):
    waiting(1, kind="return_overdue")
    waiting(1, kind="review_due_soon", subject="Partnership review on 5 January 2026")
    waiting(1, kind="conference_due_soon", subject="Case conference on case C-ABCD-EFGH")
    run_sweep(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "Partnership review on 5 January 2026" in body and "C-ABCD-EFGH" in body


def test_each_user_gets_their_own(recipient, waiting, django_capture_on_commit_callbacks):
    other = ProviderStaffFactory()
    waiting(2)
    theirs = waiting(1, to=other)
    run_sweep(django_capture_on_commit_callbacks)
    by_address = {email.to[0]: email for email in mail.outbox}
    assert set(by_address) == {recipient.email, other.email}
    assert by_address[recipient.email].subject.endswith(": 2 new")
    assert theirs[0].subject in by_address[other.email].body
    assert theirs[0].subject not in by_address[recipient.email].body


@pytest.mark.parametrize("change", [{"email": ""}, {"is_active": False}])
def test_users_who_cannot_get_email_have_them_marked_without_sending(
        recipient, waiting, change, django_capture_on_commit_callbacks):
    for field, value in change.items():
        setattr(recipient, field, value)
    recipient.save()
    waiting(2)
    run_sweep(django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert set(Notification.objects.values_list("digested_on", flat=True)) == {DAY}
    assert Notification.objects.filter(read_at__isnull=True).count() == 2  # still on the page


def test_from_preference_to_digest(recipient, django_capture_on_commit_callbacks):
    """The whole way: a kind the user gathers is not emailed on its own, then goes in the
    digest."""
    actions.preference_set(user=recipient, kind="review_due_soon", email=True, digest=True)
    with django_capture_on_commit_callbacks(execute=True):
        actions.notification_create(kind="review_due_soon", key="review_due_soon:1:x",
                                    recipient=recipient, body="", url="/",
                                    subject="Partnership review on 5 January 2026")
        actions.notification_create(kind="return_overdue", key="return_overdue:1:x",
                                    recipient=recipient, subject="Return RET-1 is overdue",
                                    body="", url="/")
    assert [email.subject for email in mail.outbox] == ["Return RET-1 is overdue"]
    run_sweep(django_capture_on_commit_callbacks)
    assert mail.outbox[1].subject == "Your Partnership Registry notifications: 1 new"
    assert "Partnership review on 5 January 2026" in mail.outbox[1].body


def test_a_mail_failure_marks_nothing_so_the_retry_sends_them(recipient, waiting, settings):
    waiting(2)
    settings.EMAIL_BACKEND = "tests.notifications.test_digest.FailingBackend"
    with pytest.raises(smtplib.SMTPException):
        digest.digest_send(user=recipient, day=DAY)
    assert not Notification.objects.filter(digested_on__isnull=False).exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert digest.digest_send(user=recipient, day=DAY) == 2
    assert digest.digest_send(user=recipient, day=DAY) == 0
    assert len(mail.outbox) == 1


def test_the_per_user_task_retries_on_mail_failures_and_acks_late():
    assert send_digest.acks_late and send_digest.reject_on_worker_lost
    assert smtplib.SMTPException in send_digest.autoretry_for
    assert send_digest.name == "notifications.send_digest"
    assert send_digests.name == "notifications.send_digests"


def test_the_beat_runs_the_sweep_at_half_past_five(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["send-daily-digests"]
    assert entry["task"] == send_digests.name
    assert entry["schedule"].hour == {17} and entry["schedule"].minute == {30}


def test_a_user_deleted_meanwhile_is_skipped(recipient, waiting):
    waiting(1)
    user_id = recipient.pk
    recipient.delete()
    assert send_digest.apply(args=[user_id, DAY.isoformat()]).get() == 0
    assert mail.outbox == []


def test_the_sweep_without_a_day_uses_today(waiting, django_capture_on_commit_callbacks):
    from django.utils import timezone

    waiting(1)
    with django_capture_on_commit_callbacks(execute=True):
        result = send_digests.apply().get()
    assert result == {"day": timezone.localdate().isoformat(), "users": 1}
    assert Notification.objects.get().digested_on == timezone.localdate()


def test_finding_who_to_send_to_is_one_query(recipient, waiting, django_assert_num_queries):
    waiting(3)
    waiting(2, to=ProviderStaffFactory())
    with django_assert_num_queries(1):
        assert len(digest.users_with_pending_digest()) == 2


def test_a_fixed_number_of_queries_per_user(recipient, waiting, django_assert_num_queries):
    from accounts.models import User

    def cost(n):
        waiting(n)
        with django_assert_num_queries(5) as captured:  # user, savepoint, rows, mark, release
            assert digest.digest_send_to_user(user_id=recipient.pk, day=DAY) == n
        return len(captured.captured_queries)

    assert cost(1) == cost(8)
    assert User.objects.filter(pk=recipient.pk).exists()
