"""A partnership's action log through the API, under the partnership named by its slug:

- ``GET   /api/v1/partnerships/<slug>/governance/actions/``: its actions, earliest due first,
  with the page's filters (``?status=``, ``?owner_organisation=<slug>``, ``?body=<id>``,
  ``?overdue=true``; ``governance.action_log.ActionItemFilter``), for whoever may read its
  governance;
- ``POST  …/actions/``: add one (the partnership's managers and its bodies' chairs);
- ``GET   …/actions/<id>/``: one action;
- ``PATCH …/actions/<id>/``: change its text, owner organisation, owner or due date (managers,
  chairs; open actions only);
- ``POST  …/actions/<id>/complete/``: mark it done (its owner, managers, chairs);
- ``POST  …/actions/<id>/drop/``: drop it with a reason (managers, chairs).

The house pattern of ``partnerships/api/reviews.py``: a partnership the caller may not read is
not found (404); a reader who may not act gets 403 with the reason; bad input is a 400 on its
field; every write is one call of ``governance.actions``, which checks everything again.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from core import clock
from core.display import display_name
from core.parsers import BoundedJSONParser
from partnerships.api.common import OrganisationRefSerializer
from partnerships.api.reviews import ID_PATTERN, SignedIn, partnership_or_404, read_input
from partnerships.models import Organisation, Partnership

from .. import actions
from ..action_log import ActionItemFilter, is_overdue, log_rows
from ..choices import ActionStatus
from ..models import ActionItem, Body, Decision
from .common import REFUSED, SLUG, forbidden, not_found

VIEW, MANAGE, COMPLETE = "governance.view", "governance.manage", "governance.complete_action"

CANNOT_MANAGE = ("Actions are added, changed and dropped by the partnership's managers (the "
                 "lead partner's partnership managers), the chairs of its boards and groups, "
                 "and platform admins.")
CANNOT_COMPLETE = ("An action is marked done by its owner (or a partnership manager of the "
                   "owning organisation), the partnership's managers and the chairs of its "
                   "boards and groups.")

FORBIDDEN = forbidden("action log")
NOT_FOUND = not_found("partnership or action")


class ActionItemSerializer(serializers.ModelSerializer):
    """One action: what, who (organisation and person), by when, and what became of it."""

    owner_organisation = OrganisationRefSerializer()
    owner = serializers.SerializerMethodField(help_text="The owner person's name, if named.")
    overdue = serializers.SerializerMethodField(help_text="Open and past its due date (UK).")
    body = serializers.SerializerMethodField(help_text="Id and name of the board or group it "
                                                      "arose from, if any.")
    decision: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        read_only=True,
                                                  help_text="Id of the decision it arose from.")

    class Meta:
        model = ActionItem
        fields = ["id", "text", "owner_organisation", "owner", "due_on", "status", "overdue",
                  "completed_on", "dropped_reason", "body", "decision"]

    def get_owner(self, item: ActionItem) -> str | None:
        return display_name(item.owner) or None

    def get_overdue(self, item: ActionItem) -> bool:
        return is_overdue(item)

    def get_body(self, item: ActionItem) -> dict[str, Any] | None:
        body = item.body
        return None if body is None else {"id": body.pk, "name": body.name}


class UpdateInput(serializers.Serializer):
    text = serializers.CharField(max_length=2000, help_text="What needs to be done.")
    owner_organisation = serializers.SlugRelatedField(
        slug_field="slug", queryset=Organisation.objects.all(),
        help_text="Slug of a current member organisation.")
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), allow_null=True,
        help_text="Id of someone who works at the owner organisation (null: its partnership "
                  "managers).")
    due_on = serializers.DateField(help_text="When it is due (UK date).")


class CreateInput(UpdateInput):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), allow_null=True, required=False,
        help_text="Id of someone who works at the owner organisation (omit or null: its "
                  "partnership managers).")
    body = serializers.PrimaryKeyRelatedField(
        queryset=Body.objects.all(), required=False, allow_null=True,
        help_text="Id of the board or group of this partnership it arose from.")
    decision = serializers.PrimaryKeyRelatedField(
        queryset=Decision.objects.all(), required=False, allow_null=True,
        help_text="Id of the decision of this partnership it arose from.")


class CompleteInput(serializers.Serializer):
    completed_on = serializers.DateField(required=False,
                                         help_text="When it was done (today or earlier, UK; "
                                                   "default today).")


class DropInput(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, help_text="Why it is dropped.")


@extend_schema(parameters=[SLUG])
@extend_schema_view(
    list=extend_schema(
        summary="A partnership's action log",
        parameters=[
            OpenApiParameter("status", str, enum=ActionStatus.values, required=False),
            OpenApiParameter("owner_organisation", str, required=False,
                             description="Slug of an organisation of the partnership."),
            OpenApiParameter("body", int, required=False,
                             description="Id of a board or group of the partnership."),
            OpenApiParameter("overdue", bool, required=False,
                             description="true: only open actions past their due date.")],
        responses={200: ActionItemSerializer(many=True), 400: REFUSED, 404: NOT_FOUND}),
    retrieve=extend_schema(summary="One action",
                           responses={200: ActionItemSerializer, 404: NOT_FOUND}),
)
class ActionItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    """The action log: readers of the partnership's governance see it; managers and chairs
    add, change and drop actions; owners mark theirs done."""

    permission_classes = [SignedIn]
    parser_classes = [BoundedJSONParser]
    serializer_class = ActionItemSerializer
    lookup_value_regex = ID_PATTERN
    filter_backends: list[Any] = []
    queryset = ActionItem.objects.none()  # for the schema; requests use get_queryset()

    def partnership(self) -> Partnership:
        if not hasattr(self, "_partnership"):
            self._partnership = partnership_or_404(self.request, self.kwargs["slug"], VIEW)
        return self._partnership

    def get_queryset(self) -> QuerySet[ActionItem]:
        if getattr(self, "swagger_fake_view", False):
            return ActionItem.objects.none()
        if self.action != "list":
            return log_rows(self.partnership())
        filters = ActionItemFilter(self.request.query_params or None,
                                   partnership=self.partnership())
        if filters.is_bound and not filters.is_valid():
            raise ValidationError(filters.errors)
        return filters.qs

    def get_object(self) -> ActionItem:
        item = log_rows(self.partnership()).filter(pk=int(self.kwargs["pk"])).first()
        if item is None:
            raise Http404
        return item

    def by(self) -> User:
        """The acting user (``SignedIn`` let only a signed-in one through)."""
        return cast(User, self.request.user)

    def _require(self, perm: str, obj: Any, reason: str) -> None:
        if not self.request.user.has_perm(perm, obj):
            raise PermissionDenied(reason)

    def _answer(self, item: ActionItem, code: int = status.HTTP_200_OK) -> Response:
        fresh = log_rows(self.partnership()).get(pk=item.pk)
        return Response(ActionItemSerializer(fresh, context=self.get_serializer_context()).data,
                        status=code)

    @extend_schema(summary="Add an action to the log", request=CreateInput,
                   responses={201: ActionItemSerializer, 400: REFUSED, 403: FORBIDDEN,
                              404: NOT_FOUND})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partnership = self.partnership()
        self._require(MANAGE, partnership, CANNOT_MANAGE)
        data = read_input(CreateInput, request)
        item = actions.action_item_create(partnership=partnership, by=self.by(), **data)
        return self._answer(item, status.HTTP_201_CREATED)

    @extend_schema(summary="Change an open action",
                   description="Any of its text, owner organisation, owner and due date.",
                   request=UpdateInput,
                   responses={200: ActionItemSerializer, 400: REFUSED, 403: FORBIDDEN,
                              404: NOT_FOUND})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        self._require(MANAGE, item, CANNOT_MANAGE)
        serializer = UpdateInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if not serializer.validated_data:
            raise ValidationError({"non_field_errors": ["Send at least one of text, "
                                                        "owner_organisation, owner, due_on."]})
        actions.action_item_update(item=item, by=self.by(), **serializer.validated_data)
        return self._answer(item)

    @extend_schema(summary="Mark an open action done", request=CompleteInput,
                   responses={200: ActionItemSerializer, 400: REFUSED, 403: FORBIDDEN,
                              404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        self._require(COMPLETE, item, CANNOT_COMPLETE)
        data = read_input(CompleteInput, request)
        actions.action_item_complete(item=item, by=self.by(),
                                     completed_on=data.get("completed_on") or clock.today())
        return self._answer(item)

    @extend_schema(summary="Drop an open action, saying why", request=DropInput,
                   responses={200: ActionItemSerializer, 400: REFUSED, 403: FORBIDDEN,
                              404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def drop(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        self._require(MANAGE, item, CANNOT_MANAGE)
        data = read_input(DropInput, request)
        actions.action_item_drop(item=item, reason=data["reason"], by=self.by())
        return self._answer(item)


__all__ = ["ActionItemViewSet"]
