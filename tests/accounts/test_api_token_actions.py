"""Creating and revoking API tokens: only a hash is kept, the key is returned once, expiry is
bounded, bad input changes nothing, and both write an audit row without the secret."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.utils import timezone

from accounts import tokens
from accounts.actions import api_token_create, api_token_revoke
from accounts.models import ApiToken
from core.errors import DomainError
from core.models import AuditEvent
from tests.accounts.factories import (
    CommissionerFactory,
    PartnershipManagerFactory,
    PlatformAdminFactory,
    ProviderStaffFactory,
)

pytestmark = pytest.mark.django_db


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def test_create_returns_the_key_once_and_stores_only_its_hash():
    user = ProviderStaffFactory()
    token, key = api_token_create(user=user, name="Case system")
    assert tokens.looks_like_key(key)
    prefix, secret = key.split(".")
    assert len(secret) >= 43  # 32 random bytes
    assert token.prefix == prefix
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert stored["digest"] == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {str(v) for v in stored.values()}
    assert secret not in str(stored)
    assert (token.user, token.name, token.expires_on) == (user, "Case system", days(90))
    assert token.revoked_at is None and token.last_used_at is None


def test_every_key_is_different():
    user = ProviderStaffFactory()
    keys = {api_token_create(user=user, name=f"Client {n}")[1] for n in range(5)}
    assert len(keys) == 5


def test_create_is_audited_without_the_secret():
    user = ProviderStaffFactory()
    token, key = api_token_create(user=user, name="Case system", expires_on=days(30))
    event = AuditEvent.objects.get(content_type__model="apitoken", object_id=str(token.pk))
    assert (event.actor, event.action) == (user, AuditEvent.Action.CREATE)
    assert event.summary == "Created API token ‘Case system’"
    assert event.changes["expires_on"] == [None, days(30).isoformat()]
    text = str(event.changes) + event.summary + event.object_repr
    assert key not in text and token.digest not in text and key.split(".")[1] not in text


@pytest.mark.parametrize(("name", "expires_in", "field", "message"), [
    ("", None, "name", "Enter a name for the token"),
    ("   ", None, "name", "Enter a name for the token"),
    ("x" * 101, None, "name", "The name must be 100 characters or fewer"),
    ("Bad\x00name", None, "name", "The name must only use letters"),
    ("Bad\u202ename", None, "name", "The name must only use letters"),
    ("Case system", 0, "expires_on", "The expiry date must be in the future"),
    ("Case system", -5, "expires_on", "The expiry date must be in the future"),
    ("Case system", 366, "expires_on", "no more than a year"),
])
def test_bad_input_is_refused_and_changes_nothing(name, expires_in, field, message):
    user = ProviderStaffFactory()
    before = (ApiToken.objects.count(), AuditEvent.objects.count())
    expires_on = None if expires_in is None else days(expires_in)
    with pytest.raises(DomainError) as refused:
        api_token_create(user=user, name=name, expires_on=expires_on)
    assert refused.value.field == field
    assert message in str(refused.value)
    assert (ApiToken.objects.count(), AuditEvent.objects.count()) == before


def test_a_year_is_the_longest_allowed():
    token, _key = api_token_create(user=ProviderStaffFactory(), name="Yearly", expires_on=days(365))
    assert token.expires_on == days(365)


def test_names_differ_among_live_tokens_only():
    user = ProviderStaffFactory()
    first, _ = api_token_create(user=user, name="Case system")
    with pytest.raises(DomainError, match="already have a token called"):
        api_token_create(user=user, name="case  SYSTEM")
    api_token_create(user=ProviderStaffFactory(), name="Case system")  # another user's: fine
    api_token_revoke(token=first, by=user)
    api_token_create(user=user, name="Case system")  # the old one is revoked: fine


def test_an_inactive_user_gets_no_token():
    with pytest.raises(DomainError):
        api_token_create(user=ProviderStaffFactory(is_active=False), name="Case system")
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("owner_factory", [ProviderStaffFactory, PartnershipManagerFactory,
                                           CommissionerFactory, PlatformAdminFactory])
def test_every_role_may_have_tokens_and_revoke_their_own(owner_factory):
    owner = owner_factory()
    token, _key = api_token_create(user=owner, name="Reporting script")
    api_token_revoke(token=token, by=owner)
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == owner


def test_a_platform_admin_may_revoke_anyones_token_and_it_is_audited():
    owner, admin = ProviderStaffFactory(), PlatformAdminFactory()
    token, _key = api_token_create(user=owner, name="Case system")
    api_token_revoke(token=token, by=admin)
    token.refresh_from_db()
    assert token.revoked_by == admin
    event = AuditEvent.objects.filter(content_type__model="apitoken",
                                      action=AuditEvent.Action.UPDATE).get()
    assert (event.actor, event.summary) == (admin, "Revoked API token ‘Case system’")
    assert set(event.changes) == {"revoked_at", "revoked_by_id"}


@pytest.mark.parametrize("other_factory", [ProviderStaffFactory, PartnershipManagerFactory,
                                           CommissionerFactory])
def test_nobody_else_may_revoke_a_token(other_factory):
    owner = ProviderStaffFactory()
    token, _key = api_token_create(user=owner, name="Case system")
    before = AuditEvent.objects.count()
    with pytest.raises(DomainError, match="cannot revoke"):
        api_token_revoke(token=token, by=other_factory(organisation=owner.organisation))
    token.refresh_from_db()
    assert token.revoked_at is None and AuditEvent.objects.count() == before


def test_revoking_twice_is_refused_and_keeps_the_first_revocation():
    owner = ProviderStaffFactory()
    token, _key = api_token_create(user=owner, name="Case system")
    api_token_revoke(token=token, by=owner)
    first = ApiToken.objects.get(pk=token.pk).revoked_at
    with pytest.raises(DomainError, match="already revoked"):
        api_token_revoke(token=ApiToken.objects.get(pk=token.pk), by=PlatformAdminFactory())
    assert ApiToken.objects.get(pk=token.pk).revoked_at == first
