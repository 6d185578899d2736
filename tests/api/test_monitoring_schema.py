"""The OpenAPI schema documents every monitoring endpoint, its inputs and outputs, with no
warnings."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_schema import fresh_generator_stats, generate  # noqa: F401  (autouse here too)

pytestmark = pytest.mark.django_db

READ_PATHS = [
    "/api/v1/metrics/", "/api/v1/metrics/{code}/",
    "/api/v1/frameworks/", "/api/v1/frameworks/{id}/",
    "/api/v1/reporting-periods/", "/api/v1/reporting-periods/{id}/",
    "/api/v1/return-requirements/", "/api/v1/return-requirements/{id}/",
    "/api/v1/returns/{id}/", "/api/v1/returns/{id}/check/",
    "/api/v1/dashboards/", "/api/v1/dashboards/{slug}/",
    "/api/v1/dashboards/{slug}/grid/", "/api/v1/dashboards/{slug}/totals/",
    "/api/v1/dashboards/{slug}/metrics/{code}/trend/",
    "/api/v1/dashboards/{slug}/metrics/{code}/comparison/",
    "/api/v1/dashboards/{slug}/frameworks/{framework_id}/report/",
]
WRITE_PATHS = {
    "/api/v1/returns/": {"get", "post"},
    "/api/v1/returns/{id}/values/": {"post", "patch"},
    "/api/v1/returns/{id}/submit/": {"post"},
    "/api/v1/returns/{id}/approve/": {"post"},
    "/api/v1/returns/{id}/send-back/": {"post"},
    "/api/v1/returns/{id}/correct/": {"post"},
}


@pytest.fixture
def schema(tmp_path: Path) -> dict:
    return generate(tmp_path)  # --validate --fail-on-warn: any warning fails


def test_every_monitoring_path_with_its_methods(schema):
    for path in READ_PATHS:
        assert set(schema["paths"][path]) - {"parameters"} == {"get"}, path
    for path, methods in WRITE_PATHS.items():
        assert set(schema["paths"][path]) - {"parameters"} == methods, path


def test_writes_take_json_with_their_own_inputs_and_answer_with_the_return(schema):
    values = schema["paths"]["/api/v1/returns/{id}/values/"]
    for method in ("post", "patch"):
        body = values[method]["requestBody"]["content"]
        assert set(body) == {"application/json"}
        assert body["application/json"]["schema"]["$ref"].endswith("/ReturnValuesInputRequest")
        # (core.openapi adds the shared 401/403/413/429/503 answers to every operation.)
        assert {"200", "400", "404", "409"} <= set(values[method]["responses"])
        assert values[method]["responses"]["200"]["content"]["application/json"]["schema"][
            "$ref"].endswith("/ReturnDetail")
    components = schema["components"]["schemas"]
    assert set(components["ReturnValuesInputRequest"]["required"]) == {"version", "values"}
    assert set(components["ReturnStartInputRequest"]["required"]) == {"partnership", "period"}
    assert "201" in schema["paths"]["/api/v1/returns/{id}/correct/"]["post"]["responses"]
    assert "201" in schema["paths"]["/api/v1/returns/"]["post"]["responses"]


def test_return_list_documents_its_filters(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/returns/"]["get"]["parameters"]}
    assert {"partnership", "organisation", "period", "status", "page", "page_size",
            "ordering"} <= set(parameters)
    assert parameters["partnership"]["schema"]["type"] == "string"
    assert parameters["period"]["schema"]["type"] == "integer"


def test_dashboards_document_their_period_parameters_and_shapes(schema):
    grid = schema["paths"]["/api/v1/dashboards/{slug}/grid/"]["get"]
    assert {"slug", "frequency", "periods", "until"} <= {p["name"] for p in grid["parameters"]}
    components = schema["components"]["schemas"]
    assert set(components["GridCell"]["properties"]) == {
        "state", "label", "on_time", "overdue", "correcting", "return_id"}
    assert "not_started" in components["CellStateEnum"]["enum"]
    assert set(components["Totals"]["properties"]) == {"partnership", "periods", "metrics"}
    assert set(components["FrameworkReport"]["properties"]) >= {"framework", "period",
                                                                  "metrics"}


def test_monitoring_vocabularies_have_their_own_names(schema):
    components = schema["components"]["schemas"]
    assert components["ReturnStatusEnum"]["enum"] == ["draft", "submitted", "returned",
                                                      "approved"]
    assert "percentage" in components["MetricKindEnum"]["enum"]
    assert components["FrequencyEnum"]["enum"] == ["quarterly", "monthly", "annual"]
