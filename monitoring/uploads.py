"""Uploading a monitoring return as a CSV or XLSX file, and the template file to fill in.

An upload is all-or-nothing: every row is checked first, every problem is reported with its row
number, and the figures are saved only when no row has a problem — in one call to
``actions.return_save_values`` (one transaction). A half-applied file would leave a return that
matches neither the provider's spreadsheet nor what they last saw on screen, and they could not
tell which figures had been taken; refusing the whole file keeps the two in step.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import UploadedFile

from core.errors import DomainError

from . import actions
from .choices import MetricKind
from .models import FrameworkMetric, MonitoringReturn, ReturnRequirement
from .querysets import return_metrics
from .validation import parse_value

if TYPE_CHECKING:
    from accounts.models import User


#: Larger files are refused before they are read: a return has tens of figures, not thousands.
MAX_BYTES = 2 * 1024 * 1024
MAX_BYTES_LABEL = "2MB"
#: Rows under the header (blank rows do not count).
MAX_ROWS = 1000
#: Columns read from a spreadsheet row; a template has six.
MAX_COLUMNS = 50

TEMPLATE_HEADER = ["metric_code", "metric_name", "unit", "required", "used_by", "value"]
CODE_HEADERS = ("metric_code", "code", "metric")  # in order of preference
VALUE_HEADERS = ("value", "figure")

_XLSX_MAGIC = b"PK\x03\x04"
# What csv_export.safe_cell puts before a cell that starts like a formula: undone on the way in,
# so our own template uploads back unchanged.
_NEUTRALISED = re.compile(r"^'(?=[=+\-@\t\r])")
NOTHING_SAVED = "Nothing was saved."


@dataclass(frozen=True)
class RowError:
    """One problem in an uploaded file: the row as the spreadsheet numbers it (header = 1)."""

    row: int
    metric_code: str
    message: str


class UploadError(DomainError):
    """The file cannot be used; nothing was saved. ``rows`` lists the problems row by row (empty
    when the file as a whole is unreadable: wrong type, empty, too big)."""

    def __init__(self, message: str, *, rows: Sequence[RowError] = ()) -> None:
        super().__init__(message, code="invalid_upload")
        self.rows = list(rows)


@dataclass(frozen=True)
class UploadResult:
    """What an upload saved: ``saved`` figures given in the file, ``cleared`` figures removed by
    a blank value."""

    monitoring_return: MonitoringReturn
    saved: int
    cleared: int


# -- reading the file ----------------------------------------------------------------------------


def _file_error(message: str) -> UploadError:
    return UploadError(f"{message} {NOTHING_SAVED}")


def _read_bytes(uploaded_file: UploadedFile) -> bytes:
    if uploaded_file.size is not None and uploaded_file.size > MAX_BYTES:
        raise _file_error(f"The selected file must be smaller than {MAX_BYTES_LABEL}.")
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    data = uploaded_file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _file_error(f"The selected file must be smaller than {MAX_BYTES_LABEL}.")
    if not data.strip():
        raise _file_error("The selected file is empty.")
    return data


def _decode(data: bytes) -> str:
    """UTF-8 (with or without the BOM Excel adds), else Windows-1252 (what older Excel saves as
    "CSV" on Windows), else a clear refusal."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _file_error("The selected file could not be read: save it as “CSV UTF-8”.")


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    text = _decode(data)
    if "\x00" in text:  # a binary file (a PDF, a Word document) named .csv
        raise _file_error("The selected file must be a CSV or XLSX file.")
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    # Excel in some locales separates with semicolons; a tab-separated export also works.
    delimiter = max([",", ";", "\t"], key=first_line.count)
    if not first_line.count(delimiter):
        delimiter = ","
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as exc:
        raise _file_error(f"The selected file is not a valid CSV file ({exc}).") from exc


def _xlsx_cell(cell: Any) -> str:
    """A spreadsheet cell as the text a person would have typed."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        if "%" in (getattr(cell, "number_format", "") or ""):
            value = value * 100  # a cell formatted as 45% holds 0.45
        if isinstance(value, float):
            # Excel keeps 15 significant digits; beyond that is binary noise (0.30000000000000004).
            return f"{value:.15g}"
        return f"{value}"
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any damaged or foreign zip: openpyxl raises many kinds
        raise _file_error("The selected file is not a valid XLSX file: save it again from "
                          "your spreadsheet program as “Excel Workbook (.xlsx)”.") from exc
    try:
        if not workbook.worksheets:
            raise _file_error("The selected file has no worksheet.")
        sheet = workbook.worksheets[0]
        try:
            for row in sheet.iter_rows(max_col=MAX_COLUMNS):
                yield [_xlsx_cell(cell) for cell in row]
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise _file_error("The selected file is not a valid XLSX file.") from exc
    finally:
        workbook.close()


def _kind(uploaded_file: UploadedFile, data: bytes) -> str:
    """"csv" or "xlsx", from the file name and what the content really is."""
    suffix = PurePath(uploaded_file.name or "").suffix.lower()
    is_zip = data.startswith(_XLSX_MAGIC)
    if suffix == ".xls":
        raise _file_error("The selected file is an old-style Excel file (.xls): save it as "
                          "“Excel Workbook (.xlsx)” or as “CSV UTF-8”.")
    if suffix == ".xlsx" and is_zip:
        return "xlsx"
    if suffix == ".xlsx":
        raise _file_error("The selected file is not a valid XLSX file.")
    if suffix in (".csv", ".txt") and not is_zip:
        return "csv"
    if suffix in (".csv", ".txt"):
        raise _file_error("The selected file is a spreadsheet workbook, not a CSV file: name "
                          "it .xlsx or save it as “CSV UTF-8”.")
    raise _file_error("The selected file must be a CSV or XLSX file.")


def read_rows(uploaded_file: UploadedFile) -> list[tuple[int, list[str]]]:
    """``(row number, cells)`` for each non-blank row, the header first; the row number is the
    one the spreadsheet shows. Raises ``UploadError`` for a file that cannot be used at all."""
    data = _read_bytes(uploaded_file)
    rows = _xlsx_rows(data) if _kind(uploaded_file, data) == "xlsx" else _csv_rows(data)
    found: list[tuple[int, list[str]]] = []
    for number, cells in enumerate(rows, start=1):
        cells = [_NEUTRALISED.sub("", (c or "").strip()) for c in cells]
        if not any(cells):
            continue
        found.append((number, cells))
        if len(found) > MAX_ROWS + 1:  # the header and MAX_ROWS figures
            raise _file_error(f"The selected file has more than {MAX_ROWS:,} rows: a return "
                              "needs one row per figure.")
    if not found:
        raise _file_error("The selected file is empty.")
    return found


def _header_key(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def _column(header: list[str], names: Sequence[str]) -> int | None:
    keys = [_header_key(h) for h in header]
    for name in names:
        if name in keys:
            return keys.index(name)
    return None


# -- uploading -----------------------------------------------------------------------------------


def upload_refusal(*, monitoring_return: MonitoringReturn, by: User) -> str | None:
    """Why ``by`` may not upload figures to this return now (or ``None``), in the words the
    save action uses. Permission comes first so that someone who may not edit the return never
    learns which figures it asks for."""
    if not by.has_perm("monitoring.edit_return", monitoring_return):
        return f"Only provider staff of {monitoring_return.organisation} can change its returns."
    try:
        # The save action's own check (status, then permission), so the messages are the same;
        # the action runs it again under a row lock when saving.
        actions.require_editor(by, monitoring_return)
    except DomainError as exc:
        return str(exc)
    return None


def _values_from_rows(rows: list[tuple[int, list[str]]], metrics: list[Any]
                      ) -> tuple[dict[str, str], list[RowError]]:
    """Metric code → text as typed, and every row's problem. Values are only checked here (the
    action parses them again when saving, under its lock)."""
    header_number, header = rows[0]
    code_at = _column(header, CODE_HEADERS)
    value_at = _column(header, VALUE_HEADERS)
    errors = []
    if code_at is None:
        errors.append(RowError(header_number, "", "There is no metric_code column: the first "
                                                  "row must name the columns metric_code and "
                                                  "value."))
    if value_at is None:
        errors.append(RowError(header_number, "", "There is no value column: the first row "
                                                  "must name the columns metric_code and "
                                                  "value."))
    if errors:
        return {}, errors
    assert code_at is not None and value_at is not None
    by_code = {m.code.casefold(): m for m in metrics}
    by_name = {m.name.casefold(): m for m in metrics}
    values: dict[str, str] = {}
    first_row: dict[str, int] = {}
    for number, cells in rows[1:]:
        given = (cells[code_at] if code_at < len(cells) else "")[:80]
        raw = cells[value_at] if value_at < len(cells) else ""
        if not given:
            if raw:
                errors.append(RowError(number, "", "The metric code is missing."))
            continue  # a note or a total under the figures: not a figure
        metric = by_code.get(given.casefold()) or by_name.get(given.casefold())
        if metric is None:
            errors.append(RowError(number, given, f"“{given}” is not a figure this return "
                                                  "asks for."))
            continue
        if metric.code in first_row:
            errors.append(RowError(number, given, f"{metric.name} is given twice (also on row "
                                                  f"{first_row[metric.code]})."))
            continue
        first_row[metric.code] = number
        if metric.is_computed:
            continue  # filled in from casework: the template lists it, an upload never sets it
        try:
            parse_value(metric, raw)
        except ValueError as exc:
            errors.append(RowError(number, given, f"{metric.name} {exc}."))
            continue
        values[metric.code] = raw
    return values, errors


def return_upload(*, monitoring_return: MonitoringReturn, uploaded_file: UploadedFile,
                  expected_version: int, by: User) -> UploadResult:
    """Save the figures in a CSV or XLSX file (columns ``metric_code`` and ``value``) to a
    return, all or nothing.

    Figures in the file replace the saved ones (a blank value removes one); figures not in the
    file stay as they are. Any bad row — an unknown or repeated metric, a bad value, a missing
    column — raises ``UploadError`` listing every problem by row, and nothing is stored.
    Permission and the return's status are checked before the file is read (``DomainError``,
    code ``"forbidden"``), so someone who may not edit the return learns nothing of it; they are
    checked again, with the version (``expected_version``), by ``actions.return_save_values``,
    which raises ``DomainError`` (code ``"stale"`` when someone saved since).
    """
    refusal = upload_refusal(monitoring_return=monitoring_return, by=by)
    if refusal:
        raise DomainError(refusal, code="forbidden")
    rows = read_rows(uploaded_file)
    metrics = list(return_metrics(monitoring_return))
    values, errors = _values_from_rows(rows, metrics)
    if errors:
        count = len({e.row for e in errors})
        raise UploadError(f"{count} row{'s' if count != 1 else ''} of the file "
                          f"{'have' if count != 1 else 'has'} problems. Fix "
                          f"{'them' if count != 1 else 'it'} and upload the file again. "
                          f"{NOTHING_SAVED}", rows=errors)
    if not values:
        raise _file_error("The selected file has no figures: add one row per figure under the "
                          "header row.")
    had_figure = set(monitoring_return.values.values_list("metric__code", flat=True))
    saved = sum(1 for raw in values.values() if raw.strip())
    cleared = sum(1 for code, raw in values.items() if not raw.strip() and code in had_figure)
    ret = actions.return_save_values(monitoring_return=monitoring_return, values=values,
                                     expected_version=expected_version, by=by)
    return UploadResult(monitoring_return=ret, saved=saved, cleared=cleared)


# -- the template to fill in ---------------------------------------------------------------------


def return_template_rows(monitoring_return: MonitoringReturn) -> list[list[Any]]:
    """The header, then one row per figure the return asks for (in its frameworks' order): its
    code, name, unit, whether it is required, the frameworks that use it, and the figure saved
    now (numbers as ``Decimal`` so a spreadsheet sees numbers). Uploading it unchanged changes
    nothing."""
    metrics = list(return_metrics(monitoring_return))
    requirement = ReturnRequirement.objects.owed(
        organisation=monitoring_return.organisation_id,
        partnership=monitoring_return.partnership_id, period=monitoring_return.period)
    used_by: dict[int, list[str]] = {}
    if requirement is not None:
        links = (FrameworkMetric.objects
                 .filter(framework__in=requirement.frameworks.all(),
                         metric__in=[m.pk for m in metrics])
                 .select_related("framework").order_by("framework__name", "framework__version"))
        for link in links:
            used_by.setdefault(link.metric_id, []).append(link.framework.name)
    current = {v.metric_id: v for v in monitoring_return.values.select_related("metric")}
    rows: list[list[Any]] = [list(TEMPLATE_HEADER)]
    for metric in metrics:
        value = current.get(metric.pk)
        shown: Any = ""
        if value is not None:
            shown = value.display
            if value.number is not None and metric.kind != MetricKind.YES_NO:
                shown = Decimal(value.display)
        rows.append([metric.code, metric.name, metric.unit,
                     "yes" if metric.is_required else "no",
                     "; ".join(used_by.get(metric.pk, [])), shown])
    return rows


def template_filename_stem(monitoring_return: MonitoringReturn) -> str:
    """A download name without personal data: the return's number and period start."""
    return f"return-{monitoring_return.pk}-{monitoring_return.period.starts_on:%Y-%m}-figures"
