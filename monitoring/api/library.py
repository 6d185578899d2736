"""Read API for the monitoring library: metrics, frameworks, reporting periods, and the return
requirements a user may see (who owes which partnership returns for which frameworks)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from rest_framework import serializers

from core.api import ReadOnlyRegistryViewSet, StrictChoiceFilter
from partnerships.api.common import OrganisationRefSerializer, PartnershipRefSerializer
from partnerships.filters import organisation_filter, partnership_filter

from ..choices import Aggregation, Frequency, MetricKind
from ..models import Framework, FrameworkMetric, Metric, ReportingPeriod, ReturnRequirement
from .common import FrameworkRefSerializer, PeriodSerializer, PlainDecimalField

# --------------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------------


class MetricSerializer(serializers.ModelSerializer):
    """A figure in the library, asked once however many frameworks use it."""

    url = serializers.HyperlinkedIdentityField(view_name="metric-detail", lookup_field="code")
    kind = serializers.ChoiceField(choices=MetricKind.choices)
    min_value = PlainDecimalField(allow_null=True, help_text="Lowest value accepted, if any.")
    max_value = PlainDecimalField(allow_null=True, help_text="Highest value accepted, if any.")
    aggregate = serializers.ChoiceField(
        choices=Aggregation.choices, allow_null=True, read_only=True,
        help_text="How organisations' figures combine in partnership totals (null: text, never "
                  "combined).")

    class Meta:
        model = Metric
        fields = ["url", "code", "name", "description", "kind", "unit", "min_value", "max_value",
                  "aggregate"]


class MetricFilter(django_filters.FilterSet):
    """Metrics by kind and by a framework that asks for them."""

    kind = StrictChoiceFilter(choices=MetricKind.choices)
    framework = django_filters.ModelChoiceFilter(
        field_name="framework_links__framework", queryset=Framework.objects.all(),
        help_text="Id of a framework: the metrics it asks for.")

    class Meta:
        model = Metric
        fields = ["kind", "framework"]


class MetricViewSet(ReadOnlyRegistryViewSet):
    """The library of figures providers report; ``code`` is what uploads and returns use."""

    view_permission = "monitoring.view_metric"
    lookup_field = "code"
    list_serializer_class = MetricSerializer
    detail_serializer_class = MetricSerializer
    filterset_class = MetricFilter
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]
    ordering = ["name", "code"]

    def get_queryset(self) -> QuerySet[Metric]:
        return Metric.objects.all()


# --------------------------------------------------------------------------------------------
# Frameworks
# --------------------------------------------------------------------------------------------


class FrameworkMetricSerializer(serializers.ModelSerializer):
    """A metric as one framework asks for it: required or optional, in its place."""

    code = serializers.CharField(source="metric.code")
    name = serializers.CharField(source="metric.name")
    kind = serializers.ChoiceField(source="metric.kind", choices=MetricKind.choices)
    unit = serializers.CharField(source="metric.unit")

    class Meta:
        model = FrameworkMetric
        fields = ["code", "name", "kind", "unit", "required", "position"]


class FrameworkSerializer(serializers.ModelSerializer):
    """A named, versioned set of metrics required by a commissioner or a partnership."""

    url = serializers.HyperlinkedIdentityField(view_name="framework-detail")
    owner = OrganisationRefSerializer()
    partnership = PartnershipRefSerializer(allow_null=True)
    metrics = FrameworkMetricSerializer(many=True, source="framework_metrics")

    class Meta:
        model = Framework
        fields = ["url", "id", "name", "version", "owner", "partnership", "description",
                  "metrics"]


class FrameworkFilter(django_filters.FilterSet):
    """Frameworks by owner, partnership and a metric they ask for."""

    owner = organisation_filter("Slug of the organisation that requires the framework.")
    partnership = partnership_filter("Slug of the partnership the framework belongs to.")
    metric = django_filters.ModelChoiceFilter(
        field_name="framework_metrics__metric", to_field_name="code",
        queryset=Metric.objects.all(), help_text="Code of a metric: frameworks that use it.")

    class Meta:
        model = Framework
        fields = ["owner", "partnership", "metric"]


class FrameworkViewSet(ReadOnlyRegistryViewSet):
    """Frameworks with their metrics in order; several frameworks may share a metric."""

    view_permission = "monitoring.view_framework"
    list_serializer_class = FrameworkSerializer
    detail_serializer_class = FrameworkSerializer
    filterset_class = FrameworkFilter
    search_fields = ["name"]
    ordering_fields = ["name", "version"]
    ordering = ["name", "version"]

    def get_queryset(self) -> QuerySet[Framework]:
        links = FrameworkMetric.objects.select_related("metric").order_by("position", "id")
        return (Framework.objects.select_related("owner", "partnership")
                .prefetch_related(Prefetch("framework_metrics", queryset=links)))


# --------------------------------------------------------------------------------------------
# Reporting periods
# --------------------------------------------------------------------------------------------


class PeriodDetailSerializer(PeriodSerializer):
    """A reporting period, with its link."""

    url = serializers.HyperlinkedIdentityField(view_name="reportingperiod-detail")

    class Meta(PeriodSerializer.Meta):
        fields = ["url", *PeriodSerializer.Meta.fields]


class PeriodFilter(django_filters.FilterSet):
    """Periods by frequency, and the one containing a date."""

    frequency = StrictChoiceFilter(choices=Frequency.choices)
    contains = django_filters.DateFilter(method="filter_contains",
                                         help_text="A date (YYYY-MM-DD): the periods "
                                                   "containing it.")

    class Meta:
        model = ReportingPeriod
        fields = ["frequency", "contains"]

    def filter_contains(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset.containing(value)


class ReportingPeriodViewSet(ReadOnlyRegistryViewSet):
    """Quarters of the UK financial year (Q1 = April–June), months and years, latest first."""

    view_permission = "monitoring.view_reportingperiod"
    list_serializer_class = PeriodDetailSerializer
    detail_serializer_class = PeriodDetailSerializer
    filterset_class = PeriodFilter
    search_fields: list[str] = []
    ordering_fields = ["starts_on", "due_on"]
    ordering = ["-starts_on", "frequency"]

    def get_queryset(self) -> QuerySet[ReportingPeriod]:
        return ReportingPeriod.objects.all()


# --------------------------------------------------------------------------------------------
# Return requirements
# --------------------------------------------------------------------------------------------


class RequirementSerializer(serializers.ModelSerializer):
    """An organisation owes a partnership a return for these frameworks, every period."""

    url = serializers.HyperlinkedIdentityField(view_name="returnrequirement-detail")
    organisation = OrganisationRefSerializer()
    partnership = PartnershipRefSerializer()
    frequency = serializers.ChoiceField(choices=Frequency.choices)
    frameworks = FrameworkRefSerializer(many=True)
    from_period = PeriodSerializer(allow_null=True, help_text="Empty: from the first period.")
    until_period = PeriodSerializer(allow_null=True, help_text="Empty: until further notice.")

    class Meta:
        model = ReturnRequirement
        fields = ["url", "id", "organisation", "partnership", "frequency", "frameworks",
                  "from_period", "until_period"]


class RequirementFilter(django_filters.FilterSet):
    """Requirements by organisation, partnership and frequency."""

    organisation = organisation_filter("Slug of the organisation that owes the returns.")
    partnership = partnership_filter("Slug of the partnership the returns go to.")
    frequency = StrictChoiceFilter(choices=Frequency.choices)

    class Meta:
        model = ReturnRequirement
        fields = ["organisation", "partnership", "frequency"]


class ReturnRequirementViewSet(ReadOnlyRegistryViewSet):
    """Who owes which partnership returns: your organisation's, and those of the partnerships
    you lead or fund."""

    view_permission = "monitoring.view_returnrequirement"
    list_serializer_class = RequirementSerializer
    detail_serializer_class = RequirementSerializer
    filterset_class = RequirementFilter
    search_fields: list[str] = []
    ordering_fields = ["created_on"]
    ordering = ["partnership__name", "organisation__name", "frequency"]

    def get_queryset(self) -> QuerySet[ReturnRequirement]:
        return (ReturnRequirement.objects.visible_to(self.request.user)
                .select_related("organisation", "partnership", "from_period", "until_period")
                .prefetch_related(Prefetch("frameworks",
                                           queryset=Framework.objects.order_by("name",
                                                                               "version"))))
