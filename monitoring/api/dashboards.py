"""The dashboards API for lead partners and commissioners: a partnership's monitoring summary,
its completeness and timeliness grid, totals per metric per period, a metric's trend, a
comparison of organisations on a metric, and a framework's report for one period.

Everything comes from ``monitoring.reports`` (and ``querysets.framework_values``), which
aggregate in the database, so each endpoint costs a fixed number of queries. A partnership
whose dashboards the user may not read (``monitoring.view_dashboard``) is a 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core import clock
from partnerships.api.common import OrganisationRefSerializer, PartnershipRefSerializer
from partnerships.models import Partnership

from .. import reports
from ..choices import Frequency, MetricKind
from ..models import Framework, Metric, ReportingPeriod
from ..querysets import framework_values
from ..reports import CellState
from .common import (
    FrameworkRefSerializer,
    MetricRefSerializer,
    PeriodSerializer,
    PlainDecimalField,
    SignedIn,
    plain_decimal,
)

#: The most periods one request may ask for (ten years of quarters).
MAX_PERIODS = 40

# --------------------------------------------------------------------------------------------
# Query parameters
# --------------------------------------------------------------------------------------------


class PeriodsQuery(serializers.Serializer):
    """Which periods a dashboard shows: the last ``periods`` of ``frequency`` started by
    ``until`` (as ``reports.default_periods`` chooses them on the pages)."""

    frequency = serializers.ChoiceField(
        choices=Frequency.choices, default=Frequency.QUARTERLY,
        help_text="Quarterly (default), monthly or annual.",
        error_messages={"invalid_choice": "Select a valid choice. {input} is not one of the "
                                          "available choices: "
                                          + ", ".join(Frequency.values) + "."})
    periods = serializers.IntegerField(min_value=1, max_value=MAX_PERIODS,
                                       default=reports.DEFAULT_PERIOD_COUNT,
                                       help_text="How many periods, latest last "
                                                 f"(default {reports.DEFAULT_PERIOD_COUNT}).")
    until = serializers.DateField(required=False,
                                  help_text="Show periods started by this date, and judge "
                                            "lateness on it (default: today).")


class FrameworkReportQuery(serializers.Serializer):
    """Which period a framework report covers."""

    period = serializers.PrimaryKeyRelatedField(
        queryset=ReportingPeriod.objects.all(), required=False,
        help_text="Id of the reporting period; default: the latest quarter that has started.")


def periods_from(request: Request) -> tuple[list[ReportingPeriod], Any]:
    """The periods the query asks for, and the day lateness is judged on (400 on bad input)."""
    query = PeriodsQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    today = query.validated_data.get("until") or clock.today()
    periods = reports.default_periods(frequency=query.validated_data["frequency"],
                                      count=query.validated_data["periods"], today=today)
    return periods, today


# --------------------------------------------------------------------------------------------
# Output shapes
# --------------------------------------------------------------------------------------------


class DashboardListSerializer(serializers.ModelSerializer):
    """A partnership whose dashboards you may read."""

    url = serializers.HyperlinkedIdentityField(view_name="dashboard-detail", lookup_field="slug")

    class Meta:
        model = Partnership
        fields = ["url", "slug", "name"]


class SummarySerializer(serializers.Serializer):
    """Monitoring at a glance: for the latest quarter whose return is due, how many returns are
    required, in, approved and overdue; and the frameworks the partnership reports against."""

    partnership = PartnershipRefSerializer()
    period = PeriodSerializer(allow_null=True)
    required = serializers.IntegerField()
    submitted = serializers.IntegerField(help_text="Submitted or approved.")
    approved = serializers.IntegerField()
    overdue = serializers.IntegerField()
    frameworks = FrameworkRefSerializer(many=True)


class GridCellSerializer(serializers.Serializer):
    """One organisation's return for one period."""

    state = serializers.ChoiceField(choices=CellState.choices)
    label = serializers.CharField(help_text="As the grid shows it, e.g. \"Submitted late\".")
    on_time = serializers.BooleanField(
        allow_null=True, help_text="Judged on the first submission; false when past due and "
                                   "not submitted; empty when not required or not due yet.")
    overdue = serializers.BooleanField()
    correcting = serializers.BooleanField(help_text="Approved, with a correction under way.")
    return_id = serializers.IntegerField(
        allow_null=True, help_text="The return to open; empty when none is started, or for a "
                                   "draft (its organisation's own until submitted).")


class GridRowSerializer(serializers.Serializer):
    organisation = OrganisationRefSerializer()
    cells = GridCellSerializer(many=True, help_text="One per period, in the periods' order.")
    required = serializers.IntegerField()
    approved = serializers.IntegerField()
    on_time = serializers.IntegerField()


class ColumnSummarySerializer(serializers.Serializer):
    required = serializers.IntegerField()
    received = serializers.IntegerField(source="in", help_text="Submitted or approved.")
    approved = serializers.IntegerField()
    on_time = serializers.IntegerField()


class GridSerializer(serializers.Serializer):
    """Organisations that owe the partnership returns × periods."""

    partnership = PartnershipRefSerializer()
    periods = PeriodSerializer(many=True)
    rows = GridRowSerializer(many=True)
    column_summaries = ColumnSummarySerializer(many=True, help_text="One per period.")


class TotalSerializer(serializers.Serializer):
    period = serializers.IntegerField(help_text="Id of the period.")
    value = PlainDecimalField(allow_null=True, help_text="Empty where no approved return gave "
                                                         "the figure.")
    returns = serializers.IntegerField(help_text="Approved returns that gave the figure.")


class MetricTotalsSerializer(serializers.Serializer):
    metric = MetricRefSerializer()
    aggregate = serializers.CharField(help_text="How the figures add up: Total, Average, or "
                                                "Organisations answering yes.")
    totals = TotalSerializer(many=True, help_text="One per period, in the periods' order.")

    def to_representation(self, instance: dict[str, Any]) -> dict[str, Any]:
        """The declared fields' output built directly: a partnership's totals are metrics ×
        periods small dicts, and DRF's field-by-field walk cost more than the query."""
        return metric_totals(instance)


def metric_totals(instance: dict[str, Any]) -> dict[str, Any]:
    """``MetricTotalsSerializer``'s output for one metric's row."""
    metric = instance["metric"]
    return {"metric": {"code": metric.code, "name": metric.name, "kind": metric.kind,
                       "unit": metric.unit},
            "aggregate": instance["aggregate"],
            "totals": [{"period": t["period"], "value": plain_decimal(t["value"]),
                        "returns": t["returns"]} for t in instance["totals"]]}


class TotalsSerializer(serializers.Serializer):
    """Partnership totals per metric per period, from the current approved returns."""

    partnership = PartnershipRefSerializer()
    periods = PeriodSerializer(many=True)
    metrics = MetricTotalsSerializer(many=True)

    def to_representation(self, instance: dict[str, Any]) -> dict[str, Any]:
        """The declared fields' output built directly (as ``MetricTotalsSerializer`` does),
        without building the nested model serializers' fields on every request."""
        partnership = instance["partnership"]
        return {"partnership": {"slug": partnership.slug, "name": partnership.name},
                "periods": [{"id": p.pk, "frequency": p.frequency, "label": p.label,
                             "starts_on": p.starts_on.isoformat(),
                             "ends_on": p.ends_on.isoformat(), "due_on": p.due_on.isoformat()}
                            for p in instance["periods"]],
                "metrics": [metric_totals(row) for row in instance["metrics"]]}


class TrendPointSerializer(serializers.Serializer):
    period = PeriodSerializer()
    value = PlainDecimalField(allow_null=True)
    returns = serializers.IntegerField()


class TrendSerializer(serializers.Serializer):
    """One metric's partnership figure for each period, oldest first."""

    partnership = PartnershipRefSerializer()
    metric = MetricRefSerializer()
    aggregate = serializers.CharField()
    points = TrendPointSerializer(many=True)


class ReportedValueSerializer(serializers.Serializer):
    """An approved figure of one organisation."""

    return_id = serializers.IntegerField(source="monitoring_return_id")
    display = serializers.CharField()
    number = PlainDecimalField(allow_null=True)
    text = serializers.CharField()


class ComparisonCellSerializer(serializers.Serializer):
    """One organisation's approved figure for one period; empty fields where there is none."""

    period = serializers.IntegerField(help_text="Id of the period.")
    return_id = serializers.IntegerField(allow_null=True)
    display = serializers.CharField(allow_null=True)
    number = PlainDecimalField(allow_null=True)
    text = serializers.CharField(allow_null=True)


class ComparisonRowSerializer(serializers.Serializer):
    organisation = OrganisationRefSerializer()
    values = ComparisonCellSerializer(many=True, help_text="One per period, in the periods' "
                                                           "order.")


class ComparisonSerializer(serializers.Serializer):
    """Each organisation that owes the partnership returns, with its figure in each period."""

    partnership = PartnershipRefSerializer()
    metric = MetricRefSerializer()
    periods = PeriodSerializer(many=True)
    rows = ComparisonRowSerializer(many=True)


class FrameworkValueSerializer(ReportedValueSerializer):
    organisation = OrganisationRefSerializer(source="monitoring_return.organisation")


class FrameworkMetricReportSerializer(serializers.Serializer):
    metric = MetricRefSerializer()
    required = serializers.BooleanField()
    total = PlainDecimalField(allow_null=True, help_text="Sum of the numeric figures.")
    values = FrameworkValueSerializer(many=True)


class FrameworkReportSerializer(serializers.Serializer):
    """A framework's report for one period: a view over the same values every framework
    reads."""

    partnership = PartnershipRefSerializer()
    framework = FrameworkRefSerializer()
    owner = OrganisationRefSerializer(source="framework.owner")
    period = PeriodSerializer()
    metrics = FrameworkMetricReportSerializer(many=True)


SLUG = OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH,
                        description="Slug of the partnership.")
PERIOD_PARAMETERS = [SLUG, PeriodsQuery]
CODE = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH,
                        description="Code of a metric the partnership's frameworks use.")
FRAMEWORK = OpenApiParameter("framework_id", OpenApiTypes.INT, OpenApiParameter.PATH,
                             description="Id of a framework the partnership reports against.")
NOT_FOUND = OpenApiResponse(description="No such partnership, or not one whose dashboards you "
                                        "may read.")
BAD_QUERY = OpenApiResponse(description="A query parameter is not valid.")


# --------------------------------------------------------------------------------------------
# The viewset
# --------------------------------------------------------------------------------------------


class DashboardViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Monitoring dashboards of the partnerships you lead (as a partnership manager) or fund
    (as a commissioner)."""

    permission_classes = [SignedIn]
    lookup_field = "slug"
    serializer_class = DashboardListSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Partnership]:
        return reports.dashboard_partnerships(self.request.user).order_by("name", "slug")

    def get_object(self) -> Partnership:
        """The partnership, if the user may read its dashboards; else 404. One query:
        ``reports.dashboard_partnerships`` is the SQL twin of ``monitoring.view_dashboard``
        (tests hold them equal), so the lookup and the permission are the same statement."""
        return get_object_or_404(reports.dashboard_partnerships(self.request.user),
                                 slug=self.kwargs["slug"])

    def _metric(self, partnership: Partnership, code: str) -> Metric:
        metric = (Metric.objects.filter(
            code=code, framework_links__framework__requirements__partnership=partnership)
            .distinct().first())
        if metric is None:
            raise Http404
        return metric

    @extend_schema(summary="A partnership's monitoring summary", parameters=[SLUG],
                   responses={200: SummarySerializer, 404: NOT_FOUND})
    def retrieve(self, request: Request, slug: str | None = None) -> Response:
        partnership = self.get_object()
        summary = reports.partnership_summary(partnership)
        data: dict[str, Any] = {"partnership": partnership, "period": None, "required": 0,
                                "submitted": 0, "approved": 0, "overdue": 0, "frameworks": []}
        if summary is not None:
            data.update(period=summary.period, required=summary.required,
                        submitted=summary.submitted, approved=summary.approved,
                        overdue=summary.overdue, frameworks=summary.frameworks)
        return Response(SummarySerializer(data).data)

    @extend_schema(summary="Completeness and timeliness grid",
                   description="Organisations × periods: not started, draft, submitted on time "
                               "or late, returned, approved.",
                   parameters=PERIOD_PARAMETERS,
                   responses={200: GridSerializer, 400: BAD_QUERY, 404: NOT_FOUND})
    @action(detail=True, methods=["get"])
    def grid(self, request: Request, slug: str | None = None) -> Response:
        partnership = self.get_object()
        periods, today = periods_from(request)
        result = reports.grid(partnership, periods, today=today)
        return Response(GridSerializer({
            "partnership": partnership, "periods": result.periods, "rows": result.rows,
            "column_summaries": result.column_summaries}).data)

    @extend_schema(summary="Totals per metric per period",
                   description="Sums for counts and decimals, averages for percentages, the "
                               "number answering yes for yes/no; current approved returns only.",
                   parameters=PERIOD_PARAMETERS,
                   responses={200: TotalsSerializer, 400: BAD_QUERY, 404: NOT_FOUND})
    @action(detail=True, methods=["get"])
    def totals(self, request: Request, slug: str | None = None) -> Response:
        partnership = self.get_object()
        periods, _ = periods_from(request)
        metrics = reports.reported_metrics(partnership)
        found = reports.totals(partnership, periods, metrics)
        rows = [{"metric": metric, "aggregate": metric.aggregate_label,
                 "totals": [_total(p, found[metric.pk].get(p.pk)) for p in periods]}
                for metric in metrics]
        return Response(TotalsSerializer({"partnership": partnership, "periods": periods,
                                          "metrics": rows}).data)

    @extend_schema(summary="A metric's trend",
                   parameters=[CODE, *PERIOD_PARAMETERS],
                   responses={200: TrendSerializer, 400: BAD_QUERY, 404: NOT_FOUND})
    @action(detail=True, methods=["get"], url_path=r"metrics/(?P<code>[-\w]+)/trend",
            url_name="trend")
    def trend(self, request: Request, slug: str | None = None, code: str = "") -> Response:
        partnership = self.get_object()
        metric = self._metric(partnership, code)
        if metric.kind not in MetricKind.numeric():
            raise serializers.ValidationError(
                {"code": [f"{metric.name} is text; only numeric figures have a trend."]})
        periods, _ = periods_from(request)
        points = [{**_total(period, total), "period": period}
                  for period, total in reports.trend(partnership, periods, metric)]
        return Response(TrendSerializer({"partnership": partnership, "metric": metric,
                                         "aggregate": metric.aggregate_label,
                                         "points": points}).data)

    @extend_schema(summary="Organisations compared on a metric",
                   parameters=[CODE, *PERIOD_PARAMETERS],
                   responses={200: ComparisonSerializer, 400: BAD_QUERY, 404: NOT_FOUND})
    @action(detail=True, methods=["get"], url_path=r"metrics/(?P<code>[-\w]+)/comparison",
            url_name="comparison")
    def comparison(self, request: Request, slug: str | None = None, code: str = "") -> Response:
        partnership = self.get_object()
        metric = self._metric(partnership, code)
        periods, _ = periods_from(request)
        rows = [{"organisation": row.organisation,
                 "values": [_cell(period, value) for period, value in zip(periods, row.values,
                                                                           strict=True)]}
                for row in reports.comparison(partnership, periods, metric)]
        return Response(ComparisonSerializer({"partnership": partnership, "metric": metric,
                                              "periods": periods, "rows": rows}).data)

    @extend_schema(summary="A framework's report for one period",
                   description="The framework's metrics in order, each with the approved "
                               "figures of every organisation: the same values every other "
                               "framework reads.",
                   parameters=[SLUG, FRAMEWORK, FrameworkReportQuery],
                   responses={200: FrameworkReportSerializer, 400: BAD_QUERY, 404: NOT_FOUND})
    @action(detail=True, methods=["get"], url_path=r"frameworks/(?P<framework_id>\d+)/report",
            url_name="framework-report")
    def framework_report(self, request: Request, slug: str | None = None,
                         framework_id: str = "") -> Response:
        partnership = self.get_object()
        framework = (Framework.objects.filter(pk=framework_id,
                                              requirements__partnership=partnership)
                     .select_related("owner").distinct().first())
        if framework is None:
            raise Http404
        query = FrameworkReportQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        period = query.validated_data.get("period")
        if period is None:
            latest = reports.default_periods(count=1)
            if not latest:
                raise serializers.ValidationError(
                    {"period": ["No quarter has started yet; name a period."]})
            period = latest[0]
        rows = [{"metric": row["metric"], "required": row["required"], "total": row["total"],
                 "values": row["values"]}
                for row in framework_values(framework, partnership, period)]
        return Response(FrameworkReportSerializer({
            "partnership": partnership, "framework": framework, "period": period,
            "metrics": rows}).data)


def _total(period: ReportingPeriod, total: reports.Total | None) -> dict[str, Any]:
    return {"period": period.pk, "value": total.value if total else None,
            "returns": total.returns if total else 0}


def _cell(period: ReportingPeriod, value: Any) -> dict[str, Any]:
    if value is None:
        return {"period": period.pk, "return_id": None, "display": None, "number": None,
                "text": None}
    return {"period": period.pk, "return_id": value.monitoring_return_id,
            "display": value.display, "number": value.number, "text": value.text}
