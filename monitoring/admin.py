"""Admin for the metric library, frameworks, reporting periods, return requirements and
cross-metric rules: where platform admins configure monitoring. Returns are read-only here;
they change only through the workflow actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from core.admin import ReadOnlyAdminMixin, ReadOnlyInline, RegistryModelAdmin, TabularInline

from . import computed
from .models import (
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


def computed_choices(current: str = "") -> list[tuple[str, str]]:
    """"Typed by the provider", then every registered source (they register at start-up, so
    the list is built when the form is, never frozen into the model). A stored code no longer
    registered stays listed, so opening the metric does not silently clear it; ``Metric.clean``
    then says it is unknown."""
    choices = [("", "Typed by the provider")]
    choices += [(source.code, source.label) for source in computed.sources()]
    if current and computed.source(current) is None:
        choices.append((current, f"{current} (no longer available)"))
    return choices


class MetricForm(forms.ModelForm):
    computed_from = forms.ChoiceField(
        label="Filled in from", required=False, choices=computed_choices,
        help_text="Filled in from casework: the provider does not type it. The figure is "
                  "worked out when a return is opened as a draft and again when it is "
                  "submitted.")

    class Meta:
        model = Metric
        fields = ["code", "name", "description", "kind", "unit", "min_value", "max_value",
                  "aggregation", "computed_from"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["computed_from"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = computed_choices(self.instance.computed_from or "")


@admin.register(Metric)
class MetricAdmin(RegistryModelAdmin):
    form = MetricForm
    list_display = ("name", "code", "kind", "unit", "min_value", "max_value", "aggregation",
                    "computed_from")
    list_filter = ("kind", "aggregation")
    search_fields = ("name", "code", "description")
    prepopulated_fields = {"code": ("name",)}


class FrameworkMetricInline(TabularInline):
    model = FrameworkMetric
    autocomplete_fields = ("metric",)
    fields = ("position", "metric", "required")


@admin.register(Framework)
class FrameworkAdmin(RegistryModelAdmin):
    list_display = ("name", "version", "owner", "partnership", "submission_opens_days_before")
    list_filter = ("owner",)
    list_select_related = ("owner", "partnership")
    search_fields = ("name", "owner__name")
    autocomplete_fields = ("owner", "partnership")
    inlines = [FrameworkMetricInline]


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(RegistryModelAdmin):
    list_display = ("label", "frequency", "starts_on", "ends_on", "due_on")
    list_filter = ("frequency",)
    date_hierarchy = "starts_on"


@admin.register(ReturnRequirement)
class ReturnRequirementAdmin(RegistryModelAdmin):
    list_display = ("organisation", "partnership", "frequency", "from_period", "until_period")
    list_filter = ("frequency",)
    list_select_related = ("organisation", "partnership", "from_period", "until_period")
    search_fields = ("organisation__name", "partnership__name")
    autocomplete_fields = ("organisation", "partnership")
    filter_horizontal = ("frameworks",)


@admin.register(CrossMetricRule)
class CrossMetricRuleAdmin(RegistryModelAdmin):
    list_display = ("message", "form", "left_metric", "operator", "right_metric",
                    "right_constant", "framework", "is_active")
    list_filter = ("form", "is_active", "framework")
    list_select_related = ("left_metric", "right_metric", "framework")
    autocomplete_fields = ("left_metric", "right_metric", "framework")


class ValueInline(ReadOnlyInline):
    model = Value
    fields = ("metric", "number", "text")
    readonly_fields = fields


class QueryInline(ReadOnlyInline):
    model = Query
    fields = ("metric", "text", "raised_by", "resolved", "created_on")
    readonly_fields = fields


@admin.register(MonitoringReturn)
class MonitoringReturnAdmin(ReadOnlyAdminMixin, RegistryModelAdmin):
    """Read-only: returns move only through the workflow actions."""

    list_display = ("organisation", "partnership", "period", "revision", "status",
                    "submitted_at", "approved_at")
    list_filter = ("status", "period")
    list_select_related = ("organisation", "partnership", "period")
    search_fields = ("organisation__name", "partnership__name")
    inlines = [ValueInline, QueryInline]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).visible_to(request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f.name for f in self.model._meta.concrete_fields]
