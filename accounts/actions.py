"""Writes for accounts: API tokens. Each is one transaction with its audit row; the audit rows
name the token (name, prefix, expiry) and never hold its key or the key's digest."""

from __future__ import annotations

import datetime
import unicodedata
from typing import Any, cast

from django.db import transaction
from django.utils import timezone

from core import audit, clock
from core.errors import DomainError
from core.models import AuditEvent

from . import tokens
from .models import ApiToken

# A CharField always has a max_length; the stubs type it for every field, where it may be None.
NAME_MAX_LENGTH = cast(int, ApiToken._meta.get_field("name").max_length)


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("Enter a name for the token, for example the device or program that "
                          "will use it", field="name")
    if len(name) > NAME_MAX_LENGTH:
        raise DomainError(f"The name must be {NAME_MAX_LENGTH} characters or fewer",
                          field="name")
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
        raise DomainError("The name must only use letters, numbers, spaces and punctuation",
                          field="name")
    return name


@transaction.atomic
def api_token_create(*, user: Any, name: str,
                     expires_on: datetime.date | None = None) -> tuple[ApiToken, str]:
    """Give ``user`` a new API token called ``name`` and return it with its key.

    The key exists only in this return value (the database keeps its SHA-256), so the caller
    must show it now or never. ``expires_on`` is the first day the token no longer works:
    90 days from today unless given, and at most a year away, so a forgotten token dies on its
    own. Names must differ among the user's live tokens, so the access log can tell them apart.
    """
    if not getattr(user, "is_active", False) or user.pk is None:
        raise DomainError("Only an active user can have an API token.", code="forbidden")
    name = _clean_name(name)
    today = clock.today()
    if expires_on is None:
        expires_on = tokens.default_expiry(today)
    if expires_on <= today:
        raise DomainError("The expiry date must be in the future", field="expires_on")
    if expires_on > tokens.latest_expiry(today):
        raise DomainError("The expiry date must be no more than a year from today",
                          field="expires_on")
    if (ApiToken.objects.owned_by(user).live_on(today)
            .filter(name__iexact=name).exists()):
        raise DomainError(f"You already have a token called ‘{name}’. Choose a different name, "
                          "or revoke that token first", field="name")
    key, prefix = tokens.new_key()
    token = ApiToken.objects.create(user=user, name=name, prefix=prefix,
                                    digest=tokens.hash_key(key), expires_on=expires_on)
    audit.record(instance=token, action=AuditEvent.Action.CREATE, by=user,
                 summary=f"Created API token ‘{name}’",
                 changes={"user_id": [None, user.pk], "name": [None, name],
                          "prefix": [None, prefix], "expires_on": [None, expires_on.isoformat()]})
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: Any) -> ApiToken:
    """Stop ``token`` working from now on. Its owner or a platform admin may revoke it; the row
    stays (revoked, not deleted) so logs that name it still make sense."""
    if not by.has_perm("accounts.revoke_apitoken", token):
        raise DomainError("You cannot revoke this token.", code="forbidden")
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is not None:
        raise DomainError(f"The token ‘{locked.name}’ was already revoked.",
                          code="already_revoked")
    now = timezone.now()
    ApiToken.objects.filter(pk=locked.pk).update(revoked_at=now, revoked_by=by)
    token.revoked_at, token.revoked_by = now, by
    audit.record(instance=token, action=AuditEvent.Action.UPDATE, by=by,
                 summary=f"Revoked API token ‘{token.name}’",
                 changes={"revoked_at": [None, now.isoformat()],
                          "revoked_by_id": [None, by.pk]})
    return token
