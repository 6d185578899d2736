"""XLSX downloads, beside ``csv_export``: the same interface, so any table offered as CSV can be
offered as a spreadsheet too.

Cells keep their types (numbers as numbers, dates as dates) so people can sum and sort them, and
text is always stored as text: nothing a user typed can run as a formula when the file is opened.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from . import clock
from .cells import FORMULA_STARTS, spreadsheet_cell

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Excel refuses sheet names longer than 31 characters or containing any of these.
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_MAX_COLUMN_WIDTH = 60


def safe_sheet_title(text: str) -> str:
    """``text`` as a name Excel accepts for a worksheet."""
    title = _SHEET_TITLE_FORBIDDEN.sub(" ", text).strip().strip("'")[:31].strip()
    return title or "Sheet1"


def xlsx_cell(worksheet: Any, value: Any) -> Any:
    """One cell for a write-only worksheet: numbers and dates keep their type; text is stored as
    text (never a formula) and flagged as such when it looks like one, so Excel keeps it text
    even after someone edits the cell."""
    if value is None:
        return WriteOnlyCell(worksheet, value=None)  # an empty cell, not an empty string
    safe = spreadsheet_cell(value)
    value = safe.value
    if isinstance(value, datetime.datetime):
        # Excel has no time zones: show the time as people here read it.
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        value = value.replace(tzinfo=None)
    if not isinstance(value, str):
        return WriteOnlyCell(worksheet, value=value)
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(worksheet, value=text)
    cell.data_type = "s"  # openpyxl would store "=..." as a formula
    if safe.formula_like or text.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    return cell


def _width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime.date):
        return 12
    return min(len(str(value)), _MAX_COLUMN_WIDTH)


def xlsx_response(*, filename_stem: str, sheet_title: str, header: Sequence[str],
                  rows: Iterable[Sequence[Any]]) -> HttpResponse:
    """``rows`` under a bold, frozen ``header`` as an XLSX download named
    ``<stem>-<date>.xlsx``. Written with openpyxl's write-only mode, which keeps memory flat
    however many rows there are."""
    rows = [list(row) for row in rows]
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(safe_sheet_title(sheet_title))
    worksheet.freeze_panes = "A2"
    # Column widths must be set before any row is written in write-only mode.
    for index in range(len(header)):
        widest = max([_width(header[index])] + [_width(row[index]) for row in rows
                                                  if index < len(row)])
        worksheet.column_dimensions[get_column_letter(index + 1)].width = max(widest + 2, 8)
    bold = Font(bold=True)
    heading = []
    for name in header:
        cell = xlsx_cell(worksheet, name)
        cell.font = bold
        heading.append(cell)
    worksheet.append(heading)
    for row in rows:
        worksheet.append([xlsx_cell(worksheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=CONTENT_TYPE)
    filename = f"{filename_stem}-{clock.today():%Y-%m-%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
