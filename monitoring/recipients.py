"""Who hears of what happens to a monitoring return: its reviewers (the lead partner's
partnership managers, as the escalation reminders reach them, never those of the organisation
that owes it: ``monitoring.review_return``) and its providers (the organisation's staff who
prepare returns, as the due and overdue reminders reach them)."""

from __future__ import annotations

from typing import Any

from accounts.recipients import platform_admins, returns_staff_of
from core import clock
from partnerships.recipients import lead_managers_of


def return_reviewers(monitoring_return: Any) -> list[Any]:
    """Those who may approve or send back ``monitoring_return`` today: the lead partner's
    managers, or, for the lead partner's own return (which they may not review), the platform
    admins, so a submitted return never waits unheard. One or two queries."""
    managers = lead_managers_of({monitoring_return.partnership_id}, clock.today())
    reviewers = [user for user in managers.get(monitoring_return.partnership_id, [])
                 if user.organisation_id != monitoring_return.organisation_id]
    if reviewers or not leads_own_partnership(monitoring_return):
        return reviewers
    return platform_admins()


def leads_own_partnership(monitoring_return: Any) -> bool:
    """Whether the organisation that owes ``monitoring_return`` is its partnership's current
    lead partner: its own managers may not review it (``monitoring.review_return``). One
    query."""
    from partnerships.querysets import leads_on

    return (monitoring_return.partnership.memberships
            .filter(organisation_id=monitoring_return.organisation_id)
            .filter(leads_on(clock.today())).exists())


def reviewer_phrase(monitoring_return: Any) -> str:
    """Who reviews ``monitoring_return``, in a sentence: "the lead partner", or, for the lead
    partner's own return (which its managers may not review), "a platform administrator" (the
    only other role ``monitoring.review_return`` allows)."""
    if leads_own_partnership(monitoring_return):
        return "a platform administrator"
    return "the lead partner"


def return_providers(monitoring_return: Any) -> list[Any]:
    """The staff of the organisation that owes ``monitoring_return`` who work on its returns.
    One query."""
    return returns_staff_of([monitoring_return.organisation_id]).get(
        monitoring_return.organisation_id, [])
