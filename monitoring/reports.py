"""What lead partners and commissioners read: the completeness and timeliness grid, totals per
metric per period, a metric's trend and a comparison of organisations on it.

Everything is aggregated in the database from the current approved values (the same ``Value``
rows every framework reads), and each report costs a fixed number of queries however many
organisations, periods and metrics it covers. Pages, exports and the API all read these.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, Sum

from core import clock

from .choices import Aggregation, Frequency, MetricKind, ReturnStatus
from .models import (
    Framework,
    FrameworkMetric,
    Metric,
    MonitoringReturn,
    ReportingPeriod,
    ReturnRequirement,
    Value,
)

#: Periods a dashboard shows unless asked otherwise.
DEFAULT_PERIOD_COUNT = 8


# -- who sees which dashboards --------------------------------------------------------------------


def dashboard_partnerships(user: Any) -> models.QuerySet:
    """Partnerships whose monitoring dashboards ``user`` may read, in SQL: platform admins all;
    partnership managers those their organisation leads; commissioners those it funds. The same
    rule as ``monitoring.view_dashboard`` in ``monitoring.rules``."""
    from accounts.models import Role
    from core.querysets import is_signed_in
    from partnerships.models import Partnership

    if not is_signed_in(user):
        return Partnership.objects.none()
    if user.is_platform_admin:
        return Partnership.objects.all()
    if user.role == Role.PARTNERSHIP_MANAGER:
        return Partnership.objects.managed_by(user)
    if user.role == Role.COMMISSIONER and user.organisation_id:
        return Partnership.objects.filter(funding__funder_id=user.organisation_id).distinct()
    return Partnership.objects.none()


# -- periods ------------------------------------------------------------------------------------


def default_periods(*, frequency: str = Frequency.QUARTERLY, count: int = DEFAULT_PERIOD_COUNT,
                    today: datetime.date | None = None) -> list[ReportingPeriod]:
    """The last ``count`` periods of ``frequency`` that have started by ``today``, oldest first.
    One query."""
    today = today or clock.today()
    latest = (ReportingPeriod.objects.filter(frequency=frequency, starts_on__lte=today)
              .order_by("-starts_on")[:count])
    return list(reversed(latest))


# -- completeness and timeliness grid -----------------------------------------------------------


class CellState(models.TextChoices):
    NOT_REQUIRED = "not_required", "Not required"
    NOT_DUE = "not_due", "Not due yet"
    NOT_STARTED = "not_started", "Not started"
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned for correction"
    APPROVED = "approved", "Approved"


@dataclass(slots=True)  # thousands per grid: plain slots build fastest
class GridCell:
    """One organisation's return for one period, as the grid shows it.

    ``on_time`` is ``True``/``False`` once the return was first submitted (judged on the first
    submission, not a resubmission after correction), ``False`` when it is past due and still not
    submitted, and ``None`` otherwise (not required, or not due yet).
    """

    state: str
    on_time: bool | None = None
    overdue: bool = False
    return_id: int | None = None
    correcting: bool = False  # an approved return with a correction under way

    @property
    def label(self) -> str:
        if self.state == CellState.SUBMITTED:
            return "Submitted on time" if self.on_time else "Submitted late"
        if self.state in (CellState.NOT_STARTED, CellState.DRAFT) and self.overdue:
            return f"{CellState(self.state).label} – overdue"
        label = CellState(self.state).label
        if self.state == CellState.APPROVED and self.on_time is False:
            label += " (late)"
        return label

    @property
    def is_required(self) -> bool:
        return self.state != CellState.NOT_REQUIRED

    @property
    def is_in(self) -> bool:
        """Submitted, or approved: the figures are with the lead partner."""
        return self.state in (CellState.SUBMITTED, CellState.APPROVED)


@dataclass
class GridRow:
    organisation: Any
    cells: list[GridCell]

    @property
    def required(self) -> int:
        return sum(c.is_required for c in self.cells)

    @property
    def approved(self) -> int:
        return sum(c.state == CellState.APPROVED for c in self.cells)

    @property
    def on_time(self) -> int:
        return sum(c.on_time is True for c in self.cells)


@dataclass
class Grid:
    periods: list[ReportingPeriod]
    rows: list[GridRow] = field(default_factory=list)

    def column(self, index: int) -> list[GridCell]:
        return [row.cells[index] for row in self.rows]

    @property
    def column_summaries(self) -> list[dict[str, int]]:
        """Per period: how many returns are required, in (submitted or approved), approved,
        and in on time."""
        out = []
        for i in range(len(self.periods)):
            cells = self.column(i)
            out.append({"required": sum(c.is_required for c in cells),
                        "in": sum(c.is_in for c in cells),
                        "approved": sum(c.state == CellState.APPROVED for c in cells),
                        "on_time": sum(c.on_time is True for c in cells)})
        return out


@dataclass(frozen=True, slots=True)
class Owed:
    """One return requirement as reports read it: who owes returns (the organisation's slug,
    name and kind: what pages, exports and the API show of it), how often, and the start dates
    of its first and last periods (``None``: unbounded)."""

    organisation: Any
    frequency: str
    from_starts_on: datetime.date | None
    until_starts_on: datetime.date | None

    @property
    def organisation_id(self) -> int:
        return int(self.organisation.pk)

    def applies_to(self, period: ReportingPeriod) -> bool:
        """``ReturnRequirement.applies_to``, from the values read."""
        return ReturnRequirement.owed_for(period, frequency=self.frequency,
                                          from_starts_on=self.from_starts_on,
                                          until_starts_on=self.until_starts_on)


def requirements_for(partnership: Any, periods: Sequence[ReportingPeriod]) -> list[Owed]:
    """The partnership's return requirements at the periods' frequencies, ordered by
    organisation name. One query, of plain values: a grid reads hundreds of requirements, and
    loading each with its organisation and both bounding periods as model instances cost
    several times the query itself. The organisations are model instances of the fields read
    (``from_db``), so pages, exports and the API treat them as any other."""
    from partnerships.models import Organisation

    # The organisation's fields in model order, as ``Model.from_db`` takes them.
    fields = [f.attname for f in Organisation._meta.concrete_fields
              if f.attname in ("id", "slug", "name", "kind")]
    rows = (ReturnRequirement.objects
            .filter(partnership=partnership, frequency__in={p.frequency for p in periods})
            .order_by("organisation__name", "organisation_id")
            .values_list("frequency", "from_period__starts_on", "until_period__starts_on",
                         *[f"organisation__{name}" for name in fields]))
    at_id = fields.index("id")
    organisations: dict[int, Any] = {}
    owed = []
    for frequency, from_starts_on, until_starts_on, *values in rows:
        organisation = organisations.get(values[at_id])
        if organisation is None:
            organisation = organisations[values[at_id]] = Organisation.from_db(rows.db, fields,
                                                                               values)
        owed.append(Owed(organisation, frequency, from_starts_on, until_starts_on))
    return owed


@dataclass(slots=True)
class _Found:
    """What is stored for one organisation's return for one period, across its revisions."""

    on_time: bool | None = None  # revision 1 first submitted by the due date (None: not yet)
    approved_id: int | None = None  # the latest approved revision
    latest_id: int | None = None
    latest_status: str | None = None


def _index_returns(returns: models.QuerySet) -> dict[tuple[int, int, int], _Found]:
    """``(partnership id, organisation id, period id) → _Found`` from one query. Timeliness is
    worked out in SQL (the submission's date in UK time against the due date), which saves
    decoding a timestamp and converting its zone for every cell."""
    found: dict[tuple[int, int, int], _Found] = {}
    on_time = ExpressionWrapper(Q(first_submitted_at__date__lte=F("period__due_on")),
                                output_field=BooleanField())
    unsent = ExpressionWrapper(Q(first_submitted_at__isnull=True), output_field=BooleanField())
    rows = (returns.annotate(on_time=on_time, unsent=unsent)
            .values_list("id", "partnership_id", "organisation_id", "period_id", "status",
                         "on_time", "unsent")
            .order_by("partnership_id", "organisation_id", "period_id", "revision"))
    for pk, partnership_id, organisation_id, period_id, status, in_time, unsent in rows:
        key = (partnership_id, organisation_id, period_id)
        item = found.get(key)
        if item is None:
            item = found[key] = _Found(on_time=None if unsent else bool(in_time))
        item.latest_id, item.latest_status = pk, status
        if status == ReturnStatus.APPROVED:
            item.approved_id = pk
    return found


def _cell(found: _Found | None, period: ReportingPeriod, today: datetime.date) -> GridCell:
    """The grid's one rule for a required return's state and timeliness."""
    overdue = today > period.due_on
    if found is None:
        if today <= period.ends_on:
            return GridCell(CellState.NOT_DUE)
        return GridCell(CellState.NOT_STARTED, on_time=False if overdue else None,
                        overdue=overdue)
    on_time = found.on_time
    if found.approved_id is not None:
        return GridCell(CellState.APPROVED, on_time=on_time, return_id=found.approved_id,
                        correcting=found.latest_status != ReturnStatus.APPROVED)
    if on_time is None and overdue:
        on_time = False
    draft = found.latest_status == ReturnStatus.DRAFT
    # A draft is its organisation's own until submitted: the grid says it was started, and
    # does not link to a page its readers may not open.
    return GridCell(str(found.latest_status), on_time=on_time,
                    return_id=None if draft else found.latest_id, overdue=overdue and draft)


def grid(partnership: Any, periods: Sequence[ReportingPeriod],
         today: datetime.date | None = None) -> Grid:
    """Organisations that owe ``partnership`` returns × ``periods``: each cell's state and
    timeliness. Two queries."""
    today = today or clock.today()
    periods = list(periods)
    requirements = requirements_for(partnership, periods)
    found = _index_returns(MonitoringReturn.objects.filter(partnership=partnership,
                                                           period__in=periods))
    result = Grid(periods=periods)
    by_org: dict[int, list[Owed]] = {}
    for req in requirements:
        by_org.setdefault(req.organisation_id, []).append(req)
    for organisation_id, owed in by_org.items():
        cells = []
        for period in periods:
            if not any(r.applies_to(period) for r in owed):
                cells.append(GridCell(CellState.NOT_REQUIRED))
                continue
            cells.append(_cell(found.get((partnership.pk, organisation_id, period.pk)), period,
                               today))
        result.rows.append(GridRow(organisation=owed[0].organisation, cells=cells))
    return result


@dataclass(frozen=True)
class Completeness:
    """A partnership's returns for one period, counted from the grid's cells."""

    required: int
    submitted: int  # submitted or approved: with the lead partner
    approved: int
    overdue: int


def latest_due_period(today: datetime.date | None = None) -> ReportingPeriod | None:
    """The latest quarter that has ended: the one summaries report on. One query."""
    today = today or clock.today()
    return (ReportingPeriod.objects.filter(frequency=Frequency.QUARTERLY, ends_on__lt=today)
            .order_by("-starts_on").first())


def completeness(partnerships: Sequence[Any], period: ReportingPeriod,
                 today: datetime.date | None = None) -> dict[int, Completeness]:
    """``{partnership id: Completeness}`` for ``period``, for a whole page of partnerships in two
    queries; partnerships that owe nothing for it are left out."""
    today = today or clock.today()
    ids = [p.pk for p in partnerships]
    owed = set(ReturnRequirement.objects.for_period(period).filter(partnership__in=ids)
               .values_list("partnership_id", "organisation_id"))
    found = _index_returns(MonitoringReturn.objects.filter(partnership__in=ids, period=period))
    cells: dict[int, list[GridCell]] = {}
    for partnership_id, organisation_id in owed:
        cells.setdefault(partnership_id, []).append(
            _cell(found.get((partnership_id, organisation_id, period.pk)), period, today))
    return {pk: Completeness(required=len(c), submitted=sum(x.is_in for x in c),
                             approved=sum(x.state == CellState.APPROVED for x in c),
                             overdue=sum(x.overdue for x in c))
            for pk, c in cells.items()}


# -- totals, trends and comparisons ------------------------------------------------------------


@dataclass(frozen=True)
class Total:
    """One metric for one period across the partnership's approved returns."""

    value: Decimal | None  # sum, average or number answering yes: ``Metric.aggregate``
    returns: int  # approved returns that gave the figure


def reported_metrics(partnership: Any) -> list[Metric]:
    """Numeric metrics in any framework the partnership requires, each once, in the frameworks'
    own order (``FrameworkMetric.position``, as their owners set it in the admin), not by name:
    frameworks by name and version, and a figure where it first comes; each with
    ``is_required`` (required by any of them), as ``querysets.in_framework_order`` gives them.
    One query, of plain values: what the reports show of a metric (pages, downloads and API:
    code, name, kind, unit, how it adds up), loaded as metrics of those fields (``from_db``)
    without a framework link instance per row."""
    fields = [f.attname for f in Metric._meta.concrete_fields
              if f.attname in ("id", "code", "name", "kind", "unit", "aggregation")]
    rows = (FrameworkMetric.objects
            .filter(metric__kind__in=MetricKind.numeric(),
                    # A subquery, not a join: a join repeats each link per organisation.
                    framework__in=Framework.objects.filter(requirements__partnership=partnership)
                    .values("pk"))
            .order_by("framework__name", "framework__version", "framework_id", "position", "id")
            .values_list("required", *[f"metric__{name}" for name in fields]))
    at_id = fields.index("id")
    metrics: dict[int, Metric] = {}
    for required, *values in rows:
        metric = metrics.get(values[at_id])
        if metric is None:
            metric = metrics[values[at_id]] = Metric.from_db(rows.db, fields, values)
            metric.is_required = False  # type: ignore[attr-defined]
        metric.is_required = metric.is_required or required  # type: ignore[attr-defined]
    return list(metrics.values())


def current_returns(partnership: Any, periods: Iterable[ReportingPeriod]) -> models.QuerySet:
    """The returns reports read for these periods: approved, and not corrected by a later
    approved revision."""
    return MonitoringReturn.objects.current_approved().filter(partnership=partnership,
                                                              period__in=list(periods))


def _plain(number: Decimal) -> Decimal:
    """Without the trailing zeros a database sum may carry (never in exponent form)."""
    if number == number.to_integral_value():
        return number.quantize(Decimal(1))
    return number.normalize()


def totals(partnership: Any, periods: Sequence[ReportingPeriod],
           metrics: Sequence[Metric]) -> dict[int, dict[int, Total]]:
    """``{metric id: {period id: Total}}`` for ``metrics`` over ``periods``, each combined as
    ``Metric.aggregate`` says: sums, averages (to one decimal place), or the number answering
    yes. One query: the current returns joined once to their values (not the values filtered
    through an ``IN`` subquery over the returns, then joined to them again), and only
    ``SUM``/``COUNT``: an average is the sum over the count."""
    averaged = {m.pk for m in metrics if m.aggregate == Aggregation.AVERAGE}
    rows = (current_returns(partnership, periods)
            # One filter() call: one join to the values, filtered in place.
            .filter(values__metric__in=[m.pk for m in metrics], values__number__isnull=False)
            .values_list("values__metric_id", "period_id")
            .annotate(total=Sum("values__number"), n=Count("*"))
            .order_by())
    out: dict[int, dict[int, Total]] = {m.pk: {} for m in metrics}
    for metric_id, period_id, total, n in rows:
        if metric_id in averaged:
            value = (Decimal(total) / n).quantize(Decimal("0.1"))
        else:
            value = _plain(Decimal(total))
        out[metric_id][period_id] = Total(value=value, returns=n)
    return out


def trend(partnership: Any, periods: Sequence[ReportingPeriod],
          metric: Metric) -> list[tuple[ReportingPeriod, Total | None]]:
    """One metric's partnership figure for each period, oldest first (``None`` where no approved
    return gave it). One query."""
    by_period = totals(partnership, periods, [metric])[metric.pk]
    return [(p, by_period.get(p.pk)) for p in periods]


@dataclass
class ComparisonRow:
    organisation: Any
    values: list[Value | None]


def comparison(partnership: Any, periods: Sequence[ReportingPeriod],
               metric: Metric) -> list[ComparisonRow]:
    """Each organisation that owes the partnership returns, with its approved figure for
    ``metric`` in each period (``None`` where there is none). Two queries."""
    periods = list(periods)
    organisations: dict[int, Any] = {}
    for req in requirements_for(partnership, periods):
        organisations.setdefault(req.organisation_id, req.organisation)
    values = (Value.objects
              .filter(monitoring_return__in=current_returns(partnership, periods), metric=metric)
              .only("id", "metric_id", "monitoring_return_id", "number", "text")
              .annotate(organisation_id=models.F("monitoring_return__organisation_id"),
                        period_id=models.F("monitoring_return__period_id")))
    found = {}
    for value in values:
        value.metric = metric  # the one metric asked for: no join, no query per row
        found[value.organisation_id, value.period_id] = value
    return [ComparisonRow(organisation=org,
                          values=[found.get((org_id, p.pk)) for p in periods])
            for org_id, org in organisations.items()]


# -- the partnership page's summary --------------------------------------------------------------


def partnership_frameworks(partnership: Any) -> list[Framework]:
    """The frameworks the partnership's return requirements include, with their owners, by
    name and version. One query; the requirements are a subquery, not a join that repeats each
    framework per organisation for ``DISTINCT`` to fold up again."""
    required = (ReturnRequirement.frameworks.through.objects
                .filter(returnrequirement__partnership=partnership).values("framework_id"))
    return list(Framework.objects.filter(pk__in=required).select_related("owner")
                .order_by("name", "version"))


@dataclass(frozen=True)
class Summary:
    period: ReportingPeriod | None
    required: int
    submitted: int
    approved: int
    overdue: int
    frameworks: list[Any]


def partnership_summary(partnership: Any, today: datetime.date | None = None) -> Summary | None:
    """Monitoring at a glance for the partnership page: for the latest quarter that has ended,
    how many returns are required, in, approved and overdue; and the frameworks it reports
    against. ``None`` when nobody owes it returns. Four queries at most."""
    today = today or clock.today()
    frameworks = partnership_frameworks(partnership)
    if not frameworks:
        return None
    period = latest_due_period(today)
    if period is None:
        return Summary(None, 0, 0, 0, 0, frameworks)
    counts = completeness([partnership], period, today).get(partnership.pk,
                                                            Completeness(0, 0, 0, 0))
    return Summary(period=period, required=counts.required, submitted=counts.submitted,
                   approved=counts.approved, overdue=counts.overdue, frameworks=frameworks)
