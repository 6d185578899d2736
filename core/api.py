"""API plumbing shared by every app: permissions from the rules, read-only viewsets, strict
filters, and turning domain errors into 400s (and constraint clashes into 409s)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import Manager
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, permissions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    """A write that collided with another (two requests creating the same row at once)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = ("This clashes with a record that already exists or was changed at the "
                      "same moment. Nothing was saved: fetch the latest version and try again.")
    default_code = "conflict"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Report a model/domain validation error as a 400 with its messages, never a 500; and, as
    a last line of defence, a database constraint that stopped a write as a 409."""
    if isinstance(exc, IntegrityError):
        # The database's message quotes the clashing values (personal data): name only the view.
        view = context.get("view")
        logger.warning("IntegrityError in %s answered with 409 Conflict",
                       type(view).__name__ if view is not None else "an API view")
        exc = Conflict()
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail: Any = {k: [m for e in v for m in e.messages] for k, v in
                           exc.error_dict.items()}
        else:
            detail = {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    return drf_exception_handler(exc, context)


class CanViewRegistry(permissions.BasePermission):
    """Asks the rules (each app's ``rules.py``) for ``view_permission``, so an inactive user's
    live token fails."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm(view.view_permission))

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        return request.user.has_perm(view.view_permission, obj)


class OptionalFiltersBackend(DjangoFilterBackend):
    """django-filter's backend, which for a FilterSet marked ``only_filters_given = True``
    (every filter optional, one query parameter each, nothing applied when absent) skips
    building its form when the request names none of its filters: the same rows, without
    the form's cost on every unfiltered page of a list."""

    def filter_queryset(self, request: Request, queryset: Any, view: Any) -> Any:
        filterset_class = self.get_filterset_class(view, queryset)
        if (filterset_class is not None
                and getattr(filterset_class, "only_filters_given", False)
                and not request.query_params.keys() & filterset_class.base_filters.keys()):
            return queryset
        return super().filter_queryset(request, queryset, view)


# The filter backends of the settings, with django-filter's as OptionalFiltersBackend.
FILTER_BACKENDS = [OptionalFiltersBackend if backend is DjangoFilterBackend else backend
                   for backend in api_settings.DEFAULT_FILTER_BACKENDS]


class ReadOnlyRegistryViewSet(viewsets.ReadOnlyModelViewSet):
    """List and retrieve only, behind the rules; subclasses name their permission and queryset."""

    permission_classes = [permissions.IsAuthenticated, CanViewRegistry]
    filter_backends = FILTER_BACKENDS
    view_permission: str = ""
    list_serializer_class: type[serializers.Serializer]
    detail_serializer_class: type[serializers.Serializer]

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action == "retrieve":
            return self.detail_serializer_class
        return self.list_serializer_class


class RowsListSerializer(serializers.ListSerializer):
    """A list whose child builds every row at once (``child.represent_rows(rows)``) from plain
    rows (``.values(*child.row_values)`` dicts, the page's related rows fetched in a query or
    two), instead of one nested serializer call per field per row: at 100 rows, DRF's
    per-field cost is most of the response time. Model instances (any other caller) are shown
    field by field as usual. The child keeps its declared fields, so the OpenAPI schema
    describes the rows exactly."""

    def to_representation(self, data: Any) -> list[Any]:
        rows = list(data.all() if isinstance(data, Manager) else data)
        if rows and isinstance(rows[0], dict):
            return self.child.represent_rows(rows)  # type: ignore[union-attr]
        return [self.child.to_representation(row) for row in rows]  # type: ignore[union-attr]


# Stands in for the lookup value while a detail URL is reversed once for a whole list.
_LOOKUP_PLACEHOLDER = "lookup-value-placeholder"


def detail_url_maker(view_name: str, context: Mapping[str, Any],
                     lookup_url_kwarg: str = "slug") -> Callable[[Any], str]:
    """What ``HyperlinkedIdentityField`` answers for each row (absolute URL, the request's
    format suffix and ``?format=``), reversed once per list rather than once per row. Lookup
    values are slugs or ids, which ``reverse`` leaves as they are."""
    url = reverse(view_name, kwargs={lookup_url_kwarg: _LOOKUP_PLACEHOLDER},
                  request=context["request"], format=context.get("format"))
    head, _, tail = url.partition(_LOOKUP_PLACEHOLDER)
    return lambda value: f"{head}{value}{tail}"


def iso_date(value: Any) -> str | None:
    """A date as DRF's ``DateField`` shows it (ISO 8601), or None."""
    return None if value is None else value.isoformat()


def moment_formatter() -> Callable[[Any], str | None]:
    """What DRF's ``DateTimeField`` shows for a stored (aware) moment: ISO 8601 in the current
    time zone (UK time), ``Z`` for UTC; the time zone looked up once per list, not per value."""
    zone = timezone.get_current_timezone()

    def show(value: Any) -> str | None:
        if value is None:
            return None
        text = value.astimezone(zone).isoformat()
        return f"{text[:-6]}Z" if text.endswith("+00:00") else text

    return show


class StrictBooleanField(forms.Field):
    """true/false only: NullBooleanField ignores ``?flag=maybe``, hiding a client's mistake."""

    default_error_messages = {"invalid": "Enter true or false."}
    truthy = frozenset({"true", "1"})
    falsy = frozenset({"false", "0"})

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in self.truthy:
            return True
        if text in self.falsy:
            return False
        raise DjangoValidationError(self.error_messages["invalid"], code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    """``?flag=true|false``; any other value is a 400 with a clear message."""

    field_class = StrictBooleanField


class _OneValueSelect(forms.Select):
    """Hands every value of a repeated query parameter to the field, so ``?status=draft&status=x``
    is refused instead of quietly using the last one."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        values = data.getlist(name) if hasattr(data, "getlist") else []
        if len(set(values)) > 1:
            return values
        return super().value_from_datadict(data, files, name)


class StrictChoiceField(django_filters.fields.ChoiceField):
    """One of the choices; a refusal names the values allowed, so a client's typo is a 400 it
    can fix at once."""

    widget = _OneValueSelect
    default_error_messages = {"several": "Give one value, not several."}

    def allowed(self) -> list[str]:
        return [str(value) for value, _label in self.choices if value not in ("", None)]

    def to_python(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            raise DjangoValidationError(self.error_messages["several"], code="several")
        return super().to_python(value)

    def validate(self, value: Any) -> None:
        try:
            super().validate(value)
        except DjangoValidationError as exc:
            if getattr(exc, "code", None) != "invalid_choice":
                raise
            # The value goes in as a parameter: django-filter %-formats the message, so a "%"
            # a client sent must not be read as a format directive.
            raise DjangoValidationError(
                "Select a valid choice. %(value)s is not one of the available choices: "
                "%(allowed)s.", code="invalid_choice",
                params={"value": value, "allowed": ", ".join(self.allowed())}) from exc


class StrictChoiceFilter(django_filters.ChoiceFilter):
    """``?status=draft``: an unknown or repeated value is a 400 naming the allowed values."""

    field_class = StrictChoiceField
