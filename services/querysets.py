"""Read logic for the service directory."""

from __future__ import annotations

from typing import Any

from django.db import models


class DirectoryQuerySet(models.QuerySet):
    """The directory is not personal data: every signed-in user may browse it."""

    def visible_to(self, user: Any) -> DirectoryQuerySet:
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self.all()


class ServiceQuerySet(DirectoryQuerySet):
    def with_summary(self) -> ServiceQuerySet:
        return self.select_related("provider", "partnership").prefetch_related("categories")

    def active(self) -> ServiceQuerySet:
        return self.filter(is_active=True)


class LocationQuerySet(DirectoryQuerySet):
    def with_summary(self) -> LocationQuerySet:
        return self.select_related("region", "operator")
