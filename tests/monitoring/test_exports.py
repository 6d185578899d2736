"""monitoring.exports: each report becomes one header-and-rows table, written the same way as
CSV and XLSX; figures stay numbers."""

import io
from decimal import Decimal

import pytest
from django.http import Http404
from openpyxl import load_workbook

from monitoring import exports, reports
from monitoring.reports import CellState, GridCell
from tests.monitoring.factories import add_provider, quarter
from tests.monitoring.workflow import approved, corrected, draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def s(s):
    """The shared setup, its provider renamed to sort first."""
    s.provider.name = "A provider"
    s.provider.save()
    return s


def test_numbers_lose_the_databases_trailing_zeros():
    assert exports.number(Decimal("14.0000")) == 14
    assert isinstance(exports.number(Decimal("14.0000")), int)
    assert exports.number(Decimal("12.5000")) == Decimal("12.5")
    assert str(exports.number(Decimal("1200"))) == "1200"  # not 1.2E+3
    assert exports.number(Decimal("-0.2500")) == Decimal("-0.25")
    assert exports.number(None) is None


def test_cell_text_mentions_a_correction_under_way():
    assert exports.cell_text(GridCell(CellState.APPROVED, on_time=True)) == "Approved"
    assert exports.cell_text(GridCell(CellState.APPROVED, on_time=False, correcting=True)) == (
        "Approved (late) – correction under way")


def test_grid_totals_trend_and_comparison_tables(s):
    q1, q2 = quarter(2025, 1), quarter(2025, 2)
    b, b_staff = add_provider(s, "B")
    first = approved(s, q1, starts="10", completions="4",
                     **{"engagement-rate": "40", "housing-support": "yes"})
    corrected(s, first, s.staff, starts="11")
    draft(s, q1, b, b_staff)
    periods = [q1, q2]

    grid = exports.grid_table(s.partnership, reports.grid(s.partnership, periods))
    assert grid.filename_stem == f"{s.partnership.slug}-grid"
    assert grid.header == ["Organisation", "2025–26 Q1", "2025–26 Q2", "Approved", "Required",
                           "Submitted on time"]
    assert grid.rows == [
        ["A provider", "Approved (late) – correction under way", "Not started – overdue", 1, 2,
         0],
        ["B", "Draft – overdue", "Not started – overdue", 0, 2, 0]]

    metrics = reports.reported_metrics(s.partnership)
    totals = exports.totals_table(s.partnership, periods, metrics,
                                  reports.totals(s.partnership, periods, metrics))
    assert totals.rows == [  # in the frameworks' order
        ["starts", "Treatment starts", "people", "Total", 10, None],  # correction not approved
        ["completions", "Treatment completions", "people", "Total", 4, None],
        ["housing-support", "Housing support offered", "", "Organisations answering yes", 1,
         None],
        ["engagement-rate", "Engagement rate", "%", "Average", Decimal("40"), None],
    ]

    trend = reports.trend(s.partnership, periods, s.starts)
    table = exports.trend_table(s.partnership, s.starts, trend)
    assert table.filename_stem == f"{s.partnership.slug}-starts-trend"
    assert table.rows == [["2025–26 Q1", q1.starts_on, q1.ends_on, 10, 1],
                          ["2025–26 Q2", q2.starts_on, q2.ends_on, None, 0]]

    comparison = exports.comparison_table(
        s.partnership, s.housed, periods, reports.comparison(s.partnership, periods, s.housed),
        reports.trend(s.partnership, periods, s.housed))
    assert comparison.rows == [["A provider", "Yes", None], ["B", None, None],
                               ["All organisations (organisations answering yes)", 1, None]]


def test_framework_table_reads_the_same_totals(s):
    q1 = quarter(2025, 1)
    approved(s, q1, starts="10", completions="4")
    links = list(s.partnership_fw.framework_metrics.select_related("metric")
                 .order_by("position"))
    totals = reports.totals(s.partnership, [q1], [fm.metric for fm in links])
    table = exports.framework_table(s.partnership, s.partnership_fw, links, [q1], totals)
    assert table.filename_stem == f"{s.partnership.slug}-partnership-outcomes-v1"
    assert table.rows == [["starts", "Treatment starts", "Required", "Total", 10],
                          ["engagement-rate", "Engagement rate", "Optional", "Average", None]]


def test_respond_writes_the_same_table_as_csv_or_xlsx():
    table = exports.Table(filename_stem="x-grid", sheet_title="Returns",
                          header=["Organisation", "Starts"],
                          rows=[["=Bad", 3], ["Good", Decimal("2.5")], ["None", None]])
    csv = b"".join(exports.respond(table, "csv").streaming_content).decode("utf-8-sig")
    assert csv.splitlines() == ["Organisation,Starts", "'=Bad,3", "Good,2.5", "None,"]
    sheet = load_workbook(io.BytesIO(exports.respond(table, "xlsx").content)).active
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        ["Organisation", "Starts"], ["=Bad", 3], ["Good", 2.5], ["None", None]]
    assert sheet.title == "Returns"
    with pytest.raises(Http404):
        exports.respond(table, "pdf")
