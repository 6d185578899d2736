"""CSV downloads of result lists, shared by every export so they behave the same."""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone

# Spreadsheet programs run a cell that starts with these as a formula: neutralise them.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    def write(self, value: str) -> str:
        return value


def safe_cell(value: Any) -> Any:
    """A value as a CSV cell that a spreadsheet shows as text, never runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return value  # a number (even a negative one) is never run as a formula: keep it one
    text = str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def csv_response(*, filename_stem: str, header: Sequence[str],
                 rows: Iterable[Sequence[Any]]) -> StreamingHttpResponse:
    """Stream ``rows`` as a CSV download named ``<stem>-<date>.csv`` (UTF-8 with BOM so Excel
    reads accents and the pound sign correctly)."""
    writer = csv.writer(_Echo())

    def stream() -> Iterable[str]:
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow([safe_cell(v) for v in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    filename = f"{filename_stem}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
