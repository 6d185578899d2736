"""How a metric's figures combine across organisations: counts add up, percentages average,
yes/no counts the yes, and an admin can make a decimal (an average wait) average too."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from monitoring import actions, reports
from monitoring.choices import Aggregation, MetricKind
from tests.accounts.factories import ProviderStaffFactory
from tests.monitoring.factories import (
    FrameworkMetricFactory,
    MetricFactory,
    ReturnRequirementFactory,
    monitoring_setup,
)
from tests.partnerships.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_each_kind_has_its_way_of_combining():
    assert MetricFactory(kind=MetricKind.COUNT).aggregate == Aggregation.TOTAL
    assert MetricFactory(kind=MetricKind.DECIMAL).aggregate == Aggregation.TOTAL
    assert MetricFactory(kind=MetricKind.PERCENTAGE).aggregate == Aggregation.AVERAGE
    assert MetricFactory(kind=MetricKind.YES_NO).aggregate == Aggregation.YES_COUNT
    assert MetricFactory(kind=MetricKind.TEXT).aggregate is None
    wait = MetricFactory(kind=MetricKind.DECIMAL, aggregation=Aggregation.AVERAGE)
    assert (wait.aggregate, wait.aggregate_label) == (Aggregation.AVERAGE, "Average")


@pytest.mark.parametrize("kind", [MetricKind.PERCENTAGE, MetricKind.YES_NO, MetricKind.TEXT])
def test_only_counts_and_decimals_choose(kind):
    metric = MetricFactory.build(code="x", kind=kind, aggregation=Aggregation.TOTAL)
    with pytest.raises(ValidationError, match="Only counts and decimal numbers"):
        metric.full_clean()


def test_an_average_wait_is_averaged_not_added_up():
    s = monitoring_setup()
    wait = MetricFactory(code="average-wait", name="Average wait", kind=MetricKind.DECIMAL,
                         unit="days", aggregation=Aggregation.AVERAGE)
    FrameworkMetricFactory(framework=s.partnership_fw, metric=wait, required=False)
    other = MembershipFactory(partnership=s.partnership).organisation
    ReturnRequirementFactory(organisation=other, partnership=s.partnership,
                             frameworks=[s.partnership_fw])
    for organisation, staff, figures in (
            (s.provider, s.staff, {"starts": "10", "completions": "4", "average-wait": "3.5"}),
            (other, ProviderStaffFactory(organisation=other), {"starts": "6",
                                                               "average-wait": "8"})):
        ret = actions.return_start(organisation=organisation, partnership=s.partnership,
                                   period=s.period, by=staff)
        actions.return_save_and_submit(monitoring_return=ret, values=figures,
                                       expected_version=ret.version, by=staff)
        actions.return_approve(monitoring_return=ret, by=s.manager)

    found = reports.totals(s.partnership, [s.period], [s.starts, wait])
    assert found[s.starts.pk][s.period.pk].value == Decimal(16)
    assert str(found[s.starts.pk][s.period.pk].value) == "16"  # no trailing zeros, no exponent
    assert found[wait.pk][s.period.pk].value == Decimal("5.8")  # (3.5 + 8) / 2, one place
    assert found[wait.pk][s.period.pk].returns == 2
