"""Checking figures: per-metric type and range, cross-metric rules (errors) and figures far from
the organisation's previous periods (warnings). Pure functions, apart from the history lookup."""

from __future__ import annotations

import re
from decimal import Decimal
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


#: A figure as people type it: ASCII digits only, an optional leading minus, thousands commas
#: only between groups of three (``1,000``, ``12,345.5``; never ``1,0,0,0``, ``10,00``,
#: ``,100``), one decimal point. ``re.ASCII`` matters: without it ``[0-9]`` is fine but ``\d``
#: would take Arabic-Indic and full-width digits, which ``Decimal()`` accepts too.
_NUMBER = re.compile(r"(?P<minus>-)?(?P<whole>[0-9]+|[1-9][0-9]{0,2}(?:,[0-9]{3})+)"
                     r"(?:\.(?P<fraction>[0-9]+))?", re.ASCII)
#: Longer input is not a figure (and is not worth matching): 14 digits, commas, a point and 4
#: decimals fit well inside this.
_NUMBER_MAX_LENGTH = 40
#: Turned into a space in text figures: whitespace controls and line/paragraph separators.
_SPACING = re.compile("[\t\n\r\x0b\x0c\u0085\u2028\u2029]")
#: Removed from text figures: the other C0 and C1 controls and DEL, and the bidirectional
#: marks, embeddings, overrides and isolates that can make stored text read differently from
#: what it is (U+200E/F, U+061C, U+202A–U+202E, U+2066–U+2069).
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f"
                        "\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
#: How much of a refused figure a message repeats back.
_ECHO_MAX = 30


def clean_text(raw: str) -> str:
    """``raw`` without control or bidi-override characters (whitespace controls become a space),
    trimmed: what a text figure stores, so it always reads as it is."""
    return _INVISIBLE.sub("", _SPACING.sub(" ", raw or "")).strip()


def allows_negative(metric: Any) -> bool:
    """Only a decimal metric whose minimum (if any) is below 0 takes a minus sign: counts and
    percentages are never negative."""
    return metric.kind == MetricKind.DECIMAL and (metric.min_value is None
                                                 or metric.min_value < 0)


def allows_fraction(metric: Any) -> bool:
    return metric.kind in (MetricKind.DECIMAL, MetricKind.PERCENTAGE)


def _echo(raw: str) -> str:
    """The refused figure, safe to repeat in a message: no controls or bidi overrides, short."""
    shown = clean_text(raw)
    return shown if len(shown) <= _ECHO_MAX else shown[:_ECHO_MAX] + "…"


def _number_hint(metric: Any) -> str:
    """What a good figure of this metric looks like, for messages."""
    if metric.kind == MetricKind.COUNT:
        return "a whole number, like 1,250"
    if metric.kind == MetricKind.PERCENTAGE:
        return "a percentage between 0 and 100, like 45.5"
    if allows_negative(metric):
        return "a number, like 1,250.5 or -3"
    return "a number of 0 or more, like 1,250.5"


def parse_number(metric: Any, raw: str) -> Decimal:
    """The number in ``raw`` (already trimmed) for a count, decimal or percentage metric, read
    strictly: ``Decimal()`` and ``int()`` also take ``1_000``, ``1e3``, ``NaN``, full-width and
    Arabic-Indic digits, which nobody means as a figure. ValueError says what is wrong."""
    hint = _number_hint(metric)
    shown = _echo(raw)
    match = _NUMBER.fullmatch(raw) if len(raw) <= _NUMBER_MAX_LENGTH else None
    if match is None:
        refused = f"must be {hint}, not “{shown}”"
        if any(ch.isdigit() and not ch.isascii() for ch in raw):
            raise ValueError(f"{refused}: type it with the digits 0 to 9")
        if raw.endswith("%"):
            raise ValueError(f"{refused}: leave out the % sign")
        if "," in raw and _NUMBER.fullmatch(raw.replace(",", "")):
            raise ValueError(f"{refused}: put commas only between groups of three digits")
        raise ValueError(refused)
    if match["fraction"] is not None and not allows_fraction(metric):
        raise ValueError(f"must be {hint}, not “{shown}”")
    if match["minus"] and not allows_negative(metric):
        if metric.kind == MetricKind.COUNT:
            raise ValueError(f"must be a whole number of 0 or more, not “{shown}”")
        if metric.kind == MetricKind.PERCENTAGE:
            raise ValueError(f"must be a percentage between 0 and 100, not “{shown}”")
        raise ValueError(f"must be {hint}, not “{shown}”")
    return Decimal(raw.replace(",", ""))


def parse_value(metric: Any, raw: str) -> tuple[Decimal | None, str]:
    """``(number, text)`` for ``raw`` as typed for ``metric``; ValueError says what is wrong in
    the provider's words. Text figures come back cleaned (``clean_text``): what is stored."""
    if metric.kind == MetricKind.TEXT:
        text = clean_text(raw)
        if len(text) > TEXT_MAX:
            raise ValueError(f"must be {TEXT_MAX} characters or fewer")
        return None, text
    raw = (raw or "").strip()
    if not raw:
        return None, ""  # no figure: clears a saved one
    if metric.kind == MetricKind.YES_NO:
        if raw.lower() in YES:
            return Decimal(1), ""
        if raw.lower() in NO:
            return Decimal(0), ""
        raise ValueError(f"must be yes or no, not “{_echo(raw)}”")
    number = parse_number(metric, raw)
    if metric.kind == MetricKind.PERCENTAGE and not Decimal(0) <= number <= Decimal(100):
        raise ValueError(f"must be a percentage between 0 and 100, not “{_echo(raw)}”")
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

