"""Every write to partnerships, memberships, agreements, lead responsibilities, funding and the
quarterly reviews.

Each action is one transaction: it validates (raising ``DomainError`` and changing nothing on
bad input), saves, and writes its audit row before committing. Views, the API, the admin,
management commands and tasks call these; none re-implements them.

One module per subject (as Zulip's ``zerver/actions/``): ``partnerships`` (organisations and
partnerships), ``memberships`` (members and the lead partner), ``leads`` (the lead-agency
matrix), ``agreements``, ``funding`` and ``reviews`` (quarterly reviews). Callers import from
here (``from partnerships import actions``), never from the modules, so actions can move
between modules without touching them.
"""

from __future__ import annotations

from .agreements import (
    agreement_create,
    agreement_draft_discard,
    agreement_end,
    agreement_new_version,
    agreement_party_add,
    agreement_party_withdraw,
    agreement_put_into_effect,
    agreement_review_record,
    agreement_sign,
    agreements_take_effect,
    in_force_version,
    pending_version,
    unsigned_parties,
)
from .funding import funding_add, funding_end
from .leads import activity_create_custom, lead_responsibility_assign, lead_responsibility_end
from .memberships import lead_partner_change, membership_add, membership_end
from .partnerships import (
    organisation_create,
    organisation_update,
    partnership_create,
    partnership_end,
    partnership_update,
)
from .reviews import (
    MANAGE,
    members_on,
    next_review_on,
    planned_review,
    review_cancel,
    review_plan,
    review_plan_first,
    review_record,
    review_reschedule,
)

__all__ = [
    "MANAGE",
    "activity_create_custom",
    "agreement_create",
    "agreement_draft_discard",
    "agreement_end",
    "agreement_new_version",
    "agreement_party_add",
    "agreement_party_withdraw",
    "agreement_put_into_effect",
    "agreement_review_record",
    "agreement_sign",
    "agreements_take_effect",
    "funding_add",
    "funding_end",
    "in_force_version",
    "lead_partner_change",
    "lead_responsibility_assign",
    "lead_responsibility_end",
    "members_on",
    "membership_add",
    "membership_end",
    "next_review_on",
    "organisation_create",
    "organisation_update",
    "partnership_create",
    "partnership_end",
    "partnership_update",
    "pending_version",
    "planned_review",
    "review_cancel",
    "review_plan",
    "review_plan_first",
    "review_record",
    "review_reschedule",
    "unsigned_parties",
]
