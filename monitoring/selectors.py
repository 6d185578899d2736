"""Reads behind the providers' returns pages and the lead partner's review pages.

Views parse input and render; what they show — which returns an organisation owes and in what
state, a return's figures with the frameworks that use them and the queries raised on them, the
review queue — is read here, each in a fixed number of queries however long the history.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from accounts.models import Role
from core import clock
from core.display import money
from core.querysets import is_signed_in

from . import computed
from .choices import MetricKind, ReturnStatus
from .models import (
    Framework,
    FrameworkMetric,
    Metric,
    MonitoringReturn,
    Query,
    ReportingPeriod,
    ReturnRequirement,
    Value,
)
from .models import submission_opens_on as submission_opens_on_for
from .querysets import return_metrics, return_submission_opens_on

# -- what an organisation owes -------------------------------------------------------------------

#: Where a row of "my returns" belongs: what needs doing now, what is due, what is done.
ATTENTION, DUE, DONE = "attention", "due", "done"

NOT_STARTED = "Not started"
CORRECTION_IN_PROGRESS = "Correction in progress"

#: GOV.UK tag colour for each status label.
STATUS_TAGS = {
    NOT_STARTED: "govuk-tag--grey",
    "Draft": "govuk-tag--light-blue",
    CORRECTION_IN_PROGRESS: "govuk-tag--light-blue",
    "Submitted": "govuk-tag--blue",
    "Returned for correction": "govuk-tag--orange",
    "Approved": "govuk-tag--green",
}


@dataclass(frozen=True)
class OwedReturn:
    """One return an organisation owes a partnership for one period, in its latest revision
    (``monitoring_return`` is ``None`` until it is started)."""

    partnership: Any
    period: ReportingPeriod
    monitoring_return: MonitoringReturn | None
    status: str
    overdue: bool
    group: str
    opens_on: datetime.date | None = None  # the first day it may be submitted
    submission_open: bool = True

    @property
    def tag_class(self) -> str:
        return STATUS_TAGS.get(self.status, "govuk-tag--grey")

    @property
    def action(self) -> str:
        """``start``, ``continue`` (editable) or ``view``."""
        if self.monitoring_return is None:
            return "start"
        if self.monitoring_return.status in ReturnStatus.editable():
            return "continue"
        return "view"


@dataclass(frozen=True)
class OwedReturns:
    """What an organisation owes, in the order a provider works through it."""

    attention: list[OwedReturn] = field(default_factory=list)  # returned, then overdue
    due: list[OwedReturn] = field(default_factory=list)        # to do, not yet late
    done: list[OwedReturn] = field(default_factory=list)       # submitted or approved

    @property
    def total(self) -> int:
        return len(self.attention) + len(self.due) + len(self.done)


def _status(ret: MonitoringReturn | None) -> str:
    if ret is None:
        return NOT_STARTED
    if ret.revision > 1 and ret.status == ReturnStatus.DRAFT:
        return CORRECTION_IN_PROGRESS
    return ret.get_status_display()


def owed_returns(user: Any, today: datetime.date | None = None) -> OwedReturns:
    """Every return the user's organisation owes for periods that have started, each in its
    latest revision, grouped: returned for correction and overdue first, then due, then
    submitted or approved, each with the day its submission opens. Empty for users who do not
    submit returns (only provider staff do). Four queries, however many partnerships and
    periods."""
    if not is_signed_in(user) or user.role != Role.PROVIDER_STAFF or not user.organisation_id:
        return OwedReturns()
    today = today or clock.today()
    requirements = list(ReturnRequirement.objects
                        .filter(organisation_id=user.organisation_id)
                        .select_related("partnership", "from_period", "until_period")
                        .prefetch_related("frameworks"))
    if not requirements:
        return OwedReturns()
    periods = list(ReportingPeriod.objects.filter(
        frequency__in={r.frequency for r in requirements}, starts_on__lte=today))
    latest: dict[tuple[int, int], MonitoringReturn] = {}
    for revision in (MonitoringReturn.objects
                     .filter(organisation_id=user.organisation_id,
                             partnership_id__in=[r.partnership_id for r in requirements])
                     .order_by("revision")):
        latest[revision.partnership_id, revision.period_id] = revision  # the highest one wins
    owed = OwedReturns()
    for requirement in requirements:
        for period in periods:
            if not requirement.applies_to(period):
                continue
            ret = latest.get((requirement.partnership_id, period.pk))
            # A correction's earlier revision was submitted (and approved): never overdue.
            never_submitted = ret is None or (ret.revision == 1
                                              and ret.first_submitted_at is None)
            overdue = never_submitted and period.due_on < today
            if ret is not None and ret.status == ReturnStatus.RETURNED:
                group = ATTENTION
            elif ret is not None and ret.status in (ReturnStatus.SUBMITTED,
                                                    ReturnStatus.APPROVED):
                group = DONE
                overdue = False
            else:
                group = ATTENTION if overdue else DUE
            opens_on = submission_opens_on_for(period, requirement.frameworks.all())
            row = OwedReturn(partnership=requirement.partnership, period=period,
                             monitoring_return=ret, status=_status(ret), overdue=overdue,
                             group=group, opens_on=opens_on, submission_open=today >= opens_on)
            getattr(owed, group).append(row)
    # Returned for correction before overdue; the longest waiting first in each.
    owed.attention.sort(key=lambda r: (r.overdue, r.period.due_on, r.partnership.name))
    owed.due.sort(key=lambda r: (r.period.due_on, r.partnership.name))
    owed.done.sort(key=lambda r: (-r.period.starts_on.toordinal(), r.partnership.name))
    return owed


# -- one return's figures ------------------------------------------------------------------------


def _with_unit(metric: Metric, value: Value | None) -> str:
    if value is None:
        return ""
    if value.number is None or not metric.unit or metric.kind == MetricKind.YES_NO:
        return value.display
    if metric.unit == "£":
        return money(value.number)
    if metric.unit == "%":
        return f"{value.display}%"
    return f"{value.display} {metric.unit}"


@dataclass(frozen=True)
class Figure:
    """One metric of a return: asked once, with every framework that reads it, its value and
    the queries the lead partner raised about it."""

    metric: Metric
    required: bool
    frameworks: list[Framework]
    value: Value | None
    queries: list[Query]
    previous: Value | None = None  # the value in the revision this one corrects
    asked: bool = True  # False: stored before the return's frameworks stopped asking for it

    @property
    def open_queries(self) -> list[Query]:
        return [q for q in self.queries if not q.resolved]

    @property
    def shown(self) -> str:
        """The value with its unit, as people read it ("12 people", "55.5%"); "" if none."""
        return _with_unit(self.metric, self.value)

    @property
    def previous_shown(self) -> str:
        return _with_unit(self.metric, self.previous)

    @property
    def framework_names(self) -> str:
        return ", ".join(f.name for f in self.frameworks)

    @property
    def computed_hint(self) -> str:
        """Where a figure filled in from elsewhere comes from ("From casework (continuity of
        care)"); "" for a figure the provider types."""
        if not self.metric.computed_from:
            return ""
        found = computed.source(self.metric.computed_from)
        return found.hint if found is not None else "Filled in from casework"

    @property
    def changed(self) -> bool:
        """The figure differs from the revision it corrects."""
        shown = self.value.display if self.value else ""
        before = self.previous.display if self.previous else ""
        return shown != before


@dataclass(frozen=True)
class ReturnSheet:
    """Everything the detail, edit and review pages show about a return."""

    monitoring_return: MonitoringReturn
    frameworks: list[Framework]
    figures: list[Figure]
    return_queries: list[Query]   # about the whole return
    corrections: list[MonitoringReturn]
    opens_on: datetime.date | None = None  # the first day it may be submitted

    @property
    def open_return_queries(self) -> list[Query]:
        return [q for q in self.return_queries if not q.resolved]

    @property
    def open_figure_queries(self) -> list[tuple[Figure, Query]]:
        return [(f, q) for f in self.figures for q in f.open_queries]

    @property
    def has_open_queries(self) -> bool:
        return bool(self.open_return_queries or self.open_figure_queries)

    @property
    def queries(self) -> list[Query]:
        """Every query, oldest first, for the history on the detail page."""
        figure_queries = [q for f in self.figures for q in f.queries]
        return sorted([*self.return_queries, *figure_queries],
                      key=lambda q: (q.created_on, q.pk))


def visible_returns(user: Any) -> QuerySet:
    """Returns the user may open, with what every page about one of them shows."""
    return (MonitoringReturn.objects.visible_to(user)
            .select_related("organisation", "partnership", "period", "submitted_by",
                            "approved_by", "replaces"))


def return_sheet(monitoring_return: MonitoringReturn, *,
                 with_previous: bool = False) -> ReturnSheet:
    """A return's figures — each metric once, with the frameworks that read it (owner
    included), its value and the queries on it — its whole-return queries and the revisions
    that correct it, and the day it may be submitted from. ``with_previous`` adds the values of
    the revision it corrects. A fixed number of queries however many metrics and frameworks."""
    ret = monitoring_return
    requirement = ReturnRequirement.objects.owed(organisation=ret.organisation_id,
                                                 partnership=ret.partnership_id,
                                                 period=ret.period)
    metrics = list(return_metrics(ret))
    frameworks: list[Framework] = []
    by_metric: dict[int, list[Framework]] = defaultdict(list)
    if requirement is not None:
        links = (FrameworkMetric.objects
                 .filter(framework__in=[f.pk for f in requirement.frameworks.all()])
                 .select_related("framework__owner")
                 .order_by("framework__name", "framework__version", "position", "id"))
        seen: set[int] = set()
        for link in links:
            by_metric[link.metric_id].append(link.framework)
            if link.framework_id not in seen:
                seen.add(link.framework_id)
                frameworks.append(link.framework)
    values = {v.metric_id: v for v in ret.values.select_related("metric")}
    # Figures stored before a framework changed are still shown, not silently hidden.
    asked = {m.pk for m in metrics}
    extra = sorted((v.metric for mid, v in values.items() if mid not in asked),
                   key=lambda m: m.name)
    previous: dict[int, Value] = {}
    if with_previous and ret.replaces_id:
        previous = {v.metric_id: v for v in
                    Value.objects.filter(monitoring_return_id=ret.replaces_id)
                    .select_related("metric")}
    queries = list(ret.queries.select_related("raised_by", "metric"))
    on_metric: dict[int, list[Query]] = defaultdict(list)
    for query in queries:
        if query.metric_id:
            on_metric[query.metric_id].append(query)
    figures = [
        Figure(metric=m, required=bool(getattr(m, "is_required", 0)),
               frameworks=by_metric.get(m.pk, []), value=values.get(m.pk),
               queries=on_metric.get(m.pk, []), previous=previous.get(m.pk),
               asked=m.pk in asked)
        for m in [*metrics, *extra]
    ]
    corrections = list(MonitoringReturn.objects.filter(replaces_id=ret.pk).order_by("revision"))
    return ReturnSheet(monitoring_return=ret, frameworks=frameworks, figures=figures,
                       return_queries=[q for q in queries if not q.metric_id],
                       corrections=corrections,
                       opens_on=return_submission_opens_on(ret, requirement))


# -- the lead partner's review queue -------------------------------------------------------------

#: How many recently returned returns the reviews page lists under the queue.
RECENTLY_RETURNED = 10


def reviewable_returns(user: Any) -> QuerySet:
    """Returns in partnerships the user reviews (managers: those their organisation leads, never
    their own organisation's; platform admins: all). The same rule as
    ``monitoring.review_return``, in SQL."""
    from partnerships.models import Partnership

    returns = visible_returns(user).select_related("submitted_by")
    if not is_signed_in(user):
        return returns.none()
    if user.is_platform_admin:
        return returns
    if user.role != Role.PARTNERSHIP_MANAGER:
        return returns.none()
    return (returns.filter(partnership__in=Partnership.objects.managed_by(user).values("pk"))
            .exclude(organisation_id=user.organisation_id))


def review_queue(user: Any) -> QuerySet:
    """Submitted returns waiting for the user's review, the longest waiting first."""
    return (reviewable_returns(user).filter(status=ReturnStatus.SUBMITTED)
            .order_by("submitted_at", "pk"))


def recently_returned(user: Any, limit: int = RECENTLY_RETURNED) -> list[MonitoringReturn]:
    """Returns the user's partnerships sent back for correction, waiting on the provider,
    the most recent first."""
    return list(reviewable_returns(user).filter(status=ReturnStatus.RETURNED)
                .order_by("-modified_on", "-pk")[:limit])


def open_query_counts(returns: list[MonitoringReturn]) -> dict[int, int]:
    """Unresolved queries per return, in one query."""
    from django.db.models import Count

    rows = (Query.objects.filter(monitoring_return__in=[r.pk for r in returns], resolved=False)
            .values("monitoring_return").annotate(n=Count("id")))
    return {row["monitoring_return"]: row["n"] for row in rows}
