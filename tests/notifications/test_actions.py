"""notify creates once per key; deliver emails at most once, respecting preferences."""

import datetime as dt
import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.db import IntegrityError
from django.utils import timezone

from core.errors import DomainError
from notifications import actions
from notifications.kinds import KINDS
from notifications.models import EmailStatus, Notification, NotificationPreference
from tests.partnerships.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_the_contract_kinds_are_known():
    assert {"return_due_soon", "return_overdue", "return_overdue_escalated",
            "return_overdue_commissioner"} <= set(KINDS)
    assert all(k.key == key and k.label and k.description for key, k in KINDS.items())


def test_notify_creates_once_per_key(make_notification, recipient):
    first = make_notification(key="return_overdue:ret-req-12:period-40:user-7")
    second = make_notification(key="return_overdue:ret-req-12:period-40:user-7",
                               subject="Another subject")
    assert first is not None and second is None
    assert Notification.objects.count() == 1
    assert Notification.objects.get().subject == "Return RET-12 for Q1 2025 is overdue"
    assert first.recipient == recipient and first.read_at is None


def test_notify_links_the_object(make_notification):
    organisation = OrganisationFactory()
    notification = make_notification(obj=organisation)
    notification.refresh_from_db()
    assert notification.obj == organisation


def test_a_concurrent_duplicate_insert_returns_none_and_keeps_the_transaction(
        make_notification, recipient):
    make_notification(key="k-1")
    # The other inserter won between our check and our insert: the unique constraint decides.
    with mock.patch.object(Notification.objects, "filter", wraps=Notification.objects.filter) \
            as filtered:
        filtered.side_effect = [Notification.objects.none(), Notification.objects.all()]
        assert make_notification(key="k-1") is None
        assert filtered.call_count == 2  # checked, lost the insert race, checked again
    assert Notification.objects.count() == 1  # the caller's transaction still works


def test_the_key_is_unique_in_the_database(make_notification, recipient):
    existing = make_notification(key="k-db")
    with pytest.raises(IntegrityError):
        Notification.objects.create(kind=existing.kind, key="k-db", recipient=recipient,
                                    subject="x")


def test_unknown_kind_is_refused(make_notification):
    with pytest.raises(DomainError, match="“return_lost” is not a kind of notification"):
        make_notification(kind="return_lost")
    assert not Notification.objects.exists()


def test_notify_queues_delivery_on_commit(make_notification, recipient):
    notification = make_notification(deliver=True)
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [recipient.email]
    assert email.subject == "Return RET-12 for Q1 2025 is overdue"
    assert f"/notifications/{notification.pk}/open/" in email.body
    assert email.body.rstrip().endswith("/notifications/settings/")  # where to turn it off
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT
    assert notification.email_sent_at is not None and notification.attempts == 1


def test_nothing_is_queued_when_the_key_exists(make_notification):
    make_notification(key="k-2", deliver=True)
    make_notification(key="k-2", deliver=True)
    assert len(mail.outbox) == 1


def test_deliver_sends_exactly_one_email_even_if_called_twice(make_notification):
    notification = make_notification()
    assert actions.notification_deliver(notification_id=notification.pk) is True
    assert actions.notification_deliver(notification_id=notification.pk) is False
    assert len(mail.outbox) == 1


def test_the_task_is_idempotent(make_notification):
    from notifications.tasks import deliver_notification

    notification = make_notification()
    assert deliver_notification.delay(notification.pk).get() is True
    assert deliver_notification.delay(notification.pk).get() is False
    assert len(mail.outbox) == 1


def test_deliver_respects_an_opt_out(make_notification, recipient):
    actions.preference_set(user=recipient, kind="return_overdue", email=False, digest=False)
    notification = make_notification()
    assert actions.notification_deliver(notification_id=notification.pk) is False
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.OPTED_OUT
    assert notification.email_sent_at is None
    assert mail.outbox == []
    # Opting back in later does not send an old one.
    actions.preference_set(user=recipient, kind="return_overdue", email=True, digest=False)
    assert actions.notification_deliver(notification_id=notification.pk) is False
    assert mail.outbox == []


def test_an_opt_out_of_one_kind_leaves_the_others(make_notification, recipient):
    actions.preference_set(user=recipient, kind="return_due_soon", email=False, digest=False)
    assert actions.notification_deliver(notification_id=make_notification().pk) is True


def test_digest_leaves_it_for_the_daily_digest(make_notification, recipient):
    actions.preference_set(user=recipient, kind="return_overdue", email=True, digest=True)
    notification = make_notification()
    assert actions.notification_deliver(notification_id=notification.pk) is False
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.DIGEST and mail.outbox == []


def test_no_email_address_is_handled_without_sending(make_notification, recipient):
    recipient.email = ""
    recipient.save()
    notification = make_notification()
    assert actions.notification_deliver(notification_id=notification.pk) is False
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.NO_ADDRESS and mail.outbox == []


def test_a_deleted_notification_is_skipped(make_notification):
    notification = make_notification()
    notification_id = notification.pk
    notification.delete()
    assert actions.notification_deliver(notification_id=notification_id) is False
    assert mail.outbox == []


def test_waiting_notifications_are_queued_again_after_a_while(make_notification,
                                                            django_capture_on_commit_callbacks):
    lost = make_notification()  # its delivery task never ran (the broker lost it)
    recent = make_notification()
    sent = make_notification(deliver=True)
    tried_out = make_notification()
    Notification.objects.filter(pk=tried_out.pk).update(attempts=10)
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    Notification.objects.exclude(pk=recent.pk).update(created_on=an_hour_ago)

    with django_capture_on_commit_callbacks(execute=True):
        assert actions.notification_redeliver_pending() == 1

    statuses = dict(Notification.objects.values_list("pk", "email_status"))
    assert statuses == {lost.pk: EmailStatus.SENT, recent.pk: EmailStatus.PENDING,
                        sent.pk: EmailStatus.SENT, tried_out.pk: EmailStatus.PENDING}
    assert len(mail.outbox) == 2  # ``sent`` once, ``lost`` once: nothing twice
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.notification_redeliver_pending() == 0


def test_a_mail_failure_raises_for_a_retry_and_records_nothing_sent(make_notification):
    notification = make_notification()
    with mock.patch("notifications.channels.send_mail",
                    side_effect=smtplib.SMTPServerDisconnected("gone")), \
            pytest.raises(smtplib.SMTPException):
        actions.notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.email_sent_at is None
    assert notification.email_status == EmailStatus.PENDING
    assert notification.attempts == 1
    # The retry succeeds, once.
    assert actions.notification_deliver(notification_id=notification.pk) is True
    assert actions.notification_deliver(notification_id=notification.pk) is False
    notification.refresh_from_db()
    assert notification.attempts == 2 and len(mail.outbox) == 1


def test_the_task_retries_on_mail_failures():
    from notifications.tasks import deliver_notification

    assert deliver_notification.acks_late and deliver_notification.reject_on_worker_lost
    assert smtplib.SMTPException in deliver_notification.autoretry_for
    assert deliver_notification.max_retries == 8 and deliver_notification.retry_backoff


def test_mark_read_and_mark_all_read(make_notification, recipient):
    first, second, third = make_notification(), make_notification(), make_notification()
    actions.notification_mark_read(notification=first, by=recipient)
    first.refresh_from_db()
    read_at = first.read_at
    assert read_at is not None
    actions.notification_mark_read(notification=first, by=recipient)
    first.refresh_from_db()
    assert first.read_at == read_at  # reading again changes nothing
    assert actions.notification_mark_all_read(by=recipient) == 2
    assert not Notification.objects.unread().exists()
    assert second and third


def test_mark_read_refuses_someone_elses(make_notification):
    from tests.accounts.factories import ProviderStaffFactory

    notification = make_notification()
    with pytest.raises(DomainError):
        actions.notification_mark_read(notification=notification, by=ProviderStaffFactory())
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_touches_only_the_users_own(make_notification):
    from tests.accounts.factories import ProviderStaffFactory

    other = ProviderStaffFactory()
    make_notification(to=other)
    make_notification()
    assert actions.notification_mark_all_read(by=other) == 1
    assert Notification.objects.unread().count() == 1


def test_preference_set(recipient):
    preference = actions.preference_set(user=recipient, kind="return_due_soon", email=True,
                                        digest=True)
    assert (preference.email, preference.digest) == (True, True)
    actions.preference_set(user=recipient, kind="return_due_soon", email=False, digest=False)
    assert NotificationPreference.objects.get().email is False


def test_preference_set_refuses_unknown_kinds_and_a_digest_without_email(recipient):
    with pytest.raises(DomainError, match="not a kind of notification"):
        actions.preference_set(user=recipient, kind="nonsense", email=True, digest=False)
    with pytest.raises(DomainError, match="daily digest is an email"):
        actions.preference_set(user=recipient, kind="return_due_soon", email=False,
                               digest=True)
    assert not NotificationPreference.objects.exists()
