"""Factories for monitoring, plus ``Setup``: a partnership with a lead partner, a provider that
owes it quarterly returns for two frameworks sharing a metric, and a user for each role."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import factory
from factory.django import DjangoModelFactory

from monitoring.choices import Frequency, MetricKind, ReturnStatus
from monitoring.models import (
    Framework,
    FrameworkMetric,
    Metric,
    MonitoringReturn,
    ReportingPeriod,
    ReturnRequirement,
    Value,
    quarter_for,
)
from partnerships.choices import OrganisationKind
from tests.accounts.factories import (
    CommissionerFactory,
    PartnershipManagerFactory,
    PlatformAdminFactory,
    ProviderStaffFactory,
)
from tests.partnerships.factories import (
    FundingFactory,
    LeadMembershipFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
)


class MetricFactory(DjangoModelFactory):
    class Meta:
        model = Metric
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"metric-{n}")
    name = factory.LazyAttribute(lambda o: o.code.replace("-", " ").capitalize())
    kind = MetricKind.COUNT
    unit = "people"


class FrameworkFactory(DjangoModelFactory):
    class Meta:
        model = Framework

    name = factory.Sequence(lambda n: f"Framework {n}")
    version = "1"
    owner = factory.SubFactory(OrganisationFactory, kind=OrganisationKind.COMMISSIONING_BODY)


class FrameworkMetricFactory(DjangoModelFactory):
    class Meta:
        model = FrameworkMetric

    framework = factory.SubFactory(FrameworkFactory)
    metric = factory.SubFactory(MetricFactory)
    required = True


class ReportingPeriodFactory(DjangoModelFactory):
    """2025–26 Q1 unless told."""

    class Meta:
        model = ReportingPeriod
        django_get_or_create = ("frequency", "starts_on")

    frequency = Frequency.QUARTERLY
    starts_on = datetime.date(2025, 4, 1)
    ends_on = datetime.date(2025, 6, 30)
    due_on = datetime.date(2025, 7, 28)


def quarter(year: int, q: int) -> ReportingPeriod:
    """Financial year ``year``–(year+1) quarter ``q`` (1 = April–June)."""
    month = ((q - 1) * 3 + 3) % 12 + 1  # Q1 → April ... Q4 → January
    start, end = quarter_for(datetime.date(year + (q == 4), month, 1))
    return ReportingPeriodFactory(starts_on=start, ends_on=end,
                                  due_on=end + datetime.timedelta(days=28))


class ReturnRequirementFactory(DjangoModelFactory):
    class Meta:
        model = ReturnRequirement
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    partnership = factory.SubFactory(PartnershipFactory)
    frequency = Frequency.QUARTERLY

    @factory.post_generation
    def frameworks(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.frameworks.set(extracted)


class MonitoringReturnFactory(DjangoModelFactory):
    class Meta:
        model = MonitoringReturn

    organisation = factory.SubFactory(OrganisationFactory)
    partnership = factory.SubFactory(PartnershipFactory)
    period = factory.SubFactory(ReportingPeriodFactory)
    status = ReturnStatus.DRAFT


class ValueFactory(DjangoModelFactory):
    class Meta:
        model = Value

    monitoring_return = factory.SubFactory(MonitoringReturnFactory)
    metric = factory.SubFactory(MetricFactory)
    number = Decimal(1)


@dataclass
class Setup:
    partnership: Any
    lead: Any
    provider: Any
    starts: Metric        # count, in both frameworks
    completions: Metric   # count, commissioner framework only
    rate: Metric          # percentage, partnership framework, optional
    housed: Metric        # yes/no, commissioner framework, optional
    commissioner_fw: Framework
    partnership_fw: Framework
    period: ReportingPeriod
    staff: Any            # provider staff of the provider
    manager: Any          # partnership manager of the lead partner
    admin: Any
    commissioner: Any


def monitoring_setup() -> Setup:
    partnership = PartnershipFactory()
    lead = LeadMembershipFactory(partnership=partnership).organisation
    provider = MembershipFactory(partnership=partnership).organisation
    commissioner = CommissionerFactory()
    FundingFactory(partnership=partnership, funder=commissioner.organisation)
    starts = MetricFactory(code="starts", name="Treatment starts")
    completions = MetricFactory(code="completions", name="Treatment completions")
    rate = MetricFactory(code="engagement-rate", name="Engagement rate",
                         kind=MetricKind.PERCENTAGE, unit="%")
    housed = MetricFactory(code="housing-support", name="Housing support offered",
                           kind=MetricKind.YES_NO, unit="")
    commissioner_fw = FrameworkFactory(name="Commissioner performance framework",
                                       owner=commissioner.organisation)
    FrameworkMetricFactory(framework=commissioner_fw, metric=starts, position=1)
    FrameworkMetricFactory(framework=commissioner_fw, metric=completions, position=2)
    FrameworkMetricFactory(framework=commissioner_fw, metric=housed, position=3, required=False)
    partnership_fw = FrameworkFactory(name="Partnership outcomes", owner=lead,
                                      partnership=partnership)
    FrameworkMetricFactory(framework=partnership_fw, metric=starts, position=1)
    FrameworkMetricFactory(framework=partnership_fw, metric=rate, position=2, required=False)
    ReturnRequirementFactory(organisation=provider, partnership=partnership,
                             frameworks=[commissioner_fw, partnership_fw])
    return Setup(
        partnership=partnership, lead=lead, provider=provider, starts=starts,
        completions=completions, rate=rate, housed=housed, commissioner_fw=commissioner_fw,
        partnership_fw=partnership_fw, period=ReportingPeriodFactory(),
        staff=ProviderStaffFactory(organisation=provider),
        manager=PartnershipManagerFactory(organisation=lead),
        admin=PlatformAdminFactory(), commissioner=commissioner,
    )


def add_provider(s: Setup, name: str, **requirement: Any) -> tuple[Any, Any]:
    """Another organisation owing ``s.partnership`` quarterly returns for both frameworks
    (``requirement`` overrides, e.g. ``from_period``), and a member of its staff."""
    org = OrganisationFactory(name=name)
    MembershipFactory(partnership=s.partnership, organisation=org)
    ReturnRequirementFactory(organisation=org, partnership=s.partnership,
                             frameworks=[s.commissioner_fw, s.partnership_fw], **requirement)
    return org, ProviderStaffFactory(organisation=org)
