"""CSV downloads of result lists, shared by every export so they behave the same."""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import StreamingHttpResponse

from . import clock
from .cells import spreadsheet_cell


class _Echo:
    def write(self, value: str) -> str:
        return value


def safe_cell(value: Any) -> Any:
    """A value as a CSV cell that a spreadsheet shows as text, never runs as a formula: a
    leading apostrophe, which spreadsheets read as "this is text"."""
    cell = spreadsheet_cell(value)
    if isinstance(cell.value, datetime.date):
        return cell.value.isoformat()
    return "'" + cell.value if cell.formula_like else cell.value


def csv_response(*, filename_stem: str, header: Sequence[str],
                 rows: Iterable[Sequence[Any]]) -> StreamingHttpResponse:
    """Stream ``rows`` as a CSV download named ``<stem>-<date>.csv`` (UTF-8 with BOM so Excel
    reads accents and the pound sign correctly). Header cells are escaped like any other: some
    headings are names people typed (the comparison's partnerships)."""
    writer = csv.writer(_Echo())

    def stream() -> Iterable[str]:
        yield "\ufeff" + writer.writerow([safe_cell(v) for v in header])
        for row in rows:
            yield writer.writerow([safe_cell(v) for v in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    filename = f"{filename_stem}-{clock.today():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
