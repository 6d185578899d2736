"""API plumbing shared by every app: permissions from the rules, read-only viewsets, strict
filters, and turning domain errors into 400s."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Report a model/domain validation error as a 400 with its messages, never a 500."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail: Any = {k: [m for e in v for m in e.messages] for k, v in
                           exc.error_dict.items()}
        else:
            detail = {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    return drf_exception_handler(exc, context)


class CanViewRegistry(permissions.BasePermission):
    """Asks ``accounts.rules`` for ``view_permission``, so an inactive user's live token fails."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm(view.view_permission))

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        return request.user.has_perm(view.view_permission, obj)


class ReadOnlyRegistryViewSet(viewsets.ReadOnlyModelViewSet):
    """List and retrieve only, behind the rules; subclasses name their permission and queryset."""

    permission_classes = [permissions.IsAuthenticated, CanViewRegistry]
    view_permission: str = ""
    list_serializer_class: type[serializers.Serializer]
    detail_serializer_class: type[serializers.Serializer]

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action == "retrieve":
            return self.detail_serializer_class
        return self.list_serializer_class


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
