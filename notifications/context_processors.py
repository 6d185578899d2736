"""The unread count shown in every page's header: at most one COUNT, signed-in users only, and
none at all when the user was loaded with it (``accounts.backends``)."""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models.expressions import RawSQL
from django.http import HttpRequest

from .models import Notification

#: The attribute a user loaded with :func:`unread_count` carries the count in.
UNREAD_ATTRIBUTE = "notifications_unread"


def unread_count() -> RawSQL:
    """The unread notifications of the user a query loads (the same rows as
    ``for_recipient().unread()``), for the query that loads the user at the start of each
    request, so a page's header costs no query of its own. Raw SQL: the ORM's correlated
    subquery costs more to compile than the separate COUNT it replaces, on every request."""
    quote = connection.ops.quote_name
    users = apps.get_model(settings.AUTH_USER_MODEL)._meta
    notifications = Notification._meta
    return RawSQL(  # noqa: S611 - table and column names from the models, no input
        f"SELECT count(*) FROM {quote(notifications.db_table)} "  # noqa: S608 - names only
        f"WHERE {quote(str(notifications.get_field('recipient').column))} = "
        f"{quote(users.db_table)}.{quote(users.pk.column)} "
        f"AND {quote(str(notifications.get_field('read_at').column))} IS NULL", ())


def unread(request: HttpRequest) -> dict[str, Callable[[], int]]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Loaded with the user at the start of this request: state changes are POSTs that redirect.
    loaded = getattr(user, UNREAD_ATTRIBUTE, None)
    if isinstance(loaded, int):
        return {"notifications_unread": lambda: loaded}
    counted: list[int] = []

    def count() -> int:
        # Counted when the header is rendered, once: JSON and redirects never run the query.
        if not counted:
            counted.append(Notification.objects.for_recipient(user).unread().count())
        return counted[0]

    return {"notifications_unread": count}
