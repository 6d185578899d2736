"""``notifications.events.notify``: one notification per event per recipient, never the actor,
emails only after commit."""

from __future__ import annotations

import pytest
from django.core import mail

from notifications.events import notify
from notifications.models import Notification
from tests.accounts.factories import ProviderStaffFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_each_recipient_once_never_the_actor_nor_the_inactive():
    actor, first, second = (ProviderStaffFactory(email=f"u{i}@example.org") for i in range(3))
    gone = ProviderStaffFactory(is_active=False)
    made = notify(kind="referral_received", occurrence="referral-1",
                  recipients=[first, second, first, actor, gone], subject="Referral R-1",
                  body="A referral arrived.", url="/casework/", actor=actor)
    assert len(made) == 2
    assert sorted(Notification.objects.values_list("recipient_id", flat=True)) == sorted(
        [first.pk, second.pk])
    # The same event again (a retry, a double click) makes nothing more.
    again = notify(kind="referral_received", occurrence="referral-1",
                   recipients=[first, second], subject="Referral R-1", body="", url="")
    assert again == [] and Notification.objects.count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["u1@example.org", "u2@example.org"]


def test_unknown_kind_is_refused():
    from core.errors import DomainError

    with pytest.raises(DomainError, match="is not a kind of notification"):
        notify(kind="no_such_kind", occurrence="x", recipients=[ProviderStaffFactory()],
               subject="x", body="x")
