"""The returns API: list and read returns, start one, save its figures, submit, approve, send
back and correct. Every write goes through ``monitoring.actions``; a refused action is a 400 with
its message (a stale save a 409) and changes nothing.

Each action has its own small input serializer and answers with the return as
``ReturnDetailSerializer`` shows it, re-read after the action.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import (
    FILTER_BACKENDS,
    RowsListSerializer,
    StrictChoiceFilter,
    detail_url_maker,
    iso_date,
    moment_formatter,
)
from core.errors import DomainError
from core.pagination import JoinAfterSlicingPagination
from core.parsers import BoundedJSONParser
from partnerships.api.common import OrganisationRefSerializer, PartnershipRefSerializer
from partnerships.filters import organisation_filter
from partnerships.models import Organisation, Partnership

from .. import actions
from ..choices import Frequency, MetricKind, ReturnStatus
from ..models import (
    FrameworkMetric,
    Metric,
    MonitoringReturn,
    Query,
    ReportingPeriod,
    ReturnRequirement,
    Value,
)
from ..querysets import return_metrics
from .common import (
    Conflict,
    FrameworkRefSerializer,
    PeriodSerializer,
    PlainDecimalField,
    ReturnRevisionSerializer,
    SignedIn,
    SlugOrIdFilter,
    SlugOrIdRelatedField,
    user_name,
)

# --------------------------------------------------------------------------------------------
# Reads
# --------------------------------------------------------------------------------------------


def asked_metrics(monitoring_return: MonitoringReturn) -> list[Metric]:
    """The metrics the return asks for (each once, ``is_required`` if any framework requires
    it), each with ``frameworks_using``: the frameworks of the requirement that read the figure.
    Four queries whatever the number of metrics and frameworks."""
    metrics = list(return_metrics(monitoring_return))
    if not metrics:
        return metrics
    owed = ReturnRequirement.objects.for_period(monitoring_return.period).filter(
        organisation=monitoring_return.organisation_id,
        partnership=monitoring_return.partnership_id)
    links = (FrameworkMetric.objects
             .filter(metric__in=[m.pk for m in metrics], framework__requirements__in=owed)
             .select_related("framework").order_by("framework__name", "framework__version")
             .distinct())
    using: dict[int, list[Any]] = {}
    for link in links:
        using.setdefault(link.metric_id, []).append(link.framework)
    for metric in metrics:
        metric.frameworks_using = using.get(metric.pk, [])
    return metrics


class ReturnListSerializer(serializers.ModelSerializer):
    """A return in a list: whose, for which partnership and period, and where it stands."""

    url = serializers.HyperlinkedIdentityField(view_name="return-detail")
    organisation = OrganisationRefSerializer()
    partnership = PartnershipRefSerializer()
    period = PeriodSerializer()
    status = serializers.ChoiceField(choices=ReturnStatus.choices)

    class Meta:
        model = MonitoringReturn
        fields = ["url", "id", "organisation", "partnership", "period", "status", "revision",
                  "version", "first_submitted_at", "submitted_at", "approved_at"]
        list_serializer_class: type[serializers.ListSerializer] = RowsListSerializer

    # What represent_rows reads: the columns of the list's page query (``.values()``).
    row_values = ("id", "organisation__slug", "organisation__name", "organisation__kind",
                  "partnership__slug", "partnership__name", "period_id", "period__frequency",
                  "period__starts_on", "period__ends_on", "period__due_on", "status",
                  "revision", "version", "first_submitted_at", "submitted_at", "approved_at")

    def represent_rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The page's rows as the fields above show them, from its plain rows (organisation,
        partnership and period joined); a period's label is the model's own."""
        url = detail_url_maker("return-detail", self.context, lookup_url_kwarg="pk")
        moment = moment_formatter()
        periods: dict[int, dict[str, Any]] = {}
        for r in rows:
            if r["period_id"] not in periods:
                period = ReportingPeriod(frequency=r["period__frequency"],
                                         starts_on=r["period__starts_on"])
                periods[r["period_id"]] = {
                    "id": r["period_id"], "frequency": r["period__frequency"],
                    "label": period.label, "starts_on": iso_date(r["period__starts_on"]),
                    "ends_on": iso_date(r["period__ends_on"]),
                    "due_on": iso_date(r["period__due_on"])}
        return [{"url": url(r["id"]), "id": r["id"],
                 "organisation": {"slug": r["organisation__slug"],
                                  "name": r["organisation__name"],
                                  "kind": r["organisation__kind"]},
                 "partnership": {"slug": r["partnership__slug"],
                                 "name": r["partnership__name"]},
                 "period": dict(periods[r["period_id"]]), "status": r["status"],
                 "revision": r["revision"], "version": r["version"],
                 "first_submitted_at": moment(r["first_submitted_at"]),
                 "submitted_at": moment(r["submitted_at"]),
                 "approved_at": moment(r["approved_at"])}
                for r in rows]


class AskedMetricSerializer(serializers.ModelSerializer):
    """A figure the return asks for, once, with every framework that will read it."""

    kind = serializers.ChoiceField(choices=MetricKind.choices)
    min_value = PlainDecimalField(allow_null=True)
    max_value = PlainDecimalField(allow_null=True)
    required = serializers.BooleanField(source="is_required",
                                        help_text="Required by at least one framework.")
    frameworks = FrameworkRefSerializer(many=True, source="frameworks_using",
                                        help_text="The frameworks that report this figure.")
    computed_from = serializers.CharField(
        read_only=True,
        help_text="Where the registry fills this figure in from (e.g. "
                  "\"continuity.releases\"); empty: you type it. A figure filled in from "
                  "casework is worked out when the return is started and again when it is "
                  "submitted; saving a value for it is refused.")

    class Meta:
        model = Metric
        fields = ["code", "name", "kind", "unit", "min_value", "max_value", "required",
                  "frameworks", "computed_from"]


class ValueSerializer(serializers.ModelSerializer):
    """One stored figure: ``number`` for numbers (yes/no as 1/0), ``text`` for short text."""

    metric = serializers.CharField(source="metric.code", help_text="The metric's code.")
    display = serializers.CharField(read_only=True, help_text="As people read it.")
    number = PlainDecimalField(allow_null=True)

    class Meta:
        model = Value
        fields = ["metric", "display", "number", "text"]


class QuerySerializer(serializers.ModelSerializer):
    """A lead partner's question on the whole return (``metric`` empty) or on one figure."""

    metric = serializers.CharField(source="metric.code", allow_null=True,
                                   help_text="The queried metric's code; empty: the whole "
                                             "return.")
    raised_on = serializers.DateTimeField(source="created_on")

    class Meta:
        model = Query
        fields = ["id", "metric", "text", "raised_on", "resolved"]


class ReturnDetailSerializer(ReturnListSerializer):
    """A return with the figures it asks for, its values, the lead partner's queries, who
    submitted and approved it, and the revision it corrects."""

    replaces = ReturnRevisionSerializer(allow_null=True,
                                        help_text="The approved revision this one corrects.")
    submitted_by = serializers.SerializerMethodField()
    approved_by = serializers.SerializerMethodField()
    metrics = AskedMetricSerializer(many=True, source="asked_metrics")
    values = ValueSerializer(many=True, source="stored_values")
    queries = QuerySerializer(many=True, source="all_queries")

    class Meta(ReturnListSerializer.Meta):
        fields = [*ReturnListSerializer.Meta.fields, "replaces", "correction_reason",
                  "submitted_by", "approved_by", "warning_note", "metrics", "values",
                  "queries"]
        list_serializer_class = serializers.ListSerializer

    def get_submitted_by(self, ret: MonitoringReturn) -> str | None:
        return user_name(ret.submitted_by)

    def get_approved_by(self, ret: MonitoringReturn) -> str | None:
        return user_name(ret.approved_by)


class ReturnFilter(django_filters.FilterSet):
    """Returns by partnership, organisation, period (or its frequency) and status."""

    partnership = SlugOrIdFilter(queryset=Partnership.objects.all(),
                                 help_text="Slug or id of the partnership.")
    organisation = organisation_filter("Slug of the organisation that owes the return.")
    period = django_filters.ModelChoiceFilter(queryset=ReportingPeriod.objects.all(),
                                              help_text="Id of the reporting period.")
    frequency = StrictChoiceFilter(field_name="period__frequency", choices=Frequency.choices,
                                   help_text="How often the return is made: quarterly, "
                                             "monthly or annual.")
    status = StrictChoiceFilter(choices=ReturnStatus.choices)

    # Each filter is optional and reads one parameter (core.api.OptionalFiltersBackend).
    only_filters_given = True

    class Meta:
        model = MonitoringReturn
        fields = ["partnership", "organisation", "period", "frequency", "status"]


# --------------------------------------------------------------------------------------------
# Inputs, one per action
# --------------------------------------------------------------------------------------------


class ReturnStartInput(serializers.Serializer):
    organisation = serializers.SlugRelatedField(
        slug_field="slug", queryset=Organisation.objects.all(), required=False,
        help_text="Slug of the organisation the return is for; default: yours.")
    partnership = SlugOrIdRelatedField(name="partnership", queryset=Partnership.objects.all(),
                                       help_text="Slug or id of the partnership it goes to.")
    period = serializers.PrimaryKeyRelatedField(queryset=ReportingPeriod.objects.all(),
                                                help_text="Id of the reporting period.")


class ReturnValuesInput(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, help_text="The return's version as you read it: if someone saved since, "
                               "nothing is saved (409).")
    values = serializers.DictField(
        child=serializers.CharField(allow_blank=True, allow_null=True, trim_whitespace=False),
        help_text="Metric code → the figure as typed (e.g. \"12\", \"37.5\", \"yes\"); empty or "
                  "null clears it. Figures not named are left as they are.")

    # Never partial, PATCH included (the figures are the partial part, the version is always
    # needed), so the schema keeps both fields required for PATCH as for POST.
    @property
    def partial(self) -> bool:
        return False

    @partial.setter
    def partial(self, value: bool) -> None:
        pass


class ReturnSubmitInput(serializers.Serializer):
    warning_note = serializers.CharField(
        required=False, allow_blank=True, default="",
        help_text="Why unusual figures are right; needed when the check gives warnings.")


class ReturnSendBackInput(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="",
                                    help_text="What needs correcting in the whole return.")
    metric_comments = serializers.DictField(
        child=serializers.CharField(allow_blank=True), required=False, default=dict,
        help_text="Metric code → what is wrong with that figure.")


class ReturnCorrectInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True,
                                   help_text="Why the approved figures are being corrected.")


class ReturnCheckSerializer(serializers.Serializer):
    errors = serializers.ListField(child=serializers.CharField(),
                                   help_text="What blocks submission.")
    warnings = serializers.ListField(child=serializers.CharField(),
                                     help_text="Unusual figures: submit with a warning note.")


REFUSED = OpenApiResponse(description="Refused, with the reason; nothing was changed.")
NOT_FOUND = OpenApiResponse(description="No such return, or not one you may see.")


# --------------------------------------------------------------------------------------------
# The viewset
# --------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Returns you may see",
                       description="Your organisation's returns; as a lead partner's manager, "
                                   "those of the partnerships you lead; as a commissioner, "
                                   "those of the partnerships you fund."),
    retrieve=extend_schema(summary="A return with its figures",
                           responses={200: ReturnDetailSerializer, 404: NOT_FOUND}),
)
class ReturnViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Monitoring returns: one per organisation, partnership and period (and revision)."""

    permission_classes = [SignedIn]
    parser_classes = [BoundedJSONParser]
    filterset_class = ReturnFilter
    filter_backends = FILTER_BACKENDS
    search_fields: list[str] = []
    ordering_fields = ["period__starts_on", "submitted_at", "approved_at", "created_on"]
    # Last by id, so namesake organisations keep one order from page to page.
    ordering = ["-period__starts_on", "organisation__name", "-revision", "pk"]
    pagination_class = JoinAfterSlicingPagination

    def page_rows(self, ids: QuerySet[Any]) -> QuerySet[Any]:
        """The listed returns with ``ids`` (a page of the visible list, for
        JoinAfterSlicingPagination), as the plain rows ReturnListSerializer.represent_rows
        reads. ``ids`` is already filtered by ``visible_to``: not asked again."""
        return (MonitoringReturn.objects.filter(pk__in=ids)
                .values(*ReturnListSerializer.row_values))

    def get_queryset(self) -> QuerySet[MonitoringReturn]:
        if self.action == "list":
            # The list's own rows, to filter, count, sort and slice; page_rows joins the page's.
            return MonitoringReturn.objects.visible_to(self.request.user)
        queryset = (MonitoringReturn.objects.visible_to(self.request.user)
                    .select_related("organisation", "partnership", "period"))
        values = Value.objects.select_related("metric").order_by("metric__name", "pk")
        queries = Query.objects.select_related("metric").order_by("created_on", "pk")
        return queryset.select_related("replaces", "submitted_by", "approved_by").prefetch_related(
            Prefetch("values", queryset=values, to_attr="stored_values"),
            Prefetch("queries", queryset=queries, to_attr="all_queries"))

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action == "list":
            return ReturnListSerializer
        return ReturnDetailSerializer

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # Filters and ordering are for the list; a detail URL names one return.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def _respond(self, ret: MonitoringReturn, code: int = status.HTTP_200_OK) -> Response:
        """The return (loaded by ``get_queryset``) with the figures it asks for."""
        ret.asked_metrics = asked_metrics(ret)
        return Response(ReturnDetailSerializer(ret, context=self.get_serializer_context()).data,
                        status=code)

    def _detail(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        """The return as it is stored now, after an action changed it."""
        return self._respond(self.get_queryset().get(pk=pk), code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._respond(self.get_object())

    @staticmethod
    def _input(serializer_class: type[serializers.Serializer],
               request: Request) -> dict[str, Any]:
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(
        summary="Start a return",
        description="Opens the draft return an organisation owes a partnership for a period. "
                    "Only provider staff of that organisation may start it. Safe to repeat: "
                    "if the return was already started (a retry, a double click, a colleague "
                    "at the same moment), the answer is 200 with that return, unchanged.",
        request=ReturnStartInput,
        responses={201: OpenApiResponse(ReturnDetailSerializer,
                                        description="Started: the new draft return."),
                   200: OpenApiResponse(ReturnDetailSerializer,
                                        description="Already started: the existing return, "
                                                    "unchanged."),
                   400: REFUSED},
    )
    def create(self, request: Request) -> Response:
        data = self._input(ReturnStartInput, request)
        organisation = data.get("organisation") or request.user.organisation
        if organisation is None:
            raise serializers.ValidationError(
                {"organisation": ["Say which organisation the return is for."]})
        ret, created = actions.return_get_or_start(
            organisation=organisation, partnership=data["partnership"], period=data["period"],
            by=request.user)
        return self._detail(ret.pk, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        summary="Save figures",
        description="Saves the figures named (metric code → figure as typed). Every bad figure "
                    "is reported at once and nothing is saved; a figure filled in from "
                    "casework (its metric's `computed_from` is set) is refused. Send the "
                    "version you read: if "
                    "someone saved since, the save is refused with 409 and nothing is saved.",
        request=ReturnValuesInput,
        responses={200: ReturnDetailSerializer, 400: REFUSED, 404: NOT_FOUND,
                   409: OpenApiResponse(description="Someone else saved the return since you "
                                                    "read it; nothing was saved.")},
    )
    @action(detail=True, methods=["post", "patch"])
    def values(self, request: Request, pk: str | None = None) -> Response:
        ret = self.get_object()
        data = self._input(ReturnValuesInput, request)
        figures = {code: "" if raw is None else raw for code, raw in data["values"].items()}
        try:
            actions.return_save_values(monitoring_return=ret, values=figures,
                                       expected_version=data["version"], by=request.user)
        except DomainError as exc:
            if getattr(exc, "code", None) == "stale":
                raise Conflict(str(exc)) from exc
            raise
        return self._detail(ret.pk)

    @extend_schema(
        summary="Check a return",
        description="What would block submission (errors) and what needs a warning note "
                    "(warnings), for the figures as stored now.",
        responses={200: ReturnCheckSerializer, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"])
    def check(self, request: Request, pk: str | None = None) -> Response:
        errors, warnings = actions.return_check(self.get_object())
        return Response(ReturnCheckSerializer({"errors": errors, "warnings": warnings}).data)

    @extend_schema(
        summary="Submit to the lead partner",
        description="Refused (400) before the return's submission opens: the day after its "
                    "period ends, or earlier if one of its frameworks opens it earlier; drafts "
                    "can be saved before then. "
                    "Errors block submission; warnings need a warning note. Safe to repeat: "
                    "submitting a return that is already submitted (a retry, a double click) "
                    "changes nothing and answers 200 with the return as it stands, its "
                    "`submitted_at` saying when it was submitted.",
        request=ReturnSubmitInput,
        responses={200: OpenApiResponse(ReturnDetailSerializer,
                                        description="Submitted now, or already submitted "
                                                    "(nothing changed)."),
                   400: REFUSED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        ret = self.get_object()
        data = self._input(ReturnSubmitInput, request)
        try:
            actions.return_submit(monitoring_return=ret, by=request.user,
                                  warning_note=data["warning_note"])
        except DomainError as exc:
            if not actions.already_submitted(exc, monitoring_return=ret, by=request.user):
                raise
        return self._detail(ret.pk)

    @extend_schema(
        summary="Approve a submitted return",
        description="For a partnership manager of the lead partner; never for one's own "
                    "organisation's return. Its figures are then locked and reported.",
        request=None,
        responses={200: ReturnDetailSerializer, 400: REFUSED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        ret = self.get_object()
        actions.return_approve(monitoring_return=ret, by=request.user)
        return self._detail(ret.pk)

    @extend_schema(
        summary="Return for correction",
        description="With a comment on the whole return and/or on individual figures.",
        request=ReturnSendBackInput,
        responses={200: ReturnDetailSerializer, 400: REFUSED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path="send-back", url_name="send-back")
    def send_back(self, request: Request, pk: str | None = None) -> Response:
        ret = self.get_object()
        data = self._input(ReturnSendBackInput, request)
        actions.return_send_back(monitoring_return=ret, by=request.user,
                                 comment=data["comment"],
                                 metric_comments=data["metric_comments"])
        return self._detail(ret.pk)

    @extend_schema(
        summary="Correct an approved return",
        description="Starts a new draft revision with the same figures; the approved revision "
                    "is kept, and reported until the correction is approved. Answers with the "
                    "new revision.",
        request=ReturnCorrectInput,
        responses={201: ReturnDetailSerializer, 400: REFUSED, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def correct(self, request: Request, pk: str | None = None) -> Response:
        ret = self.get_object()
        data = self._input(ReturnCorrectInput, request)
        new = actions.return_correct(approved_return=ret, by=request.user,
                                     reason=data["reason"])
        return self._detail(new.pk, status.HTTP_201_CREATED)
