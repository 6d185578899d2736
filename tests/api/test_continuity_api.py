"""``GET /api/v1/continuity/?partnership=<slug>`` (issue 18): one row per financial quarter with
the figures of the report page, its filters, its refusals, who may read it and what it costs.

The releases are those hand-counted in ``tests/referrals/test_continuity_report.py`` ("today"
15 July 2026)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.accounts.factories import CommissionerFactory
from tests.partnerships.factories import OrganisationFactory, PartnershipFactory
from tests.referrals.helpers import client_of
from tests.referrals.test_continuity_report import (
    Q1,
    Q2,
    Q4,
    World,
    add_hand_counted,
    make_world,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/continuity/"

@pytest.fixture
def empty(monkeypatch: Any) -> World:
    """The casework partnership with no custody recorded."""
    return make_world(monkeypatch)


@pytest.fixture
def counted(empty: World) -> World:
    """The hand-counted releases of the report's tests."""
    return add_hand_counted(empty)


FIELDS = {"quarter", "starts_on", "ends_on", "releases", "engaged_within_21_days",
          "percent_engaged", "median_days_to_first_appointment", "no_plan_by_release",
          "engaged_late", "not_engaged", "awaiting", "transfers_in", "transfers_out"}


def get(client: APIClient, **params: str) -> Any:
    return client.get(URL, params)


def test_the_address_is_the_contract() -> None:
    assert reverse("continuity") == URL


def test_one_row_per_quarter_oldest_first(counted: World) -> None:
    w = counted
    response = get(client_of(w.s.worker), partnership=w.s.partnership.slug)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    rows = response.json()
    assert [row["quarter"] for row in rows] == [Q4, Q1, Q2]
    assert all(set(row) == FIELDS for row in rows)
    assert rows[1] == {
        "quarter": Q1, "starts_on": "2026-04-01", "ends_on": "2026-06-30", "releases": 8,
        "engaged_within_21_days": 4, "percent_engaged": 50.0,
        "median_days_to_first_appointment": 21.0, "no_plan_by_release": 2, "engaged_late": 2,
        "not_engaged": 1, "awaiting": 1, "transfers_in": 0, "transfers_out": 0}
    assert (rows[0]["transfers_in"], rows[0]["transfers_out"]) == (1, 1)
    assert (rows[2]["percent_engaged"], rows[2]["median_days_to_first_appointment"]) == (0.0,
                                                                                         None)


def test_filters_by_prison_and_provider(counted: World) -> None:
    w = counted
    client = client_of(w.s.worker)
    by_prison = get(client, partnership=w.s.partnership.slug, prison=w.other_prison.slug).json()
    assert [(r["releases"], r["transfers_in"], r["transfers_out"]) for r in by_prison] == [
        (0, 1, 0), (1, 0, 0), (0, 0, 0)]
    by_provider = get(client, partnership=w.s.partnership.slug,
                      provider=w.s.provider.slug).json()
    assert [r["releases"] for r in by_provider] == [1, 7, 0]
    assert by_provider[2]["percent_engaged"] is None
    both = get(client, partnership=w.s.partnership.slug, prison=w.prison.slug,
               provider=w.s.provider.slug).json()
    assert [r["releases"] for r in both] == [1, 6, 0]


def test_no_custody_is_an_empty_list(empty: World) -> None:
    response = get(client_of(empty.s.worker), partnership=empty.s.partnership.slug)
    assert (response.status_code, response.json()) == (200, [])


def test_refusals_name_the_parameter(counted: World) -> None:
    w = counted
    client = client_of(w.s.worker)
    missing = get(client)
    assert missing.status_code == 400 and "partnership" in missing.json()
    assert get(client, partnership="no-such").status_code == 404
    prison = get(client, partnership=w.s.partnership.slug, prison="hmp-nowhere")
    assert prison.status_code == 400
    assert "Choose a prison" in prison.json()["prison"][0]
    # A real organisation the report does not name is refused the same way.
    stranger = OrganisationFactory()
    provider = get(client, partnership=w.s.partnership.slug, provider=stranger.slug)
    assert provider.status_code == 400 and list(provider.json()) == ["provider"]
    # A prison is not a community provider named in a plan.
    assert get(client, partnership=w.s.partnership.slug,
               provider=w.prison.slug).status_code == 400


def test_who_may_read_it(counted: World) -> None:
    w = counted
    assert APIClient().get(URL, {"partnership": w.s.partnership.slug}).status_code == 401
    for user in (w.s.outsider, w.s.admin, CommissionerFactory()):
        assert get(client_of(user), partnership=w.s.partnership.slug).status_code == 200
    inactive = w.s.officer
    inactive.is_active = False
    inactive.save()
    client = APIClient()
    client.force_authenticate(inactive)
    assert get(client, partnership=w.s.partnership.slug).status_code == 403


def test_counts_only_no_case_or_person(counted: World) -> None:
    w = counted
    text = get(client_of(w.s.outsider), partnership=w.s.partnership.slug).content.decode()
    assert "ZS" not in text and "reference" not in text and "CASE-" not in text


def test_query_count_is_bounded(counted: World,
                                django_assert_max_num_queries: Any) -> None:
    w = counted
    client = client_of(w.s.worker)
    # Session and user, the partnership, the two filters' lookups, the first release, the
    # releases and the transfers.
    with django_assert_max_num_queries(9):
        response = get(client, partnership=w.s.partnership.slug, prison=w.prison.slug,
                       provider=w.s.provider.slug)
    assert response.status_code == 200
    empty = PartnershipFactory()
    with django_assert_max_num_queries(9):
        assert get(client, partnership=empty.slug).json() == []


def test_schema_documents_the_rows_and_the_parameters(tmp_path: Any) -> None:
    from tests.api.test_schema import generate

    operation = generate(tmp_path)["paths"][URL]["get"]
    parameters = {p["name"]: p.get("required", False) for p in operation["parameters"]}
    assert parameters == {"partnership": True, "prison": False, "provider": False}
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert body["type"] == "array"
    assert operation["tags"] == ["Casework"]
    assert {"400", "401", "404"} <= set(operation["responses"])
