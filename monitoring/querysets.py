"""Read logic for monitoring: who sees which returns, which requirement applies, and framework
reports as views over the one set of values."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Self

from django.db import models
from django.db.models import Exists, OuterRef, Q

from core.querysets import is_signed_in


class ReportingPeriodQuerySet(models.QuerySet):
    def containing(self, date: Any) -> Self:
        return self.filter(starts_on__lte=date, ends_on__gte=date)


class ReturnRequirementQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> Self:
        """Requirements the user may see: those their organisation owes, and every requirement
        of a partnership whose dashboards they read (led or funded by their organisation; all,
        for platform admins)."""
        from .reports import dashboard_partnerships

        if not is_signed_in(user):
            return self.none()
        return self.filter(Q(organisation_id=user.organisation_id)
                           | Q(partnership__in=dashboard_partnerships(user).values("pk")))

    def for_period(self, period: Any) -> Self:
        """Requirements at the period's frequency in force for it."""
        return self.filter(
            Q(from_period__isnull=True) | Q(from_period__starts_on__lte=period.starts_on),
            Q(until_period__isnull=True) | Q(until_period__starts_on__gte=period.starts_on),
            frequency=period.frequency,
        )

    def owed(self, *, organisation: Any, partnership: Any, period: Any) -> Any:
        """The requirement for this organisation, partnership and period, or ``None``."""
        return (self.for_period(period).filter(organisation=organisation, partnership=partnership)
                .prefetch_related("frameworks").first())


class MonitoringReturnQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> Self:
        """Platform admins: all; others: their own organisation's returns, and the submitted
        returns of the partnerships their organisation leads (managers) or funds
        (commissioners).

        A draft — a return never submitted, or a correction's revision still being prepared —
        is its organisation's own: the lead partner and commissioners see only that it has been
        started (the grid's state), and keep reading the approved revision a correction
        replaces. A return sent back for correction stays visible to them: it was submitted,
        and its reviewer needs to follow it. Platform admins, who run the service and may start
        returns on a provider's behalf, see drafts too. ``monitoring.rules`` says the same for
        one return (``monitoring.view_monitoringreturn``)."""
        from accounts.models import Role
        from partnerships.models import Funding, Partnership

        from .choices import ReturnStatus

        if not is_signed_in(user):
            return self.none()
        if user.is_platform_admin:
            return self.all()
        q = Q(organisation_id=user.organisation_id)
        submitted = ~Q(status=ReturnStatus.DRAFT)
        if user.role == Role.PARTNERSHIP_MANAGER:
            q |= submitted & Q(partnership__in=Partnership.objects.managed_by(user).values("pk"))
        if user.role == Role.COMMISSIONER:
            # EXISTS, not a join: a partnership funded twice would list its returns twice, and
            # DISTINCT over every column made each page (and its count) sort all of them.
            q |= submitted & Q(Exists(Funding.objects.filter(
                partnership_id=OuterRef("partnership_id"), funder_id=user.organisation_id)))
        return self.filter(q)

    def current_approved(self) -> Self:
        """Approved returns not themselves corrected by a later approved revision: what reports
        read."""
        from .choices import ReturnStatus

        return self.filter(status=ReturnStatus.APPROVED).exclude(
            corrections__status=ReturnStatus.APPROVED)


def in_framework_order(links: Iterable[Any]) -> list[Any]:
    """The metrics of ``links`` (``FrameworkMetric`` rows with their metric, already in
    framework order), each once where it first comes, with ``is_required`` set when any of its
    frameworks requires it. Frameworks list figures in the order their owners chose (often the
    order of the paper form people know), so pages follow it rather than the alphabet."""
    metrics: dict[int, Any] = {}
    for link in links:
        metric = metrics.setdefault(link.metric_id, link.metric)
        metric.is_required = getattr(metric, "is_required", False) or link.required
    return list(metrics.values())


def return_metrics(monitoring_return: Any) -> list[Any]:
    """The metrics a return asks for: each once, however many of its frameworks need it, in the
    frameworks' own order (``in_framework_order``), each with ``is_required`` (required by at
    least one framework). Two queries."""
    from .models import FrameworkMetric, ReturnRequirement

    requirement = ReturnRequirement.objects.owed(
        organisation=monitoring_return.organisation_id,
        partnership=monitoring_return.partnership_id, period=monitoring_return.period)
    if requirement is None:
        return []
    links = (FrameworkMetric.objects
             .filter(framework__in=requirement.frameworks.all())
             .select_related("metric")
             .order_by("framework__name", "framework__version", "framework_id", "position",
                       "id"))
    return in_framework_order(links)


def return_submission_opens_on(monitoring_return: Any, requirement: Any = None) -> Any:
    """The first day ``monitoring_return`` may be submitted (``models.submission_opens_on`` over
    the frameworks of the requirement it answers; pass ``requirement`` when already loaded, with
    its frameworks prefetched). Two queries at most."""
    from .models import ReturnRequirement, submission_opens_on

    if requirement is None:
        requirement = ReturnRequirement.objects.owed(
            organisation=monitoring_return.organisation_id,
            partnership=monitoring_return.partnership_id, period=monitoring_return.period)
    frameworks = requirement.frameworks.all() if requirement is not None else []
    return submission_opens_on(monitoring_return.period, frameworks)


def framework_values(framework: Any, partnership: Any, period: Any) -> list[dict[str, Any]]:
    """A framework's report for one partnership and period: its metrics in order, each with the
    values of the current approved returns (the same ``Value`` rows every other framework
    reads) and their total. Two queries whatever the size."""
    from .choices import Aggregation
    from .models import MonitoringReturn, Value

    links = list(framework.framework_metrics.select_related("metric").order_by("position", "id"))
    returns = MonitoringReturn.objects.current_approved().filter(partnership=partnership,
                                                                  period=period)
    values = (Value.objects.filter(monitoring_return__in=returns,
                                   metric__in=[fm.metric_id for fm in links])
              .select_related("metric", "monitoring_return__organisation")
              .order_by("monitoring_return__organisation__name"))
    by_metric: dict[int, list[Any]] = {}
    for v in values:
        by_metric.setdefault(v.metric_id, []).append(v)
    rows = []
    for fm in links:
        found = by_metric.get(fm.metric_id, [])
        numbers = [v.number for v in found if v.number is not None]
        total = sum(numbers) if fm.metric.is_numeric and numbers else None
        if total is not None and fm.metric.aggregate == Aggregation.AVERAGE:
            # Combined as in reports.totals: averages for rates, sums for the rest.
            total = (total / len(numbers)).quantize(Decimal("0.1"))
        rows.append({"metric": fm.metric, "required": fm.required, "values": found,
                     "total": total})
    return rows

