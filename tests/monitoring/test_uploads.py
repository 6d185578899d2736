"""Uploading a return as CSV or XLSX: row-level errors, all or nothing; the template download;
the upload page."""

import csv
import io
import zipfile
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from core.errors import DomainError
from core.models import AuditEvent
from core.xlsx_export import CONTENT_TYPE
from monitoring import actions, uploads
from monitoring.choices import MetricKind
from monitoring.models import MonitoringReturn, Value
from monitoring.uploads import RowError, UploadError
from tests.accounts.factories import ProviderStaffFactory
from tests.monitoring.factories import FrameworkMetricFactory, MetricFactory
from tests.monitoring.workflow import save, unchanged_state

pytestmark = pytest.mark.django_db


def figures(ret):
    return {v.metric.code: v.display for v in Value.objects.filter(monitoring_return=ret)
            .select_related("metric")}


def csv_file(rows, name="figures.csv", encoding="utf-8", bom=False, delimiter=","):
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter).writerows(rows)
    data = out.getvalue().encode(encoding)
    return SimpleUploadedFile(name, (b"\xef\xbb\xbf" if bom else b"") + data, "text/csv")


def xlsx_bytes(rows, percent_cells=()):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for ref in percent_cells:
        sheet[ref].number_format = "0%"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_file(rows, name="figures.xlsx", percent_cells=()):
    return SimpleUploadedFile(name, xlsx_bytes(rows, percent_cells),
                              CONTENT_TYPE)


def upload(s, ret, file, by=None, version=None):
    return uploads.return_upload(monitoring_return=ret, uploaded_file=file,
                                 expected_version=ret.version if version is None else version,
                                 by=by or s.staff)


GOOD = [["metric_code", "value"], ["starts", "10"], ["completions", "4"],
        ["engagement-rate", "55.5"], ["housing-support", "yes"]]


# -- good files ----------------------------------------------------------------------------------


def test_a_good_csv_saves_every_figure_in_one_save(s, ret):
    before_audit = AuditEvent.objects.count()
    result = upload(s, ret, csv_file(GOOD))
    assert (result.saved, result.cleared) == (4, 0)
    assert figures(ret) == {"starts": "10", "completions": "4", "engagement-rate": "55.5",
                            "housing-support": "Yes"}
    assert result.monitoring_return.version == 2
    assert AuditEvent.objects.count() == before_audit + 1  # one save, one audit row


def test_a_good_xlsx_saves_every_figure(s, ret):
    rows = [["Metric code", "Metric name", "Value"], ["starts", "Treatment starts", 12],
            ["completions", "Treatment completions", 5.0], ["housing-support", None, True],
            ["engagement-rate", None, 0.45]]
    result = upload(s, ret, xlsx_file(rows, percent_cells=["C5"]))
    assert result.saved == 4
    # A cell formatted as 45% holds 0.45: read as the 45 the provider sees.
    assert figures(ret) == {"starts": "12", "completions": "5", "housing-support": "Yes",
                            "engagement-rate": "45"}


def test_a_csv_with_a_byte_order_mark_is_read(s, ret):
    upload(s, ret, csv_file(GOOD, bom=True))
    assert figures(ret)["starts"] == "10"


def test_a_windows_1252_csv_is_read(s, ret):
    rows = [["metric_code", "metric_name", "value"], ["starts", "Starts (£ funded)", "7"]]
    upload(s, ret, csv_file(rows, encoding="cp1252"))
    assert figures(ret) == {"starts": "7"}


def test_a_semicolon_separated_csv_is_read(s, ret):
    upload(s, ret, csv_file([["metric_code", "value"], ["starts", "1,200"]], delimiter=";"))
    assert figures(ret) == {"starts": "1200"}


def test_headers_ignore_case_spaces_and_extra_columns_and_a_metric_column_may_name_it(s, ret):
    rows = [["  Unit ", "METRIC", "used_by", " Value "], ["people", "starts", "x", "3"],
            ["people", "Treatment completions", "y", "2"], ["", "", "", ""],
            ["", "", "a note below the figures", ""]]
    upload(s, ret, csv_file(rows))
    assert figures(ret) == {"starts": "3", "completions": "2"}


def test_figures_not_in_the_file_stay_and_a_blank_value_removes_one(s, ret):
    save(s, ret, starts="10", completions="4")
    result = upload(s, ret, csv_file([["metric_code", "value"], ["completions", ""],
                                      ["engagement-rate", "20"]]))
    assert (result.saved, result.cleared) == (1, 1)
    assert figures(ret) == {"starts": "10", "engagement-rate": "20"}


# -- bad rows: nothing stored --------------------------------------------------------------------


def test_one_bad_row_among_good_ones_stores_nothing(s, ret):
    save(s, ret, starts="1")
    ret.refresh_from_db()
    before = unchanged_state()
    rows = [["metric_code", "value"], ["completions", "4"], ["starts", "ten"],
            ["engagement-rate", "50"]]
    with pytest.raises(UploadError, match="Nothing was saved") as caught:
        upload(s, ret, csv_file(rows))
    assert caught.value.rows == [RowError(3, "starts", "Treatment starts must be a whole "
                                                       "number, like 1,250, not “ten”.")]
    assert unchanged_state() == before  # values, version and audit rows unchanged
    assert MonitoringReturn.objects.get(pk=ret.pk).version == ret.version


def test_every_bad_row_is_reported_with_its_row_number(s, ret):
    rows = [["metric_code", "value"], ["starts", "10"], ["widgets", "3"], ["starts", "11"],
            ["engagement-rate", "150"], ["", "9"], ["completions", "-1"]]
    before = unchanged_state()
    with pytest.raises(UploadError) as caught:
        upload(s, ret, csv_file(rows))
    assert [(e.row, e.metric_code) for e in caught.value.rows] == [
        (3, "widgets"), (4, "starts"), (5, "engagement-rate"), (6, ""), (7, "completions")]
    messages = [e.message for e in caught.value.rows]
    assert messages[0] == "“widgets” is not a figure this return asks for."
    assert messages[1] == "Treatment starts is given twice (also on row 2)."
    assert "between 0 and 100" in messages[2]
    assert messages[3] == "The metric code is missing."
    assert "whole number of 0 or more" in messages[4]
    assert str(caught.value).startswith("5 rows of the file have problems.")
    assert unchanged_state() == before


def test_a_metric_of_another_framework_is_an_unknown_code(s, ret):
    MetricFactory(code="elsewhere")  # in the library, but not asked by this return
    with pytest.raises(UploadError) as caught:
        upload(s, ret, csv_file([["metric_code", "value"], ["elsewhere", "1"]]))
    assert caught.value.rows[0].message == "“elsewhere” is not a figure this return asks for."


def test_a_missing_column_is_reported_on_the_header_row(s, ret):
    with pytest.raises(UploadError) as caught:
        upload(s, ret, csv_file([["metric_code", "amount"], ["starts", "10"]]))
    assert [(e.row, e.message[:27]) for e in caught.value.rows] == [
        (1, "There is no value column: t")]
    assert not Value.objects.exists()


def test_a_header_only_file_has_no_figures(s, ret):
    with pytest.raises(UploadError, match="has no figures"):
        upload(s, ret, csv_file([["metric_code", "value"]]))


# -- files that cannot be used -------------------------------------------------------------------


@pytest.mark.parametrize(("name", "content", "message"), [
    ("report.pdf", b"%PDF-1.4 ...", "must be a CSV or XLSX file"),
    ("figures", b"metric_code,value\nstarts,1\n", "must be a CSV or XLSX file"),
    ("figures.xls", b"\xd0\xcf\x11\xe0 old excel", "old-style Excel file"),
    ("figures.xlsx", b"metric_code,value\nstarts,1\n", "not a valid XLSX file"),
    ("figures.xlsx", b"PK\x03\x04 not really a zip", "not a valid XLSX file"),
    ("figures.csv", b"PK\x03\x04 a workbook named csv", "not a CSV file"),
    ("figures.csv", b"%PDF\x00\x01\x02", "must be a CSV or XLSX file"),
    ("figures.csv", b"\x81\x8d\x8f\x90\x9d", "could not be read"),
    ("figures.csv", b"", "is empty"),
    ("figures.csv", b" \r\n\r\n", "is empty"),
    ("figures.csv", b",,,\r\n,,\r\n", "is empty"),
])
def test_files_that_cannot_be_read_are_refused_with_a_clear_message(s, ret, name, content,
                                                                    message):
    before = unchanged_state()
    with pytest.raises(UploadError, match=message) as caught:
        upload(s, ret, SimpleUploadedFile(name, content))
    assert caught.value.rows == []
    assert "Nothing was saved." in str(caught.value)
    assert unchanged_state() == before


def test_a_zip_that_is_not_a_workbook_is_refused(s, ret):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hello")
    with pytest.raises(UploadError, match="not a valid XLSX file"):
        upload(s, ret, SimpleUploadedFile("figures.xlsx", buffer.getvalue()))


def test_a_file_over_the_size_limit_is_refused(s, ret):
    big = b"metric_code,value\n" + b"starts,1\n" * (uploads.MAX_BYTES // 9 + 1)
    with pytest.raises(UploadError, match="must be smaller than 2MB"):
        upload(s, ret, SimpleUploadedFile("figures.csv", big))


def test_a_file_with_too_many_rows_is_refused(s, ret):
    rows = [["metric_code", "value"]] + [["starts", "1"]] * (uploads.MAX_ROWS + 1)
    with pytest.raises(UploadError, match="more than 1,000 rows"):
        upload(s, ret, csv_file(rows))
    assert not Value.objects.exists()


# -- who, when, which version --------------------------------------------------------------------


def test_a_stale_version_is_refused_and_nothing_is_stored(s, ret):
    opened = ret.version
    save(s, ret, starts="1")
    before = unchanged_state()
    with pytest.raises(DomainError, match="Someone else saved this return") as caught:
        upload(s, ret, csv_file(GOOD), version=opened)
    assert caught.value.code == "stale"
    assert unchanged_state() == before


def test_staff_of_another_organisation_are_refused_before_the_file_is_read(s, ret):
    before = unchanged_state()
    with pytest.raises(DomainError, match=f"Only provider staff of {s.provider} can change") as c:
        # A file naming an unknown metric: the refusal must not list this return's metrics.
        upload(s, ret, csv_file([["metric_code", "value"], ["widgets", "1"]]),
               by=ProviderStaffFactory())
    assert not isinstance(c.value, UploadError)
    with pytest.raises(DomainError, match="Only provider staff"):
        upload(s, ret, csv_file(GOOD), by=s.manager)
    assert unchanged_state() == before


def test_an_approved_return_is_refused(s, ret):
    save(s, ret, starts="1", completions="1")
    actions.return_submit(monitoring_return=ret, by=s.staff)
    actions.return_approve(monitoring_return=ret, by=s.manager)
    before = unchanged_state()
    with pytest.raises(DomainError, match="is locked"):
        upload(s, ret, csv_file(GOOD))
    assert unchanged_state() == before


# -- the template --------------------------------------------------------------------------------


def test_template_rows_list_each_metric_once_with_its_frameworks_and_saved_figure(s, ret):
    save(s, ret, starts="10", **{"engagement-rate": "12.5", "housing-support": "no"})
    header, *rows = uploads.return_template_rows(ret)
    assert header == ["metric_code", "metric_name", "unit", "required", "used_by", "value"]
    assert rows == [  # in the frameworks' own order, not by name
        ["starts", "Treatment starts", "people", "yes",
         "Commissioner performance framework; Partnership outcomes", Decimal("10")],
        ["completions", "Treatment completions", "people", "yes",
         "Commissioner performance framework", ""],
        ["housing-support", "Housing support offered", "", "no",
         "Commissioner performance framework", "No"],
        ["engagement-rate", "Engagement rate", "%", "no", "Partnership outcomes",
         Decimal("12.5")],
    ]


def test_the_template_uploads_back_unchanged(s, ret):
    save(s, ret, starts="10", **{"housing-support": "yes"})
    ret.refresh_from_db()
    result = upload(s, ret, csv_file(uploads.return_template_rows(ret)))
    assert (result.saved, result.cleared) == (2, 0)
    assert figures(ret) == {"starts": "10", "housing-support": "Yes"}


# -- pages ---------------------------------------------------------------------------------------


@pytest.fixture
def page(client, s, ret):
    client.force_login(s.staff)
    return reverse("monitoring:return-upload", args=[ret.pk])


def test_the_upload_page_shows_the_form_the_format_and_the_template_links(client, s, ret, page):
    response = client.get(page)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Upload a file" in body and 'enctype="multipart/form-data"' in body
    assert 'type="file"' in body and f'name="version" value="{ret.version}"' in body
    assert reverse("monitoring:return-template", args=[ret.pk, "csv"]) in body
    assert reverse("monitoring:return-template", args=[ret.pk, "xlsx"]) in body
    assert "stay as they are" in body and "no more than 1,000 rows" in body
    assert "<code>engagement-rate</code>" in body
    assert response.context["nav_section"] == "monitoring"


def test_a_good_upload_redirects_to_the_return_with_an_escaped_message(client, s, ret, page):
    file = csv_file(GOOD, name="<i>q1.csv")
    response = client.post(page, {"file": file, "version": ret.version})
    assert response.status_code == 302
    assert response["Location"] == reverse("monitoring:return-edit", args=[ret.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "4 figures saved from <i>q1.csv"]
    assert figures(ret)["starts"] == "10"
    # The message is shown on the next page, escaped.
    shown = client.get(page).content.decode()
    assert "4 figures saved from &lt;i&gt;q1.csv" in shown and "<i>q1" not in shown


def test_a_bad_upload_shows_the_error_summary_and_each_bad_row(client, s, ret, page):
    before = unchanged_state()
    rows = [["metric_code", "value"], ["starts", "10"], ["widgets", "2"], ["completions", "x"]]
    response = client.post(page, {"file": csv_file(rows), "version": ret.version})
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body and 'href="#id_file"' in body
    assert "2 rows of the file have problems" in body
    assert "Nothing was saved" in body
    table = body[body.index('id="row-errors"'):]
    for text in ("Problems in figures.csv", "<th scope=\"col\" class=\"govuk-table__header "
                 "govuk-table__header--numeric\">Row</th>", "Metric code", "Problem",
                 "<code>widgets</code>", "is not a figure this return asks for",
                 "Treatment completions must be a whole number, like 1,250, not “x”"):
        assert text in table
    assert f'name="version" value="{ret.version}"' in body
    assert unchanged_state() == before


def test_posting_no_file_asks_for_one(client, s, ret, page):
    response = client.post(page, {"version": ret.version})
    assert "Select a CSV or XLSX file" in response.content.decode()


def test_a_stale_upload_says_so_and_links_to_the_return(client, s, ret, page):
    opened = ret.version
    save(s, ret, starts="1")
    before = unchanged_state()
    response = client.post(page, {"file": csv_file(GOOD), "version": opened})
    body = response.content.decode()
    assert "Someone else saved this return" in body and "Open the return again" in body
    assert unchanged_state() == before


def test_staff_of_another_organisation_get_404(client, s, ret):
    client.force_login(ProviderStaffFactory())
    for url in (reverse("monitoring:return-upload", args=[ret.pk]),
                reverse("monitoring:return-template", args=[ret.pk, "csv"])):
        assert client.get(url).status_code == 404
    response = client.post(reverse("monitoring:return-upload", args=[ret.pk]),
                           {"file": csv_file(GOOD), "version": ret.version})
    assert response.status_code == 404
    assert not Value.objects.exists()


def test_the_lead_partner_sees_a_refusal_not_the_form(client, s, ret):
    client.force_login(s.manager)
    url = reverse("monitoring:return-upload", args=[ret.pk])
    # A draft is the provider's own until submitted: not even there for the lead partner.
    assert client.get(url).status_code == 404
    save(s, ret, starts="1", completions="1")
    actions.return_submit(monitoring_return=ret, by=s.staff)
    actions.return_send_back(monitoring_return=ret, by=s.manager, comment="Check starts.")
    # Returned for correction: they read it, but it is the provider's to change.
    before = unchanged_state()
    response = client.get(url)
    assert response.status_code == 403
    assert f"Only provider staff of {s.provider} can change its returns." in (
        response.content.decode())
    assert 'type="file"' not in response.content.decode()
    assert client.post(url, {"file": csv_file(GOOD), "version": ret.version + 3}
                       ).status_code == 403
    assert unchanged_state() == before


def test_an_approved_return_page_refuses_uploads(client, s, ret, page):
    save(s, ret, starts="1", completions="1")
    actions.return_submit(monitoring_return=ret, by=s.staff)
    actions.return_approve(monitoring_return=ret, by=s.manager)
    response = client.get(page)
    assert response.status_code == 403
    assert "is locked" in response.content.decode()


def test_signed_out_users_are_sent_to_sign_in(client, ret):
    response = client.get(reverse("monitoring:return-upload", args=[ret.pk]))
    assert response.status_code == 302 and "sign-in" in response["Location"]


def test_the_csv_template_download(client, s, ret, page):
    save(s, ret, starts="10")
    response = client.get(reverse("monitoring:return-template", args=[ret.pk, "csv"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"return-{ret.pk}-2025-04-figures-" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == uploads.TEMPLATE_HEADER
    assert rows[1] == ["starts", "Treatment starts", "people", "yes",
                       "Commissioner performance framework; Partnership outcomes", "10"]
    assert len(rows) == 5


def test_the_xlsx_template_download(client, s, ret, page):
    save(s, ret, starts="10")
    response = client.get(reverse("monitoring:return-template", args=[ret.pk, "xlsx"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == uploads.TEMPLATE_HEADER
    assert rows[1][0] == "starts" and rows[1][5] == 10  # a number, not text
    # ... and it uploads back as it is.
    result = upload(s, ret, SimpleUploadedFile("t.xlsx", response.content))
    assert result.saved == 1


def test_a_template_in_another_format_is_404(client, s, ret, page):
    assert client.get(reverse("monitoring:return-template", args=[ret.pk, "pdf"])
                      ).status_code == 404


def test_a_formula_in_a_metric_name_is_stored_as_text_in_the_xlsx(client, s, ret, page):
    s.starts.name = "=HYPERLINK(\"http://example.org\")"
    s.starts.save()
    response = client.get(reverse("monitoring:return-template", args=[ret.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    cell = next(c for c in sheet["B"] if c.value and str(c.value).startswith("=HYPER"))
    assert cell.data_type == "s"


def _more_metrics(s, n):
    for i in range(n):
        FrameworkMetricFactory(framework=s.partnership_fw, position=10 + i,
                               metric=MetricFactory(code=f"extra-{i}", kind=MetricKind.COUNT))


def test_the_page_and_template_cost_the_same_for_few_and_many_metrics(
        client, s, ret, page, django_assert_max_num_queries, django_assert_num_queries):
    template = reverse("monitoring:return-template", args=[ret.pk, "csv"])
    with django_assert_max_num_queries(17) as few:
        client.get(page)
        b"".join(client.get(template).streaming_content)
    _more_metrics(s, 25)
    with django_assert_num_queries(len(few.captured_queries)):
        assert b"extra-24" in client.get(page).content
        assert b"extra-24" in b"".join(client.get(template).streaming_content)


def test_an_upload_costs_the_same_for_few_and_many_rows(s, ret):
    def loaded():
        return MonitoringReturn.objects.select_related("period").get(pk=ret.pk)

    with CaptureQueriesContext(connection) as few:
        upload(s, loaded(), csv_file([["metric_code", "value"], ["starts", "1"]]))
    _more_metrics(s, 25)
    rows = [["metric_code", "value"]] + [[f"extra-{i}", str(i)] for i in range(25)]
    with CaptureQueriesContext(connection) as many:
        upload(s, loaded(), csv_file(rows))
    # Saving inserts one row per new figure (the action's own loop); reading and checking the
    # file do not grow with it.
    def other(queries):
        return [q for q in queries if not q["sql"].startswith('INSERT INTO "monitoring_value"')]

    assert len(many.captured_queries) - len(other(many.captured_queries)) == 25
    assert len(other(many.captured_queries)) == len(other(few.captured_queries))
