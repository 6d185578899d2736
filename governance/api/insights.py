"""Frontline insights through the API, under one partnership named by its slug:

- ``GET  /api/v1/partnerships/<slug>/governance/insights/``: its insights, newest first
  (``?theme=``, ``?status=``, ``?mine=true``), for whoever may read its governance; the reply
  only on the caller's own insights (and for those who triage);
- ``POST /api/v1/partnerships/<slug>/governance/insights/``: record one (staff of a current
  member organisation);
- ``POST /api/v1/partnerships/<slug>/governance/insights/<id>/triage/``: ``outcome`` "agenda"
  (with ``body``), "action" (with ``owner_organisation``, ``due_on``, optional ``text``) or
  "close" (with ``reply``), for the partnership's managers and its bodies' chairs.

The house pattern of ``partnerships/api/reviews.py``: a partnership the caller may not read is
not found (404); a reader who may not act gets 403 with the reason; bad input is a 400 on its
field; every write is one call of ``governance.actions``, which checks everything again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import (
    OpenApiParameter,
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
from referrals.models import ReferralPathway
from services.models import Service

from .. import actions
from .. import insights as reads
from ..actions.insights import CANNOT_RECORD, CANNOT_TRIAGE, MAX_REPLY, MAX_TEXT
from ..choices import InsightStatus, InsightTheme
from ..models import Body, Insight
from .common import REFUSED, SLUG, forbidden, not_found

if TYPE_CHECKING:
    from accounts.models import User

VIEW = "governance.view"

FORBIDDEN = forbidden("insights")
NOT_FOUND = not_found("partnership or insight")


class InsightSerializer(serializers.ModelSerializer):
    """One insight: what it is about, who raised it (the organisation), what became of it."""

    organisation = OrganisationRefSerializer()
    raised_on = serializers.SerializerMethodField(help_text="The day it was recorded (UK).")
    pathway = serializers.SerializerMethodField(help_text="Id and name of the referral "
                                                          "pathway it is about, if any.")
    service: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True,
        help_text="Slug of the service it is about, if any.")
    agenda_body = serializers.SerializerMethodField(
        help_text="The board or group whose next agenda it is on (status to_agenda).")
    action: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="Id of the action it became.")
    reply = serializers.SerializerMethodField(
        help_text="The reply it was closed with: on your own insights only (or if you "
                  "triage), else null.")
    mine = serializers.SerializerMethodField(help_text="You recorded it.")

    class Meta:
        model = Insight
        fields = ["id", "theme", "status", "text", "organisation", "raised_on", "pathway",
                  "service", "agenda_body", "action", "triaged_on", "reply", "mine"]

    def get_raised_on(self, insight: Insight) -> str:
        from django.utils import timezone

        return timezone.localdate(insight.created_on).isoformat()

    def get_pathway(self, insight: Insight) -> dict[str, Any] | None:
        pathway = insight.pathway
        return None if pathway is None else {"id": pathway.pk, "name": pathway.name}

    def get_agenda_body(self, insight: Insight) -> dict[str, Any] | None:
        body = insight.agenda_body
        return None if body is None else {"id": body.pk, "name": body.name}

    def get_reply(self, insight: Insight) -> str | None:
        user = self.context["request"].user
        return (insight.reply if reads.sees_reply(user, insight,
                                                  triages=self.context["triages"]) else None)

    def get_mine(self, insight: Insight) -> bool:
        return insight.author_id == self.context["request"].user.pk


class RecordInput(serializers.Serializer):
    theme = serializers.ChoiceField(choices=InsightTheme.choices)
    text = serializers.CharField(max_length=MAX_TEXT,
                                 help_text="The barrier or insight in general terms. Refused if "
                                           "it holds a prison number or a date of birth.")
    pathway = serializers.PrimaryKeyRelatedField(
        queryset=ReferralPathway.objects.all(), required=False, allow_null=True,
        help_text="Id of a referral pathway of this partnership.")
    service = serializers.SlugRelatedField(
        slug_field="slug", queryset=Service.objects.all(), required=False, allow_null=True,
        help_text="Slug of a service delivered in the partnership or by a member.")


class TriageInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["agenda", "action", "close"])
    body = serializers.PrimaryKeyRelatedField(
        queryset=Body.objects.all(), required=False,
        help_text="agenda: id of a current board or group of this partnership.")
    owner_organisation = serializers.SlugRelatedField(
        slug_field="slug", queryset=Organisation.objects.all(), required=False,
        help_text="action: slug of the member organisation that owns the action.")
    due_on = serializers.DateField(required=False, help_text="action: when it is due.")
    text = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT,
                                 help_text="action: what needs to be done (the insight's own "
                                           "words if empty).")
    reply = serializers.CharField(required=False, max_length=MAX_REPLY,
                                  help_text="close: the reply to the author.")

    NEEDS = {"agenda": ("body",), "action": ("owner_organisation", "due_on"),
             "close": ("reply",)}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        missing = {name: ["This field is required for this outcome."]
                   for name in self.NEEDS[attrs["outcome"]] if attrs.get(name) in (None, "")}
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


@extend_schema(parameters=[SLUG])
@extend_schema_view(
    list=extend_schema(
        summary="A partnership's frontline insights",
        parameters=[
            OpenApiParameter("theme", str, enum=InsightTheme.values, required=False),
            OpenApiParameter("status", str, enum=InsightStatus.values, required=False),
            OpenApiParameter("mine", bool, required=False,
                             description="true: only the insights you recorded.")],
        responses={200: InsightSerializer(many=True), 404: NOT_FOUND}),
)
class InsightViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Frontline insights: members record them; managers and chairs triage them."""

    permission_classes = [SignedIn]
    parser_classes = [BoundedJSONParser]
    serializer_class = InsightSerializer
    lookup_value_regex = ID_PATTERN
    filter_backends: list[Any] = []
    queryset = Insight.objects.none()  # for the schema; requests use get_queryset()

    def partnership(self) -> Partnership:
        if not hasattr(self, "_partnership"):
            self._partnership = partnership_or_404(self.request, self.kwargs["slug"], VIEW)
        return self._partnership

    def triages(self) -> bool:
        if not hasattr(self, "_triages"):
            self._triages = reads.may_triage(self.request.user, self.partnership())
        return self._triages

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if not getattr(self, "swagger_fake_view", False):
            context["triages"] = self.triages()
        return context

    def get_queryset(self) -> QuerySet[Insight]:
        if getattr(self, "swagger_fake_view", False):
            return Insight.objects.none()
        params = self.request.query_params
        mine = params.get("mine", "").lower() in ("true", "1", "yes")
        return reads.insights_of(self.partnership(), theme=params.get("theme", ""),
                                 status=params.get("status", ""),
                                 author=self.request.user if mine else None)

    def _answer(self, insight: Insight, code: int) -> Response:
        fresh = reads.insights_of(self.partnership()).get(pk=insight.pk)
        return Response(InsightSerializer(fresh, context=self.get_serializer_context()).data,
                        status=code)

    @extend_schema(summary="Record a frontline insight",
                   description="As your organisation, which must be a current member. Never "
                               "personal data: a prison number or a date of birth is refused.",
                   request=RecordInput,
                   responses={201: InsightSerializer, 400: REFUSED, 403: FORBIDDEN,
                              404: NOT_FOUND})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partnership = self.partnership()
        if not reads.may_record(request.user, partnership):
            raise PermissionDenied(CANNOT_RECORD)
        data = read_input(RecordInput, request)
        by = cast("User", request.user)
        insight = actions.insight_record(partnership=partnership, by=by, **data)
        return self._answer(insight, status.HTTP_201_CREATED)

    @extend_schema(summary="Triage a frontline insight",
                   description="To a board or group's next agenda, to an action on the log, or "
                               "closed with a reply; the author is told. A closed insight "
                               "cannot be triaged again.",
                   request=TriageInput,
                   responses={200: InsightSerializer, 400: REFUSED, 403: FORBIDDEN,
                              404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def triage(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        insight = reads.insights_of(self.partnership()).filter(pk=int(kwargs["pk"])).first()
        if insight is None:
            raise Http404
        if not self.triages():
            raise PermissionDenied(CANNOT_TRIAGE)
        data = read_input(TriageInput, request)
        by = cast("User", request.user)
        outcome = data["outcome"]
        if outcome == "agenda":
            actions.insight_to_agenda(insight=insight, body=data["body"], by=by)
        elif outcome == "action":
            actions.insight_to_action(insight=insight, by=by,
                                      owner_organisation=data["owner_organisation"],
                                      due_on=data["due_on"], text=data.get("text"))
        else:
            actions.insight_close(insight=insight, reply=data["reply"], by=by)
        return self._answer(insight, status.HTTP_200_OK)


__all__ = ["InsightViewSet"]
