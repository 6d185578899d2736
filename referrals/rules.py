"""Casework is need-to-know: who may open, read and work on cases, referrals, conferences and
notices. ``Case.objects.visible_to(user)`` says the same in SQL."""

from __future__ import annotations

from typing import Any

import rules

from accounts.models import Role
from accounts.rules import is_active_user, is_platform_admin
from partnerships.rules import member_of_partnership

from .models import Case

# A case, its person and its referrals are for users of organisations currently involved in it
# (lead agency; referring and receiving organisations of open referrals). Platform admins may open
# one case only by stating a reason (logged); commissioners see counts only. Lists use
# ``Case.objects.visible_to(user)``, which says the same in SQL.


def _case_of(obj: Any) -> Any:
    """The case an object belongs to (the object itself for a case)."""
    if obj is None:
        return None
    if obj._meta.label_lower == "referrals.case":
        return obj
    return getattr(obj, "case", None)


@rules.predicate
def is_caseworker(user: Any) -> bool:
    """Staff of a delivering or statutory organisation: provider staff and partnership
    managers (commissioners and admins do not hold cases)."""
    return bool(is_active_user(user) and user.role in (Role.PROVIDER_STAFF,
                                                       Role.PARTNERSHIP_MANAGER)
                and user.organisation_id)


@rules.predicate
def is_involved_in_case(user: Any, obj: Any) -> bool:
    case = _case_of(obj)
    if case is None or not getattr(user, "organisation_id", None):
        return False
    return Case.objects.involving(user.organisation_id).filter(pk=case.pk).exists()


@rules.predicate
def leads_case(user: Any, obj: Any) -> bool:
    """The user's organisation is the case's current lead agency."""
    case = _case_of(obj)
    if case is None or not getattr(user, "organisation_id", None):
        return False
    return case.lead_agencies.current().filter(organisation_id=user.organisation_id).exists()


@rules.predicate
def is_addressee(user: Any, obj: Any) -> bool:
    """The object (a referral or an end-of-order notice) is addressed to the user's
    organisation."""
    target = getattr(obj, "to_organisation_id", None) or getattr(obj, "organisation_id", None)
    return bool(target and getattr(user, "organisation_id", None) == target)


@rules.predicate
def works_at_establishment(user: Any, obj: Any) -> bool:
    """The object (a custody episode) is at the user's organisation's prison: the prison team
    records transfers and releases of people it holds even before it is involved in the case."""
    establishment = getattr(obj, "establishment_id", None)
    return bool(establishment and getattr(user, "organisation_id", None) == establishment)


rules.add_perm("referrals.open_case", is_caseworker & member_of_partnership)
rules.add_perm("referrals.view_case", is_caseworker & is_involved_in_case)
rules.add_perm("referrals.view_case_with_reason", is_platform_admin)
rules.add_perm("referrals.change_case", is_caseworker & leads_case)
rules.add_perm("referrals.refer", is_caseworker & is_involved_in_case)
rules.add_perm("referrals.respond_referral", is_caseworker & is_addressee)
rules.add_perm("referrals.withdraw_referral", is_caseworker & is_involved_in_case)
rules.add_perm("referrals.record_conference", is_caseworker & is_involved_in_case)
# Moving or calling off a planned conference changes every agency's diary: the lead agency, who
# runs the case, does it (the others are told).
rules.add_perm("referrals.manage_conference", is_caseworker & leads_case)
rules.add_perm("referrals.record_assessment", is_caseworker & is_involved_in_case)
rules.add_perm("referrals.acknowledge_notice", is_caseworker & is_addressee)
rules.add_perm("referrals.view_access_log", is_platform_admin | (is_caseworker & leads_case))
rules.add_perm("referrals.view_case_counts", is_active_user)
# The organisation's conference diary (page and iCalendar feed) is for its caseworkers: it lists
# only cases the organisation is involved in (``Case.objects.involving``).
rules.add_perm("referrals.view_conference_diary", is_caseworker)
rules.add_perm("referrals.manage_conference_diary_feed", is_caseworker)
# Admin configuration of casework (pathways, protocols' sharing terms, settings).
for model in ("referralpathway", "sharingprotocol", "caseworksettings"):
    rules.add_perm(f"referrals.view_{model}", is_active_user)
    for verb in ("add", "change", "delete"):
        rules.add_perm(f"referrals.{verb}_{model}", is_platform_admin)
# Case conferences appear in a calendar feed only for caseworkers (notifications.calendar).
rules.add_perm("notifications.calendar_case_conferences", is_caseworker)
# Custody: organisations involved in the case record reception; they or the prison holding the
# person record its transfer and release. The first community appointment is recorded by those
# involved in the case (the community provider through its referral, or the lead agency).
rules.add_perm("referrals.record_custody", is_caseworker & (is_involved_in_case
                                                            | works_at_establishment))
rules.add_perm("referrals.record_first_appointment", is_caseworker & is_involved_in_case)
# The release plan: the prison team holding the person and every organisation involved in the
# case (the community provider through its referral, the lead agency) work on it together.
rules.add_perm("referrals.plan_release", is_caseworker & (is_involved_in_case
                                                          | works_at_establishment))
