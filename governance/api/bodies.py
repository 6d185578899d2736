"""A partnership's governance bodies, their seats and decisions through the API, under one
partnership named by its slug:

- ``GET  /api/v1/partnerships/<slug>/governance/bodies/``: its bodies (current and ended), each
  with the body it reports to, its chair's organisation and its current seats;
- ``GET  /api/v1/partnerships/<slug>/governance/bodies/<id>/``: one body with every seat
  (current and past) and every decision;
- ``POST /api/v1/partnerships/<slug>/governance/bodies/``: add a body;
- ``POST /api/v1/partnerships/<slug>/governance/bodies/<id>/seats/``: give a current member
  organisation a seat;
- ``POST /api/v1/partnerships/<slug>/governance/seats/<id>/end/``: end a seat;
- ``POST /api/v1/partnerships/<slug>/governance/bodies/<id>/decisions/``: record a decision.

The house pattern of ``partnerships/api/reviews.py``: a partnership whose governance the caller
may not read is not found (404); a reader who may not act gets 403 with the reason; bad input is
a 400 on its field; every write is one call of ``governance.actions``, which checks everything
again. Chairs are given by their organisation only here: the API names no individuals.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from core.parsers import BoundedJSONParser
from partnerships.api.common import OrganisationRefSerializer
from partnerships.api.reviews import ID_PATTERN, SignedIn, partnership_or_404, read_input
from partnerships.models import Organisation, Partnership

from .. import actions, structure
from ..choices import BodyKind
from ..models import Body, BodySeat, Decision
from .common import REFUSED, SLUG, forbidden, not_found

VIEW = "governance.view"
MANAGE = "governance.manage"
CANNOT_MANAGE = ("Bodies, seats and decisions are kept up to date by the lead partner's "
                 "partnership managers, the chairs of the partnership's bodies and platform "
                 "admins.")

FORBIDDEN = forbidden("governance")
NOT_FOUND = not_found("partnership, body or seat")


# -- serializers ---------------------------------------------------------------------------------


class SeatSerializer(serializers.ModelSerializer):
    organisation = OrganisationRefSerializer()

    class Meta:
        model = BodySeat
        fields = ["id", "organisation", "seat", "joined_on", "left_on"]


class DecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Decision
        fields = ["id", "decided_on", "text"]


class BodySummarySerializer(serializers.ModelSerializer):
    """A body in a list: where it sits in the structure and who holds its seats now."""

    kind = serializers.ChoiceField(choices=BodyKind.choices, read_only=True)
    reports_to = serializers.PrimaryKeyRelatedField(read_only=True,
                                                    help_text="Id of the body it reports to.")
    chair_organisation = serializers.SerializerMethodField(
        help_text="The organisation of its chair (people are not named), or null.")
    current_seats = SeatSerializer(many=True, read_only=True)

    class Meta:
        model = Body
        fields = ["id", "name", "kind", "reports_to", "chair_organisation", "formed_on",
                  "ended_on", "terms_of_reference", "current_seats"]

    def get_chair_organisation(self, body: Body) -> dict[str, Any] | None:
        chair = body.chair
        if chair is None or chair.organisation is None:
            return None
        return dict(OrganisationRefSerializer(chair.organisation).data)


class BodyDetailSerializer(BodySummarySerializer):
    """One body with every seat (current and past) and every decision, newest first."""

    seats = SeatSerializer(many=True, read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)

    class Meta(BodySummarySerializer.Meta):
        fields = [*BodySummarySerializer.Meta.fields, "seats", "decisions"]


class BodyInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=BodyKind.choices)
    formed_on = serializers.DateField(help_text="When it was formed (today or earlier, UK).")
    reports_to: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        queryset=Body.objects.all(), required=False, allow_null=True, default=None,
        help_text="Id of a body of the same partnership it reports to.")
    terms_of_reference = serializers.CharField(required=False, allow_blank=True, default="",
                                               max_length=5000)


class SeatInput(serializers.Serializer):
    organisation = serializers.SlugRelatedField(
        slug_field="slug", queryset=Organisation.objects.all(),
        help_text="Slug of a current member organisation.")
    seat = serializers.CharField(required=False, allow_blank=True, default="", max_length=120,
                                 help_text='e.g. "Vice-chair"; blank for a member\'s seat.')
    joined_on = serializers.DateField(help_text="When it took the seat (today or earlier).")


class SeatEndInput(serializers.Serializer):
    left_on = serializers.DateField(help_text="When the seat ended (today or earlier, UK).")


class DecisionInput(serializers.Serializer):
    decided_on = serializers.DateField(help_text="When it was decided (today or earlier, UK).")
    text = serializers.CharField(max_length=5000,
                                 help_text="What was decided. Do not name people using "
                                           "services.")


# -- views ---------------------------------------------------------------------------------------


class _Governed:
    """The partnership in the URL, once per request (404 unless the caller reads its
    governance), and the 403 for a reader who may not change it."""

    request: Any
    kwargs: Any

    def partnership(self) -> Partnership:
        if not hasattr(self, "_partnership"):
            self._partnership = partnership_or_404(self.request, self.kwargs["slug"], VIEW)
        return self._partnership

    def require_manage(self) -> None:
        if not self.request.user.has_perm(MANAGE, self.partnership()):
            raise PermissionDenied(CANNOT_MANAGE)


def _detail_queryset(partnership: Partnership) -> QuerySet[Body]:
    seats = BodySeat.objects.select_related("organisation").order_by("joined_on", "pk")
    return structure.bodies_of(partnership).prefetch_related(
        Prefetch("seats", queryset=seats), "decisions")


@extend_schema(parameters=[SLUG])
@extend_schema_view(
    list=extend_schema(summary="A partnership's governance bodies",
                       description="Its board, working groups and service-user group, each "
                                   "with the body it reports to and its current seats. For "
                                   "members of the partnership, the commissioners who fund "
                                   "it and platform admins.",
                       responses={200: BodySummarySerializer(many=True), 404: NOT_FOUND}),
    retrieve=extend_schema(summary="A governance body with its seats and decisions",
                           responses={200: BodyDetailSerializer, 404: NOT_FOUND}),
)
class BodyViewSet(_Governed, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                  viewsets.GenericViewSet):
    """A partnership's governance bodies: readers see them; its managers, its bodies' chairs
    and platform admins add bodies, seats and decisions."""

    permission_classes = [SignedIn]
    parser_classes = [BoundedJSONParser]
    lookup_value_regex = ID_PATTERN
    filter_backends: list[Any] = []
    queryset = Body.objects.none()  # for the schema; requests use get_queryset()

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return BodySummarySerializer if self.action == "list" else BodyDetailSerializer

    def get_queryset(self) -> QuerySet[Body]:
        if getattr(self, "swagger_fake_view", False):
            return Body.objects.none()
        if self.action == "list":
            return structure.bodies_of(self.partnership()).order_by("name", "pk")
        return _detail_queryset(self.partnership())

    def get_object(self) -> Body:
        body = self.get_queryset().filter(pk=int(self.kwargs["pk"])).first()
        if body is None:
            raise Http404
        return body

    def _answer(self, body: Body, code: int = status.HTTP_200_OK) -> Response:
        fresh = _detail_queryset(self.partnership()).get(pk=body.pk)
        return Response(BodyDetailSerializer(fresh).data, status=code)

    @extend_schema(summary="Add a governance body", request=BodyInput,
                   responses={201: BodyDetailSerializer, 400: REFUSED, 403: FORBIDDEN,
                              404: NOT_FOUND})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partnership = self.partnership()
        self.require_manage()
        data = read_input(BodyInput, request)
        body = actions.body_create(partnership=partnership, by=request.user, **data)
        return self._answer(body, status.HTTP_201_CREATED)

    @extend_schema(summary="Give a member organisation a seat on the body", request=SeatInput,
                   responses={201: BodyDetailSerializer, 400: REFUSED, 403: FORBIDDEN,
                              404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def seats(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = self.get_object()
        self.require_manage()
        data = read_input(SeatInput, request)
        actions.seat_add(body=body, by=request.user, **data)
        return self._answer(body, status.HTTP_201_CREATED)

    @extend_schema(summary="Record a decision of the body", request=DecisionInput,
                   responses={201: BodyDetailSerializer, 400: REFUSED, 403: FORBIDDEN,
                              404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def decisions(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = self.get_object()
        self.require_manage()
        data = read_input(DecisionInput, request)
        actions.decision_record(body=body, by=request.user, **data)
        return self._answer(body, status.HTTP_201_CREATED)


@extend_schema(parameters=[SLUG])
class SeatViewSet(_Governed, viewsets.GenericViewSet):
    """A seat on one of the partnership's bodies (only ended here; added on the body)."""

    permission_classes = [SignedIn]
    parser_classes = [BoundedJSONParser]
    lookup_value_regex = ID_PATTERN
    filter_backends: list[Any] = []
    queryset = BodySeat.objects.none()
    serializer_class = SeatSerializer

    @extend_schema(summary="End a seat", request=SeatEndInput,
                   responses={200: SeatSerializer, 400: REFUSED, 403: FORBIDDEN,
                              404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def end(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partnership = self.partnership()
        seat = (BodySeat.objects.filter(body__partnership=partnership, pk=int(kwargs["pk"]))
                .select_related("body", "organisation").first())
        if seat is None:
            raise Http404
        self.require_manage()
        data = read_input(SeatEndInput, request)
        actions.seat_end(seat=seat, by=request.user, **data)
        return Response(SeatSerializer(seat).data)
