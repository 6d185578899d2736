"""core.xlsx_export: typed cells, text that never runs as a formula, a bold frozen header and a
dated file name."""

import datetime
import io
from decimal import Decimal

from django.utils import timezone
from openpyxl import load_workbook

from core.xlsx_export import CONTENT_TYPE, safe_sheet_title, xlsx_response


def workbook(response):
    return load_workbook(io.BytesIO(response.content))


def test_numbers_stay_numbers_dates_stay_dates_and_text_stays_text():
    moment = timezone.make_aware(datetime.datetime(2025, 7, 1, 23, 30),
                                 datetime.UTC)  # 00:30 on 2 July in London (BST)
    response = xlsx_response(
        filename_stem="report", sheet_title="Figures",
        header=["Name", "Count", "Rate", "On", "At", "Flag", "Empty"],
        rows=[["Hope Trust", 12, Decimal("42.5"), datetime.date(2025, 4, 1), moment, True,
               None],
              ["=HYPERLINK(\"http://evil\")", -3, 0.25, None, None, False, ""],
              ["+1", "@SUM(A1)", "-2", "bell\x07", 0, None, None]])
    sheet = workbook(response)["Figures"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["Name", "Count", "Rate", "On", "At", "Flag", "Empty"]
    assert rows[1][:3] == ["Hope Trust", 12, 42.5]
    assert rows[1][3] == datetime.datetime(2025, 4, 1)
    assert rows[1][4] == datetime.datetime(2025, 7, 2, 0, 30)  # local time, no zone
    assert rows[1][5:] == ["Yes", None]
    assert rows[2][:3] == ["=HYPERLINK(\"http://evil\")", -3, 0.25]
    assert rows[3][:4] == ["+1", "@SUM(A1)", "-2", "bell"]  # control characters dropped
    # Text that looks like a formula is stored as text and marked so Excel keeps it text.
    for ref in ("A3", "A4", "B4", "C4"):
        assert sheet[ref].data_type == "s", ref
        assert sheet[ref].quotePrefix, ref
    assert not sheet["A2"].quotePrefix
    assert sheet["B2"].data_type == "n" and sheet["D2"].is_date
    assert sheet["A1"].font.b and sheet.freeze_panes == "A2"


def test_download_headers_and_sheet_title():
    response = xlsx_response(filename_stem="p-grid", sheet_title="Returns: 2025/26 [all]?",
                             header=["A"], rows=[])
    today = timezone.localdate().isoformat()
    assert response["Content-Type"] == CONTENT_TYPE
    assert response["Content-Disposition"] == f'attachment; filename="p-grid-{today}.xlsx"'
    assert workbook(response).sheetnames == ["Returns  2025 26  all"]
    assert safe_sheet_title("x" * 40) == "x" * 31
    assert safe_sheet_title("'?'") == "Sheet1"


def test_rows_can_be_a_generator():
    response = xlsx_response(filename_stem="gen", sheet_title="Gen", header=["N"],
                             rows=([i] for i in range(3)))
    assert [r[0] for r in workbook(response).active.iter_rows(values_only=True)] == [
        "N", 0, 1, 2]


def test_header_cells_that_look_like_formulas_stay_text():
    response = xlsx_response(filename_stem="x", sheet_title="S",
                             header=["Name", "=1+1", "\x01-2"], rows=[["a", "b", "c"]])
    sheet = workbook(response)["S"]
    assert [c.value for c in sheet[1]] == ["Name", "=1+1", "-2"]
    assert sheet["B1"].data_type == "s" and sheet["B1"].quotePrefix
    # A control character stripped from the front must not uncover a formula.
    assert sheet["C1"].data_type == "s" and sheet["C1"].quotePrefix
    assert not sheet["A1"].quotePrefix
