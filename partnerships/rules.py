"""Who may read and configure the registry (partnerships, memberships, agreements, lead
responsibilities, funding) and its quarterly reviews. The registry is not personal data: every
signed-in user may browse it. ``PartnershipQuerySet.managed_by(user)`` says the managing rule in
SQL."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import rules
from django.db.models import Exists, Q

from accounts.rules import (
    is_active_user,
    is_commissioner,
    is_partnership_manager,
    is_platform_admin,
)
from core import clock

from .choices import MemberRole
from .querysets import leads_on


def _partnership_of(obj: Any) -> Any:
    """The partnership an object belongs to (the object itself for a partnership)."""
    if obj is None:
        return None
    if obj._meta.label_lower == "partnerships.partnership":
        return obj
    if hasattr(obj, "partnership"):
        return obj.partnership
    if hasattr(obj, "agreement"):
        return obj.agreement.partnership
    return None


@dataclass(frozen=True)
class ViewerFacts:
    """What a page already read about one user's organisation in a partnership on one day (the
    partnership page reads every membership and funding row of it anyway): the predicates
    below answer from it instead of asking the database again. Kept on the partnership
    instance for one request (``remember_viewer_facts``); used only for the same user,
    organisation and day."""

    user_id: int
    organisation_id: int
    on: datetime.date
    member: bool  # a current member (``member_of_partnership``)
    funds: bool  # funds it (``funds_partnership``)
    leads: bool  # its current lead partner (``leads_partnership``)


def remember_viewer_facts(user: Any, partnership: Any, on: datetime.date, *,
                          memberships: Iterable[tuple[int, str, datetime.date,
                                                      datetime.date | None]],
                          funder_ids: Iterable[int]) -> None:
    """Keep on ``partnership`` what the rules ask about ``user``'s organisation, from rows the
    caller read in full: EVERY membership of the partnership as (organisation id, role,
    joined on, left on) and the funder of EVERY funding row (a partial list would answer the
    rules wrongly). Nothing is kept for a user without an organisation."""
    org_id = getattr(user, "organisation_id", None)
    if not org_id:
        return
    mine = [(role, joined, left) for o, role, joined, left in memberships if o == org_id]
    # In force on ``on``: the half-open rule of ``querysets.in_force_on``.
    in_force = [role for role, joined, left in mine
                if joined <= on and (left is None or left > on)]
    partnership.viewer_facts = ViewerFacts(
        user_id=user.pk, organisation_id=org_id, on=on, member=bool(in_force),
        funds=org_id in set(funder_ids), leads=MemberRole.LEAD_PARTNER in in_force)


def _known(user: Any, partnership: Any, fact: str) -> bool | None:
    """A fact already read for this user, organisation and today; None when not known."""
    facts = getattr(partnership, "viewer_facts", None)
    if (facts is None or facts.user_id != getattr(user, "pk", None)
            or facts.organisation_id != getattr(user, "organisation_id", None)
            or facts.on != clock.today()):
        return None
    return bool(getattr(facts, fact))


@rules.predicate
def leads_partnership(user: Any, obj: Any) -> bool:
    """The user's organisation is the partnership's current lead partner."""
    partnership = _partnership_of(obj)
    if partnership is None or not getattr(user, "organisation_id", None):
        return False
    known = _known(user, partnership, "leads")
    if known is not None:
        return known
    return (partnership.memberships.filter(organisation_id=user.organisation_id)
            .filter(leads_on(clock.today())).exists())


@rules.predicate
def is_own_organisation(user: Any, obj: Any) -> bool:
    """The object is the user's own organisation."""
    return bool(obj is not None and getattr(user, "organisation_id", None) == obj.pk)


manages_partnership = is_partnership_manager & leads_partnership

# The registry is not personal data: every signed-in user may browse it.
for model in ("organisation", "partnership", "membership", "agreement", "signatory",
              "leadresponsibility", "funding", "activity", "region"):
    rules.add_perm(f"partnerships.view_{model}", is_active_user)
# Configuring the registry: platform admins everywhere; a partnership manager of the current
# lead partner within that partnership.
rules.add_perm("partnerships.add_organisation", is_platform_admin)
rules.add_perm("partnerships.change_organisation", is_platform_admin)
rules.add_perm("partnerships.delete_organisation", is_platform_admin)
rules.add_perm("partnerships.add_partnership", is_platform_admin)
rules.add_perm("partnerships.change_partnership", is_platform_admin | manages_partnership)
rules.add_perm("partnerships.delete_partnership", is_platform_admin)
for model in ("membership", "agreement", "signatory", "leadresponsibility", "funding"):
    rules.add_perm(f"partnerships.add_{model}", is_platform_admin | is_partnership_manager)
    rules.add_perm(f"partnerships.change_{model}", is_platform_admin | manages_partnership)
    rules.add_perm(f"partnerships.delete_{model}", is_platform_admin)
for model in ("activity", "region"):
    for verb in ("add", "change", "delete"):
        rules.add_perm(f"partnerships.{verb}_{model}", is_platform_admin)


@rules.predicate
def party_is_own_organisation(user: Any, obj: Any) -> bool:
    """The user's organisation is a party to the agreement (version) ``obj``."""
    org_id = getattr(user, "organisation_id", None)
    if obj is None or not org_id:
        return False
    return obj.signatories.filter(organisation_id=org_id).exists()


# The partnership's own journey (pages and write API): members, the lead partner, the lead for
# each activity, agreements, funding and reviews. Platform admins everywhere; a partnership
# manager of the current lead partner in that partnership; everyone else reads.
MANAGE_PARTNERSHIP = "partnerships.manage_partnership"
rules.add_perm(MANAGE_PARTNERSHIP, is_platform_admin | manages_partnership)
# Recording a signature on an agreement version: its managers, or a partnership manager of a
# party signing for their own organisation (the view keeps them to their own organisation).
SIGN_AGREEMENT = "partnerships.sign_agreement"
rules.add_perm(SIGN_AGREEMENT, is_platform_admin | manages_partnership
               | (is_partnership_manager & party_is_own_organisation))

@rules.predicate
def funds_partnership(user: Any, obj: Any) -> bool:
    """The user's organisation funds (commissions) the object's partnership."""
    partnership = _partnership_of(obj)
    if partnership is None or not getattr(user, "organisation_id", None):
        return False
    known = _known(user, partnership, "funds")
    if known is not None:
        return known
    return partnership.funding.filter(funder_id=user.organisation_id).exists()


@rules.predicate
def member_of_partnership(user: Any, obj: Any) -> bool:
    """The user's organisation is a current member of the partnership (or the object's)."""
    partnership = _partnership_of(obj)
    if partnership is None or not getattr(user, "organisation_id", None):
        return False
    known = _known(user, partnership, "member")
    if known is not None:
        return known
    return (partnership.memberships.filter(organisation_id=user.organisation_id)
            .active_on(clock.today()).exists())



# -- Partnership reviews ---------------------------------------------------------------------------
# The partnership's managers (the current lead partner's partnership managers) and platform
# admins plan, move and record the quarterly reviews (``partnerships.actions``). Anyone from a
# current member organisation, the commissioners who fund the partnership and admins may read
# them. Who attended is a judgement on each partner's engagement: the engagement report is for
# the managers, the funders' commissioners and admins only.


@rules.predicate
def member_or_funding_commissioner(user: Any, obj: Any) -> bool:
    """The user's organisation is a current member of the partnership, or the user is a
    commissioner whose organisation funds it: ``member_of_partnership | (is_commissioner &
    funds_partnership)`` in one query (the partnership page asks it for every visitor)."""
    partnership = _partnership_of(obj)
    org_id = getattr(user, "organisation_id", None)
    if partnership is None or not org_id or not is_active_user(user):
        return False
    member, funds = _known(user, partnership, "member"), _known(user, partnership, "funds")
    if member is not None and funds is not None:
        return member or (funds and bool(is_commissioner(user)))
    reads = Q(Exists(partnership.memberships.filter(organisation_id=org_id)
                     .active_on(clock.today())))
    if is_commissioner(user):
        reads |= Q(Exists(partnership.funding.filter(funder_id=org_id)))
    return type(partnership).objects.filter(pk=partnership.pk).filter(reads).exists()


rules.add_perm("partnerships.manage_reviews", is_platform_admin | manages_partnership)
rules.add_perm("partnerships.view_reviews", is_platform_admin | member_or_funding_commissioner)
rules.add_perm("partnerships.view_engagement",
               is_platform_admin | manages_partnership | (is_commissioner & funds_partnership))


@rules.predicate
def listed_or_led(user: Any, obj: Any) -> bool:
    """No object (the admin's list, which shows a manager only the partnerships they manage),
    or the object's partnership is led by the user's organisation."""
    return obj is None or leads_partnership(user, obj)


# In the admin the reviews are read-only (they change only through the actions).
for model in ("reviewmeeting", "reviewattendance"):
    rules.add_perm(f"partnerships.view_{model}",
                   is_platform_admin | (is_partnership_manager & listed_or_led))
