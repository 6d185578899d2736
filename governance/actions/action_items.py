"""The action log's writes: an action is created with an owner organisation (and optionally a
person), a due date, and where it arose (a body, a decision, an insight)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction

from core import clock
from core.actions import audited_create
from core.errors import DomainError

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
