"""The organisation's conference diary feed: creating (or replacing) and turning off its secret
link. Like a personal calendar link (``notifications.actions.calendar_feed_create``), only the
token's SHA-256 is stored and the raw token exists only in the creating action's return value;
audit rows never hold either."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from core import audit
from core.errors import DomainError
from core.models import AuditEvent
from notifications.calendar import replace_live_feed

from ..models import ConferenceDiaryFeed

if TYPE_CHECKING:
    from accounts.models import User


def _revoke_live(organisation_id: int, *, by: User, now: Any) -> int:
    """Turn off the organisation's live feed(s), each with an audit row. Call inside a
    transaction."""
    feeds = list(ConferenceDiaryFeed.objects.select_for_update()
                 .filter(organisation_id=organisation_id, revoked_at__isnull=True))
    for feed in feeds:
        feed.revoked_at, feed.revoked_by = now, by
        feed.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(instance=feed, action=AuditEvent.Action.UPDATE, by=by,
                     summary="Turned off the conference diary calendar link",
                     changes={"revoked_at": [None, now.isoformat()]})
    return len(feeds)


def _require_manager(by: User) -> int:
    if not by.has_perm("referrals.manage_conference_diary_feed"):
        raise DomainError("Only caseworkers and partnership managers of an organisation can "
                          "manage its conference diary link.", code="forbidden")
    return int(by.organisation_id)  # type: ignore[arg-type]


def diary_feed_create(*, by: User) -> str:
    """Give ``by``'s organisation a new conference diary link, turning off any live one first;
    returns the raw token, which exists only in this return value, so the caller must show it
    now or never. Two requests at once race for the one live feed the database allows: the
    loser turns off the winner's fresh feed and inserts again, so the last request wins."""
    organisation_id = _require_manager(by)
    with transaction.atomic():
        token, feed = replace_live_feed(
            revoke_live=lambda now: _revoke_live(organisation_id, by=by, now=now),
            build=lambda token_hash: ConferenceDiaryFeed(organisation_id=organisation_id,
                                                         token_hash=token_hash, created_by=by),
            busy_message="The conference diary link is being changed in another window. "
                         "Refresh the page and try again.")
        audit.record(instance=feed, action=AuditEvent.Action.CREATE, by=by,
                     summary="Created a conference diary calendar link",
                     changes={"organisation_id": [None, organisation_id]})
        return token


def diary_feed_revoke(*, by: User) -> int:
    """Turn off ``by``'s organisation's conference diary link; returns how many were live (0:
    there was none, and nothing changed). The old URL answers 404 from now on."""
    organisation_id = _require_manager(by)
    with transaction.atomic():
        return _revoke_live(organisation_id, by=by, now=timezone.now())
