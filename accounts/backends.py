"""Loading the signed-in user of each request with what every page's header shows.

Django's ``ModelBackend`` loads the user by the id in the session on every request; our
manager already joins the user's organisation. This backend also counts the user's unread
notifications in the same statement, so a page's fixed cost is the session and one query
instead of three (docs/decisions/0024-fixed-cost-of-a-signed-in-page.md). Authentication and
permissions are ModelBackend's, unchanged.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from notifications.context_processors import UNREAD_ATTRIBUTE, unread_count

from .models import User


class RegistryModelBackend(ModelBackend):
    """ModelBackend whose ``get_user`` loads the organisation and the unread count too."""

    def get_user(self, user_id: Any) -> User | None:
        try:
            user = (User._default_manager.annotate(**{UNREAD_ATTRIBUTE: unread_count()})
                    .get(pk=user_id))
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
