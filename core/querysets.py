"""Read logic shared by every app: who counts as signed in, and the queryset for data that
every signed-in user may browse (the registry and the service directory, not case data)."""

from __future__ import annotations

from typing import Any, Self

from django.db import models


def is_signed_in(user: Any) -> bool:
    """An authenticated, active user: the floor under every rule and every ``visible_to``."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


class OpenToSignedInQuerySet(models.QuerySet):
    """Rows any signed-in user may see; nobody else sees any."""

    def visible_to(self, user: Any) -> Self:
        return self.all() if is_signed_in(user) else self.none()
