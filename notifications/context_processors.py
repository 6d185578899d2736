"""The unread count shown in every page's header (one COUNT query, signed-in users only)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from .models import Notification


def unread(request: HttpRequest) -> dict[str, Callable[[], int]]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    counted: list[int] = []

    def count() -> int:
        # Counted when the header is rendered, once: JSON and redirects never run the query.
        if not counted:
            counted.append(Notification.objects.for_recipient(user).unread().count())
        return counted[0]

    return {"notifications_unread": count}
