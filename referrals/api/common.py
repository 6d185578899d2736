"""Pieces every casework endpoint shares: the signed-in check, the need-to-know lookups (an
object the user may not see is a 404, the same as one that does not exist), logging each read of
case data, and small reference serializers that carry no personal data.

Two shapes run through the casework API. *Summaries* (lists, and the answers to writes) carry
references, organisations, dates and states only: no initials, identifiers or free text, so
they need no access-log row. *Details* (``GET`` of one case, referral or conference) carry the
rest, and each one logs exactly one read through ``actions.case_read``.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.cache import add_never_cache_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.display import display_name
from core.querysets import is_signed_in
from partnerships.api.common import OrganisationRefSerializer
from partnerships.models import Organisation
from services.models import Service

from .. import actions
from ..models import Assessment, Case

#: Answers documented on every casework endpoint.
REFUSED = OpenApiResponse(description="Refused, with the reason; nothing was changed.")
NOT_FOUND = OpenApiResponse(description="No such object, or not one you may see (the two "
                                        "answers are the same).")

#: A platform admin's reason for reading a case must say something.
MIN_REASON_LENGTH = 10


#: An ``Idempotency-Key`` a client may send with a create: 16 to 64 letters, digits, ``-``, ``_``
#: (a UUID fits).
IDEMPOTENCY_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, location=OpenApiParameter.HEADER, required=False,
    description="Optional: a key you make for this one request (16 to 64 letters, digits, - or "
                "_; a UUID fits). Sending the same request again with the same key creates "
                "nothing new: the answer is what the first one created, with status 200 "
                "instead of 201. A key already used for something else is refused.")


def idempotency_key(request: Request) -> str | None:
    """The request's ``Idempotency-Key`` header, checked (a 400 when malformed), or None."""
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if not key:
        return None
    if not IDEMPOTENCY_KEY_PATTERN.match(key):
        raise serializers.ValidationError(
            {"idempotency_key": ["The Idempotency-Key header must be 16 to 64 letters, digits, "
                                 "hyphens or underscores, for example a UUID."]})
    return key


class NoStore:
    """For casework API views: no answer may be kept by a browser, proxy or client cache
    (``Cache-Control: no-cache, no-store, must-revalidate, private``), errors included, since
    they carry personal data or say what exists."""

    def finalize_response(self, request: Request, response: Response, *args: Any,
                          **kwargs: Any) -> Response:
        response = super().finalize_response(request, response,  # type: ignore[misc]
                                             *args, **kwargs)
        add_never_cache_headers(response)
        return response


class SignedIn(permissions.BasePermission):
    """The rules' own floor (active and signed in), so an inactive user's live token fails.
    What each user may see is then decided by ``visible_to`` querysets and object rules."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_signed_in(request.user)


class SummaryListDetailRead:
    """For the casework viewsets: lists give summaries and are filtered, searched and sorted;
    a detail URL names one object, given in full, and no list filter may hide it."""

    summary_serializer_class: type[serializers.Serializer]
    detail_serializer_class: type[serializers.Serializer]
    #: The actions that answer with a list.
    list_actions: tuple[str, ...] = ("list",)

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action == "retrieve":  # type: ignore[attr-defined]
            return self.detail_serializer_class
        return self.summary_serializer_class

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.action not in self.list_actions:  # type: ignore[attr-defined]
            return queryset
        return super().filter_queryset(queryset)  # type: ignore[misc]


def log_read(case: Case, request: Request, reason: str = "") -> None:
    """Write the one access-log row for a read of ``case`` through the API."""
    actions.case_read(case=case, by=request.user, channel="api", reason=reason)


def visible_cases(request: Request) -> QuerySet[Case]:
    """Cases the user's organisation is involved in now (none for commissioners and admins)."""
    return Case.objects.visible_to(request.user)


def get_or_404(queryset: QuerySet[Any], **lookup: Any) -> Any:
    """The one row, or a 404 that says nothing about whether it exists elsewhere."""
    found = queryset.filter(**lookup).first()
    if found is None:
        raise Http404
    return found


def read_input(serializer_class: type[serializers.Serializer], request: Request,
               **context: Any) -> dict[str, Any]:
    """The request body validated by the action's own input serializer (400 if bad)."""
    serializer = serializer_class(data=request.data, context={"request": request, **context})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def user_name(user: Any) -> str | None:
    """Who did something (``core.display.display_name``); null for nobody."""
    return display_name(user) or None


@extend_schema_field({"type": "string", "nullable": True})
class UserNameField(serializers.Field):
    """A member of staff (never the person on the case) by name; read only."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str | None:
        return user_name(value)


# --------------------------------------------------------------------------------------------
# Inputs naming registry rows
# --------------------------------------------------------------------------------------------


def organisation_input(help_text: str, **kwargs: Any) -> serializers.SlugRelatedField:
    """An organisation named by its slug (an unknown slug is a clear 400)."""
    return serializers.SlugRelatedField(slug_field="slug", queryset=Organisation.objects.all(),
                                        help_text=help_text, **kwargs)


def service_input(help_text: str, **kwargs: Any) -> serializers.SlugRelatedField:
    """A service named by its slug (an unknown slug is a clear 400)."""
    return serializers.SlugRelatedField(slug_field="slug", queryset=Service.objects.all(),
                                        help_text=help_text, **kwargs)


# --------------------------------------------------------------------------------------------
# Small reference serializers (no personal data)
# --------------------------------------------------------------------------------------------


class ServiceNameSerializer(serializers.ModelSerializer):
    """Enough of a service to name it and look it up."""

    class Meta:
        model = Service
        fields = ["slug", "name"]


class CaseRefSerializer(serializers.ModelSerializer):
    """A case by its reference, and where to read it."""

    url = serializers.HyperlinkedIdentityField(view_name="case-detail",
                                               lookup_field="reference")

    class Meta:
        model = Case
        fields = ["url", "reference"]


class RecentAssessmentSerializer(serializers.ModelSerializer):
    """An earlier assessment of the person, shown before another is added: who and when only
    (it may belong to another case of the person, which the user need not be involved in)."""

    organisation = OrganisationRefSerializer()
    service = ServiceNameSerializer(allow_null=True)

    class Meta:
        model = Assessment
        fields = ["assessed_on", "organisation", "service"]


class RepeatRefusalSerializer(serializers.Serializer):
    """The answer when recent assessments need confirming first."""

    confirmed_repeat = serializers.ListField(child=serializers.CharField(),
                                             help_text="Why the request was refused.")
    recent_assessments = RecentAssessmentSerializer(
        many=True, help_text="The person's assessments in the partnership's window: send the "
                             "request again with confirmed_repeat true if another is needed.")


REPEAT_REFUSED = OpenApiResponse(
    response=RepeatRefusalSerializer,
    description="Refused (nothing was changed): with the reason, and, when the person was "
                "assessed recently, those assessments to confirm against.")
