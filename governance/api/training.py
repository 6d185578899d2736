"""Joint training and feedback of a partnership through the API (issue 19, points 5 and 6).

- ``GET  /api/v1/partnerships/<slug>/governance/training/``: the last year's totals and the
  events, newest first (paginated), each with who came (organisations and counts);
- ``POST /api/v1/partnerships/<slug>/governance/training/``: record an event
  (``governance.actions.training_record``);
- ``GET  /api/v1/partnerships/<slug>/governance/feedback/``: the summary of the last four
  quarters (counts by source, average rating, how ratings spread); the comments only for
  members of the partnership (never for a funding commissioner);
- ``POST /api/v1/partnerships/<slug>/governance/feedback/``: record one feedback form
  (``governance.actions.feedback_record``).

As the reviews API: a partnership whose governance the caller may not read is not found (404);
a reader who may not write gets 403 with the reason; bad input is a 400 on its field, nothing
changed. The actions check everything again in their transaction.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import clock
from core.pagination import StandardPagination
from core.parsers import BoundedJSONParser
from partnerships.api.common import OrganisationRefSerializer
from partnerships.api.reviews import SLUG, SignedIn, partnership_or_404, read_input
from partnerships.api.writes_common import BAD_INPUT, FORBIDDEN, NOT_FOUND, organisation_field

from .. import actions, selectors
from ..actions.feedback import COMMENT_MAX, may_record_feedback
from ..actions.training import MAX_ATTENDEES, may_record_training
from ..choices import AttendeeRole, FeedbackMethod, FeedbackSource, TrainingKind
from ..models import FeedbackResponse, TrainingAttendance, TrainingEvent

VIEW = "governance.view"
CANNOT_RECORD_TRAINING = ("Training is recorded by the partnership's managers, the chairs of "
                          "its bodies, and a partnership manager of the organisation that "
                          "hosted it.")
CANNOT_RECORD_FEEDBACK = "Feedback is recorded by staff of the partnership's member organisations."


def require_allowed(allowed: bool, reason: str) -> None:
    """403 with ``reason`` unless ``allowed`` (asked of the action's own rule)."""
    if not allowed:
        raise PermissionDenied(reason)


# -- training ------------------------------------------------------------------------------------


class TrainingAttendanceSerializer(serializers.ModelSerializer):
    organisation = OrganisationRefSerializer()

    class Meta:
        model = TrainingAttendance
        fields = ["organisation", "role", "attendees"]


class TrainingEventSerializer(serializers.ModelSerializer):
    """An event with its host and who came (organisations and counts, never names)."""

    host = OrganisationRefSerializer()
    attendance = TrainingAttendanceSerializer(many=True)

    class Meta:
        model = TrainingEvent
        fields = ["id", "kind", "topic", "held_on", "host", "attendance"]


class TrainingSummarySerializer(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()
    events = serializers.IntegerField()
    organisations = serializers.IntegerField(help_text="Organisations whose staff came.")
    attendees = serializers.IntegerField()


class TrainingPageSerializer(serializers.Serializer):
    """One page of the events, newest first, with the last year's totals beside it."""

    count = serializers.IntegerField(help_text="Events in all.")
    next = serializers.URLField(allow_null=True, help_text="The next page, if any.")
    previous = serializers.URLField(allow_null=True, help_text="The previous page, if any.")
    last_year = TrainingSummarySerializer()
    results = TrainingEventSerializer(many=True)


class TrainingAttendanceInput(serializers.Serializer):
    organisation = organisation_field("Slug of a member organisation on the day.")
    role = serializers.ChoiceField(choices=AttendeeRole.choices)
    attendees = serializers.IntegerField(min_value=1, max_value=MAX_ATTENDEES)


class TrainingInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=TrainingKind.choices)
    topic = serializers.CharField(max_length=200)
    held_on = serializers.DateField(help_text="Today or earlier (UK).")
    host = organisation_field("Slug of the member organisation that hosted it.")
    attendance = TrainingAttendanceInput(
        many=True, allow_empty=False,
        help_text="Who came: each organisation once per role.")




class TrainingView(APIView):
    """A partnership's joint training and practice sharing."""

    permission_classes = [SignedIn]
    parser_classes = [BoundedJSONParser]

    @extend_schema(summary="A partnership's joint training", parameters=[SLUG],
                   responses={200: TrainingPageSerializer, 404: NOT_FOUND})
    def get(self, request: Request, slug: str) -> Response:
        partnership = partnership_or_404(request, slug, VIEW)
        summary = selectors.training_last_year(partnership, clock.today())
        paginator = StandardPagination()
        page = paginator.paginate_queryset(selectors.training_events(partnership), request,
                                           view=self)
        response = paginator.get_paginated_response(
            TrainingEventSerializer(page, many=True, context={"request": request}).data)
        response.data["last_year"] = TrainingSummarySerializer(summary).data
        return response

    @extend_schema(summary="Record joint training", parameters=[SLUG], request=TrainingInput,
                   responses={201: TrainingEventSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                              404: NOT_FOUND})
    def post(self, request: Request, slug: str) -> Response:
        partnership = partnership_or_404(request, slug, VIEW)
        require_allowed(may_record_training(request.user, partnership), CANNOT_RECORD_TRAINING)
        data = read_input(TrainingInput, request)
        require_allowed(may_record_training(request.user, partnership, data["host"]),
                        CANNOT_RECORD_TRAINING)
        event = actions.training_record(
            partnership=partnership, kind=data["kind"], topic=data["topic"],
            held_on=data["held_on"], host=data["host"], by=request.user,
            attendance=[(a["organisation"], a["role"], a["attendees"])
                        for a in data["attendance"]])
        event = selectors.training_events(partnership).get(pk=event.pk)
        return Response(TrainingEventSerializer(event).data, status=status.HTTP_201_CREATED)


# -- feedback ------------------------------------------------------------------------------------


class QuarterFeedbackSerializer(serializers.Serializer):
    quarter = serializers.CharField(source="quarter.label", help_text="For example 2026–27 Q3.")
    starts_on = serializers.DateField(source="quarter.starts_on")
    ends_on = serializers.DateField(source="quarter.ends_on")
    responses = serializers.IntegerField()
    by_source = serializers.DictField(child=serializers.IntegerField(),
                                      help_text="Responses by source (provider, person, family).")
    average_rating = serializers.FloatField(allow_null=True)
    ratings = serializers.SerializerMethodField(help_text="Responses by rating, \"1\" to \"5\".")

    def get_ratings(self, summary: selectors.QuarterFeedback) -> dict[str, int]:
        return {str(r): n for r, n in summary.ratings.items()}


class FeedbackCommentSerializer(serializers.ModelSerializer):
    """A comment as members read it (no one who gave it is named)."""

    about_organisation = OrganisationRefSerializer(allow_null=True)

    class Meta:
        model = FeedbackResponse
        fields = ["id", "received_on", "source", "method", "rating", "comment",
                  "about_organisation"]


class FeedbackSummarySerializer(serializers.Serializer):
    quarters = QuarterFeedbackSerializer(many=True, help_text="The last four, oldest first.")
    comments = FeedbackCommentSerializer(
        many=True, allow_null=True,
        help_text="For members of the partnership only (null for anyone else): those with a "
                  "comment in these quarters, newest first, at most 100.")


class FeedbackInput(serializers.Serializer):
    source = serializers.ChoiceField(choices=FeedbackSource.choices)
    method = serializers.ChoiceField(choices=FeedbackMethod.choices)
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, default="",
                                    max_length=COMMENT_MAX,
                                    help_text="No names, prison numbers or dates of birth.")
    received_on = serializers.DateField(help_text="Today or earlier (UK).")
    about_organisation = organisation_field("Slug of the member organisation it is about.",
                                            required=False, allow_null=True, default=None)


class FeedbackView(APIView):
    """A partnership's feedback, summarised per quarter."""

    permission_classes = [SignedIn]
    parser_classes = [BoundedJSONParser]
    COMMENTS = 100

    @extend_schema(summary="A partnership's feedback by quarter", parameters=[SLUG],
                   responses={200: FeedbackSummarySerializer, 404: NOT_FOUND})
    def get(self, request: Request, slug: str) -> Response:
        partnership = partnership_or_404(request, slug, VIEW)
        quarters = selectors.feedback_quarters(clock.today())
        comments: Any = None
        if selectors.may_read_feedback_comments(request.user, partnership):
            comments = selectors.feedback_comments(partnership, quarters)[:self.COMMENTS]
        return Response(FeedbackSummarySerializer({
            "quarters": selectors.feedback_by_quarter(partnership, quarters),
            "comments": comments}).data)

    @extend_schema(summary="Record feedback", parameters=[SLUG], request=FeedbackInput,
                   responses={201: FeedbackCommentSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                              404: NOT_FOUND})
    def post(self, request: Request, slug: str) -> Response:
        partnership = partnership_or_404(request, slug, VIEW)
        require_allowed(may_record_feedback(request.user, partnership), CANNOT_RECORD_FEEDBACK)
        data = read_input(FeedbackInput, request)
        response = actions.feedback_record(partnership=partnership, by=request.user, **data)
        return Response(FeedbackCommentSerializer(response).data,
                        status=status.HTTP_201_CREATED)
