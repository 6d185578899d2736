"""No casework answer may be kept by a browser or proxy: every casework page and every casework
API endpoint (found by walking the URL configuration, so a new one cannot be missed) answers
with ``Cache-Control: no-store``, whatever the status — a page, a redirect, a refusal, a 404."""

from __future__ import annotations

import re

import pytest
from django.urls import URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from tests.referrals.factories import EndOfOrderNoticeFactory, open_case, send_referral
from tests.referrals.helpers import client_of

pytestmark = pytest.mark.django_db

#: Names of the casework API routes (the registry of pathways and protocols is not casework).
API_NAME = re.compile(r"^(case|referral|conference|notice)-|^case-counts$|^continuity$")


def _routes(resolver=None, namespace=None):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern, pattern.namespace or namespace)
        elif pattern.name:
            yield namespace, pattern.name, pattern


def casework_routes():
    pages = sorted({name for ns, name, _ in _routes() if ns == "referrals"})
    api = sorted({name for ns, name, _ in _routes() if ns is None and API_NAME.match(name)})
    return pages, api


def _kwargs(pattern, world):
    keys = set(pattern.pattern.regex.groupindex) - {"format"}
    route = str(pattern.pattern)
    values = {}
    if "reference" in keys:
        values["reference"] = (world["referral"].reference if "referral" in route
                               else world["case"].reference)
    if "token" in keys:  # a calendar feed's token: an unknown one answers 404, not cached
        values["token"] = "x" * 43
    if "pk" in keys:
        values["pk"] = world["notice"].pk if "notice" in route else world["conference"].pk
    if "slug" in keys:  # the continuity report of the case's partnership, and its downloads
        values["slug"] = world["s"].partnership.slug
    if "fmt" in keys:
        values["fmt"] = "csv"
    return values


@pytest.fixture
def world(s):
    case = open_case(s)
    referral = send_referral(s, case)
    notice = EndOfOrderNoticeFactory(case=case, organisation=s.probation)
    return {"s": s, "case": case, "referral": referral, "notice": notice,
            "conference": case.conferences.order_by("planned_on").first()}


def _address(namespace, name, world):
    pattern = next(p for ns, found, p in _routes() if (ns, found) == (namespace, name))
    full = f"{namespace}:{name}" if namespace else name
    return reverse(full, kwargs=_kwargs(pattern, world))


def _no_store(response):
    header = response.get("Cache-Control", "")
    return "no-store" in header and "private" in header


def test_the_walk_finds_the_casework_routes():
    pages, api = casework_routes()
    assert {"case", "case-open", "case-close", "case-reopen", "caseload", "inbox", "notices",
            "access-log", "conference", "referral"} <= set(pages)
    assert {"case-list", "case-detail", "case-close", "case-reopen", "referral-list",
            "referral-detail", "conference-list", "notice-list", "case-counts"} <= set(api)
    assert not [name for name in api if name.startswith(("referralpathway", "sharingprotocol"))]


def test_every_casework_page_is_no_store_for_every_user_and_method(client, world):
    s = world["s"]
    pages, _ = casework_routes()
    missing = []
    for user in (None, s.officer, s.worker, s.outsider, s.admin, s.commissioner):
        client.logout()
        if user is not None:
            client.force_login(user)
        for name in pages:
            address = _address("referrals", name, world)
            for method in ("get", "post"):
                response = getattr(client, method)(address)
                if not _no_store(response):
                    missing.append((name, method, response.status_code, user))
    assert missing == []


def test_every_casework_endpoint_is_no_store_for_every_user_and_method(world):
    s = world["s"]
    _, api = casework_routes()
    missing = []
    for user in (None, s.officer, s.worker, s.outsider, s.admin, s.commissioner):
        client = client_of(user) if user is not None else APIClient()
        for name in api:
            address = _address(None, name, world)
            for method in ("get", "post", "patch"):
                response = getattr(client, method)(address, {}, format="json")
                if not _no_store(response):
                    missing.append((name, method, response.status_code, user))
    assert missing == []


def test_the_case_page_and_api_read_say_no_store(client, world):
    s, case = world["s"], world["case"]
    client.force_login(s.officer)
    page = client.get(f"/casework/cases/{case.reference}/")
    assert page.status_code == 200
    assert set(page["Cache-Control"].replace(" ", "").split(",")) >= {
        "no-cache", "no-store", "must-revalidate", "private"}
    api = client_of(s.officer).get(reverse("case-detail", kwargs={"reference": case.reference}))
    assert api.status_code == 200 and _no_store(api)
