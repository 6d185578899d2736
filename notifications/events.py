"""Notifications of events: something happened (a referral arrived, a return was sent back, an
agreement took effect) and the people whose work it is should hear of it.

The action that causes the event calls ``notify`` inside its own transaction: the rows are
written with the change (so a refused change notifies nobody) and their emails are queued only
after commit (``notification_create_many``). Each notification's key is
``<kind>:<occurrence>:user-<id>``, unique in the database, so one event reaches each recipient
once however often the action is retried or a button double-clicked: ``occurrence`` must name
the event itself (e.g. ``referral-12`` for a referral received, ``conference-4:moved-2027-01-05``
for a move to that date), never the moment it was sent.

Recipients come from the app that knows them (``accounts.recipients``,
``partnerships.recipients``, ...), as users; this module only knows ``AUTH_USER_MODEL``. Subjects
and bodies name references and organisations, never people using services.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .actions import Draft, notification_create_many


def notify(*, kind: str, occurrence: str, recipients: Iterable[Any], subject: str, body: str,
           url: str = "", obj: Any = None, actor: Any = None) -> list[int]:
    """Notify each of ``recipients`` (once per person, inactive users skipped, and never the
    ``actor`` who caused it) of one event; returns the ids of the notifications made now
    (none for recipients already told of this ``occurrence``)."""
    actor_id = getattr(actor, "pk", None)
    people = {user.pk: user for user in recipients
              if getattr(user, "is_active", False) and user.pk != actor_id}
    if not people:
        return []
    drafts = [Draft(kind=kind, key=f"{kind}:{occurrence}:user-{pk}", recipient=user,
                    subject=subject, body=body, url=url, obj=obj)
              for pk, user in sorted(people.items())]
    return sorted(notification_create_many(drafts).values())
