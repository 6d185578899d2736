"""Checking figures: per-metric type and range, cross-metric rules (errors) and figures far from
the organisation's previous periods (warnings). Pure functions, apart from the history lookup."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Avg, Count

from .choices import MetricKind, Operator, RuleForm

YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}
#: A figure further than this fraction from the mean of earlier approved periods is a warning.
WARNING_DEVIATION = Decimal("0.5")
#: ... when at least this many earlier approved periods exist.
WARNING_MIN_HISTORY = 2
TEXT_MAX = 200


def parse_value(metric: Any, raw: str) -> tuple[Decimal | None, str]:
    """``(number, text)`` for ``raw`` as typed for ``metric``; ValueError says what is wrong in
    the provider's words."""
    raw = (raw or "").strip()
    if not raw:
        return None, ""  # no figure: clears a saved one
    if metric.kind == MetricKind.TEXT:
        if len(raw) > TEXT_MAX:
            raise ValueError(f"must be {TEXT_MAX} characters or fewer")
        return None, raw
    if metric.kind == MetricKind.YES_NO:
        if raw.lower() in YES:
            return Decimal(1), ""
        if raw.lower() in NO:
            return Decimal(0), ""
        raise ValueError(f"must be yes or no, not “{raw}”")
    try:
        number = Decimal(raw.replace(",", "").rstrip("%").strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ValueError(f"must be a number, not “{raw}”")
    whole = number == number.to_integral_value() and number >= 0
    if metric.kind == MetricKind.COUNT and not whole:
        raise ValueError(f"must be a whole number of 0 or more, not “{raw}”")
    if metric.kind == MetricKind.PERCENTAGE and not Decimal(0) <= number <= Decimal(100):
        raise ValueError(f"must be a percentage between 0 and 100, not “{raw}”")
    if abs(number) >= Decimal(10) ** 14 or number.as_tuple().exponent < -4:
        raise ValueError("has too many digits (at most 4 after the decimal point)")
    if metric.min_value is not None and number < metric.min_value:
        raise ValueError(f"must be at least {_plain(metric.min_value)}, not {_plain(number)}")
    if metric.max_value is not None and number > metric.max_value:
        raise ValueError(f"must be at most {_plain(metric.max_value)}, not {_plain(number)}")
    return number, ""


def _plain(number: Decimal) -> str:
    return f"{number.normalize():f}"


_COMPARE = {
    Operator.LE: lambda a, b: a <= b,
    Operator.LT: lambda a, b: a < b,
    Operator.GE: lambda a, b: a >= b,
    Operator.GT: lambda a, b: a > b,
    Operator.EQ: lambda a, b: a == b,
}


def rule_errors(rules: Any, numbers: dict[int, Decimal]) -> list[str]:
    """Messages of the cross-metric rules that ``numbers`` (metric id → number) break. A rule
    whose figures are missing is not checked (missing figures are reported on their own)."""
    errors = []
    for rule in rules:
        left = numbers.get(rule.left_metric_id)
        if left is None:
            continue
        if rule.form == RuleForm.YES_THEN_POSITIVE:
            count = numbers.get(rule.right_metric_id)
            if left == 1 and count is not None and not count > 0:
                errors.append(rule.message)
            continue
        right = (numbers.get(rule.right_metric_id) if rule.right_metric_id
                 else rule.right_constant)
        if right is not None and not _COMPARE[rule.operator](left, right):
            errors.append(rule.message)
    return errors


def value_warnings(monitoring_return: Any, numbers: dict[int, Decimal],
                   metrics: dict[int, Any]) -> list[str]:
    """Figures more than 50% away from the mean of the organisation's earlier approved periods
    (for this partnership), when there are at least two. One query."""
    from .models import MonitoringReturn, Value

    earlier = (MonitoringReturn.objects.current_approved()
               .filter(organisation_id=monitoring_return.organisation_id,
                       partnership_id=monitoring_return.partnership_id,
                       period__frequency=monitoring_return.period.frequency,
                       period__starts_on__lt=monitoring_return.period.starts_on))
    history = (Value.objects.filter(monitoring_return__in=earlier, metric_id__in=list(numbers),
                                    number__isnull=False)
               .exclude(metric__kind__in=[MetricKind.YES_NO, MetricKind.TEXT])
               .values("metric_id").annotate(mean=Avg("number"), n=Count("id")))
    warnings = []
    for row in history:
        mean = Decimal(row["mean"])
        value = numbers[row["metric_id"]]
        if row["n"] < WARNING_MIN_HISTORY or mean == 0:
            continue
        if abs(value - mean) > WARNING_DEVIATION * abs(mean):
            metric = metrics[row["metric_id"]]
            warnings.append(f"{metric.name}: {_plain(value)} is far from the average of "
                            f"earlier periods ({_plain(mean.quantize(Decimal('0.01')))}).")
    return sorted(warnings)

