"""Who hears of what happens to a monitoring return: its reviewers (the lead partner's
partnership managers, as the escalation reminders reach them, never those of the organisation
that owes it: ``monitoring.review_return``) and its providers (the organisation's staff who
prepare returns, as the due and overdue reminders reach them)."""

from __future__ import annotations

from typing import Any

from accounts.recipients import returns_staff_of
from core import clock
from partnerships.recipients import lead_managers_of


def return_reviewers(monitoring_return: Any) -> list[Any]:
    """Those who may approve or send back ``monitoring_return`` today. One query."""
    managers = lead_managers_of({monitoring_return.partnership_id}, clock.today())
    return [user for user in managers.get(monitoring_return.partnership_id, [])
            if user.organisation_id != monitoring_return.organisation_id]


def return_providers(monitoring_return: Any) -> list[Any]:
    """The staff of the organisation that owes ``monitoring_return`` who work on its returns.
    One query."""
    return returns_staff_of([monitoring_return.organisation_id]).get(
        monitoring_return.organisation_id, [])
