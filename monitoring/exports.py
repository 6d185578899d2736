"""The dashboards' reports as tables (a header and rows), built once from ``monitoring.reports``
and written as CSV or XLSX, so both downloads hold exactly the same figures. The API may reuse
these tables too.

Figures stay numbers (``int`` or ``Decimal``) so a spreadsheet can add them up; a missing figure
is an empty cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import HttpResponseBase
from django.utils.text import slugify

from core import downloads

from .choices import MetricKind
from .reports import ComparisonRow, Grid, GridCell, Total

#: Download formats every report is offered in.
FORMATS = downloads.FORMATS


@dataclass(frozen=True)
class Table:
    filename_stem: str
    sheet_title: str
    header: list[str]
    rows: list[list[Any]]


def respond(table: Table, fmt: str) -> HttpResponseBase:
    """``table`` as a download in ``fmt`` (``csv`` or ``xlsx``); any other format is not found."""
    return downloads.table_response(fmt, filename_stem=table.filename_stem,
                                    sheet_title=table.sheet_title, header=table.header,
                                    rows=table.rows)


# -- cells ----------------------------------------------------------------------------------------


def number(value: Decimal | None) -> int | Decimal | None:
    """A stored figure without the database's trailing zeros: ``14.0000`` → ``14``,
    ``12.5000`` → ``12.5``."""
    if value is None:
        return None
    value = Decimal(value)
    if value == value.to_integral_value():
        return int(value)
    return value.normalize()


def aggregate_label(metric: Any) -> str:
    """How the metric adds up across organisations ("Total", "Average", ...)."""
    return metric.aggregate_label


def value_cell(value: Any) -> Any:
    """One organisation's figure: a number, "Yes"/"No", short text, or empty."""
    if value is None:
        return None
    if value.metric.kind == MetricKind.YES_NO and value.number is not None:
        return "Yes" if value.number else "No"
    if value.number is not None:
        return number(value.number)
    return value.text or None


def total_cell(total: Total | None) -> int | Decimal | None:
    return None if total is None else number(total.value)


def cell_text(cell: GridCell) -> str:
    """A grid cell in words (the page shows the same words in its tag)."""
    if cell.correcting:
        return f"{cell.label} – correction under way"
    return cell.label


def _periods_header(periods: Sequence[Any]) -> list[str]:
    return [p.label for p in periods]


# -- tables ---------------------------------------------------------------------------------------


def grid_table(partnership: Any, grid: Grid) -> Table:
    """The completeness and timeliness grid: one row per organisation, one column per period,
    then the organisation's approved, required and on-time counts."""
    rows = [[row.organisation.name, *[cell_text(c) for c in row.cells],
             row.approved, row.required, row.on_time] for row in grid.rows]
    return Table(filename_stem=f"{partnership.slug}-grid", sheet_title="Returns",
                 header=["Organisation", *_periods_header(grid.periods), "Approved",
                         "Required", "Submitted on time"],
                 rows=rows)


def totals_table(partnership: Any, periods: Sequence[Any], metrics: Sequence[Any],
                 totals: dict[int, dict[int, Total]]) -> Table:
    """Partnership totals: one row per metric, one column per period."""
    rows = [[m.code, m.name, m.unit, aggregate_label(m),
             *[total_cell(totals.get(m.pk, {}).get(p.pk)) for p in periods]] for m in metrics]
    return Table(filename_stem=f"{partnership.slug}-totals", sheet_title="Totals",
                 header=["Metric code", "Metric", "Unit", "How it adds up",
                         *_periods_header(periods)],
                 rows=rows)


def trend_table(partnership: Any, metric: Any,
                trend: Sequence[tuple[Any, Total | None]]) -> Table:
    """A metric's partnership figure per period, oldest first, with the approved returns that
    gave it."""
    rows = [[p.label, p.starts_on, p.ends_on, total_cell(t), t.returns if t else 0]
            for p, t in trend]
    return Table(filename_stem=f"{partnership.slug}-{metric.code}-trend",
                 sheet_title=f"{metric.name} trend",
                 header=["Period", "Starts on", "Ends on", aggregate_label(metric),
                         "Approved returns"],
                 rows=rows)


def comparison_table(partnership: Any, metric: Any, periods: Sequence[Any],
                     comparison: Sequence[ComparisonRow],
                     trend: Sequence[tuple[Any, Total | None]] | None = None) -> Table:
    """Each organisation's figure per period; with ``trend``, a last row for the partnership
    as a whole."""
    rows = [[row.organisation.name, *[value_cell(v) for v in row.values]]
            for row in comparison]
    if trend is not None and metric.aggregate is not None:
        rows.append([f"All organisations ({aggregate_label(metric).lower()})",
                     *[total_cell(t) for _p, t in trend]])
    return Table(filename_stem=f"{partnership.slug}-{metric.code}-comparison",
                 sheet_title=f"{metric.name} by organisation",
                 header=["Organisation", *_periods_header(periods)],
                 rows=rows)


def framework_table(partnership: Any, framework: Any, links: Sequence[Any],
                    periods: Sequence[Any], totals: dict[int, dict[int, Total]]) -> Table:
    """A framework's report: its metrics in order (``links`` are its FrameworkMetric rows),
    each with the partnership figure per period, read from the shared values."""
    rows = [[fm.metric.code, fm.metric.name, "Required" if fm.required else "Optional",
             aggregate_label(fm.metric),
             *[total_cell(totals.get(fm.metric_id, {}).get(p.pk)) for p in periods]]
            for fm in links]
    stem = slugify(f"{framework.name} v{framework.version}")
    return Table(filename_stem=f"{partnership.slug}-{stem}",
                 sheet_title=str(framework.name),
                 header=["Metric code", "Metric", "Required or optional", "How it adds up",
                         *_periods_header(periods)],
                 rows=rows)
