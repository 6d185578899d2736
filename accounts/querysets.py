"""Read logic for accounts: which API tokens a user may see, and which still work."""

from __future__ import annotations

import datetime
from typing import Any, Self

from django.db import models


class ApiTokenQuerySet(models.QuerySet):
    def owned_by(self, user: Any) -> Self:
        """A user's own tokens: the only ones their API tokens page lists or revokes (another
        user's token is a 404 there, as if it did not exist)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user_id=user.pk)

    def live_on(self, day: datetime.date) -> Self:
        """Tokens that work on ``day``: not revoked, not expired."""
        return self.filter(revoked_at__isnull=True, expires_on__gt=day)
