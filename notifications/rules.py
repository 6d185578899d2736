"""A user's own notifications and calendar link. Pages start from
``Notification.objects.for_recipient(user)``, which says the same in SQL."""

from __future__ import annotations

from typing import Any

import rules

from core.rules import is_active_user, is_platform_admin

# A user sees and marks read only their own notifications (the pages start from
# ``Notification.objects.for_recipient(user)``, which says the same in SQL); platform admins may
# list all of them, read-only, in the admin.


@rules.predicate
def is_recipient(user: Any, notification: Any) -> bool:
    return bool(notification is not None and is_active_user(user)
                and notification.recipient_id == user.pk)


rules.add_perm("notifications.read_notification", is_recipient)
rules.add_perm("notifications.view_notification", is_platform_admin)
# Calendar feeds: every active user may have one private link to their meetings (their own only:
# the actions take the signed-in user). Case conferences appear in it only for caseworkers
# (``referrals.rules``), and only for cases their organisation is involved in. Platform admins
# see who has a link, read-only, in the admin (never the token's hash).
rules.add_perm("notifications.subscribe_calendar", is_active_user)
rules.add_perm("notifications.view_calendarfeed", is_platform_admin)
