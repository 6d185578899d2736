"""The OpenAPI schema documents every casework endpoint with its methods, inputs and answers,
names each casework vocabulary once, and generates with no warnings."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_schema import fresh_generator_stats, generate  # noqa: F401  (autouse here too)

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/v1/cases/": {"get", "post"},
    "/api/v1/cases/{reference}/": {"get", "patch"},
    "/api/v1/cases/{reference}/lead/": {"post"},
    "/api/v1/cases/{reference}/close/": {"post"},
    "/api/v1/cases/{reference}/reopen/": {"post"},
    "/api/v1/cases/{reference}/assessments/": {"post"},
    "/api/v1/cases/{reference}/referrals/": {"post"},
    "/api/v1/cases/{reference}/access-log/": {"get"},
    "/api/v1/cases/{reference}/custody/": {"get", "post"},
    "/api/v1/cases/{reference}/custody/{id}/": {"get"},
    "/api/v1/cases/{reference}/custody/{id}/transfer/": {"post"},
    "/api/v1/cases/{reference}/custody/{id}/release/": {"post"},
    "/api/v1/cases/{reference}/custody/{id}/first-appointment/": {"post"},
    "/api/v1/cases/{reference}/custody/{id}/release-plan/": {"get", "put", "patch"},
    "/api/v1/referrals/": {"get"},
    "/api/v1/referrals/inbox/": {"get"},
    "/api/v1/referrals/{reference}/": {"get"},
    "/api/v1/referrals/{reference}/accept/": {"post"},
    "/api/v1/referrals/{reference}/decline/": {"post"},
    "/api/v1/referrals/{reference}/complete/": {"post"},
    "/api/v1/referrals/{reference}/withdraw/": {"post"},
    "/api/v1/conferences/": {"get"},
    "/api/v1/conferences/{id}/": {"get"},
    "/api/v1/conferences/{id}/record/": {"post"},
    "/api/v1/notices/": {"get"},
    "/api/v1/notices/{id}/acknowledge/": {"post"},
    "/api/v1/case-counts/": {"get"},
    "/api/v1/continuity/": {"get"},
    "/api/v1/referral-pathways/": {"get"},
    "/api/v1/referral-pathways/{id}/": {"get"},
    "/api/v1/sharing-protocols/": {"get"},
    "/api/v1/sharing-protocols/{id}/": {"get"},
}


@pytest.fixture
def schema(tmp_path: Path) -> dict:
    return generate(tmp_path)  # --validate --fail-on-warn: any warning fails


def test_every_casework_path_with_its_methods(schema):
    for path, methods in PATHS.items():
        assert set(schema["paths"][path]) - {"parameters"} == methods, path


def test_no_numeric_case_ids_in_case_urls(schema):
    assert not [path for path in schema["paths"]
                if path.startswith(("/api/v1/cases/{id", "/api/v1/referrals/{id"))]


def test_writes_document_their_inputs_refusals_and_not_found(schema):
    paths = schema["paths"]
    create = paths["/api/v1/cases/"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/CaseOpenInputRequest")
    assert {"200", "201", "400", "409"} <= set(create["responses"])
    for path in ("/api/v1/cases/{reference}/lead/", "/api/v1/cases/{reference}/close/",
                 "/api/v1/cases/{reference}/reopen/",
                 "/api/v1/referrals/{reference}/accept/",
                 "/api/v1/conferences/{id}/record/",
                 "/api/v1/cases/{reference}/custody/{id}/release/",
                 "/api/v1/cases/{reference}/custody/{id}/first-appointment/"):
        assert {"200", "400", "404"} <= set(paths[path]["post"]["responses"]), path
    for path in ("/api/v1/cases/{reference}/custody/",
                 "/api/v1/cases/{reference}/custody/{id}/transfer/"):
        assert {"201", "400", "404"} <= set(paths[path]["post"]["responses"]), path
    for method in ("put", "patch"):
        plan = paths["/api/v1/cases/{reference}/custody/{id}/release-plan/"][method]
        assert plan["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
            "ReleasePlanInputRequest"), method
    assessments = paths["/api/v1/cases/{reference}/assessments/"]["post"]["responses"]
    refusal = assessments["400"]["content"]["application/json"]["schema"]
    # One shape, or one of several once every error answer is documented (core.openapi).
    refs = [refusal.get("$ref", "")] + [one.get("$ref", "") for one in refusal.get("anyOf", [])]
    assert any(ref.endswith("/RepeatRefusal") for ref in refs)
    components = schema["components"]["schemas"]
    assert set(components["CaseOpenInputRequest"]["required"]) == {
        "partnership", "order_type", "order_starts_on", "order_ends_on"}
    assert "recent_assessments" in components["RepeatRefusal"]["properties"]


def test_the_case_read_documents_the_admins_reason(schema):
    parameters = {p["name"] for p in schema["paths"]["/api/v1/cases/{reference}/"]["get"][
        "parameters"]}
    assert {"reference", "X-Access-Reason"} <= parameters


def test_lists_document_their_filters(schema):
    def names(path: str) -> set[str]:
        return {p["name"] for p in schema["paths"][path]["get"]["parameters"]}

    assert {"status", "partnership", "seriousness", "order_type", "lead_is_mine", "page",
            "page_size"} <= names("/api/v1/cases/")
    assert {"box", "status", "case"} <= names("/api/v1/referrals/")
    assert {"status", "kind", "case", "planned_from", "planned_until"} <= names(
        "/api/v1/conferences/")
    assert {"partnership", "party", "in_force"} <= names("/api/v1/sharing-protocols/")
    assert "partnership" in names("/api/v1/case-counts/")
    lead_is_mine = next(p for p in schema["paths"]["/api/v1/cases/"]["get"]["parameters"]
                        if p["name"] == "lead_is_mine")
    assert lead_is_mine["schema"]["type"] == "boolean"


def test_lists_carry_no_personal_fields(schema):
    components = schema["components"]["schemas"]
    personal = {"person", "initials", "year_of_birth", "gender", "identifiers", "reason",
                "decline_reason", "outcome", "summary"}
    for name in ("CaseSummary", "ReferralSummary", "ConferenceSummary", "CaseCounts"):
        assert not personal & set(components[name]["properties"]), name
    assert {"person", "referrals", "conferences", "assessments", "notices",
            "lead_agencies"} <= set(components["CaseDetail"]["properties"])


def test_casework_vocabularies_have_their_own_names(schema):
    components = schema["components"]["schemas"]
    assert components["CaseStatusEnum"]["enum"] == ["open", "closed"]
    assert components["ReferralStatusEnum"]["enum"] == ["sent", "accepted", "declined",
                                                        "completed", "withdrawn"]
    assert "joint" in components["ConferenceKindEnum"]["enum"]
    assert "held" in components["ConferenceStatusEnum"]["enum"]
    assert "not_stated" in components["PersonGenderEnum"]["enum"]
    assert "6_1_e" in components["LawfulBasisEnum"]["enum"]
    assert "9_2_h" in components["SpecialCategoryConditionEnum"]["enum"]
    assert "licence" in components["ExpectedReleaseKindEnum"]["enum"]
    assert components["CustodyStateEnum"]["enum"] == ["in_custody", "transferred", "released"]
    assert components["ContinuityOutcomeEnum"]["enum"] == ["engaged", "engaged_late",
                                                           "not_engaged", "awaiting"]
    # the service directory's gender vocabulary keeps its name
    assert "GenderEnum" in components
