"""Reminders about monitoring returns: due soon and overdue to the provider, then escalation to
the lead partner's partnership managers and to the commissioners funding the partnership.

``sweep`` runs daily (Celery beat, ``monitoring.remind_returns``). It reads only the periods whose
due date is close enough to today to remind about, so its cost grows with what is due, not with
everything stored, and a fixed number of queries reads them however many organisations owe
returns. Each reminder goes through ``notifications.sweeps.reminders_send`` with a key naming
what, which occurrence and whom, so a sweep run twice (or by two beats) reminds each person once.

A return counts as in once it has been submitted, even if it was later returned for correction:
timeliness is judged on the first submission (as on the dashboards' grid).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from functools import partial, reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.db.models import F, Q
from django.urls import reverse

from accounts.recipients import staff_of
from core import clock
from core.display import govuk_date
from notifications.sweeps import Reminder, catch_up_days, days_until, plural, reminders_send
from partnerships.recipients import lead_managers_of

from .choices import ReturnStatus
from .models import MonitoringReturn, ReportingPeriod, ReturnRequirement, submission_opens_on

DUE_SOON = "return_due_soon"
OVERDUE = "return_overdue"
ESCALATED = "return_overdue_escalated"
COMMISSIONER = "return_overdue_commissioner"
KINDS = (DUE_SOON, OVERDUE, ESCALATED, COMMISSIONER)

def lead_days() -> int:
    return int(getattr(settings, "MONITORING_REMINDER_LEAD_DAYS", 7))


def escalate_after_days() -> int:
    return int(getattr(settings, "MONITORING_ESCALATE_AFTER_DAYS", 14))


def commissioner_after_days() -> int:
    return int(getattr(settings, "MONITORING_COMMISSIONER_AFTER_DAYS", 28))


@dataclass(frozen=True)
class DueReturn:
    """A return owed for a period and not yet submitted, ``days_overdue`` after its due date
    (zero or negative: not overdue yet)."""

    requirement: ReturnRequirement
    period: ReportingPeriod
    days_overdue: int
    submission_open: bool = True  # False: it cannot be submitted yet, so nobody is nagged

    @property
    def kinds(self) -> list[str]:
        """The reminders this return calls for today."""
        if self.days_overdue <= 0:
            due_soon = self.days_overdue >= -lead_days() and self.submission_open
            return [DUE_SOON] if due_soon else []
        kinds = [OVERDUE]
        if self.days_overdue >= escalate_after_days():
            kinds.append(ESCALATED)
        if self.days_overdue >= commissioner_after_days():
            kinds.append(COMMISSIONER)
        return kinds


def due_returns(today: datetime.date) -> list[DueReturn]:
    """Returns due within the lead time or overdue (within the catch-up window) and not yet
    submitted, each saying whether its submission has opened (a "due soon" reminder before
    then would ask for something the provider cannot yet do). Four queries, whatever the
    number of organisations."""
    oldest = today - datetime.timedelta(
        days=max(escalate_after_days(), commissioner_after_days()) + catch_up_days())
    periods = list(ReportingPeriod.objects.filter(
        due_on__gte=oldest, due_on__lte=today + datetime.timedelta(days=lead_days())))
    if not periods:
        return []
    # The requirements in force for any of these periods (``for_period``, OR-ed), in SQL.
    in_force = reduce(or_, (Q(frequency=period.frequency)
                            & (Q(from_period__isnull=True)
                               | Q(from_period__starts_on__lte=period.starts_on))
                            & (Q(until_period__isnull=True)
                               | Q(until_period__starts_on__gte=period.starts_on))
                            for period in periods))
    requirements = list(
        ReturnRequirement.objects.filter(in_force)
        .select_related("organisation", "partnership", "from_period", "until_period")
        .prefetch_related("frameworks")
        .order_by("partnership_id", "organisation_id", "frequency"))
    # Submitted once (first submission recorded, or any revision past draft/returned): in.
    submitted = set(
        MonitoringReturn.objects.filter(period__in=periods)
        .filter(Q(first_submitted_at__isnull=False) | Q(revision__gt=1)
                | Q(status__in=[ReturnStatus.SUBMITTED, ReturnStatus.APPROVED]))
        .values_list("partnership_id", "organisation_id", "period_id").distinct())
    due = []
    for period in periods:
        for req in requirements:
            if req.applies_to(period) and \
                    (req.partnership_id, req.organisation_id, period.pk) not in submitted:
                opens_on = submission_opens_on(period, req.frameworks.all())
                due.append(DueReturn(req, period, (today - period.due_on).days,
                                     submission_open=today >= opens_on))
    return due


def _recipients(due: list[DueReturn], today: datetime.date) -> dict[str, dict[int, list[Any]]]:
    """Who hears of each kind: ``kind → organisation or partnership id → users``. One query per
    group of recipients needed, whatever their number."""
    from accounts.models import Role, User

    kinds = {kind for d in due for kind in d.kinds}
    found: dict[str, dict[int, list[Any]]] = {k: defaultdict(list) for k in KINDS}
    if kinds & {DUE_SOON, OVERDUE}:
        orgs = {d.requirement.organisation_id for d in due if set(d.kinds) & {DUE_SOON, OVERDUE}}
        found[DUE_SOON] = found[OVERDUE] = staff_of(orgs, [Role.PROVIDER_STAFF])
    if ESCALATED in kinds:
        found[ESCALATED] = lead_managers_of(
            {d.requirement.partnership_id for d in due if ESCALATED in d.kinds}, today)
    if COMMISSIONER in kinds:
        # Commissioners of the funders: those who read the partnership's dashboards.
        ids = {d.requirement.partnership_id for d in due if COMMISSIONER in d.kinds}
        funders = (User.objects.select_related(None)
                   .filter(is_active=True, role=Role.COMMISSIONER,
                           organisation__funding_given__partnership_id__in=ids)
                   .annotate(for_partnership=F("organisation__funding_given__partnership_id"))
                   .order_by("pk").distinct())
        for user in funders:
            found[COMMISSIONER][user.for_partnership].append(user)
    return found


def _message(kind: str, d: DueReturn) -> tuple[str, str, str]:
    """Subject, body and link of one reminder: organisation, partnership, period and due date;
    nothing about any person."""
    org, partnership, period = d.requirement.organisation, d.requirement.partnership, d.period
    due = govuk_date(period.due_on)
    what = f"{org}'s monitoring return to {partnership} for {period.label}"
    late = f"{plural(d.days_overdue, 'day')} overdue"
    if kind == DUE_SOON:
        when = days_until(period.due_on, period.due_on + datetime.timedelta(days=d.days_overdue))
        subject = f"Monitoring return due {when}: {org}, {period.label}"
        body = f"{what} is due on {due}. Submit it from your organisation's returns page."
        return subject, body, reverse("monitoring:my-returns")
    if kind == OVERDUE:
        subject = f"Monitoring return overdue: {org}, {period.label}"
        body = (f"{what} was due on {due} and has not been submitted ({late}). Submit it from "
                f"your organisation's returns page.")
        return subject, body, reverse("monitoring:my-returns")
    dashboard = reverse("monitoring:dashboard", args=[partnership.slug])
    as_whom = ("the lead partner's partnership manager" if kind == ESCALATED
               else "a commissioner funding the partnership")
    subject = f"Overdue monitoring return: {org} to {partnership}, {period.label}"
    body = (f"{what} was due on {due} and has still not been submitted ({late}). You are told "
            f"as {as_whom}; the partnership's dashboard shows its returns.")
    return subject, body, dashboard


def occurrence_key(kind: str, d: DueReturn) -> str:
    """``<kind>:<organisation>:<partnership>:<period>``; ``sweeps.reminders_send`` appends the
    recipient, so each person is reminded once per occurrence, however many sweeps."""
    req = d.requirement
    return f"{kind}:{req.organisation_id}:{req.partnership_id}:{d.period.pk}"


def sweep(today: datetime.date | None = None) -> dict[str, int]:
    """Send the reminders due on ``today`` (UK date; default: today) that were not sent yet.
    Returns how many notifications of each kind were created now."""
    today = today or clock.today()
    due = due_returns(today)
    recipients = _recipients(due, today) if due else {}

    def group(kind: str, d: DueReturn) -> int:
        return (d.requirement.organisation_id if kind in (DUE_SOON, OVERDUE)
                else d.requirement.partnership_id)

    return reminders_send((Reminder(kind=kind, key=occurrence_key(kind, d),
                                    users=recipients[kind].get(group(kind, d), []),
                                    message=partial(_message, kind, d), obj=d.requirement)
                           for d in due for kind in d.kinds),
                          kinds=KINDS, what="Monitoring return", today=today)
