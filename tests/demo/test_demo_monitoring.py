"""load_demo's monitoring part: who owes what, returns in every state of the workflow (written
through the actions), frameworks sharing figures, and a second run that changes nothing."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from core.models import AuditEvent
from demo.monitoring import MAIN_PARTNERSHIP
from monitoring import reports
from monitoring.choices import ReturnStatus
from monitoring.models import (
    CrossMetricRule,
    Framework,
    FrameworkMetric,
    Metric,
    MonitoringReturn,
    Query,
    ReportingPeriod,
    ReturnRequirement,
    Value,
)
from monitoring.querysets import framework_values
from partnerships.models import Funding, Partnership

COUNTED = [Metric, Framework, FrameworkMetric, CrossMetricRule, ReportingPeriod,
           ReturnRequirement, MonitoringReturn, Value, Query, AuditEvent, User, Funding]


def run_load_demo() -> str:
    out = StringIO()
    call_command("load_demo", "--force", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {m.__name__: m._default_manager.count() for m in COUNTED}


@pytest.fixture
def demo(demo_loaded: str, db: None) -> str:
    """The demo, loaded once for this module (tests/demo/conftest.py)."""
    return demo_loaded


def main() -> Partnership:
    return Partnership.objects.get(slug=MAIN_PARTNERSHIP)


def test_demo_provider_owes_the_main_partnership_a_draft(demo):
    provider = User.objects.get(username="demo-provider")
    manager = User.objects.get(username="demo-manager")
    commissioner = User.objects.get(username="demo-commissioner")
    partnership = main()

    # Led by the demo-manager's organisation, funded by the demo-commissioner's.
    assert partnership in Partnership.objects.managed_by(manager)
    assert partnership in reports.dashboard_partnerships(commissioner)
    assert commissioner.has_perm("monitoring.view_dashboard", partnership)
    assert ReturnRequirement.objects.filter(organisation=provider.organisation,
                                            partnership=partnership).exists()

    draft = MonitoringReturn.objects.visible_to(provider).get(
        organisation=provider.organisation, partnership=partnership,
        status=ReturnStatus.DRAFT)
    latest_ended = reports.default_periods()[-2]
    assert draft.period == latest_ended
    assert 0 < draft.values.count() < 7  # in progress: some figures typed in
    assert provider.has_perm("monitoring.edit_return", draft)
    # Several other members owe returns too.
    assert ReturnRequirement.objects.filter(partnership=partnership).count() >= 4
    assert ReturnRequirement.objects.values("partnership").distinct().count() >= 3


def test_the_main_grid_has_every_state(demo):
    partnership = main()
    periods = list(ReportingPeriod.objects.order_by("starts_on"))
    assert periods[0].label == "2024–25 Q1"
    assert periods[-1].starts_on <= timezone.localdate() <= periods[-1].ends_on

    cells = [c for row in reports.grid(partnership, periods).rows for c in row.cells]
    assert {c.state for c in cells} == set(reports.CellState.values)
    labels = {c.label for c in cells}
    assert {"Submitted on time", "Approved (late)", "Returned for correction", "Not due yet",
            "Not required"} <= labels
    latest_ended = periods[-2]
    if timezone.localdate() > latest_ended.due_on + datetime.timedelta(days=14):
        # Late and overdue only exist once the latest quarter's returns are past due.
        assert {"Submitted late", "Not started – overdue", "Draft – overdue"} <= labels
    approved = [c for c in cells if c.state == reports.CellState.APPROVED]
    assert sum(c.on_time is True for c in approved) >= len(approved) - 2  # history on time

    # The query on one figure, and the corrected revision approved in place of the first.
    returned = MonitoringReturn.objects.get(partnership=partnership,
                                            status=ReturnStatus.RETURNED)
    query = returned.queries.get(metric__isnull=False)
    assert query.metric.code == "average-wait-days" and not query.resolved
    correction = MonitoringReturn.objects.get(partnership=partnership, revision=2)
    assert correction.status == ReturnStatus.APPROVED
    assert correction.replaces.status == ReturnStatus.APPROVED and correction.correction_reason
    assert MonitoringReturn.objects.current_approved().filter(pk=correction.pk).exists()
    assert not MonitoringReturn.objects.current_approved().filter(
        pk=correction.replaces_id).exists()

    # Trends look real: figures every quarter, not all the same.
    metric = Metric.objects.get(code="continuity-of-care-3-weeks")
    trend = [t.value for _, t in reports.trend(partnership, periods[:-2], metric)]
    assert all(trend) and len(set(trend)) == len(trend)


def test_frameworks_share_the_figures_and_rules_are_configured(demo):
    shared = Metric.objects.get(code="treatment-starts")
    assert shared.frameworks.count() >= 3
    assert Metric.objects.count() >= 12
    assert set(Metric.objects.values_list("kind", flat=True)) == {
        "count", "decimal", "percentage", "yes_no", "text"}
    assert CrossMetricRule.objects.filter(form="yes_then_positive").exists()
    assert CrossMetricRule.objects.filter(form="compare", right_metric__isnull=False).exists()

    # Two frameworks' reports read the very same Value rows.
    period = reports.default_periods()[-3]
    partnership = main()
    health, justice = (Framework.objects.get(owner__identifier=i)
                       for i in ("GB-NHS-Q9N", "GB-GOR-DA1042"))

    def starts(framework: Framework) -> set[int]:
        row = next(r for r in framework_values(framework, partnership, period)
                   if r["metric"] == shared)
        return {v.pk for v in row["values"]}

    assert starts(health) and starts(health) & starts(justice)


def test_writes_went_through_the_actions(demo):
    returns = AuditEvent.objects.filter(content_type__model="monitoringreturn")
    for summary in ("Started return", "Submitted return", "Approved return",
                    "Returned for correction"):
        assert returns.filter(summary=summary, actor__isnull=False).exists(), summary
    assert returns.filter(summary__startswith="Started correction").exists()
    # Dated when each step happened, not when the demo was loaded.
    first = MonitoringReturn.objects.order_by("period__starts_on").first()
    assert timezone.localdate(first.first_submitted_at) <= first.period.due_on
    last_step = returns.filter(object_id=str(first.pk)).latest("occurred_at").occurred_at
    assert timezone.localdate(last_step) < first.period.due_on + datetime.timedelta(days=30)


def test_second_run_changes_nothing(demo):
    before = counts()
    assert before["MonitoringReturn"] > 50

    output = run_load_demo()

    assert counts() == before
    assert "nothing new was created" in output
    lines = [line for line in output.splitlines() if "Monitoring –" in line]
    assert len(lines) >= 4 and all("already loaded, skipped" in line for line in lines)
