"""A table offered for download in the formats every report offers (CSV and XLSX), written by
``csv_export`` or ``xlsx_export``: one place that says which formats there are, so the
monitoring dashboards and the casework reports offer the same ones and answer an unknown
format the same way."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.http import Http404, HttpResponseBase

from .csv_export import csv_response
from .xlsx_export import xlsx_response

#: Download formats every report is offered in.
FORMATS = ("csv", "xlsx")


def table_response(fmt: str, *, filename_stem: str, sheet_title: str, header: Sequence[str],
                   rows: Sequence[Sequence[Any]]) -> HttpResponseBase:
    """``rows`` under ``header`` as a download in ``fmt`` (``csv`` or ``xlsx``); any other
    format is not found."""
    if fmt == "csv":
        return csv_response(filename_stem=filename_stem, header=header, rows=rows)
    if fmt == "xlsx":
        return xlsx_response(filename_stem=filename_stem, sheet_title=sheet_title,
                             header=header, rows=rows)
    raise Http404("No such format.")
