"""Monitoring returns: each organisation submits one return per period, and every framework that
needs a figure reads the same ``Value``."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from core.models import TimeStampedModel
from core.periods import (
    financial_year_bounds,
    financial_year_label,
    financial_year_start,
    quarter_for,
    quarter_label,
)
from core.periods import month_end as _month_end

from . import computed, querysets
from .choices import Aggregation, Frequency, MetricKind, Operator, ReturnStatus, RuleForm

#: Days after a period ends that its return is due, unless settings.MONITORING_DUE_DAYS says.
DEFAULT_DUE_DAYS = 28


def due_days() -> int:
    return int(getattr(settings, "MONITORING_DUE_DAYS", DEFAULT_DUE_DAYS))


def period_bounds(frequency: str, date: datetime.date) -> tuple[datetime.date, datetime.date]:
    """First and last day of the period of ``frequency`` containing ``date``."""
    if frequency == Frequency.QUARTERLY:
        return quarter_for(date)
    if frequency == Frequency.MONTHLY:
        return date.replace(day=1), _month_end(date.year, date.month)
    return financial_year_bounds(financial_year_start(date))


def submission_opens_on(period: ReportingPeriod, frameworks: Iterable[Framework]
                        ) -> datetime.date:
    """The first day a return for ``period`` may be submitted: the day after the period ends,
    brought forward by a framework's ``submission_opens_days_before``.

    A return serves every framework of its requirement at once (each figure is asked once), so
    when several frameworks say different things the earliest opening among them wins: a
    commissioner who wants figures early should not be held back by a framework that does not
    mind, and the figures are the same return either way. Never before the period starts."""
    days = max((f.submission_opens_days_before for f in frameworks), default=0)
    opens = period.ends_on + datetime.timedelta(days=1) - datetime.timedelta(days=days)
    return max(opens, period.starts_on)


class Metric(TimeStampedModel):
    """One figure in the library, asked once however many frameworks use it."""

    code = models.SlugField(max_length=60, unique=True,
                            help_text="Short stable name used in uploads and the API.")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=MetricKind.choices)
    unit = models.CharField(max_length=40, blank=True, help_text="e.g. people, sessions, £.")
    min_value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    max_value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    aggregation = models.CharField(
        max_length=12, blank=True, choices=Aggregation.configurable(),
        help_text="How organisations' figures combine in partnership totals. Empty: counts and "
                  "decimals add up, percentages average. Choose Average for figures that are "
                  "themselves averages or rates.")
    computed_from = models.CharField(
        max_length=60, blank=True,
        help_text="Filled in from casework: the provider does not type it.")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_value__isnull=True) | Q(max_value__isnull=True)
                | Q(min_value__lte=F("max_value")),
                name="metric_min_not_above_max",
                violation_error_message="The minimum cannot be above the maximum.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_numeric(self) -> bool:
        return self.kind in MetricKind.numeric()

    @property
    def aggregate(self) -> str | None:
        """The ``Aggregation`` partnership figures use for this metric; ``None`` for text,
        which is shown but never combined."""
        if self.kind == MetricKind.TEXT:
            return None
        if self.kind == MetricKind.YES_NO:
            return Aggregation.YES_COUNT
        if self.kind == MetricKind.PERCENTAGE:
            return Aggregation.AVERAGE  # adding up percentages means nothing
        return self.aggregation or Aggregation.TOTAL

    @property
    def aggregate_label(self) -> str:
        return Aggregation(self.aggregate).label if self.aggregate else "Not added up"

    @property
    def is_computed(self) -> bool:
        """Filled in from elsewhere in the registry (``monitoring.computed``), never typed."""
        return bool(self.computed_from)

    def clean(self) -> None:
        if self.aggregation and self.kind not in (MetricKind.COUNT, MetricKind.DECIMAL):
            raise ValidationError({"aggregation": "Only counts and decimal numbers can choose "
                                                  "how they combine; leave it empty."})
        if self.computed_from:
            # Sources register at start-up (``monitoring.computed``), so the check is here
            # rather than in static choices.
            if computed.source(self.computed_from) is None:
                raise ValidationError({"computed_from": f"“{self.computed_from}” is not a "
                                                        "figure the registry can fill in."})
            if self.kind not in (MetricKind.COUNT, MetricKind.DECIMAL, MetricKind.PERCENTAGE):
                raise ValidationError({"computed_from": "Only a count, a decimal number or a "
                                                        "percentage can be filled in from "
                                                        "casework."})


class Framework(TimeStampedModel):
    """A named, versioned set of metrics required by a commissioner or a partnership."""

    name = models.CharField(max_length=200)
    version = models.CharField(max_length=20, default="1")
    owner = models.ForeignKey("partnerships.Organisation", on_delete=models.PROTECT,
                              related_name="monitoring_frameworks",
                              help_text="The organisation that requires it, e.g. a commissioner.")
    partnership = models.ForeignKey("partnerships.Partnership", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="monitoring_frameworks")
    description = models.TextField(blank=True)
    metrics = models.ManyToManyField(Metric, through="FrameworkMetric", related_name="frameworks")
    submission_opens_days_before = models.PositiveSmallIntegerField(
        default=0,
        help_text="Returns can be submitted from the day after the period ends. Enter a number "
                  "of days to open submission that much earlier (0: when the period ends). "
                  "Drafts can be saved at any time.")

    class Meta:
        ordering = ["name", "version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="framework_unique_version",
                                    violation_error_message="This framework version exists."),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class FrameworkMetric(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE,
                                  related_name="framework_metrics")
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="framework_links")
    required = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["framework", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "metric"],
                                    name="framework_metric_once",
                                    violation_error_message="The metric is already in this "
                                                            "framework."),
        ]

    def __str__(self) -> str:
        return f"{self.framework}: {self.metric.code}"


class ReportingPeriod(models.Model):
    """A quarter (UK financial year), month or financial year, with the date its return is due."""

    frequency = models.CharField(max_length=12, choices=Frequency.choices,
                                 default=Frequency.QUARTERLY)
    starts_on = models.DateField()
    ends_on = models.DateField()
    due_on = models.DateField()

    objects = querysets.ReportingPeriodQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on", "frequency"]
        constraints = [
            models.UniqueConstraint(fields=["frequency", "starts_on"], name="period_unique_start",
                                    violation_error_message="This period already exists."),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")),
                                   name="period_ends_after_start",
                                   violation_error_message="A period cannot end before it "
                                                           "starts."),
            models.CheckConstraint(condition=Q(due_on__gte=F("ends_on")),
                                   name="period_due_after_end",
                                   violation_error_message="A return cannot be due before the "
                                                           "period ends."),
        ]

    def __str__(self) -> str:
        return self.label

    quarter_for = staticmethod(quarter_for)

    @property
    def label(self) -> str:
        if self.frequency == Frequency.QUARTERLY:
            return quarter_label(self.starts_on)
        if self.frequency == Frequency.MONTHLY:
            return f"{self.starts_on:%B %Y}"
        # A whole financial year in GOV.UK's words ("2026 to 2027"), not the quarters' "2026–27".
        return financial_year_label(financial_year_start(self.starts_on))


class ReturnRequirement(TimeStampedModel):
    """An organisation owes a partnership a return for these frameworks, every period."""

    organisation = models.ForeignKey("partnerships.Organisation", on_delete=models.PROTECT,
                                     related_name="return_requirements")
    partnership = models.ForeignKey("partnerships.Partnership", on_delete=models.PROTECT,
                                    related_name="return_requirements")
    frameworks = models.ManyToManyField(Framework, related_name="requirements")
    frequency = models.CharField(max_length=12, choices=Frequency.choices,
                                 default=Frequency.QUARTERLY)
    from_period = models.ForeignKey(ReportingPeriod, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+",
                                    help_text="Empty: from the first period.")
    until_period = models.ForeignKey(ReportingPeriod, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+",
                                     help_text="Empty: until further notice.")

    objects = querysets.ReturnRequirementQuerySet.as_manager()

    class Meta:
        ordering = ["partnership", "organisation"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "partnership", "frequency"],
                                    name="requirement_once_per_frequency",
                                    violation_error_message="This organisation already owes "
                                                            "this partnership returns at this "
                                                            "frequency."),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.partnership} ({self.get_frequency_display()})"

    def applies_to(self, period: ReportingPeriod) -> bool:
        """Whether a return is owed for ``period`` (the same test as
        ``ReturnRequirement.objects.for_period`` in SQL); needs from/until_period loaded."""
        first = self.from_period if self.from_period_id is not None else None
        last = self.until_period if self.until_period_id is not None else None
        return self.owed_for(period, frequency=self.frequency,
                             from_starts_on=first.starts_on if first else None,
                             until_starts_on=last.starts_on if last else None)

    @staticmethod
    def owed_for(period: ReportingPeriod, *, frequency: str,
                 from_starts_on: datetime.date | None,
                 until_starts_on: datetime.date | None) -> bool:
        """``applies_to`` from a requirement's frequency and the start dates of its first and
        last periods, for reports that read those as plain values rather than load the
        periods."""
        if frequency != period.frequency:
            return False
        if from_starts_on is not None and period.starts_on < from_starts_on:
            return False
        return not (until_starts_on is not None and period.starts_on > until_starts_on)


class MonitoringReturn(TimeStampedModel):
    """One organisation's figures for one partnership and period (one row per revision)."""

    organisation = models.ForeignKey("partnerships.Organisation", on_delete=models.PROTECT,
                                     related_name="monitoring_returns")
    partnership = models.ForeignKey("partnerships.Partnership", on_delete=models.PROTECT,
                                    related_name="monitoring_returns")
    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="returns")
    status = models.CharField(max_length=12, choices=ReturnStatus.choices,
                              default=ReturnStatus.DRAFT)
    revision = models.PositiveSmallIntegerField(default=1)
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="corrections",
                                 help_text="The approved revision this one corrects.")
    correction_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1,
                                          help_text="Goes up on every save: a stale save is "
                                                    "refused.")
    first_submitted_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was first submitted: timeliness is judged on "
                                         "this, not on a resubmission after correction.")
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    warning_note = models.TextField(blank=True)

    objects = querysets.MonitoringReturnQuerySet.as_manager()

    class Meta:
        ordering = ["-period__starts_on", "organisation", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "partnership", "period", "revision"],
                                    name="return_unique_revision",
                                    violation_error_message="This return already exists."),
            models.CheckConstraint(condition=Q(revision=1, replaces__isnull=True)
                                   | Q(revision__gt=1, replaces__isnull=False),
                                   name="return_revision_replaces",
                                   violation_error_message="A later revision corrects an "
                                                           "earlier one."),
            models.CheckConstraint(condition=~Q(status=ReturnStatus.APPROVED)
                                   | Q(approved_at__isnull=False),
                                   name="return_approved_has_date"),
        ]
        indexes = [models.Index(fields=["partnership", "period", "status"],
                                name="return_partnership_period")]

    def __str__(self) -> str:
        rev = f" (revision {self.revision})" if self.revision > 1 else ""
        return f"{self.organisation} – {self.period}{rev}"


class Value(models.Model):
    """One figure of one return. Numbers (and yes/no as 1/0) in ``number`` so the database can
    sum and average them; short text in ``text``."""

    monitoring_return = models.ForeignKey(MonitoringReturn, on_delete=models.CASCADE,
                                          related_name="values")
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="values")
    number = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    text = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["metric__name"]
        constraints = [
            models.UniqueConstraint(fields=["monitoring_return", "metric"],
                                    name="value_once_per_metric"),
            models.CheckConstraint(condition=Q(number__isnull=True) | Q(text=""),
                                   name="value_number_or_text"),
        ]
        indexes = [models.Index(fields=["metric", "monitoring_return"], name="value_metric_idx")]

    def __str__(self) -> str:
        return f"{self.metric.code} = {self.display}"

    @property
    def display(self) -> str:
        if self.number is None:
            return self.text
        if self.metric.kind == MetricKind.YES_NO:
            return "Yes" if self.number else "No"
        return f"{self.number.normalize():f}"


class Query(TimeStampedModel):
    """A question on a whole return, or on one figure, when it is returned for correction."""

    monitoring_return = models.ForeignKey(MonitoringReturn, on_delete=models.CASCADE,
                                          related_name="queries")
    metric = models.ForeignKey(Metric, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", help_text="Empty: about the whole return.")
    text = models.TextField()
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                  related_name="+")
    resolved = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_on", "id"]
        verbose_name_plural = "queries"

    def __str__(self) -> str:
        about = self.metric.code if self.metric_id else "whole return"
        return f"Query on {about}: {self.text[:60]}"


class CrossMetricRule(TimeStampedModel):
    """A check across figures, e.g. "completions ≤ starts" or "if yes then count > 0"."""

    framework = models.ForeignKey(Framework, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="rules", help_text="Empty: applies everywhere.")
    form = models.CharField(max_length=20, choices=RuleForm.choices, default=RuleForm.COMPARE)
    left_metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="+")
    operator = models.CharField(max_length=2, choices=Operator.choices, default=Operator.LE)
    right_metric = models.ForeignKey(Metric, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    right_constant = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    message = models.CharField(max_length=300)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["left_metric__code", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(form=RuleForm.COMPARE)
                           & (Q(right_metric__isnull=False, right_constant__isnull=True)
                              | Q(right_metric__isnull=True, right_constant__isnull=False)))
                | Q(form=RuleForm.YES_THEN_POSITIVE, right_metric__isnull=False,
                    right_constant__isnull=True),
                name="rule_has_one_right_side",
                violation_error_message="Compare with either another metric or a number (an "
                                        "“if yes” rule names the count to check).",
            ),
        ]

    def __str__(self) -> str:
        return self.message
