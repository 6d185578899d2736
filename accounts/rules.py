"""The one place that says who may do what. Admin, pages and API all ask these rules
(``user.has_perm("partnerships.change_agreement", agreement)``) and never re-implement them.

Lists cannot be filtered by predicates, so each app's querysets offer ``visible_to(user)``
and ``managed_by(user)`` that express the same rules in SQL.
"""

from __future__ import annotations

from typing import Any

import rules
from django.utils import timezone

from core.querysets import is_signed_in

from .models import Role


@rules.predicate
def is_active_user(user: Any) -> bool:
    return is_signed_in(user)


@rules.predicate
def is_platform_admin(user: Any) -> bool:
    return bool(is_active_user(user) and user.is_platform_admin)


@rules.predicate
def is_commissioner(user: Any) -> bool:
    return bool(is_active_user(user) and user.role == Role.COMMISSIONER)


@rules.predicate
def is_partnership_manager(user: Any) -> bool:
    return bool(is_active_user(user) and user.role == Role.PARTNERSHIP_MANAGER)


@rules.predicate
def is_provider_staff(user: Any) -> bool:
    return bool(is_active_user(user) and user.role == Role.PROVIDER_STAFF)


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


@rules.predicate
def leads_partnership(user: Any, obj: Any) -> bool:
    """The user's organisation is the partnership's current lead partner."""
    partnership = _partnership_of(obj)
    if partnership is None or not getattr(user, "organisation_id", None):
        return False
    from partnerships.choices import MemberRole

    return (partnership.memberships.filter(organisation_id=user.organisation_id,
                                           role=MemberRole.LEAD_PARTNER)
            .active_on(timezone.localdate()).exists())


@rules.predicate
def is_own_organisation(user: Any, obj: Any) -> bool:
    return bool(obj is not None and getattr(user, "organisation_id", None) == obj.pk)


manages_partnership = is_partnership_manager & leads_partnership

# The registry is not personal data: every signed-in user may browse it.
for model in ("organisation", "partnership", "membership", "agreement", "signatory",
              "leadresponsibility", "funding", "activity", "region"):
    rules.add_perm(f"partnerships.view_{model}", is_active_user)
for model in ("service", "servicecategory", "location", "serviceatlocation"):
    rules.add_perm(f"services.view_{model}", is_active_user)

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
for model in ("service", "servicecategory", "location", "serviceatlocation"):
    for verb in ("add", "change", "delete"):
        rules.add_perm(f"services.{verb}_{model}", is_platform_admin)
for model in ("user",):
    rules.add_perm(f"accounts.view_{model}", is_platform_admin)
    rules.add_perm(f"accounts.change_{model}", is_platform_admin)
    rules.add_perm(f"accounts.add_{model}", is_platform_admin)
    rules.add_perm(f"accounts.delete_{model}", is_platform_admin)
rules.add_perm("core.view_auditevent", is_platform_admin)
# API tokens: each user creates and revokes their own (the API tokens page); platform admins see
# every token's name, prefix and dates in the admin and may revoke any (never read a key: only
# its hash is stored). Nobody adds or edits one there.


@rules.predicate
def owns_token(user: Any, token: Any) -> bool:
    return bool(token is not None and getattr(user, "pk", None) == token.user_id)


rules.add_perm("accounts.use_api_tokens", is_active_user)
rules.add_perm("accounts.view_apitoken", is_platform_admin)
rules.add_perm("accounts.revoke_apitoken", is_active_user & (owns_token | is_platform_admin))

# Platform admins lift sign-in lockouts without being superusers.
for perm in ("axes.view_accessattempt", "axes.delete_accessattempt",
             "axes.view_accesslog", "axes.view_accessfailurelog",
             "axes.delete_accessfailurelog"):
    rules.add_perm(perm, is_platform_admin)

# Where the admin is available at all (the partnership pages themselves come later).
rules.add_perm("admin.access", is_platform_admin | is_partnership_manager)


# -- Monitoring returns ---------------------------------------------------------------------------
# Provider staff draft and submit their own organisation's returns; a partnership manager of the
# current lead partner reviews (approves or sends back) returns for that partnership, but never
# their own organisation's; commissioners see returns of partnerships they fund. Lists use
# ``MonitoringReturn.objects.visible_to(user)``, which says the same in SQL.


@rules.predicate
def is_returning_organisation(user: Any, monitoring_return: Any) -> bool:
    """The user works for the organisation that owes the return."""
    return bool(monitoring_return is not None and getattr(user, "organisation_id", None)
                and user.organisation_id == monitoring_return.organisation_id)


@rules.predicate
def funds_partnership(user: Any, obj: Any) -> bool:
    """The user's organisation funds (commissions) the object's partnership."""
    partnership = _partnership_of(obj)
    if partnership is None or not getattr(user, "organisation_id", None):
        return False
    return partnership.funding.filter(funder_id=user.organisation_id).exists()


@rules.predicate
def is_unsubmitted_return(user: Any, monitoring_return: Any) -> bool:
    """A draft: a return never submitted, or a correction's revision still being prepared. It is
    its organisation's own until submitted; a return sent back for correction was submitted, so
    its reviewer keeps reading it (``MonitoringReturnQuerySet.visible_to`` says the same)."""
    from monitoring.choices import ReturnStatus

    return bool(monitoring_return is not None
                and monitoring_return.status == ReturnStatus.DRAFT)


submits_for_organisation = is_provider_staff & is_own_organisation

rules.add_perm("monitoring.start_return", is_platform_admin | submits_for_organisation)
rules.add_perm("monitoring.edit_return", is_provider_staff & is_returning_organisation)
rules.add_perm("monitoring.review_return",
               is_platform_admin | (manages_partnership & ~is_returning_organisation))
rules.add_perm("monitoring.view_monitoringreturn",
               is_platform_admin | is_returning_organisation
               | (~is_unsubmitted_return
                  & (manages_partnership | (is_commissioner & funds_partnership))))
# Dashboards (grid, totals, trends, comparisons, framework reports) for a partnership: the lead
# partner's managers and the commissioners who fund it.
# ``monitoring.reports.dashboard_partnerships`` says the same in SQL.
rules.add_perm("monitoring.view_dashboard",
               is_platform_admin | manages_partnership | (is_commissioner & funds_partnership))
for model in ("metric", "framework", "frameworkmetric", "reportingperiod", "returnrequirement",
              "crossmetricrule"):
    rules.add_perm(f"monitoring.view_{model}", is_active_user)
    for verb in ("add", "change", "delete"):
        rules.add_perm(f"monitoring.{verb}_{model}", is_platform_admin)


# -- Casework (referrals app): need-to-know -------------------------------------------------------
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
    from referrals.models import Case

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
def member_of_partnership(user: Any, obj: Any) -> bool:
    """The user's organisation is a current member of the partnership (or the object's)."""
    partnership = _partnership_of(obj)
    if partnership is None or not getattr(user, "organisation_id", None):
        return False
    return (partnership.memberships.filter(organisation_id=user.organisation_id)
            .active_on(timezone.localdate()).exists())


rules.add_perm("referrals.open_case", is_caseworker & member_of_partnership)
rules.add_perm("referrals.view_case", is_caseworker & is_involved_in_case)
rules.add_perm("referrals.view_case_with_reason", is_platform_admin)
rules.add_perm("referrals.change_case", is_caseworker & leads_case)
rules.add_perm("referrals.refer", is_caseworker & is_involved_in_case)
rules.add_perm("referrals.respond_referral", is_caseworker & is_addressee)
rules.add_perm("referrals.withdraw_referral", is_caseworker & is_involved_in_case)
rules.add_perm("referrals.record_conference", is_caseworker & is_involved_in_case)
rules.add_perm("referrals.record_assessment", is_caseworker & is_involved_in_case)
rules.add_perm("referrals.acknowledge_notice", is_caseworker & is_addressee)
rules.add_perm("referrals.view_access_log", is_platform_admin | (is_caseworker & leads_case))
rules.add_perm("referrals.view_case_counts", is_active_user)
# Admin configuration of casework (pathways, protocols' sharing terms, settings).
for model in ("referralpathway", "sharingprotocol", "caseworksettings"):
    rules.add_perm(f"referrals.view_{model}", is_active_user)
    for verb in ("add", "change", "delete"):
        rules.add_perm(f"referrals.{verb}_{model}", is_platform_admin)


# -- Partnership reviews ---------------------------------------------------------------------------
# (After casework, because it builds on ``member_of_partnership`` and ``funds_partnership``.)
# The partnership's managers (the current lead partner's partnership managers) and platform
# admins plan, move and record the quarterly reviews (``partnerships.reviews``). Anyone from a
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
    from django.db.models import Exists, Q

    reads = Q(Exists(partnership.memberships.filter(organisation_id=org_id)
                     .active_on(timezone.localdate())))
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


# -- Notifications ---------------------------------------------------------------------------------
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
# the actions take the signed-in user). Case conferences appear in it only for caseworkers, and
# only for cases their organisation is involved in (``Case.objects.involving``). Platform admins
# see who has a link, read-only, in the admin (never the token's hash).
rules.add_perm("notifications.subscribe_calendar", is_active_user)
rules.add_perm("notifications.calendar_case_conferences", is_caseworker)
rules.add_perm("notifications.view_calendarfeed", is_platform_admin)
