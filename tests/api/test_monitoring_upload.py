"""POST /api/v1/returns/<id>/upload/: a CSV or XLSX file saved all or nothing."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from drf_spectacular.drainage import GENERATOR_STATS
from openpyxl import Workbook
from rest_framework.test import APIClient

from monitoring import actions
from monitoring.models import Value
from tests.accounts.factories import ProviderStaffFactory
from tests.monitoring.workflow import save, unchanged_state

from .test_schema import generate

pytestmark = pytest.mark.django_db


def url(ret):
    return reverse("return-upload", args=[ret.pk])


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def csv_file(text, name="figures.csv"):
    return SimpleUploadedFile(name, text.encode(), "text/csv")


def post(user, ret, file, version=None):
    return client_for(user).post(url(ret), {"file": file, "version": version or ret.version},
                                 format="multipart")


def test_a_good_csv_is_saved(s, ret):
    response = post(s.staff, ret, csv_file("metric_code,value\nstarts,10\ncompletions,4\n"))
    assert response.status_code == 200
    assert response.json() == {"saved": 2, "version": ret.version + 1}
    assert Value.objects.filter(monitoring_return=ret).count() == 2


def test_a_good_xlsx_is_saved(s, ret):
    workbook = Workbook()
    workbook.active.append(["metric_code", "value"])
    workbook.active.append(["starts", 8])
    buffer = io.BytesIO()
    workbook.save(buffer)
    file = SimpleUploadedFile("figures.xlsx", buffer.getvalue())
    response = post(s.staff, ret, file)
    assert response.status_code == 200 and response.json()["saved"] == 1
    assert Value.objects.get(monitoring_return=ret).number == 8


def test_bad_rows_are_a_400_listing_each_row_and_nothing_is_stored(s, ret):
    before = unchanged_state()
    response = post(s.staff, ret, csv_file("metric_code,value\nstarts,10\nwidgets,1\n"
                                           "completions,-2\n"))
    assert response.status_code == 400
    body = response.json()
    assert "Nothing was saved" in body["detail"]
    assert body["rows"] == [
        {"row": 3, "metric_code": "widgets",
         "message": "“widgets” is not a figure this return asks for."},
        {"row": 4, "metric_code": "completions",
         "message": "Treatment completions must be a whole number of 0 or more, not “-2”."},
    ]
    assert unchanged_state() == before


def test_an_unreadable_file_is_a_400_without_rows(s, ret):
    response = post(s.staff, ret, SimpleUploadedFile("figures.pdf", b"%PDF-1.4"))
    assert response.status_code == 400
    assert response.json()["rows"] == []
    assert "must be a CSV or XLSX file" in response.json()["detail"]


def test_a_missing_file_or_version_is_a_400(s, ret):
    response = client_for(s.staff).post(url(ret), {"version": "1"}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["detail"]
    response = client_for(s.staff).post(url(ret), {"file": csv_file("metric_code,value\n")},
                                        format="multipart")
    assert response.status_code == 400 and "version" in response.json()["detail"]


def test_a_stale_version_is_a_409_and_nothing_is_stored(s, ret):
    opened = ret.version
    save(s, ret, starts="1")
    before = unchanged_state()
    response = post(s.staff, ret, csv_file("metric_code,value\nstarts,10\n"), version=opened)
    assert response.status_code == 409
    assert response.json()["detail"].startswith("Someone else saved this return")
    assert unchanged_state() == before


def test_another_organisations_staff_get_404(s, ret):
    response = post(ProviderStaffFactory(), ret, csv_file("metric_code,value\nstarts,10\n"))
    assert response.status_code == 404
    assert not Value.objects.exists()


def test_the_lead_partner_and_an_approved_return_are_refused_with_the_reason(s, ret):
    # A draft is the provider's own until submitted: not found for the lead partner.
    assert post(s.manager, ret, csv_file("metric_code,value\nstarts,10\n")).status_code == 404
    save(s, ret, starts="1", completions="1")
    actions.return_submit(monitoring_return=ret, by=s.staff)
    actions.return_send_back(monitoring_return=ret, by=s.manager, comment="Check starts.")
    # Returned for correction: the lead partner reads it, but only the provider changes it.
    response = post(s.manager, ret, csv_file("metric_code,value\nstarts,10\n"))
    assert response.status_code == 400
    assert response.json()["detail"] == (f"Only provider staff of {s.provider} can change its "
                                         "returns.")
    ret.refresh_from_db()
    actions.return_submit(monitoring_return=ret, by=s.staff)
    actions.return_approve(monitoring_return=ret, by=s.manager)
    before = unchanged_state()
    response = post(s.staff, ret, csv_file("metric_code,value\nstarts,10\n"))
    assert response.status_code == 400 and "locked" in response.json()["detail"]
    assert response.json()["rows"] == []
    assert unchanged_state() == before


def test_anonymous_requests_are_refused(ret):
    response = APIClient().post(url(ret), {"file": csv_file("metric_code,value\nstarts,1\n"),
                                           "version": 1}, format="multipart")
    assert response.status_code in (401, 403)
    assert not Value.objects.exists()


def test_the_endpoint_is_in_the_schema_without_warnings(tmp_path):
    GENERATOR_STATS.reset()  # warnings are counted process-wide
    try:
        schema = generate(tmp_path)  # --validate --fail-on-warn, and no warning printed
    finally:
        GENERATOR_STATS.reset()
    operation = schema["paths"]["/api/v1/returns/{id}/upload/"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert {"200", "400", "404", "409"} <= set(operation["responses"])
    assert operation["parameters"][0]["schema"]["type"] == "integer"
