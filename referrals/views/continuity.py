"""The continuity-of-care report of a partnership (issue 18): per financial quarter, how many
people with a treatment need were released from prison and how many were engaged in community
treatment within 21 days, with the trend, filters for one prison or one community provider, and
the same rows as CSV and XLSX downloads.

The figures are counts, never a case or a person, so whoever may see the partnership in the
registry may read them (``continuity.partnership_for_report``); anyone else gets a 404."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core import downloads
from partnerships.models import Partnership

from .. import continuity
from ..filters import ContinuityFilter

#: The downloads' columns, in the order of the page's table.
HEADER = ["Quarter", "Starts on", "Ends on", "Releases with a treatment need",
          "Engaged within 21 days", "Engaged within 21 days (%)", "Engaged after 21 days",
          "Not engaged", "Awaiting (inside 21 days)", "Median days to first appointment",
          "No plan by release day", "Transfers in", "Transfers out"]


def table_rows(rows: Sequence[continuity.QuarterFigures]) -> list[list[Any]]:
    """The report's rows as download cells: numbers stay numbers, a figure that cannot be
    worked out (a share of no releases, a median of no appointments) is an empty cell."""
    return [[row.label, row.starts_on, row.ends_on, row.figures.releases,
             row.figures.engaged_within_21_days, row.figures.percent_engaged,
             row.figures.engaged_late, row.figures.not_engaged, row.figures.awaiting,
             row.figures.median_days_to_first_appointment, row.figures.no_plan_by_release,
             row.figures.transfers_in, row.figures.transfers_out] for row in rows]


def _partnership(request: HttpRequest, slug: str) -> Partnership:
    partnership = continuity.partnership_for_report(request.user, slug)
    if partnership is None:
        raise Http404("No partnership found.")
    return partnership


@login_required
@require_GET
def continuity_report(request: HttpRequest, slug: str) -> HttpResponse:
    """The report page: the filters, the trend and the table per quarter."""
    partnership = _partnership(request, slug)
    filters = ContinuityFilter(request.GET or None, partnership=partnership)
    valid = filters.is_valid() if filters.is_bound else True
    rows, filtered = [], False
    if valid:  # a hand-edited address: the error summary says what is wrong, no figures
        chosen = filters.chosen()
        rows = continuity.report(partnership=partnership, **chosen)
        filtered = any(chosen.values())
    return render(request, "referrals/continuity.html", {
        "partnership": partnership, "filters": filters.form, "valid": valid, "rows": rows,
        "filtered": filtered,
        "has_releases": any(row.figures.releases for row in rows),
        # The downloads keep the filters chosen (only valid ones are ever linked).
        "query": f"?{request.GET.urlencode()}" if valid and request.GET else "",
        "continuity_days": continuity.CONTINUITY_DAYS,
        "nav_section": "search"})


@login_required
@require_GET
def continuity_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponseBase:
    """The report's rows as a CSV or XLSX download, with the page's filters."""
    if fmt not in downloads.FORMATS:
        raise Http404("No such format.")
    partnership = _partnership(request, slug)
    filters = ContinuityFilter(request.GET or None, partnership=partnership)
    if filters.is_bound and not filters.is_valid():
        raise Http404("No such prison or community provider in this report.")
    rows = continuity.report(partnership=partnership, **filters.chosen())
    return downloads.table_response(
        fmt, filename_stem=f"{partnership.slug}-continuity-of-care",
        sheet_title="Continuity of care", header=HEADER, rows=table_rows(rows))
