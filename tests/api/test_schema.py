"""The OpenAPI 3 schema generates cleanly and documents the endpoints, filters and docs page."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

PATHS = [
    "/api/v1/organisations/", "/api/v1/organisations/{slug}/",
    "/api/v1/partnerships/", "/api/v1/partnerships/{slug}/",
    "/api/v1/agreements/", "/api/v1/agreements/{id}/",
    "/api/v1/services/", "/api/v1/services/{slug}/",
    "/api/v1/locations/", "/api/v1/locations/{slug}/",
]


@pytest.fixture(autouse=True)
def fresh_generator_stats():
    """Warnings are counted process-wide; start each test from none."""
    GENERATOR_STATS.reset()
    yield
    GENERATOR_STATS.reset()


def generate(tmp_path: Path) -> dict:
    target = tmp_path / "schema.yml"
    stderr = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target),
                 stderr=stderr)
    assert "Warning" not in stderr.getvalue()
    return yaml.safe_load(target.read_text())


def test_schema_generates_and_validates_without_warnings(tmp_path):
    schema = generate(tmp_path)
    assert schema["openapi"].startswith("3.")
    assert set(PATHS) <= set(schema["paths"])
    # The registry is written through its own operations (POST to create, PATCH to change
    # details); nothing is replaced (PUT) or deleted through the API.
    methods = {method for path in PATHS for method in schema["paths"][path]}
    assert methods <= {"get", "post", "patch", "parameters"}
    assert "post" in schema["paths"]["/api/v1/agreements/"]
    # Operations are grouped by area, not under one "v1" tag.
    tags = {tag for path in schema["paths"].values() for op in path.values()
            if isinstance(op, dict) for tag in op.get("tags", [])}
    assert "v1" not in tags and {"Agreements", "Partnerships", "Organisations"} <= tags


def test_schema_documents_filters_and_both_authentications(tmp_path):
    schema = generate(tmp_path)
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/partnerships/"]["get"]
                  ["parameters"]}
    assert {"status", "setting", "region", "member", "funder", "review_overdue", "page",
            "page_size", "ordering"} <= set(parameters)
    assert parameters["review_overdue"]["schema"]["type"] == "boolean"
    assert parameters["status"]["schema"]["enum"] == ["active", "ended", "forming"]
    assert set(schema["components"]["securitySchemes"]) == {"cookieAuth", "tokenAuth"}


def test_schema_names_each_choice_set_after_its_vocabulary(tmp_path):
    components = generate(tmp_path)["components"]["schemas"]
    assert components["OrganisationKindEnum"]["enum"][0] == "charity"
    assert "superseded" in components["AgreementStatusEnum"]["enum"]
    assert "prison" in components["LocationKindEnum"]["enum"]


def test_schema_and_docs_pages_for_a_signed_in_user(client_for, provider_user):
    client = client_for(provider_user)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/partnerships/{slug}/" in schema.content
    assert not GENERATOR_STATS, "the schema view emitted warnings"
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()
    # the start-up script (served as a file) points Swagger UI at our schema
    assert b"/api/schema/" in client.get("/api/docs/?script=").content


def test_docs_page_serves_its_assets_locally(client_for, provider_user):
    """The docs UI comes from drf-spectacular-sidecar, not a CDN (the CSP allows 'self' only)."""
    docs = client_for(provider_user).get("/api/docs/").content.decode()
    assert "cdn.jsdelivr.net" not in docs
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs


def test_anonymous_schema_request_does_not_leak_data(registry):
    response = APIClient().get("/api/schema/")
    # The schema describes shapes, never rows.
    assert b"womens-hub" not in response.content


def test_docs_page_runs_no_inline_script_the_csp_would_block(client_for, provider_user):
    client = client_for(provider_user)
    html = client.get("/api/docs/").content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts
    assert all("src=" in tag or "nonce=" in tag for tag in scripts), scripts
    init = client.get("/api/docs/?script=")
    assert init.status_code == 200
    assert init["Content-Type"].startswith("application/javascript")
    styles = re.findall(r"<style\b[^>]*>", html)
    nonce = re.search(r"'nonce-([^']+)'", client.get("/api/docs/")["Content-Security-Policy"])
    assert styles and all("nonce=" in tag for tag in styles), styles
    assert nonce


def test_every_operation_documents_its_error_answers_with_named_shapes(tmp_path):
    """400, 401, 403, 429 and 503 everywhere (400: a control character in any URL is refused);
    404 where a path names an object (or a list has pages); 409 (a stale save, a duplicate, a
    constraint) and 413 on writes.
    Each error answer has a JSON body: ErrorDetail, or BadRequest (ValidationErrors or
    ErrorDetail) for 400."""
    schema = generate(tmp_path)
    components = schema["components"]["schemas"]
    assert components["ErrorDetail"]["properties"]["detail"]["type"] == "string"
    assert components["ErrorDetail"]["required"] == ["detail"]
    assert components["ValidationErrors"]["additionalProperties"] == {
        "$ref": "#/components/schemas/FieldErrors"}
    assert {"$ref": "#/components/schemas/ValidationErrors"} in components["BadRequest"]["anyOf"]
    error_detail = {"$ref": "#/components/schemas/ErrorDetail"}
    operations = [(method.upper(), path, operation)
                  for path, item in schema["paths"].items()
                  for method, operation in item.items() if method != "parameters"]
    assert len(operations) >= 70
    for method, path, operation in operations:
        responses = operation["responses"]
        expected = {"400", "401", "403", "429", "503"}
        if "{" in path:
            expected.add("404")
        if method != "GET":
            expected |= {"409", "413"}
        assert expected <= set(responses), (method, path, expected - set(responses))
        for code in expected:
            assert responses[code]["description"], (method, path, code)
            body = responses[code]["content"]["application/json"]["schema"]
            generic = ({"$ref": "#/components/schemas/BadRequest"} if code == "400"
                       else error_detail)
            assert body == generic or generic in body.get("anyOf", []), (method, path, code)
    paths = schema["paths"]
    assert "Retry-After" in paths["/api/v1/partnerships/"]["get"]["responses"]["429"]["headers"]
    assert "WWW-Authenticate" in paths["/api/v1/cases/"]["post"]["responses"]["401"]["headers"]
    # A paginated list answers 404 for a page past the end.
    assert "404" in paths["/api/v1/partnerships/"]["get"]["responses"]
    # No 409 on reads; on writes, the view's own description of it is kept.
    assert "409" not in paths["/api/v1/returns/{id}/"]["get"]["responses"]
    conflict = paths["/api/v1/returns/{id}/values/"]["patch"]["responses"]["409"]
    assert conflict["description"].startswith("Someone else saved the return")
    # A view's own 400 body (the repeat-assessment refusal) is kept, alongside the generic one.
    refused = paths["/api/v1/cases/{reference}/assessments/"]["post"]["responses"]["400"]
    assert {"$ref": "#/components/schemas/RepeatRefusal"} in (
        refused["content"]["application/json"]["schema"]["anyOf"])
