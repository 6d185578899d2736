"""The dashboards API: who may read a partnership's dashboards, what the grid, totals, trend,
comparison and framework reports say, and one figure feeding two frameworks' reports — and a
correction changing both."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from monitoring import actions
from monitoring.choices import MetricKind
from monitoring.models import MonitoringReturn
from tests.accounts.factories import (
    CommissionerFactory,
    PartnershipManagerFactory,
    ProviderStaffFactory,
)
from tests.monitoring.factories import (
    FrameworkFactory,
    FrameworkMetricFactory,
    MetricFactory,
    ReturnRequirementFactory,
    quarter,
)
from tests.monitoring.workflow import approved
from tests.partnerships.factories import PartnershipFactory

from .test_permissions import REFUSED

pytestmark = pytest.mark.django_db


def second_provider(s) -> Any:
    """Another provider owing the partnership returns for the commissioner's framework."""
    staff = ProviderStaffFactory()
    ReturnRequirementFactory(organisation=staff.organisation, partnership=s.partnership,
                             frameworks=[s.commissioner_fw])
    return staff


def dashboard_url(name: str, s, **extra: Any) -> str:
    return reverse(f"dashboard-{name}", kwargs={"slug": s.partnership.slug, **extra})


# (url name, extra URL kwargs)
DASHBOARDS: list[tuple[str, Any]] = [
    ("detail", lambda s: {}),
    ("grid", lambda s: {}),
    ("totals", lambda s: {}),
    ("trend", lambda s: {"code": "starts"}),
    ("comparison", lambda s: {"code": "starts"}),
    ("framework-report", lambda s: {"framework_id": s.commissioner_fw.pk}),
]
DASHBOARD_IDS = [name for name, _ in DASHBOARDS]


@pytest.mark.parametrize(("name", "extra"), DASHBOARDS, ids=DASHBOARD_IDS)
def test_anonymous_is_refused(s, name, extra):
    response = APIClient().get(dashboard_url(name, s, **extra(s)))
    assert response.status_code == REFUSED
    assert str(s.partnership.name) not in response.content.decode()


@pytest.mark.parametrize("who", ["staff", "other_manager", "other_commissioner"])
@pytest.mark.parametrize(("name", "extra"), DASHBOARDS, ids=DASHBOARD_IDS)
def test_those_who_neither_lead_nor_fund_get_404(s, client_for, who, name, extra):
    """The provider's staff see their own returns, not the partnership's dashboards; managers
    and commissioners of other organisations cannot tell the dashboards exist."""
    approved(s)
    user = {"staff": s.staff, "other_manager": PartnershipManagerFactory(),
            "other_commissioner": CommissionerFactory()}[who]
    response = client_for(user).get(dashboard_url(name, s, **extra(s)))
    assert response.status_code == 404
    assert "starts" not in response.content.decode()


@pytest.mark.parametrize("who", ["manager", "commissioner", "admin"])
@pytest.mark.parametrize(("name", "extra"), DASHBOARDS, ids=DASHBOARD_IDS)
def test_lead_partner_commissioner_and_admin_may_read(s, client_for, who, name, extra):
    approved(s)
    response = client_for(getattr(s, who)).get(dashboard_url(name, s, **extra(s)))
    assert response.status_code == 200, response.content
    assert response.json()["partnership"]["slug"] == s.partnership.slug


def test_dashboard_list_shows_only_partnerships_you_lead_or_fund(s, client_for):
    PartnershipFactory(name="Somewhere else")

    def slugs(user: Any) -> list[str]:
        response = client_for(user).get(reverse("dashboard-list"))
        assert response.status_code == 200
        return [row["slug"] for row in response.json()["results"]]

    assert slugs(s.manager) == [s.partnership.slug]
    assert slugs(s.commissioner) == [s.partnership.slug]
    assert slugs(s.staff) == []
    assert len(slugs(s.admin)) == 2
    assert APIClient().get(reverse("dashboard-list")).status_code == REFUSED


@pytest.mark.parametrize(("name", "kwargs"), [
    ("detail", {"slug": "no-such-partnership"}),
    ("trend", {"code": "no-such-metric"}),
    ("comparison", {"code": "no-such-metric"}),
    ("framework-report", {"framework_id": 999999}),
])
def test_unknown_things_are_404(s, client_for, name, kwargs):
    kwargs = {"slug": s.partnership.slug, **kwargs}
    assert client_for(s.manager).get(reverse(f"dashboard-{name}", kwargs=kwargs)
                                     ).status_code == 404


def test_metric_or_framework_the_partnership_does_not_use_is_404(s, client_for):
    MetricFactory(code="referrals")
    unrelated = FrameworkFactory()
    client = client_for(s.manager)
    assert client.get(dashboard_url("trend", s, code="referrals")).status_code == 404
    assert client.get(dashboard_url("framework-report", s,
                                    framework_id=unrelated.pk)).status_code == 404


def test_trend_of_a_text_metric_is_a_clear_400(s, client_for):
    notes = MetricFactory(code="notes", name="Notes", kind=MetricKind.TEXT)
    FrameworkMetricFactory(framework=s.partnership_fw, metric=notes, required=False)
    response = client_for(s.manager).get(dashboard_url("trend", s, code="notes"))
    assert response.status_code == 400
    assert response.json() == {"code": ["Notes is text; only numeric figures have a trend."]}


@pytest.mark.parametrize(("params", "field"), [
    ({"periods": 0}, "periods"), ({"periods": 41}, "periods"), ({"periods": "all"}, "periods"),
    ({"frequency": "weekly"}, "frequency"), ({"until": "yesterday"}, "until"),
])
def test_bad_period_parameters_are_a_clear_400(s, client_for, params, field):
    response = client_for(s.manager).get(dashboard_url("grid", s), params)
    assert response.status_code == 400
    assert field in response.json()


def test_framework_report_with_a_bad_period_is_a_400(s, client_for):
    response = client_for(s.manager).get(
        dashboard_url("framework-report", s, framework_id=s.commissioner_fw.pk),
        {"period": 999999})
    assert response.status_code == 400
    assert "period" in response.json()


# --------------------------------------------------------------------------------------------
# What the dashboards say
# --------------------------------------------------------------------------------------------


def test_grid_shows_each_organisation_and_period_with_state_and_timeliness(s, client_for):
    q2 = quarter(2025, 2)
    approved(s)
    other = second_provider(s)
    actions.return_start(organisation=other.organisation, partnership=s.partnership,
                         period=s.period, by=other)
    body = client_for(s.manager).get(dashboard_url("grid", s),
                                     {"periods": 2, "until": "2025-12-31"}).json()
    assert [p["label"] for p in body["periods"]] == ["2025–26 Q1", "2025–26 Q2"]
    assert body["periods"][0]["due_on"] == "2025-07-28"
    rows = {row["organisation"]["slug"]: row for row in body["rows"]}
    assert set(rows) == {s.provider.slug, other.organisation.slug}
    q1_cell, q2_cell = rows[s.provider.slug]["cells"]
    # Submitted (in 2026) after the 2025 due date: approved, but late.
    assert q1_cell["state"] == "approved" and q1_cell["label"] == "Approved (late)"
    assert q1_cell["on_time"] is False
    assert q1_cell["return_id"] == MonitoringReturn.objects.get(organisation=s.provider).pk
    # Q2 ended on 30 September and was due on 28 October: not started and overdue on 31 Dec.
    assert q2_cell == {"state": "not_started", "label": "Not started – overdue",
                       "on_time": False, "overdue": True, "correcting": False,
                       "return_id": None}
    assert q2.pk == body["periods"][1]["id"]
    draft_cell = rows[other.organisation.slug]["cells"][0]
    assert (draft_cell["state"], draft_cell["label"]) == ("draft", "Draft – overdue")
    assert body["column_summaries"][0] == {"required": 2, "received": 1, "approved": 1,
                                           "on_time": 0}


def test_grid_judges_lateness_on_the_until_date(s, client_for):
    body = client_for(s.manager).get(dashboard_url("grid", s), {"until": "2025-06-15"}).json()
    assert [p["label"] for p in body["periods"]] == ["2025–26 Q1"]
    assert body["rows"][0]["cells"][0]["state"] == "not_due"


def test_totals_sum_the_approved_figures_of_every_organisation(s, client_for):
    approved(s, starts="10", completions="4", **{"engagement-rate": "40"})
    other = second_provider(s)
    approved(s, organisation=other.organisation, by=other, starts="5",
             completions="1")
    body = client_for(s.commissioner).get(dashboard_url("totals", s)).json()
    period_index = [p["id"] for p in body["periods"]].index(s.period.pk)
    metrics = {m["metric"]["code"]: m for m in body["metrics"]}
    assert set(metrics) == {"starts", "completions", "engagement-rate", "housing-support"}
    starts = metrics["starts"]
    assert starts["aggregate"] == "Total"
    assert starts["totals"][period_index] == {"period": s.period.pk, "value": "15",
                                              "returns": 2}
    rate = metrics["engagement-rate"]
    assert rate["aggregate"] == "Average"
    assert rate["totals"][period_index]["value"] == "40"
    assert metrics["housing-support"]["totals"][period_index] == {
        "period": s.period.pk, "value": None, "returns": 0}


def test_drafts_and_submissions_are_not_in_the_totals(s, client_for):
    ret = actions.return_start(organisation=s.provider, partnership=s.partnership,
                               period=s.period, by=s.staff)
    actions.return_save_values(monitoring_return=ret, values={"starts": "7", "completions": "1"},
                               expected_version=1, by=s.staff)
    actions.return_submit(monitoring_return=ret, by=s.staff)
    body = client_for(s.manager).get(dashboard_url("trend", s, code="starts")).json()
    assert [p["value"] for p in body["points"]] == [None]


def test_trend_and_comparison(s, client_for):
    q2 = quarter(2025, 2)
    approved(s, starts="10", completions="4")
    approved(s, period=q2, starts="12", completions="5")
    other = second_provider(s)
    approved(s, organisation=other.organisation, by=other, starts="3",
             completions="1")
    client = client_for(s.manager)
    trend = client.get(dashboard_url("trend", s, code="starts"), {"periods": 2}).json()
    assert trend["metric"] == {"code": "starts", "name": "Treatment starts", "kind": "count",
                               "unit": "people"}
    assert [(p["period"]["label"], p["value"], p["returns"]) for p in trend["points"]] == [
        ("2025–26 Q1", "13", 2), ("2025–26 Q2", "12", 1)]

    comparison = client.get(dashboard_url("comparison", s, code="starts"),
                            {"periods": 2}).json()
    assert [p["id"] for p in comparison["periods"]] == [s.period.pk, q2.pk]
    rows = {r["organisation"]["slug"]: [v["display"] for v in r["values"]]
            for r in comparison["rows"]}
    assert rows == {s.provider.slug: ["10", "12"], other.organisation.slug: ["3", None]}
    empty = next(r for r in comparison["rows"] if r["organisation"]["slug"]
                 == other.organisation.slug)["values"][1]
    assert empty == {"period": q2.pk, "return_id": None, "display": None, "number": None,
                     "text": None}


def test_summary_counts_the_latest_due_quarter(s, client_for):
    approved(s)
    body = client_for(s.commissioner).get(dashboard_url("detail", s)).json()
    assert [f["name"] for f in body["frameworks"]] == ["Commissioner performance framework",
                                                       "Partnership outcomes"]
    assert body["period"]["id"] == s.period.pk
    assert (body["required"], body["submitted"], body["approved"]) == (1, 1, 1)


def test_summary_of_a_partnership_nobody_reports_to(s, client_for):
    quiet = PartnershipFactory()
    response = client_for(s.admin).get(reverse("dashboard-detail", kwargs={"slug": quiet.slug}))
    assert response.json() | {"partnership": None} == {
        "partnership": None, "period": None, "required": 0, "submitted": 0, "approved": 0,
        "overdue": 0, "frameworks": []}


# --------------------------------------------------------------------------------------------
# One figure, two frameworks; one correction, both reports
# --------------------------------------------------------------------------------------------


def framework_report(client: APIClient, s, framework: Any) -> dict[str, dict[str, Any]]:
    response = client.get(dashboard_url("framework-report", s, framework_id=framework.pk),
                          {"period": s.period.pk})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["period"]["id"] == s.period.pk
    return {row["metric"]["code"]: row for row in body["metrics"]}


def test_the_same_value_feeds_both_frameworks_reports(s, client_for):
    ret = approved(s, starts="10", completions="4", **{"engagement-rate": "40"})
    client = client_for(s.commissioner)
    commissioner = framework_report(client, s, s.commissioner_fw)
    partnership = framework_report(client, s, s.partnership_fw)
    assert list(commissioner) == ["starts", "completions", "housing-support"]
    assert list(partnership) == ["starts", "engagement-rate"]
    for report in (commissioner, partnership):
        assert report["starts"]["values"] == [{
            "return_id": ret.pk, "display": "10", "number": "10", "text": "",
            "organisation": {"slug": s.provider.slug, "name": s.provider.name,
                             "kind": s.provider.kind}}]
        assert report["starts"]["total"] == "10"
    assert commissioner["housing-support"] == {
        "metric": {"code": "housing-support", "name": "Housing support offered",
                   "kind": "yes_no", "unit": ""},
        "required": False, "total": None, "values": []}


def test_a_correction_through_the_api_changes_both_reports(s, client_for):
    """correct → save → submit → approve: both frameworks' reports and the totals read the
    corrected figure; until the correction is approved they keep the approved one."""
    old = approved(s, starts="10", completions="4")
    staff, manager = client_for(s.staff), client_for(s.manager)
    reader = client_for(s.commissioner)

    response = staff.post(reverse("return-correct", kwargs={"pk": old.pk}),
                          {"reason": "Ten included two referrals who never started."},
                          format="json")
    assert response.status_code == 201
    new = response.json()
    response = staff.post(reverse("return-values", kwargs={"pk": new["id"]}),
                          {"version": new["version"], "values": {"starts": "8"}},
                          format="json")
    assert response.status_code == 200, response.content
    assert staff.post(reverse("return-submit", kwargs={"pk": new["id"]}),
                      format="json").status_code == 200
    # Not yet approved: the reports still read the approved revision.
    for framework in (s.commissioner_fw, s.partnership_fw):
        starts = framework_report(reader, s, framework)["starts"]
        assert [(v["return_id"], v["display"]) for v in starts["values"]] == [(old.pk, "10")]

    response = manager.post(reverse("return-approve", kwargs={"pk": new["id"]}), format="json")
    assert response.status_code == 200, response.content
    for framework in (s.commissioner_fw, s.partnership_fw):
        starts = framework_report(reader, s, framework)["starts"]
        assert [(v["return_id"], v["display"]) for v in starts["values"]] == [(new["id"], "8")]
        assert starts["total"] == "8"
    totals = reader.get(dashboard_url("totals", s)).json()
    starts = next(m for m in totals["metrics"] if m["metric"]["code"] == "starts")
    assert {"period": s.period.pk, "value": "8", "returns": 1} in starts["totals"]
    # The approved first revision is kept for the audit trail.
    old.refresh_from_db()
    assert old.status == "approved"
    assert old.values.get(metric=s.starts).number == Decimal(10)
