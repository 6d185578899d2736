"""The signed-in user's own notifications and email choices through the API.

- ``GET  /api/v1/notifications/``: the user's notifications, unread first, newest first
  (``?unread=true`` for the unread ones only);
- ``GET  /api/v1/notifications/<id>/``: one of them (anyone else's is not found, 404). Reading
  it does not mark it read: a GET changes nothing; ``POST .../<id>/read/`` does;
- ``POST /api/v1/notifications/read-all/``: mark every unread one read → ``{"marked": n}``;
- ``GET  /api/v1/notification-preferences/``: every kind with its label and the choice that
  applies to it (email for each one, or gathered into a daily digest): the kind's own, else
  the one its area has on the settings page, else the default;
- ``PUT  /api/v1/notification-preferences/``: one kind's choice, ``{kind, email, digest}``.

Everything starts from ``Notification.objects.for_recipient(user)`` (the rule
``notifications.read_notification`` says the same: only the recipient), so nobody can list,
read or mark anyone else's. Writes are ``notifications.actions``; a refusal (an unknown kind, a
digest without email) is a 400 with the action's message, changing nothing.

There is deliberately no calendar-feed endpoint: the private calendar link's token exists only
in the response that creates it (the database keeps its hash), so it must be shown once, by the
settings page, to the person in front of it — never handed to an API client, where it would end
up in logs, scripts and caches that the user cannot revoke from.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import StrictBooleanFilter
from core.parsers import BoundedJSONParser
from core.querysets import is_signed_in

from .. import actions, preferences
from ..kinds import KINDS
from ..models import Notification

#: Ids in URLs: digits only, and never more than a bigint holds (anything else is a 404).
ID_PATTERN = r"[0-9]{1,18}"

REFUSED = OpenApiResponse(description="Refused, with the reason; nothing was changed.")
NOT_FOUND = OpenApiResponse(description="No such notification, or not one of yours (the two "
                                        "answers are the same).")


class SignedIn(permissions.BasePermission):
    """Signed in and active (an inactive user's live token fails); each user then sees only
    their own notifications and choices."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_signed_in(request.user)


# --------------------------------------------------------------------------------------------
# Notifications
# --------------------------------------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer):
    """One notification (subjects and bodies name references, never people)."""

    kind = serializers.CharField(read_only=True, help_text="See /notification-preferences/.")
    kind_label = serializers.CharField(read_only=True, help_text="The kind in words.")
    url = serializers.CharField(read_only=True,
                                help_text="Where it leads: a path in the registry, or empty.")
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "kind_label", "subject", "body", "url", "created_on",
                  "read_at", "unread"]

    def get_unread(self, notification: Notification) -> bool:
        return notification.read_at is None


class NotificationFilter(django_filters.FilterSet):
    unread = StrictBooleanFilter(field_name="read_at", lookup_expr="isnull",
                                 help_text="true: unread only; false: read only.")

    class Meta:
        model = Notification
        fields = ["unread"]


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many were unread and are now read.")


@extend_schema_view(
    list=extend_schema(summary="Your notifications",
                       description="Your own only: unread first, newest first."),
    retrieve=extend_schema(summary="One of your notifications",
                           description="Reading it does not mark it read (use read/).",
                           responses={200: NotificationSerializer, 404: NOT_FOUND}),
)
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          viewsets.GenericViewSet):
    """Reminders and alerts sent to you, in the app (and by email, as you chose)."""

    permission_classes = [SignedIn]
    parser_classes = [BoundedJSONParser]
    lookup_value_regex = ID_PATTERN
    serializer_class = NotificationSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = NotificationFilter
    queryset = Notification.objects.none()  # for the schema; requests use get_queryset()

    def get_queryset(self) -> QuerySet[Notification]:
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return (Notification.objects.for_recipient(self.request.user).unread_first()
                .only("id", "kind", "subject", "body", "url", "created_on", "read_at",
                      "recipient_id"))

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.action != "list":  # a detail URL names one; no list filter may hide it
            return queryset
        return super().filter_queryset(queryset)

    def get_object(self) -> Notification:
        notification = self.get_queryset().filter(pk=int(self.kwargs["pk"])).first()
        if notification is None:
            raise Http404
        return notification

    @extend_schema(summary="Mark one read", request=None,
                   responses={200: NotificationSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        notification = actions.notification_mark_read(notification=self.get_object(),
                                                      by=request.user)
        return Response(NotificationSerializer(notification,
                                               context=self.get_serializer_context()).data)

    @extend_schema(summary="Mark all read", request=None, responses={200: MarkedSerializer})
    @action(detail=False, methods=["post"], url_path="read-all", url_name="read-all")
    def read_all(self, request: Request) -> Response:
        return Response({"marked": actions.notification_mark_all_read(by=request.user)})


# --------------------------------------------------------------------------------------------
# Email choices
# --------------------------------------------------------------------------------------------


class PreferenceSerializer(serializers.Serializer):
    """One kind of notification and the user's choice for it."""

    kind = serializers.CharField()
    label = serializers.CharField(help_text="The kind in words.")
    description = serializers.CharField(help_text="When it is sent.")
    email = serializers.BooleanField(help_text="Send an email (default true).")
    digest = serializers.BooleanField(
        help_text="Gather the emails into one a day instead (default false).")


class PreferenceInput(serializers.Serializer):
    kind = serializers.CharField(max_length=64,
                                 help_text="One of the kinds listed by GET (an unknown kind is "
                                           "a 400 naming the kinds).")
    email = serializers.BooleanField(help_text="Send an email for each one.")
    digest = serializers.BooleanField(help_text="Gather them into one email a day (needs "
                                                "email true).")


def preferences_of(user: Any, only: str | None = None) -> list[dict[str, Any]]:
    """Every kind (or just ``only``) in the order ``KINDS`` lists them, with the choice that
    applies to it: its own, else its area's (set on the settings page), else the default
    (email each one, no digest), resolved as delivery resolves it. One query."""
    stored = preferences.stored_choices(user)
    rows = []
    for kind in KINDS.values():
        if only is not None and kind.key != only:
            continue
        email, digest = preferences.flags_from_choice(preferences.resolve(stored, kind.key))
        rows.append({"kind": kind.key, "label": kind.label, "description": kind.description,
                     "email": email, "digest": digest})
    return rows


class NotificationPreferencesView(APIView):
    """Your email choices, per kind of notification. In-app notifications are always kept."""

    permission_classes = [SignedIn]
    parser_classes = [BoundedJSONParser]

    @extend_schema(summary="Your email choices",
                   description="Every kind of notification, with whether you get an email for "
                               "each one and whether they are gathered into a daily digest.",
                   responses={200: PreferenceSerializer(many=True)})
    def get(self, request: Request) -> Response:
        return Response(PreferenceSerializer(preferences_of(request.user), many=True).data)

    @extend_schema(summary="Set your email choice for one kind",
                   request=PreferenceInput,
                   responses={200: PreferenceSerializer, 400: REFUSED})
    def put(self, request: Request) -> Response:
        serializer = PreferenceInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        actions.preference_set(user=request.user, kind=data["kind"], email=data["email"],
                               digest=data["digest"])
        return Response(PreferenceSerializer(preferences_of(request.user, data["kind"])[0])
                        .data)


__all__ = ["NotificationPreferencesView", "NotificationViewSet"]
