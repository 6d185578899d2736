"""``notification_create_many``: what the sweeps use to create hundreds of reminders in a few
statements, and the batched delivery task it queues."""

from __future__ import annotations

import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import DomainError
from notifications import actions, channels
from notifications.actions import Draft, notification_create_many
from notifications.models import EmailStatus, Notification
from notifications.tasks import deliver_notifications
from tests.accounts.factories import ProviderStaffFactory
from tests.partnerships.factories import OrganisationFactory


def drafts(users, *, prefix="many", kind="return_overdue", obj=None):
    return [Draft(kind=kind, key=f"{prefix}:{user.pk}", recipient=user,
                  subject="Return RET-7 overdue", body="Past its due date.",
                  url="/monitoring/returns/", obj=obj) for user in users]


@pytest.fixture
def users(db):
    return ProviderStaffFactory.create_batch(3)


def test_creates_each_key_once_and_says_which_it_created(users, recipient,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        actions.notification_create(kind="return_overdue", key=f"many:{users[0].pk}",
                                    recipient=users[0], subject="Earlier", body="")
        # a repeat in the input too
        created = notification_create_many(drafts(users) + drafts(users[1:2]))

    assert set(created) == {f"many:{users[1].pk}", f"many:{users[2].pk}"}
    assert Notification.objects.filter(key__startswith="many:").count() == 3
    assert Notification.objects.get(key=f"many:{users[0].pk}").subject == "Earlier"
    assert notification_create_many(drafts(users)) == {}


def test_links_each_to_its_object_and_queues_delivery_in_batches(
        recipient, django_capture_on_commit_callbacks):
    organisation = OrganisationFactory()
    people = ProviderStaffFactory.create_batch(actions.DELIVERY_BATCH + 3)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = notification_create_many(drafts(people, obj=organisation))

    assert len(created) == len(people) and len(callbacks) == 2  # 50 + 3
    notification = Notification.objects.get(pk=created[f"many:{people[0].pk}"])
    assert notification.obj == organisation
    for callback in callbacks:
        callback()  # eager: the batched delivery task runs
    assert len(mail.outbox) == len(people)
    assert set(Notification.objects.values_list("email_status", flat=True)) == {
        EmailStatus.SENT}


def test_costs_the_same_statements_for_3_or_60_recipients(recipient,
                                                          django_capture_on_commit_callbacks):
    def statements(people, prefix):
        with django_capture_on_commit_callbacks(execute=False), \
                CaptureQueriesContext(connection) as ctx:
            notification_create_many(drafts(people, prefix=prefix))
        return len(ctx.captured_queries)

    few = statements(ProviderStaffFactory.create_batch(3), "few")
    many = statements(ProviderStaffFactory.create_batch(60), "many")
    # SQLite's 999-parameter limit splits an insert every ~76 rows; PostgreSQL takes 500.
    assert many == few


def test_refuses_an_unknown_kind_and_creates_nothing(users):
    with pytest.raises(DomainError, match="not a kind of notification"):
        notification_create_many(drafts(users[:1]) + drafts(users[1:], kind="return_overdu"))
    assert not Notification.objects.exists()


def test_a_batch_with_one_failing_address_sends_the_others_then_retries_only_that_one(
        users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        created = notification_create_many(drafts(users))
    ids = sorted(created.values())
    failing = users[1].email
    real_send = channels.send_mail

    def send(subject, text, sender, to, **kw):
        if to == [failing]:
            raise smtplib.SMTPRecipientsRefused({failing: (450, b"try later")})
        return real_send(subject, text, sender, to, **kw)

    with mock.patch("notifications.channels.send_mail", side_effect=send), \
            pytest.raises(smtplib.SMTPException):
        deliver_notifications.run(ids)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([users[0].email, users[2].email])

    assert deliver_notifications.run(ids) == 1  # the retry: only the one not sent yet
    assert len(mail.outbox) == 3
    assert deliver_notifications.acks_late and deliver_notifications.reject_on_worker_lost
