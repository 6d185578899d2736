"""The monitoring library API: metrics, frameworks, reporting periods, return requirements."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.accounts.factories import (
    CommissionerFactory,
    PartnershipManagerFactory,
    ProviderStaffFactory,
)
from tests.monitoring.factories import (
    ReportingPeriodFactory,
    ReturnRequirementFactory,
    quarter,
)

from .test_permissions import REFUSED

pytestmark = pytest.mark.django_db


LISTS = ["metric-list", "framework-list", "reportingperiod-list", "returnrequirement-list"]


def detail_url(name: str, s) -> str:
    lookup = {"metric-detail": {"code": "starts"},
              "framework-detail": {"pk": s.commissioner_fw.pk},
              "reportingperiod-detail": {"pk": s.period.pk},
              "returnrequirement-detail": {"pk": s.provider.return_requirements.get().pk}}
    return reverse(name, kwargs=lookup[name])


DETAILS = ["metric-detail", "framework-detail", "reportingperiod-detail",
           "returnrequirement-detail"]


@pytest.mark.parametrize("name", LISTS)
def test_anonymous_is_refused(s, name):
    assert APIClient().get(reverse(name)).status_code == REFUSED


@pytest.mark.parametrize("name", DETAILS)
def test_anonymous_is_refused_on_details(s, name):
    assert APIClient().get(detail_url(name, s)).status_code == REFUSED


@pytest.mark.parametrize("who", ["staff", "manager", "commissioner", "admin"])
@pytest.mark.parametrize("name", DETAILS)
def test_every_party_reads_the_library_and_the_requirement(s, client_for, name, who):
    assert client_for(getattr(s, who)).get(detail_url(name, s)).status_code == 200


@pytest.mark.parametrize("name", LISTS)
def test_library_lists_refuse_writes(s, client_for, name):
    assert client_for(s.admin).post(reverse(name), {}, format="json").status_code == 405


def test_metrics_with_kind_unit_and_range(s, client_for):
    s.rate.min_value, s.rate.max_value = 0, 100
    s.rate.save()
    body = client_for(s.staff).get(reverse("metric-detail", kwargs={"code": "engagement-rate"}))
    assert body.json() | {"url": ""} == {
        "url": "", "code": "engagement-rate", "name": "Engagement rate", "description": "",
        "kind": "percentage", "unit": "%", "min_value": "0", "max_value": "100",
        "aggregate": "average"}


def test_metric_filters(s, client_for):
    client = client_for(s.staff)

    def codes(**params: object) -> set[str]:
        return {m["code"] for m in client.get(reverse("metric-list"), params).json()["results"]}

    assert codes(kind="yes_no") == {"housing-support"}
    assert codes(framework=s.partnership_fw.pk) == {"starts", "engagement-rate"}
    assert codes(search="treatment") == {"starts", "completions"}
    assert client.get(reverse("metric-list"), {"kind": "colour"}).status_code == 400


def test_framework_lists_its_metrics_in_order_with_required(s, client_for):
    body = client_for(s.staff).get(reverse("framework-detail",
                                           kwargs={"pk": s.commissioner_fw.pk})).json()
    assert body["name"] == "Commissioner performance framework"
    assert body["owner"]["slug"] == s.commissioner.organisation.slug
    assert body["partnership"] is None
    assert [(m["code"], m["required"], m["position"]) for m in body["metrics"]] == [
        ("starts", True, 1), ("completions", True, 2), ("housing-support", False, 3)]


def test_framework_filters(s, client_for):
    client = client_for(s.staff)

    def names(**params: object) -> set[str]:
        results = client.get(reverse("framework-list"), params).json()["results"]
        return {f["name"] for f in results}

    assert names(metric="starts") == {"Commissioner performance framework",
                                      "Partnership outcomes"}
    assert names(metric="engagement-rate") == {"Partnership outcomes"}
    assert names(partnership=s.partnership.slug) == {"Partnership outcomes"}
    assert names(owner=s.commissioner.organisation.slug) == {
        "Commissioner performance framework"}


def test_reporting_periods_filter_by_frequency_and_date(s, client_for):
    monthly = ReportingPeriodFactory(frequency="monthly", starts_on="2025-05-01",
                                     ends_on="2025-05-31", due_on="2025-06-28")
    q2 = quarter(2025, 2)
    client = client_for(s.staff)

    def ids(**params: object) -> list[int]:
        results = client.get(reverse("reportingperiod-list"), params).json()["results"]
        return [p["id"] for p in results]

    assert ids(frequency="quarterly") == [q2.pk, s.period.pk]  # latest first
    assert ids(frequency="monthly") == [monthly.pk]
    assert set(ids(contains="2025-05-15")) == {s.period.pk, monthly.pk}
    row = client.get(reverse("reportingperiod-list"), {"frequency": "quarterly"}).json()[
        "results"][0]
    assert row["label"] == "2025–26 Q2"
    assert client.get(reverse("reportingperiod-list"), {"frequency": "weekly"}
                      ).status_code == 400
    assert client.get(reverse("reportingperiod-list"), {"contains": "soon"}).status_code == 400


def requirement_ids(client: APIClient, **params: object) -> set[int]:
    response = client.get(reverse("returnrequirement-list"), params)
    assert response.status_code == 200
    return {r["id"] for r in response.json()["results"]}


def test_requirements_are_visible_to_those_who_owe_lead_or_fund(s, client_for):
    own = s.provider.return_requirements.get()
    elsewhere = ReturnRequirementFactory(frameworks=[s.partnership_fw])
    assert requirement_ids(client_for(s.staff)) == {own.pk}
    assert requirement_ids(client_for(s.manager)) == {own.pk}
    assert requirement_ids(client_for(s.commissioner)) == {own.pk}
    assert requirement_ids(client_for(s.admin)) == {own.pk, elsewhere.pk}
    assert requirement_ids(client_for(ProviderStaffFactory())) == set()
    assert requirement_ids(client_for(PartnershipManagerFactory())) == set()
    assert requirement_ids(client_for(CommissionerFactory())) == set()
    other_staff = ProviderStaffFactory(organisation=elsewhere.organisation)
    assert requirement_ids(client_for(other_staff)) == {elsewhere.pk}


@pytest.mark.parametrize("other", [ProviderStaffFactory, PartnershipManagerFactory,
                                   CommissionerFactory])
def test_someone_elses_requirement_is_404(s, client_for, other):
    response = client_for(other()).get(detail_url("returnrequirement-detail", s))
    assert response.status_code == 404


def test_requirement_names_its_frameworks_and_bounds(s, client_for):
    body = client_for(s.staff).get(detail_url("returnrequirement-detail", s)).json()
    assert body["organisation"]["slug"] == s.provider.slug
    assert body["partnership"]["slug"] == s.partnership.slug
    assert body["frequency"] == "quarterly"
    assert [f["name"] for f in body["frameworks"]] == ["Commissioner performance framework",
                                                       "Partnership outcomes"]
    assert body["from_period"] is None and body["until_period"] is None


def test_requirement_filters(s, client_for):
    own = s.provider.return_requirements.get()
    ReturnRequirementFactory(frameworks=[s.partnership_fw])
    client = client_for(s.admin)
    assert requirement_ids(client, partnership=s.partnership.slug) == {own.pk}
    assert requirement_ids(client, organisation=s.provider.slug) == {own.pk}
    assert requirement_ids(client, frequency="monthly") == set()


def test_api_root_lists_the_monitoring_endpoints(s, client_for):
    body = client_for(s.staff).get("/api/v1/").json()
    assert {"metrics", "frameworks", "reporting-periods", "return-requirements", "returns",
            "dashboards"} <= set(body)
