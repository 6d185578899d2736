"""Monitoring endpoints cost the same number of queries for few rows and many: lists, a return's
detail, and every dashboard (aggregation happens in the database).

Each bound is the count measured for the small case; the large case must not exceed it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from monitoring import actions
from monitoring.models import MonitoringReturn
from tests.accounts.factories import ProviderStaffFactory
from tests.monitoring.factories import (
    FrameworkFactory,
    FrameworkMetricFactory,
    MetricFactory,
    ReturnRequirementFactory,
    monitoring_setup,
    quarter,
)

pytestmark = pytest.mark.django_db

SIZES = [2, 12]
QUARTERS = [(2024, 1), (2024, 2), (2024, 3)]


def build(n: int):
    """A partnership with ``n`` providers, each owing returns for both frameworks (plus ``n``
    extra metrics), with an approved return for each of three quarters."""
    s = monitoring_setup()
    for i in range(n):
        FrameworkMetricFactory(framework=s.partnership_fw,
                               metric=MetricFactory(code=f"extra-{i}"), required=False,
                               position=10 + i)
    providers = [(s.provider, s.staff)]
    for _ in range(n - 1):
        staff = ProviderStaffFactory()
        ReturnRequirementFactory(organisation=staff.organisation, partnership=s.partnership,
                                 frameworks=[s.commissioner_fw, s.partnership_fw])
        providers.append((staff.organisation, staff))
    for year, q in QUARTERS:
        period = quarter(year, q)
        for organisation, staff in providers:
            ret = actions.return_start(organisation=organisation, partnership=s.partnership,
                                       period=period, by=staff)
            values = {"starts": "10", "completions": "4", "engagement-rate": "50",
                      **{f"extra-{i}": str(i) for i in range(n)}}
            actions.return_save_values(monitoring_return=ret, values=values,
                                       expected_version=1, by=staff)
            actions.return_submit(monitoring_return=ret, by=staff, warning_note="Checked.")
            if (year, q) != QUARTERS[-1]:
                actions.return_approve(monitoring_return=ret, by=s.manager)
    s.last_period = quarter(*QUARTERS[-1])
    s.n = n
    return s


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("who", ["staff", "manager", "commissioner", "admin"])
def test_return_list(client_for, django_assert_max_num_queries, n, who):
    s = build(n)
    client = client_for(getattr(s, who))
    with django_assert_max_num_queries(4):
        response = client.get(reverse("return-list"), {"page_size": 100})
    assert response.status_code == 200
    expected = 3 if who == "staff" else 3 * n
    assert response.json()["count"] == expected


@pytest.mark.parametrize("n", SIZES)
def test_return_detail(client_for, django_assert_max_num_queries, n):
    s = build(n)
    ret = MonitoringReturn.objects.filter(organisation=s.provider,
                                          period=s.last_period).get()
    client = client_for(s.manager)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("return-detail", kwargs={"pk": ret.pk}))
    body = response.json()
    assert len(body["values"]) == 3 + n
    assert len(body["metrics"]) == 4 + n


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(("name", "max_queries"), [
    ("metric-list", 4), ("framework-list", 5), ("reportingperiod-list", 4),
    ("returnrequirement-list", 5), ("dashboard-list", 4)])
def test_library_lists(client_for, django_assert_max_num_queries, n, name, max_queries):
    s = build(n)
    for _ in range(n):
        FrameworkMetricFactory(framework=FrameworkFactory(), metric=s.starts)
    client = client_for(s.manager)
    with django_assert_max_num_queries(max_queries):
        response = client.get(reverse(name), {"page_size": 100})
    assert response.status_code == 200
    assert response.json()["count"] >= 1


# (dashboard, extra URL kwargs, bound)
DASHBOARDS = [
    ("grid", {}, 7),
    ("totals", {}, 7),
    ("trend", {"code": "starts"}, 7),
    ("comparison", {"code": "extra-0"}, 8),
    ("detail", {}, 8),
]


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(("name", "extra", "max_queries"), DASHBOARDS,
                         ids=[d[0] for d in DASHBOARDS])
def test_dashboards(client_for, django_assert_max_num_queries, n, name, extra, max_queries):
    s = build(n)
    client = client_for(s.manager)
    url = reverse(f"dashboard-{name}", kwargs={"slug": s.partnership.slug, **extra})
    with django_assert_max_num_queries(max_queries):
        response = client.get(url, {"until": "2025-03-31"})
    assert response.status_code == 200, response.content
    body = response.json()
    if name == "grid":
        assert len(body["rows"]) == n
        assert all(len(row["cells"]) == len(QUARTERS) for row in body["rows"])
    if name == "totals":
        assert len(body["metrics"]) == 4 + n
    if name == "comparison":
        assert len(body["rows"]) == n


@pytest.mark.parametrize("n", SIZES)
def test_framework_report(client_for, django_assert_max_num_queries, n):
    s = build(n)
    period = quarter(*QUARTERS[0])
    url = reverse("dashboard-framework-report",
                  kwargs={"slug": s.partnership.slug, "framework_id": s.partnership_fw.pk})
    client = client_for(s.commissioner)
    with django_assert_max_num_queries(8):
        response = client.get(url, {"period": period.pk})
    assert response.status_code == 200, response.content
    metrics = response.json()["metrics"]
    assert len(metrics) == 2 + n
    assert all(len(m["values"]) == n for m in metrics if m["metric"]["code"] != "engagement-rate")
