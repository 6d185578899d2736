import datetime
from decimal import Decimal

from core.csv_export import csv_response, safe_cell


def test_cells_never_run_as_formulas():
    assert safe_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert safe_cell("-1+1") == "'-1+1"
    assert safe_cell("Hope Trust") == "Hope Trust"
    assert safe_cell(None) == "" and safe_cell(True) == "Yes"
    assert safe_cell(datetime.date(2013, 4, 1)) == "2013-04-01"


def test_numbers_stay_numbers_even_when_negative():
    # A number cannot run as a formula; quoting it would turn -3 into the text '-3.
    assert safe_cell(-3) == -3
    assert safe_cell(Decimal("-2.5")) == Decimal("-2.5")
    assert safe_cell(0.25) == 0.25


def test_csv_response_streams_rows_with_bom_and_filename():
    response = csv_response(filename_stem="partnerships", header=["Name", "Funding (£)"],
                            rows=[["Women's Centre", "1400000.00"], ["@bad", 1]])
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeffName,Funding (£)\r\n")
    assert "Women's Centre,1400000.00\r\n'@bad,1\r\n" in body
    assert response["Content-Disposition"].startswith('attachment; filename="partnerships-')
    assert response["Content-Type"] == "text/csv; charset=utf-8"


def test_header_cells_are_escaped_like_any_other():
    # Some headings are names people typed (the comparison's partnerships): the probe found a
    # partnership named "=..." written into the header row unescaped.
    response = csv_response(filename_stem="x", header=["Section", "=HYPERLINK(\"http://evil\")",
                                                       "@SUM(A1)", "Plain"], rows=[])
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body == "Section,\"'=HYPERLINK(\"\"http://evil\"\")\",'@SUM(A1),Plain\r\n"
