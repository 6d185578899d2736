"""The action log's writes: an action is created with an owner organisation (and optionally a
person), a due date, and where it arose (a body, a decision, an insight)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction

from core import clock
from core.actions import audited_create, audited_update
from core.errors import DomainError

from ..choices import ActionStatus
from ..models import ActionItem
from ._common import require

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def action_item_create(*, partnership: Any, text: str, owner_organisation: Any,
                       due_on: datetime.date, by: User, owner: Any = None, body: Any = None,
                       decision: Any = None) -> ActionItem:
    """Add an action to the partnership's log (its managers, its bodies' chairs, admins). The
    owner organisation must be a current member; the owner person must work there."""
    require(by, "governance.manage", partnership,
            f"Only the managers of {partnership} and the chairs of its bodies can add actions.")
    text = (text or "").strip()
    if not text:
        raise DomainError("Say what needs to be done.", field="text")
    if not (partnership.memberships.filter(organisation=owner_organisation)
            .active_on(clock.today()).exists()):
        raise DomainError(f"{owner_organisation} is not a current member of {partnership}.",
                          field="owner_organisation")
    if owner is not None and owner.organisation_id != owner_organisation.pk:
        raise DomainError(f"The person who owns the action must work at {owner_organisation}.",
                          field="owner")
    if body is not None and body.partnership_id != partnership.pk:
        raise DomainError("Choose a body of this partnership.", field="body")
    if decision is not None:
        if decision.body.partnership_id != partnership.pk:
            raise DomainError("Choose a decision of this partnership.", field="decision")
        body = body or decision.body
    item = ActionItem(partnership=partnership, text=text, owner_organisation=owner_organisation,
                      owner=owner, due_on=due_on, body=body, decision=decision, created_by=by)
    return audited_create(instance=item, by=by,
                          summary=f"Added an action for {owner_organisation} to the log of "
                                  f"{partnership}")


#: What ``action_item_update`` may change: the work, who owns it and by when.
UPDATABLE = ("text", "owner", "owner_organisation", "due_on")


def _still_open(item: ActionItem) -> None:
    """Refuse unless the action is open, read under a row lock so two people closing it at once
    cannot both succeed (one done, one dropped)."""
    status = (ActionItem.objects.select_for_update().values_list("status", flat=True)
              .get(pk=item.pk))
    if status != ActionStatus.OPEN:
        label = ActionStatus(status).label.lower()
        raise DomainError(f"This action is already {label}: only open actions can change.",
                          code="closed")


@transaction.atomic
def action_item_complete(*, item: ActionItem, completed_on: datetime.date,
                         by: User) -> ActionItem:
    """Mark an open action done on ``completed_on`` (its owner — the person, or a partnership
    manager of the owning organisation — the partnership's managers and chairs). The date
    cannot be in the future: the log records what happened, not what is promised."""
    require(by, "governance.complete_action", item,
            "Only the owner of this action, the managers of the partnership and the chairs of "
            "its bodies can mark it done.")
    _still_open(item)
    if completed_on is None:
        raise DomainError("Enter the date the action was done.", field="completed_on")
    if completed_on > clock.today():
        raise DomainError("The date the action was done cannot be in the future.",
                          field="completed_on")
    return audited_update(instance=item, by=by, status=ActionStatus.DONE,
                          completed_on=completed_on,
                          summary=f"Marked an action of {item.owner_organisation} done")


@transaction.atomic
def action_item_drop(*, item: ActionItem, reason: str, by: User) -> ActionItem:
    """Drop an open action, saying why (the partnership's managers and chairs): the reason
    stays on the log so the board can see what was decided not to do."""
    require(by, "governance.manage", item,
            "Only the managers of the partnership and the chairs of its bodies can drop an "
            "action.")
    _still_open(item)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the action is dropped.", field="reason")
    return audited_update(instance=item, by=by, status=ActionStatus.DROPPED,
                          dropped_reason=reason,
                          summary=f"Dropped an action of {item.owner_organisation}")


@transaction.atomic
def action_item_update(*, item: ActionItem, by: User, **changes: Any) -> ActionItem:
    """Change an open action's text, owner organisation, owner person or due date (the
    partnership's managers and chairs). The same checks as ``action_item_create``: the owner
    organisation a current member, the person working there. A new due date reminds again
    only if it passes too (the reminder's key names the action, so an action is chased once)."""
    require(by, "governance.manage", item,
            "Only the managers of the partnership and the chairs of its bodies can change an "
            "action.")
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise DomainError(f"These cannot be changed here: {', '.join(sorted(unknown))}.",
                          field=sorted(unknown)[0])
    _still_open(item)
    if "text" in changes:
        changes["text"] = (changes["text"] or "").strip()
        if not changes["text"]:
            raise DomainError("Say what needs to be done.", field="text")
    if "due_on" in changes and changes["due_on"] is None:
        raise DomainError("Enter the date the action is due.", field="due_on")
    organisation = changes.get("owner_organisation", item.owner_organisation)
    if "owner_organisation" in changes and not (
            item.partnership.memberships.filter(organisation=organisation)
            .active_on(clock.today()).exists()):
        raise DomainError(f"{organisation} is not a current member of {item.partnership}.",
                          field="owner_organisation")
    owner = changes.get("owner", item.owner)
    if owner is not None and owner.organisation_id != organisation.pk:
        field = "owner" if "owner" in changes else "owner_organisation"
        raise DomainError(f"The person who owns the action must work at {organisation}.",
                          field=field)
    return audited_update(instance=item, by=by, summary=f"Changed an action of {organisation}",
                          **changes)
