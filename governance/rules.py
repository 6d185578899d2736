"""Who may read and write a partnership's governance (issue 19, point 8): members read (users of
its current member organisations, the commissioners who fund it, platform admins); its managers
(the current lead partner's partnership managers) and the chairs of its bodies write; platform
admins do everything. A chair writes for the partnership of the body they chair.

Two exceptions, because the work is theirs: any staff member of a current member organisation
records a frontline insight, and the owner of an action (the person, or a partnership manager of
the owning organisation) marks it done. ``querysets.visible_partnerships`` is the SQL twin of
``reads_governance`` for lists."""

from __future__ import annotations

from typing import Any

import rules

from accounts.rules import is_active_user, is_partnership_manager, is_platform_admin
from partnerships.rules import (
    manages_partnership,
    member_of_partnership,
    member_or_funding_commissioner,
)


def _partnership_of(obj: Any) -> Any:
    """The partnership a governance object belongs to (the object itself for a partnership)."""
    if obj is None:
        return None
    if obj._meta.label_lower == "partnerships.partnership":
        return obj
    if hasattr(obj, "partnership"):
        return obj.partnership
    body = getattr(obj, "body", None) or getattr(obj, "event", None)
    return body.partnership if body is not None else None


@rules.predicate
def chairs_a_body(user: Any, obj: Any) -> bool:
    """The user chairs a current body of the object's partnership."""
    partnership = _partnership_of(obj)
    if partnership is None or not is_active_user(user):
        return False
    return partnership.governance_bodies.filter(chair_id=user.pk,
                                                ended_on__isnull=True).exists()


@rules.predicate
def owns_action(user: Any, obj: Any) -> bool:
    """The action is the user's, or their organisation's and they are its partnership
    manager."""
    if obj is None or not is_active_user(user):
        return False
    if obj.owner_id == user.pk:
        return True
    return bool(is_partnership_manager(user)
                and obj.owner_organisation_id == getattr(user, "organisation_id", None))


reads_governance = is_platform_admin | member_or_funding_commissioner
writes_governance = is_platform_admin | manages_partnership | chairs_a_body

rules.add_perm("governance.view", is_active_user & reads_governance)
rules.add_perm("governance.manage", is_active_user & writes_governance)
rules.add_perm("governance.record_insight", is_active_user & (is_platform_admin
                                                              | member_of_partnership))
rules.add_perm("governance.triage_insight", is_active_user & writes_governance)
rules.add_perm("governance.complete_action", is_active_user & (writes_governance | owns_action))

# The admin: platform admins configure; everyone else works through the pages and the API.
for model in ("body", "bodyseat", "decision", "actionitem", "insight", "trainingevent",
              "trainingattendance", "feedbackresponse"):
    rules.add_perm(f"governance.view_{model}", is_platform_admin)
    for verb in ("add", "change", "delete"):
        rules.add_perm(f"governance.{verb}_{model}", is_platform_admin)
