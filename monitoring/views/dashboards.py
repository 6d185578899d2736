"""Dashboards for lead partners and commissioners: the monitoring home page, a partnership's
completeness and timeliness grid with its totals, a metric's trend and comparison, a framework's
report, and CSV/XLSX downloads of each.

Views stay thin: every figure comes from ``monitoring.reports`` (aggregated in the database) and
every download from ``monitoring.exports``, so a page and its download always agree. A partnership
whose dashboards the user may not read is not found (404), as if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from accounts.models import Role
from core import display
from core.pagination import paginate
from partnerships.models import Partnership

from .. import exports, reports
from ..choices import Aggregation, Frequency, MetricKind
from ..models import (
    Framework,
    FrameworkMetric,
    Metric,
    ReportingPeriod,
)
from ..reports import CellState, GridCell

#: The most periods one dashboard shows (two years of months, six of quarters).
MAX_PERIODS = 24

#: Periods a dashboard page shows unless asked: a year of quarters, which fits a 1280 px screen
#: beside the organisation column; earlier ones are a link away ("Show all ... quarters").
PAGE_PERIOD_COUNT = 4

#: How a metric's partnership figure is described in sentences and captions.
AGGREGATE_PHRASES = {
    Aggregation.TOTAL: "total across organisations",
    Aggregation.AVERAGE: "average across organisations",
    Aggregation.YES_COUNT: "organisations answering yes",
}

DASHBOARD_REPORTS = ("grid", "totals")
METRIC_REPORTS = ("trend", "comparison")


# -- the period selector --------------------------------------------------------------------------


class PeriodForm(forms.Form):
    """Which periods a dashboard shows: how often returns are made, and how many of the latest
    periods. A GET form, so a view of the dashboard can be bookmarked and shared."""

    frequency = forms.ChoiceField(label="Periods", choices=Frequency.choices)
    periods = forms.IntegerField(
        label="How many", min_value=1, max_value=MAX_PERIODS, widget=forms.TextInput,
        help_text=f"The latest periods to show, from 1 to {MAX_PERIODS}.",
        error_messages={
            "required": "Enter how many periods to show.",
            "invalid": f"Enter how many periods to show as a whole number, like "
                       f"{PAGE_PERIOD_COUNT}.",
            "min_value": "Show at least 1 period.",
            "max_value": f"Show at most {MAX_PERIODS} periods.",
        })

    def __init__(self, data: Any) -> None:
        data = data.copy()
        data.setdefault("frequency", Frequency.QUARTERLY)
        data.setdefault("periods", str(PAGE_PERIOD_COUNT))
        super().__init__(data)
        self.fields["frequency"].error_messages["invalid_choice"] = (
            "Choose quarterly, monthly or annual periods.")


@dataclass(frozen=True)
class PeriodChoice:
    form: PeriodForm
    frequency: str
    count: int
    periods: list[ReportingPeriod]  # oldest first, as trends read
    available: int = 0  # periods of this frequency started so far (at most MAX_PERIODS)

    @property
    def newest_first(self) -> list[ReportingPeriod]:
        """The periods as the grid and figures tables show them: the current one first, beside
        the organisation column, so it is in view however many earlier periods follow."""
        return list(reversed(self.periods))

    @property
    def has_earlier(self) -> bool:
        """Whether earlier periods have started than the page shows."""
        return len(self.periods) < self.available

    @property
    def shows_more_than_default(self) -> bool:
        return len(self.periods) > PAGE_PERIOD_COUNT

    @property
    def default_count(self) -> int:
        return PAGE_PERIOD_COUNT

    @property
    def query(self) -> str:
        """The choice as a query string, for downloads and links to other reports."""
        return "?" + urlencode({"frequency": self.frequency, "periods": self.count})

    @property
    def frequency_label(self) -> str:
        return Frequency(self.frequency).label.lower()

    @property
    def noun(self) -> str:
        return {Frequency.QUARTERLY: "quarter", Frequency.MONTHLY: "month",
                Frequency.ANNUAL: "year"}[self.frequency]


def _period_choice(request: HttpRequest) -> PeriodChoice:
    """The periods asked for; a bad value is reported and its default used instead, so the page
    still shows something useful."""
    form = PeriodForm(request.GET)
    form.is_valid()
    frequency = form.cleaned_data.get("frequency") or Frequency.QUARTERLY
    count = form.cleaned_data.get("periods") or PAGE_PERIOD_COUNT
    # Every period that could be shown, in the one query, so the page can offer "Show all".
    started = reports.default_periods(frequency=frequency, count=MAX_PERIODS)
    return PeriodChoice(form, frequency, count, started[-count:], available=len(started))


# -- lookups ------------------------------------------------------------------------------------


def _partnership(request: HttpRequest, slug: str) -> Partnership:
    """The partnership, if the user may read its dashboards; otherwise not found. One query:
    ``reports.dashboard_partnerships`` is the SQL twin of ``monitoring.view_dashboard`` (tests
    hold them equal), so the lookup and the permission are the same statement."""
    partnership = reports.dashboard_partnerships(request.user).filter(slug=slug).first()
    if partnership is None:
        raise Http404("No partnership found.")
    return partnership


def _frameworks(partnership: Partnership) -> list[Framework]:
    """The frameworks the partnership's return requirements include. One query."""
    return reports.partnership_frameworks(partnership)


def _metric(partnership: Partnership, code: str) -> Metric:
    """A metric one of the partnership's frameworks asks for; otherwise not found."""
    metric = (Metric.objects
              .filter(code=code, framework_links__framework__requirements__partnership=partnership)
              .distinct().first())
    if metric is None:
        raise Http404("No such metric for this partnership.")
    return metric


def _framework(partnership: Partnership, pk: int) -> Framework:
    """A framework the partnership's requirements include; otherwise not found."""
    framework = (Framework.objects.filter(pk=pk, requirements__partnership=partnership)
                 .select_related("owner").distinct().first())
    if framework is None:
        raise Http404("No such framework for this partnership.")
    return framework


# -- how figures and grid cells are shown ------------------------------------------------------


def shown(value: Decimal | None, kind: str, unit: str = "") -> str:
    """A figure as the pages show it: thousands separated, percentages with "%", money as
    people write it ("£120,000", pence only where there are pence), "–" when there is none."""
    figure = exports.number(value)
    if figure is None:
        return "–"
    if unit == "£" and kind != MetricKind.YES_NO:
        return display.money(figure)
    if kind == MetricKind.PERCENTAGE:
        return f"{figure:,}%"
    return f"{figure:,}"


def shown_value(value: Any) -> str:
    """One organisation's figure as the pages show it ("Yes"/"No" for yes/no, text as typed)."""
    if value is None:
        return "–"
    if value.number is not None and value.metric.kind != MetricKind.YES_NO:
        return shown(value.number, value.metric.kind, value.metric.unit)
    return value.display or "–"


def cell_tag(cell: GridCell) -> str:
    """The GOV.UK tag colour for a grid cell; the cell's label always says the same in words.
    Yellow: the provider has something to do; red: overdue; blue: with the lead partner; pink:
    returned for correction; green: approved; grey: nothing expected yet."""
    if cell.state in (CellState.NOT_REQUIRED, CellState.NOT_DUE):
        return "govuk-tag--grey"
    if cell.state in (CellState.NOT_STARTED, CellState.DRAFT):
        return "govuk-tag--red" if cell.overdue else "govuk-tag--yellow"
    if cell.state == CellState.SUBMITTED:
        return "" if cell.on_time else "govuk-tag--orange"
    if cell.state == CellState.RETURNED:
        return "govuk-tag--pink"
    return "govuk-tag--green"


#: The key under the grid: (example cell, what it means).
GRID_KEY = [
    (GridCell(CellState.NOT_REQUIRED), "The organisation does not owe a return for this period."),
    (GridCell(CellState.NOT_DUE), "The period has not ended yet."),
    (GridCell(CellState.NOT_STARTED), "The period has ended and the return is not due yet, but "
                                      "nobody has started it."),
    (GridCell(CellState.NOT_STARTED, on_time=False, overdue=True),
     "The return is past its due date and nobody has started it."),
    (GridCell(CellState.DRAFT), "The provider is filling in the return."),
    (GridCell(CellState.DRAFT, on_time=False, overdue=True),
     "The return is past its due date and still a draft."),
    (GridCell(CellState.SUBMITTED, on_time=True),
     "First submitted by the due date; waiting for the lead partner to review it."),
    (GridCell(CellState.SUBMITTED, on_time=False),
     "First submitted after the due date; waiting for the lead partner to review it."),
    (GridCell(CellState.RETURNED), "The lead partner sent it back with questions; the provider "
                                   "is correcting it."),
    (GridCell(CellState.APPROVED, on_time=True), "Approved by the lead partner. Its figures "
                                                 "count in the totals."),
    (GridCell(CellState.APPROVED, on_time=False), "Approved, but first submitted after the due "
                                                  "date."),
]


#: The key as the page shows it: (label, tag colour, meaning), worked out once.
GRID_KEY_SHOWN = [(cell.label, cell_tag(cell), meaning) for cell, meaning in GRID_KEY]


#: A number no URL of ours contains, stood in for the id in ``url_pattern``.
URL_PLACEHOLDER = 9_876_543_210


def url_pattern(name: str, *args: Any) -> str:
    """``reverse(name, args=[*args, pk])`` as a format string for ``pk``: reversed once for a
    whole table rather than once per row."""
    return reverse(name, args=[*args, URL_PLACEHOLDER]).replace(str(URL_PLACEHOLDER), "{}")


def grid_body(grid: reports.Grid) -> SafeString:
    """The grid's body rows (one per organisation, a cell per period, then its counts) as HTML.

    Built here, not in a template loop: a grid is organisations × periods cells (thousands when
    every period is shown), and the template engine's per-node cost made it most of the page's
    time. The markup is what ``_grid.html`` drew per cell; names are escaped here, labels and tag
    classes are our own constants. A draft links nowhere (``GridCell.return_id`` is empty)."""
    return_url = url_pattern("monitoring:return")
    period_labels = [escape(p.label) for p in grid.periods]
    shown: dict[tuple[str, bool | None, bool], str] = {}  # tag markup per kind of cell
    out: list[str] = []
    for row in grid.rows:
        name = escape(row.organisation.name)
        out.append(f'<tr class="govuk-table__row">\n<th scope="row" '
                   f'class="govuk-table__header">{name}</th>\n')
        for cell, period_label in zip(row.cells, period_labels, strict=True):
            key = (cell.state, cell.on_time, cell.overdue)
            tag = shown.get(key)
            if tag is None:
                tag = shown[key] = (f'<strong class="govuk-tag {cell_tag(cell)}">'
                                    f"{escape(cell.label)}</strong>")
            if cell.return_id:
                tag = (f'<a class="govuk-link" href="{return_url.format(cell.return_id)}">'
                       f'{tag}<span class="govuk-visually-hidden">: {name}, {period_label}'
                       "</span></a>")
            if cell.correcting:
                tag += ('\n<strong class="govuk-tag govuk-tag--purple govuk-!-margin-top-1">'
                        "Correction under way</strong>")
            out.append(f'<td class="govuk-table__cell" data-state="{cell.state}">\n{tag}\n'
                       "</td>\n")
        required = row.required
        out.append(f'<td class="govuk-table__cell registry-nowrap">{row.approved} of '
                   f'{required}</td>\n<td class="govuk-table__cell registry-nowrap">'
                   f"{row.on_time} of {required}</td>\n</tr>\n")
    return mark_safe("".join(out))  # noqa: S308 -- every value above is escaped or ours


def figure_cells(figures: list[str]) -> SafeString:
    """A figures table row's cells, one per period (``_figures_table.html``): joined here, as a
    row of many periods is that many template nodes per metric otherwise."""
    return mark_safe("".join(  # noqa: S308 -- each figure is escaped
        f'<td class="govuk-table__cell govuk-table__cell--numeric">{escape(figure)}</td>'
        for figure in figures))


def _totals_rows(partnership: Partnership, choice: PeriodChoice, metrics: list[Metric],
                 totals: dict[int, dict[int, reports.Total]]) -> list[dict[str, Any]]:
    metric_url = url_pattern("monitoring:metric", partnership.slug) + choice.query
    rows = []
    for m in metrics:
        figures = [shown(t.value if (t := totals[m.pk].get(p.pk)) else None, m.kind, m.unit)
                   for p in choice.newest_first]
        rows.append({"metric": m, "aggregate": exports.aggregate_label(m),
                     "url": metric_url.format(m.code), "figures": figures,
                     "figure_cells": figure_cells(figures)})
    return rows


def _context(request: HttpRequest, partnership: Partnership, choice: PeriodChoice,
             **extra: Any) -> dict[str, Any]:
    return {"nav_section": "monitoring", "partnership": partnership, "choice": choice,
            "form": choice.form, "periods": choice.periods, **extra}


# -- the monitoring home page ---------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Where monitoring starts for everyone: links for the user's role, and the partnerships
    whose dashboards they may read, each with its latest quarter's completeness."""
    user = request.user
    partnerships = reports.dashboard_partnerships(user).order_by("name", "pk")
    result = paginate(partnerships, request.GET.get("page"))
    shown_partnerships = list(result.page.object_list)
    period = reports.latest_due_period()
    completeness = reports.completeness(shown_partnerships, period) if period else {}
    links = []
    if user.role == Role.PROVIDER_STAFF:
        links.append(("Your returns", reverse("monitoring:my-returns"),
                      "Returns your organisation owes: what is due, overdue or returned for "
                      "correction."))
    if user.role == Role.PARTNERSHIP_MANAGER or user.is_platform_admin:
        links.append(("Returns to review", reverse("monitoring:reviews"),
                      "Returns submitted to partnerships you lead, waiting for approval."))
    return render(request, "monitoring/home.html", {
        "nav_section": "monitoring",
        "links": links,
        "page": result.page,
        "page_notice": result.notice,
        "total": result.page.paginator.count,
        "period": period,
        "rows": [(p, completeness.get(p.pk)) for p in shown_partnerships],
    })


# -- a partnership's dashboard -------------------------------------------------------------------


@login_required
@require_GET
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    """The partnership's completeness and timeliness grid, its totals per metric per period, the
    frameworks it reports against, and downloads of each."""
    partnership = _partnership(request, slug)
    choice = _period_choice(request)
    # Newest first: the current quarter sits beside the organisation column, always in view.
    grid = reports.grid(partnership, choice.newest_first)
    metrics = reports.reported_metrics(partnership)
    totals = reports.totals(partnership, choice.periods, metrics)
    return render(request, "monitoring/dashboard.html", _context(
        request, partnership, choice,
        periods=grid.periods,
        grid=grid,
        grid_body=grid_body(grid),
        column_summaries=list(zip(grid.periods, grid.column_summaries, strict=True)),
        grid_key=GRID_KEY_SHOWN,
        totals_rows=_totals_rows(partnership, choice, metrics, totals),
        frameworks=_frameworks(partnership),
    ))


@login_required
@require_GET
def dashboard_export(request: HttpRequest, slug: str, report: str,
                     fmt: str) -> HttpResponseBase:
    """The grid or the totals, for the periods the page shows, as CSV or XLSX."""
    if report not in DASHBOARD_REPORTS or fmt not in exports.FORMATS:
        raise Http404("No such download.")
    partnership = _partnership(request, slug)
    choice = _period_choice(request)
    if report == "grid":
        table = exports.grid_table(partnership, reports.grid(partnership, choice.periods))
    else:
        metrics = reports.reported_metrics(partnership)
        table = exports.totals_table(partnership, choice.periods, metrics,
                                     reports.totals(partnership, choice.periods, metrics))
    return exports.respond(table, fmt)


# -- one metric: trend and comparison ------------------------------------------------------------


def _metric_reports(partnership: Partnership, metric: Metric, choice: PeriodChoice
                    ) -> tuple[list[tuple[ReportingPeriod, reports.Total | None]] | None,
                               list[reports.ComparisonRow]]:
    trend = (reports.trend(partnership, choice.periods, metric)
             if metric.aggregate is not None else None)
    return trend, reports.comparison(partnership, choice.periods, metric)


@login_required
@require_GET
def metric(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    """One metric for the partnership: its trend (a chart drawn from the table beneath it, which
    is all a browser without JavaScript shows) and each organisation's figure."""
    partnership = _partnership(request, slug)
    found = _metric(partnership, code)
    choice = _period_choice(request)
    trend, comparison = _metric_reports(partnership, found, choice)
    trend_rows = [{"period": p, "figure": shown(t.value if t else None, found.kind, found.unit),
                   "raw": "" if t is None or t.value is None else str(exports.number(t.value)),
                   "returns": t.returns if t else 0}
                  for p, t in trend or []]
    comparison_rows = [{"organisation": row.organisation,
                        "figures": [shown_value(v) for v in row.values]}
                       for row in comparison]
    return render(request, "monitoring/metric.html", _context(
        request, partnership, choice,
        metric=found,
        aggregate=exports.aggregate_label(found),
        aggregate_phrase=AGGREGATE_PHRASES.get(found.aggregate, ""),
        trend_rows=trend_rows,
        has_trend=trend is not None,
        has_figures=any(r["raw"] for r in trend_rows),
        comparison_rows=comparison_rows,
        comparison_total=[r["figure"] for r in trend_rows],
    ))


@login_required
@require_GET
def metric_export(request: HttpRequest, slug: str, code: str, report: str,
                  fmt: str) -> HttpResponseBase:
    """A metric's trend or its comparison of organisations, as CSV or XLSX."""
    if report not in METRIC_REPORTS or fmt not in exports.FORMATS:
        raise Http404("No such download.")
    partnership = _partnership(request, slug)
    found = _metric(partnership, code)
    choice = _period_choice(request)
    trend, comparison = _metric_reports(partnership, found, choice)
    if report == "trend":
        if trend is None:
            raise Http404("Short-text figures have no trend.")
        table = exports.trend_table(partnership, found, trend)
    else:
        table = exports.comparison_table(partnership, found, choice.periods, comparison, trend)
    return exports.respond(table, fmt)


# -- a framework's report ------------------------------------------------------------------


def _framework_report(partnership: Partnership, framework: Framework, choice: PeriodChoice
                      ) -> tuple[list[FrameworkMetric], dict[int, dict[int, reports.Total]]]:
    """The framework's metrics in order, and the partnership figures for its numeric ones: the
    same totals every other framework and the dashboard read from the shared values. Two
    queries, however many metrics and periods."""
    links = list(framework.framework_metrics.select_related("metric").order_by("position", "id"))
    numeric = [fm.metric for fm in links if fm.metric.aggregate is not None]
    return links, reports.totals(partnership, choice.periods, numeric)


@login_required
@require_GET
def framework_report(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A framework's report for the partnership: a view over the same values every framework
    reads, so a figure corrected once is corrected in every report."""
    partnership = _partnership(request, slug)
    framework = _framework(partnership, pk)
    choice = _period_choice(request)
    links, totals = _framework_report(partnership, framework, choice)
    # Which other frameworks of this partnership read each figure (one query).
    shared: dict[int, list[Framework]] = {}
    for fm in (FrameworkMetric.objects
               .filter(Q(framework__requirements__partnership=partnership),
                       metric__in=[fm.metric_id for fm in links])
               .exclude(framework=framework).select_related("framework")
               .distinct().order_by("framework__name", "framework__version")):
        shared.setdefault(fm.metric_id, []).append(fm.framework)
    rows: list[dict[str, Any]] = []
    for fm in links:
        figures = [shown(t.value if (t := totals.get(fm.metric_id, {}).get(p.pk)) else None,
                         fm.metric.kind, fm.metric.unit)
                   if fm.metric.aggregate is not None else "–"
                   for p in choice.newest_first]
        rows.append({"link": fm, "metric": fm.metric,
                     "aggregate": exports.aggregate_label(fm.metric),
                     "url": reverse("monitoring:metric", args=[partnership.slug, fm.metric.code])
                     + choice.query,
                     "also_in": shared.get(fm.metric_id, []),
                     "figures": figures, "figure_cells": figure_cells(figures)})
    return render(request, "monitoring/framework.html", _context(
        request, partnership, choice, periods=choice.newest_first, framework=framework,
        rows=rows))


@login_required
@require_GET
def framework_export(request: HttpRequest, slug: str, pk: int, fmt: str) -> HttpResponseBase:
    """A framework's report as CSV or XLSX."""
    if fmt not in exports.FORMATS:
        raise Http404("No such download.")
    partnership = _partnership(request, slug)
    framework = _framework(partnership, pk)
    choice = _period_choice(request)
    links, totals = _framework_report(partnership, framework, choice)
    return exports.respond(
        exports.framework_table(partnership, framework, links, choice.periods, totals), fmt)
