"""Pieces every monitoring endpoint shares: the signed-in check, small reference serializers,
a decimal shown without trailing zeros, and a "slug or id" lookup for partnerships."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, permissions, serializers
from rest_framework.request import Request

from core.display import display_name
from core.querysets import is_signed_in

from ..choices import Frequency, MetricKind
from ..models import Framework, Metric, MonitoringReturn, ReportingPeriod

# Longer digit strings than this are not ids: ask for the slug instead of overflowing bigint.
_MAX_ID_DIGITS = 18


class SignedIn(permissions.BasePermission):
    """Asks the rules' own floor (active and signed in), so an inactive user's live token fails.
    What each user may see is then decided by ``visible_to`` querysets and object rules."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_signed_in(request.user)


class Conflict(exceptions.APIException):
    """Someone saved the object since the client read it: 409, nothing saved."""

    status_code = 409
    default_detail = "Someone else changed this since you read it; nothing was saved."
    default_code = "conflict"


def lookup_slug_or_id(queryset: QuerySet[Any], raw: Any) -> Model | None:
    """The row whose slug is ``raw`` or, failing that, whose id it is; ``None`` if neither."""
    text = str(raw).strip()
    if not text:
        return None
    found = queryset.filter(slug=text).first()
    if found is None and text.isdecimal() and len(text) <= _MAX_ID_DIGITS:
        found = queryset.filter(pk=int(text)).first()
    return found


class SlugOrIdChoiceField(forms.ModelChoiceField):
    """A form field naming a row by its slug or its id (an unknown one is a clear 400)."""

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        found = lookup_slug_or_id(self.queryset, value)
        if found is None:
            raise DjangoValidationError(self.error_messages["invalid_choice"],
                                        code="invalid_choice")
        return found


@extend_schema_field(OpenApiTypes.STR)
class SlugOrIdFilter(django_filters.ModelChoiceFilter):
    """``?partnership=womens-hub`` or ``?partnership=12``."""

    field_class = SlugOrIdChoiceField


@extend_schema_field(OpenApiTypes.STR)
class SlugOrIdRelatedField(serializers.RelatedField):
    """An input naming a row by its slug or its id."""

    default_error_messages = {"does_not_exist": "No such {name}: “{value}”."}

    def __init__(self, *, name: str, **kwargs: Any) -> None:
        self.name = name
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str | int) or isinstance(data, bool):
            self.fail("does_not_exist", name=self.name, value=data)
        found = lookup_slug_or_id(self.get_queryset(), data)
        if found is None:
            self.fail("does_not_exist", name=self.name, value=data)
        return found

    def to_representation(self, value: Any) -> Any:
        return value.slug


class PlainDecimalField(serializers.DecimalField):
    """A decimal as a string without trailing zeros ("12", "37.5"), as the pages show it."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 30)
        kwargs.setdefault("decimal_places", 4)
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str | None:
        return plain_decimal(value)


def plain_decimal(value: Any) -> str | None:
    """``PlainDecimalField``'s output, for serializers that build their output directly."""
    if value is None:
        return None
    return f"{Decimal(value).normalize():f}"


# --------------------------------------------------------------------------------------------
# Small reference serializers
# --------------------------------------------------------------------------------------------


class PeriodSerializer(serializers.ModelSerializer):
    """A reporting period with its label (e.g. "2025–26 Q1") and the date its return is due."""

    frequency = serializers.ChoiceField(choices=Frequency.choices)
    label = serializers.CharField(read_only=True)

    class Meta:
        model = ReportingPeriod
        fields = ["id", "frequency", "label", "starts_on", "ends_on", "due_on"]


class MetricRefSerializer(serializers.ModelSerializer):
    """Enough of a metric to name it and read its figures."""

    kind = serializers.ChoiceField(choices=MetricKind.choices)

    class Meta:
        model = Metric
        fields = ["code", "name", "kind", "unit"]


class FrameworkRefSerializer(serializers.ModelSerializer):
    """Enough of a framework to name it and look it up."""

    class Meta:
        model = Framework
        fields = ["id", "name", "version"]


class ReturnRevisionSerializer(serializers.ModelSerializer):
    """Another revision of the same return."""

    class Meta:
        model = MonitoringReturn
        fields = ["id", "revision"]


def user_name(user: Any) -> str | None:
    """Who did something (``core.display.display_name``); null for nobody."""
    return display_name(user) or None
