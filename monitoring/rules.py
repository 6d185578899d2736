"""Who may start, edit, review and read monitoring returns and dashboards.
``MonitoringReturn.objects.visible_to(user)`` and ``monitoring.reports.dashboard_partnerships``
say the same in SQL."""

from __future__ import annotations

from typing import Any

import rules

from accounts.rules import (
    is_active_user,
    is_commissioner,
    is_platform_admin,
    is_provider_staff,
)
from partnerships.rules import funds_partnership, is_own_organisation, manages_partnership

from .choices import ReturnStatus

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
def is_unsubmitted_return(user: Any, monitoring_return: Any) -> bool:
    """A draft: a return never submitted, or a correction's revision still being prepared. It is
    its organisation's own until submitted; a return sent back for correction was submitted, so
    its reviewer keeps reading it (``MonitoringReturnQuerySet.visible_to`` says the same)."""
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
