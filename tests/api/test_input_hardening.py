"""No server error from any input to the API (issue 12, build item 1): control characters in the
address, the query and JSON bodies; JSON nested too deep or too large; a bad page_size; and a
database constraint clash answered as 409.

The security probe found 500s from ``%00`` in every detail route below (PostgreSQL refuses NUL in
text, so the lookup itself failed). Each case here is a real route from the URL conf.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.urls import get_resolver, path, reverse
from django.urls.converters import IntConverter
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from core.parsers import BoundedJSONParser, RequestTooLarge
from monitoring.models import Value
from partnerships.models import Organisation
from tests.accounts.factories import PlatformAdminFactory
from tests.monitoring.workflow import unchanged_state
from tests.partnerships.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

CONTROL_MESSAGE = "contains a control character (such as a NUL byte), which cannot be used"
PAGE_HEADING = "Sorry, there is a problem with your request"


# --------------------------------------------------------------------------------------------
# Every route with a text parameter, from the URL conf
# --------------------------------------------------------------------------------------------


def _formats(resolver: Any, prefix: str = "") -> Iterator[tuple[str, str, list[str], dict]]:
    """(url name, format string, parameters, converters) for every named route, namespaces
    included."""
    for name, entries in resolver.reverse_dict.lists():
        if not isinstance(name, str):
            continue
        for possibilities, _pattern, _defaults, converters in entries:
            for template, params in possibilities:
                yield name, prefix + template, params, converters
    for namespace, (ns_prefix, sub) in resolver.namespace_dict.items():
        for name, template, params, converters in _formats(sub, prefix + ns_prefix):
            yield f"{namespace}:{name}", template, params, converters


def routes_with_text_parameters() -> list[tuple[str, str]]:
    """Each route that takes a text parameter (a slug, reference, code, token, admin object id),
    as (name, address) with ``%00`` inside every text parameter and 1 for numbers. The ``.json``
    format-suffix twins of the API routes are left out (the suffix cannot hold a NUL)."""
    found: dict[str, str] = {}
    for name, template, params, converters in _formats(get_resolver()):
        if "format" in params:
            continue
        text = [p for p in params if not isinstance(converters.get(p), IntConverter)]
        if not text:
            continue
        values = {p: "1" if p not in text else "x%00" for p in params}
        found.setdefault("/" + template % values, name)
    return sorted((name, address) for address, name in found.items())


ROUTES = routes_with_text_parameters()
API_ROUTES = [(n, a) for n, a in ROUTES if a.startswith("/api/")]
PAGE_ROUTES = [(n, a) for n, a in ROUTES if not a.startswith("/api/")]


def test_the_route_list_covers_what_the_probe_found():
    names = {name for name, _ in ROUTES}
    assert {"case-detail", "case-close", "referral-detail", "organisation-detail",
            "partnership-detail", "service-detail", "location-detail", "metric-detail",
            "dashboard-detail", "dashboard-trend", "review-list", "partnership-engagement",
            "referrals:case", "referrals:referral", "partnerships:detail", "services:detail",
            "monitoring:dashboard", "notifications:calendar-feed",
            "admin:partnerships_partnership_change"} <= names


@pytest.fixture
def admin_api() -> APIClient:
    """A platform admin: past every permission check, so the lookup itself is reached."""
    client = APIClient()
    client.force_login(PlatformAdminFactory())
    return client


def assert_api_refusal(response: Any) -> None:
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert list(body) == ["detail"] and CONTROL_MESSAGE in body["detail"]


def assert_page_refusal(response: Any) -> None:
    assert response.status_code == 400, (response.status_code, response.content[:300])
    text = response.content.decode()
    assert PAGE_HEADING in text and CONTROL_MESSAGE in text
    assert '<link rel="stylesheet"' in text  # the styled page, not Django's plain text


@pytest.mark.parametrize(("name", "address"), API_ROUTES, ids=[n for n, _ in API_ROUTES])
@pytest.mark.parametrize("method", ["get", "post"])
def test_nul_in_an_api_address_is_a_400(admin_api, name, address, method):
    response = getattr(admin_api, method)(address, {}, format="json")
    assert_api_refusal(response)


@pytest.mark.parametrize(("name", "address"), PAGE_ROUTES, ids=[n for n, _ in PAGE_ROUTES])
def test_nul_in_a_page_address_is_a_styled_400(admin_api, name, address):
    assert_page_refusal(admin_api.get(address))


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x1f", "\x7f", "\n", "\t"])
def test_other_control_characters_in_the_address_are_refused(admin_api, character):
    organisation = OrganisationFactory()
    response = admin_api.get(reverse("organisation-detail",
                                        kwargs={"slug": organisation.slug + character}))
    assert_api_refusal(response)


# --------------------------------------------------------------------------------------------
# The query string
# --------------------------------------------------------------------------------------------

LISTS = ["case-list", "referral-list", "return-list", "dashboard-list", "service-list",
         "organisation-list", "partnership-list", "agreement-list", "location-list",
         "metric-list", "notification-list", "case-counts"]


@pytest.mark.parametrize("name", LISTS)
def test_nul_in_a_filter_is_a_400(admin_api, name):
    assert_api_refusal(admin_api.get(reverse(name), {"partnership": "\x00"}))


def test_the_refusal_names_the_parameter_but_never_echoes_the_value(admin_api):
    response = admin_api.get(reverse("case-detail", kwargs={"reference": "C-1"}),
                                {"reason": "Safeguarding check for J.D.\x00"})
    assert_api_refusal(response)
    detail = response.json()["detail"]
    assert "“reason”" in detail and "J.D." not in detail


def test_a_control_character_in_a_parameter_name_is_refused(admin_api):
    assert_api_refusal(admin_api.get(reverse("partnership-list") + "?status%00=active"))


@pytest.mark.parametrize("value", ["line\nbreak", "tab\there", "\x1b[31m", "del\x7f"])
def test_no_control_character_is_allowed_in_a_query(admin_api, value):
    assert_api_refusal(admin_api.get(reverse("partnership-list"), {"search": value}))


def test_ordinary_text_in_a_query_is_untouched(admin_api):
    response = admin_api.get(reverse("partnership-list"), {"search": "Women’s hub – café"})
    assert response.status_code == 200


def test_refusal_is_not_logged_with_the_value(admin_api, caplog):
    with caplog.at_level(logging.DEBUG):
        admin_api.get(reverse("partnership-list"), {"search": "Jane Doe\x00"})
    assert "Jane Doe" not in caplog.text


# --------------------------------------------------------------------------------------------
# JSON bodies
# --------------------------------------------------------------------------------------------


@pytest.fixture
def provider(s) -> APIClient:
    client = APIClient()
    client.force_login(s.staff)
    return client


@pytest.mark.parametrize("body", [
    {"partnership": "\x00"},
    {"partnership": "x\x00y", "organisation": "\x00"},
    {"partnership": "ok", "period": 1, "notes": {"deep": [{"text": "a\x00"}]}},
    {"partnership": "ok", "\x00": "key"},
    {"partnership": "ok", "nested": [[[[{"k\x01": 1}]]]]},
    {"partnership": "escape\x1b", "period": 1},
])
def test_control_characters_in_json_slug_fields_are_refused(s, provider, body):
    """POST /api/v1/returns/ takes slugs (partnership, organisation); its view names DRF's own
    JSONParser, so the middleware is what stands between the NUL and PostgreSQL."""
    before = unchanged_state()
    response = provider.post(reverse("return-list"), body, format="json")
    assert_api_refusal(response)
    assert unchanged_state() == before


def test_escaped_nul_in_raw_json_is_refused(s, provider):
    raw = '{"partnership": "\\u0000", "period": 1}'
    response = provider.post(reverse("return-list"), raw, content_type="application/json")
    assert_api_refusal(response)


def test_tabs_and_line_breaks_in_json_text_are_allowed(s, provider, ret):
    """People paste notes with line breaks; only the other control characters are refused."""
    response = provider.post(reverse("return-values", args=[ret.pk]),
                             {"version": ret.version, "values": {"starts": "12\r\n"}},
                             format="json")
    assert response.status_code != 400 or CONTROL_MESSAGE not in response.content.decode()


def test_a_json_slug_field_with_nul_on_casework_is_refused(world):
    client = APIClient()
    client.force_login(world.cw.officer)
    response = client.post(reverse("case-list"), {"partnership": "\x00", "initials": "A.B."},
                           format="json")
    assert_api_refusal(response)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("name", ["return-list", "case-list", "notification-preferences"])
def test_json_nested_100000_deep_is_a_clear_400(s, provider, name):
    """It raised RecursionError inside DRF's parser: a 500."""
    response = provider.post(reverse(name), nested(100_000), content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The JSON is nested too deeply: at most 32 levels of arrays and objects "
                  "are allowed."}


def test_json_33_deep_is_refused_and_32_is_not(s, provider):
    too_deep = provider.post(reverse("return-list"), {"partnership": json.loads(nested(33))},
                             format="json")
    # {"partnership": ...} adds a level: 34 in all.
    assert "nested too deeply" in too_deep.json()["detail"]
    body = json.dumps({"partnership": json.loads(nested(31))})  # 32 levels
    fits = provider.post(reverse("return-list"), body, content_type="application/json")
    assert fits.status_code == 400 and "nested too deeply" not in fits.content.decode()


def test_brackets_inside_strings_do_not_count_as_nesting(s, provider):
    response = provider.post(reverse("return-list"),
                             {"partnership": "[" * 1000, "period": 1}, format="json")
    assert "nested too deeply" not in response.content.decode()


def test_json_over_a_megabyte_is_a_413_with_a_message(s, provider):
    body = json.dumps({"partnership": "x" * (1024 * 1024)})
    before = unchanged_state()
    response = provider.post(reverse("return-list"), body, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request body is too large: a JSON body can be at most 1 MB."}
    assert unchanged_state() == before


class TestBoundedJSONParser:
    """The DRF parser holds the same bounds on its own (for a request the middleware did not
    read, e.g. a JSON type it does not know)."""

    def parse(self, raw: bytes) -> Any:
        return BoundedJSONParser().parse(io.BytesIO(raw), "application/json", {})

    def test_parses_ordinary_json(self):
        assert self.parse(b'{"a": [1, {"b": "c"}]}') == {"a": [1, {"b": "c"}]}

    def test_refuses_deep_nesting_without_recursing(self):
        with pytest.raises(ParseError, match="nested too deeply"):
            self.parse(nested(100_000).encode())

    def test_refuses_a_large_body(self, settings):
        settings.JSON_MAX_BYTES = 100
        with pytest.raises(RequestTooLarge):
            self.parse(b'"' + b"x" * 200 + b'"')

    def test_malformed_json_is_a_parse_error(self):
        with pytest.raises(ParseError, match="JSON parse error"):
            self.parse(b'{"a": ')

    def test_is_the_default_json_parser(self, settings):
        assert settings.REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"][0] == (
            "core.parsers.BoundedJSONParser")


# --------------------------------------------------------------------------------------------
# Forms and file uploads through the API
# --------------------------------------------------------------------------------------------


def test_nul_in_a_multipart_text_field_is_refused(s, provider, ret):
    response = provider.post(reverse("return-upload", args=[ret.pk]),
                             {"version": "1\x00", "file": SimpleUploadedFile("f.csv", b"x")},
                             format="multipart")
    assert_api_refusal(response)


def test_an_uploaded_file_may_contain_nul_bytes(s, provider, ret):
    """File contents are not text fields: an XLSX (a zip, full of NUL bytes) still uploads."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["metric_code", "value"])
    workbook.active.append(["starts", 8])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert b"\x00" in buffer.getvalue()
    response = provider.post(reverse("return-upload", args=[ret.pk]),
                             {"file": SimpleUploadedFile("figures.xlsx", buffer.getvalue()),
                              "version": ret.version}, format="multipart")
    assert response.status_code == 200, response.content
    assert Value.objects.get(monitoring_return=ret).number == 8


def test_a_monitoring_upload_of_nearly_2_mb_is_saved(s, provider, ret):
    """The request limits leave uploads alone: a 1.9 MB CSV (over DATA_UPLOAD_MAX_MEMORY_SIZE;
    blank rows pad it) is read and saved by the upload, whose own limit is 2 MB."""
    rows = "metric_code,value\nstarts,10\n" + "\n" * 1_990_000
    assert 1.8 * 1024 * 1024 < len(rows) < 2 * 1024 * 1024
    response = provider.post(reverse("return-upload", args=[ret.pk]),
                             {"file": SimpleUploadedFile("figures.csv", rows.encode()),
                              "version": ret.version}, format="multipart")
    assert response.status_code == 200, response.content[:300]
    assert Value.objects.get(monitoring_return=ret).number == 10


# --------------------------------------------------------------------------------------------
# page_size
# --------------------------------------------------------------------------------------------

PAGE_SIZE_MESSAGE = {"page_size": ["page_size must be a whole number from 1 to 100."]}


@pytest.mark.parametrize("value", ["abc", "0", "-1", "101", "1.5", "1e2", "٣", "１０", "+5",
                                   "10 0", "9" * 400])
@pytest.mark.parametrize("name", ["organisation-list", "partnership-list", "case-list",
                                  "return-list", "notification-list"])
def test_a_bad_page_size_is_a_400(admin_api, name, value):
    response = admin_api.get(reverse(name), {"page_size": value})
    assert response.status_code == 400
    assert response.json() == PAGE_SIZE_MESSAGE


@pytest.mark.parametrize(("value", "rows"), [("1", 1), ("100", 100), (" 7 ", 7), ("", 25)])
def test_a_good_page_size_is_used(admin_api, value, rows):
    OrganisationFactory.create_batch(105)
    response = admin_api.get(reverse("organisation-list"), {"page_size": value})
    assert response.status_code == 200
    assert len(response.json()["results"]) == rows


# --------------------------------------------------------------------------------------------
# IntegrityError: the last line of defence
# --------------------------------------------------------------------------------------------


class CreateOrganisationTwice(APIView):
    """Inserts a row whose slug is taken, past every check, as a race between two requests
    would: the database's unique constraint stops it."""

    def post(self, request: Any) -> Response:
        taken = Organisation.objects.get()
        with transaction.atomic():
            Organisation.objects.create(name="Copy", slug=taken.slug, kind=taken.kind)
        return Response({"created": True}, status=201)


urlpatterns = [path("api/v1/test-integrity/", CreateOrganisationTwice.as_view())]


@pytest.mark.urls(__name__)
def test_an_integrity_error_in_an_api_view_is_a_409_logged_without_data(admin_user, caplog):
    OrganisationFactory(name="Aurora", slug="aurora-women-s-centre")
    client = APIClient()
    client.force_login(admin_user)
    with caplog.at_level(logging.WARNING, logger="core.api"):
        response = client.post("/api/v1/test-integrity/", {}, format="json")
    assert response.status_code == 409
    assert list(response.json()) == ["detail"]
    assert "already exists" in response.json()["detail"]
    assert Organisation.objects.count() == 1
    records = [r for r in caplog.records if r.name == "core.api"]
    assert [r.levelno for r in records] == [logging.WARNING]
    assert "CreateOrganisationTwice" in records[0].getMessage()
    assert "aurora" not in caplog.text.lower()


@override_settings(DEBUG=False)
def test_an_unknown_api_address_is_a_json_404(admin_api):
    response = admin_api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
