"""Returns built through the workflow actions (never by writing rows), for tests that then act on
them or report on them; and the state a refusal must leave alone.

Every helper takes the ``monitoring_setup()`` object ``s`` first. Unless told, a return is the
provider's (``organisation``), for ``s.period``, written by the provider's staff (``by``), with
the figures in ``FIGURES``; the lead partner's manager reviews it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from core.models import AuditEvent
from monitoring import actions
from monitoring.models import MonitoringReturn, Query, Value
from tests.accounts.factories import ProviderStaffFactory
from tests.monitoring.factories import ReturnRequirementFactory

FIGURES = {"starts": "10", "completions": "4"}  # what a submitted return says unless told


def unchanged_state() -> tuple[Any, ...]:
    """Everything a refusal must leave alone: returns, figures, queries and the audit trail."""
    return (list(MonitoringReturn.objects.order_by("pk").values()),
            sorted(Value.objects.values_list("monitoring_return", "metric", "number", "text")),
            list(Query.objects.order_by("pk").values()), AuditEvent.objects.count())


def started(s: Any, period: Any = None, organisation: Any = None,
            by: Any = None) -> MonitoringReturn:
    """A new draft, with no figures."""
    return actions.return_start(organisation=organisation or s.provider,
                                partnership=s.partnership, period=period or s.period,
                                by=by or s.staff)


def save(s: Any, ret: MonitoringReturn, by: Any = None, **values: str) -> MonitoringReturn:
    """``values`` (metric code: text as typed) saved on ``ret`` at its current version."""
    return actions.return_save_values(monitoring_return=ret, values=values,
                                      expected_version=ret.version, by=by or s.staff)


def draft(s: Any, period: Any = None, organisation: Any = None, by: Any = None,
          **values: str) -> MonitoringReturn:
    """A draft with ``values`` saved (none if none given)."""
    ret = started(s, period, organisation, by)
    return save(s, ret, by, **values) if values else ret


def submitted(s: Any, period: Any = None, organisation: Any = None, by: Any = None, *,
              on_time: bool | None = None, warning_note: str = "",
              **values: str) -> MonitoringReturn:
    """A submitted return (``FIGURES`` unless told). ``on_time`` True/False moves its first
    submission before or after the due date (the clock cannot be set in tests)."""
    ret = draft(s, period, organisation, by, **(values or FIGURES))
    ret = actions.return_submit(monitoring_return=ret, by=by or s.staff,
                                warning_note=warning_note)
    if on_time is not None:
        day = ret.period.due_on + dt.timedelta(days=-3 if on_time else 3)
        first = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
        MonitoringReturn.objects.filter(pk=ret.pk).update(first_submitted_at=first)
        ret.refresh_from_db()
    return ret


def approved(s: Any, period: Any = None, organisation: Any = None, by: Any = None, *,
             on_time: bool | None = None, **values: str) -> MonitoringReturn:
    """A submitted return approved by the lead partner's manager."""
    ret = submitted(s, period, organisation, by, on_time=on_time, **values)
    return actions.return_approve(monitoring_return=ret, by=s.manager)


def lead_partners_own_return(s: Any, **values: str) -> MonitoringReturn:
    """The lead partner also delivers and owes the partnership returns (for the partnership's
    framework): its own return, submitted by its staff. Its manager may not review it."""
    ReturnRequirementFactory(organisation=s.lead, partnership=s.partnership,
                             frameworks=[s.partnership_fw])
    return submitted(s, s.period, s.lead, ProviderStaffFactory(organisation=s.lead), **values)


def sent_back(s: Any, ret: MonitoringReturn,
              comment: str = "Please check the starts.") -> MonitoringReturn:
    """``ret`` returned to its provider by the lead partner's manager."""
    return actions.return_send_back(monitoring_return=ret, by=s.manager, comment=comment)


def corrected(s: Any, approved_return: MonitoringReturn, by: Any = None,
              **values: str) -> MonitoringReturn:
    """A correction of an approved return with ``values`` changed (still a draft)."""
    ret = actions.return_correct(approved_return=approved_return, by=by or s.staff,
                                 reason="Miscounted.")
    return save(s, ret, by, **values)


def resubmitted(s: Any, ret: MonitoringReturn, by: Any = None) -> MonitoringReturn:
    """A returned return, or a correction, submitted (again)."""
    return actions.return_submit(monitoring_return=ret, by=by or s.staff)
