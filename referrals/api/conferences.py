"""Case conferences and end-of-order notices through the API.

Conferences: those of the cases the user's organisation is involved in (planned, held, missed),
one read in full with its outcome (logged as a read of its case), and recording one as held or
missed. Notices: those addressed to the user's organisation, and acknowledging one.
Every write goes through ``referrals.actions``; a refused action is a 400 and changes nothing.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.parsers import BoundedJSONParser
from core.querysets import is_signed_in
from partnerships.api.common import OrganisationRefSerializer

from .. import actions
from ..choices import AttendeeRole, ConferenceKind, ConferenceStatus
from ..models import Case, CaseConference, ConferenceAttendee, EndOfOrderNotice
from .common import (
    NOT_FOUND,
    REFUSED,
    CaseRefSerializer,
    NoStore,
    SignedIn,
    SummaryListDetailRead,
    UserNameField,
    get_or_404,
    log_read,
    organisation_input,
    read_input,
)

#: Ids in URLs: digits only, and never more than a bigint holds (anything else is a 404).
ID_PATTERN = r"[0-9]{1,18}"

# --------------------------------------------------------------------------------------------
# Conferences
# --------------------------------------------------------------------------------------------


class AttendeeSerializer(serializers.ModelSerializer):
    """Who came (or was expected), by role and organisation; never names."""

    role = serializers.ChoiceField(choices=AttendeeRole.choices)
    organisation = OrganisationRefSerializer(allow_null=True)

    class Meta:
        model = ConferenceAttendee
        fields = ["role", "organisation", "attended"]


class ConferenceInCaseSerializer(serializers.ModelSerializer):
    """A conference as its case shows it: kind, dates, state and who attended."""

    url = serializers.HyperlinkedIdentityField(view_name="conference-detail")
    kind = serializers.ChoiceField(choices=ConferenceKind.choices)
    status = serializers.ChoiceField(choices=ConferenceStatus.choices)
    attendees = AttendeeSerializer(many=True)

    class Meta:
        model = CaseConference
        fields = ["url", "id", "kind", "planned_on", "planned_time", "status", "held_on",
                  "attendees"]


class ConferenceSummarySerializer(ConferenceInCaseSerializer):
    """A conference in a list or as recording it answers: no outcome text (read the conference
    for that)."""

    case = CaseRefSerializer()

    class Meta(ConferenceInCaseSerializer.Meta):
        fields = [*ConferenceInCaseSerializer.Meta.fields, "case"]


class ConferenceDetailSerializer(ConferenceSummarySerializer):
    """One conference in full (reading it is logged as a read of its case)."""

    recorded_by = UserNameField()

    class Meta(ConferenceSummarySerializer.Meta):
        fields = [*ConferenceSummarySerializer.Meta.fields, "outcome", "recorded_by"]


class ConferenceFilter(django_filters.FilterSet):
    """Conferences by state, kind, case and planned date."""

    status = django_filters.ChoiceFilter(choices=ConferenceStatus.choices)
    kind = django_filters.ChoiceFilter(choices=ConferenceKind.choices)
    case = django_filters.CharFilter(field_name="case__reference",
                                     help_text="Reference of the case.")
    planned_from = django_filters.DateFilter(field_name="planned_on", lookup_expr="gte",
                                             help_text="Planned on or after (YYYY-MM-DD).")
    planned_until = django_filters.DateFilter(field_name="planned_on", lookup_expr="lte",
                                              help_text="Planned on or before (YYYY-MM-DD).")

    class Meta:
        model = CaseConference
        fields = ["status", "kind", "case", "planned_from", "planned_until"]


class AttendeeInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=AttendeeRole.choices)
    organisation = organisation_input("Slug of the attendee's organisation (none for the "
                                      "person).", required=False, allow_null=True,
                                      default=None)
    attended = serializers.BooleanField(default=True)


class ConferenceRecordInput(serializers.Serializer):
    held = serializers.BooleanField(help_text="true: held; false: missed.")
    held_on = serializers.DateField(required=False, allow_null=True, default=None,
                                    help_text="When it was held (needed if held).")
    outcome = serializers.CharField(required=False, allow_blank=True, default="",
                                    help_text="What was agreed.")
    attendees = AttendeeInput(many=True, required=False, default=list)


class ConferenceMoveInput(serializers.Serializer):
    planned_on = serializers.DateField(help_text="The new date (YYYY-MM-DD): a working day, "
                                                 "today or later.")
    planned_time = serializers.TimeField(required=False, allow_null=True, default=None,
                                         help_text="The time of day (HH:MM), if agreed.")
    reason = serializers.CharField(max_length=actions.CONFERENCE_REASON_MAX,
                                   help_text="Why it moves (shown to the agencies involved "
                                             "on the case).")


class ConferenceCancelInput(serializers.Serializer):
    reason = serializers.CharField(max_length=actions.CONFERENCE_REASON_MAX,
                                   help_text="Why it is cancelled (shown to the agencies "
                                             "involved on the case).")


def conference_queryset(queryset: QuerySet[CaseConference]) -> QuerySet[CaseConference]:
    """Conferences with their case and attendees, in a fixed number of queries."""
    attendees = ConferenceAttendee.objects.select_related("organisation").order_by("pk")
    return queryset.select_related("case").prefetch_related(
        Prefetch("attendees", queryset=attendees))


@extend_schema_view(
    list=extend_schema(summary="Conferences of your cases",
                       description="Planned, held and missed conferences of the cases your "
                                   "organisation is involved in now, soonest first."),
    retrieve=extend_schema(summary="A conference with its outcome",
                           description="Each read is written to the case's access log.",
                           responses={200: ConferenceDetailSerializer, 404: NOT_FOUND}),
)
class ConferenceViewSet(NoStore, SummaryListDetailRead, mixins.ListModelMixin,
                        mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Three-way meetings at the start, middle and end of an order, and joint case meetings."""

    summary_serializer_class = ConferenceSummarySerializer
    detail_serializer_class = ConferenceDetailSerializer
    permission_classes = [SignedIn]
    parser_classes = [BoundedJSONParser]
    lookup_value_regex = ID_PATTERN
    filterset_class = ConferenceFilter
    search_fields: list[str] = []
    ordering_fields = ["planned_on"]
    ordering = ["planned_on", "id"]

    def get_queryset(self) -> QuerySet[CaseConference]:
        cases = Case.objects.visible_to(self.request.user).values("pk")
        return conference_queryset(CaseConference.objects.filter(case__in=cases))

    def _conference(self) -> CaseConference:
        return get_or_404(self.get_queryset(), pk=int(self.kwargs["pk"]))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        conference = self._conference()
        log_read(conference.case, request)
        return Response(ConferenceDetailSerializer(
            conference, context=self.get_serializer_context()).data)

    @extend_schema(summary="Record a conference",
                   description="Held (with its date, outcome and attendees) or missed. "
                               "Caseworkers of the organisations involved in the case only.",
                   request=ConferenceRecordInput,
                   responses={200: ConferenceSummarySerializer, 400: REFUSED, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def record(self, request: Request, pk: str | None = None) -> Response:
        conference = self._conference()
        data = read_input(ConferenceRecordInput, request)
        attendees = [dict(attendee) for attendee in data["attendees"]]
        actions.conference_record(conference=conference, by=request.user, held=data["held"],
                                  held_on=data["held_on"], outcome=data["outcome"],
                                  attendees=attendees)
        return self._answer(conference)

    def _answer(self, conference: CaseConference) -> Response:
        fresh = conference_queryset(CaseConference.objects.filter(pk=conference.pk)).get()
        return Response(ConferenceSummarySerializer(
            fresh, context=self.get_serializer_context()).data)

    @extend_schema(summary="Move a conference",
                   description="To another working day (and time), saying why. The case's "
                               "lead agency only; a weekend or bank holiday is refused naming "
                               "the next working day. The agencies involved are told.",
                   request=ConferenceMoveInput,
                   responses={200: ConferenceSummarySerializer, 400: REFUSED, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        conference = self._conference()
        data = read_input(ConferenceMoveInput, request)
        actions.conference_move(conference=conference, by=request.user,
                                planned_on=data["planned_on"],
                                planned_time=data["planned_time"], reason=data["reason"])
        return self._answer(conference)

    @extend_schema(summary="Cancel a conference",
                   description="Saying why. The case's lead agency only; it stays in the "
                               "case's timeline as cancelled and is not planned again. The "
                               "agencies involved are told.",
                   request=ConferenceCancelInput,
                   responses={200: ConferenceSummarySerializer, 400: REFUSED, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        conference = self._conference()
        data = read_input(ConferenceCancelInput, request)
        actions.conference_cancel(conference=conference, by=request.user,
                                  reason=data["reason"])
        return self._answer(conference)


# --------------------------------------------------------------------------------------------
# End-of-order notices
# --------------------------------------------------------------------------------------------


class NoticeSerializer(serializers.ModelSerializer):
    """An end-of-order notice: to whom, who is responsible from now on, and whether it was
    acknowledged."""

    case = CaseRefSerializer()
    organisation = OrganisationRefSerializer(help_text="The agency told.")
    responsible_organisation = OrganisationRefSerializer(
        help_text="Who is responsible from now on.")
    sent_at = serializers.DateTimeField(source="created_on")
    acknowledged_by = UserNameField()

    class Meta:
        model = EndOfOrderNotice
        fields = ["id", "case", "organisation", "responsible_organisation", "text",
                  "sent_at", "acknowledged_at", "acknowledged_by"]


class NoticeInCaseSerializer(NoticeSerializer):
    """A notice as its case shows it."""

    class Meta(NoticeSerializer.Meta):
        fields = [name for name in NoticeSerializer.Meta.fields if name != "case"]


class NoticeFilter(django_filters.FilterSet):
    acknowledged = django_filters.BooleanFilter(field_name="acknowledged_at",
                                                lookup_expr="isnull", exclude=True,
                                                help_text="true: acknowledged; false: "
                                                          "waiting for acknowledgement.")

    class Meta:
        model = EndOfOrderNotice
        fields = ["acknowledged"]


@extend_schema_view(
    list=extend_schema(summary="End-of-order notices to your organisation",
                       description="Newest first; acknowledged=false for those waiting. A "
                                   "notice names the case by reference and who is responsible "
                                   "from now on, nothing about the person."),
)
class NoticeViewSet(NoStore, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Notices sent when an order ends while treatment continues, saying who is responsible from
    now on; each agency acknowledges its own (they stay in its list even once it is no longer
    involved in the case). No notice is read on its own: the list is the inbox."""

    permission_classes = [SignedIn]
    parser_classes = [BoundedJSONParser]
    lookup_value_regex = ID_PATTERN
    serializer_class = NoticeSerializer
    filterset_class = NoticeFilter
    search_fields: list[str] = []
    ordering_fields = ["created_on"]
    ordering = ["-created_on", "-id"]

    def get_queryset(self) -> QuerySet[EndOfOrderNotice]:
        user = self.request.user
        organisation_id = getattr(user, "organisation_id", None)
        if not is_signed_in(user) or not organisation_id:
            return EndOfOrderNotice.objects.none()
        return (EndOfOrderNotice.objects.filter(organisation_id=organisation_id)
                .select_related("case", "organisation", "responsible_organisation",
                                "acknowledged_by"))

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def get_object(self) -> EndOfOrderNotice:
        return get_or_404(self.get_queryset(), pk=int(self.kwargs["pk"]))

    @extend_schema(summary="Acknowledge a notice",
                   description="Caseworkers of the organisation it is addressed to.",
                   request=None,
                   responses={200: NoticeSerializer, 400: REFUSED, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        notice = self.get_object()
        actions.notice_acknowledge(notice=notice, by=request.user)
        fresh = self.get_queryset().get(pk=notice.pk)
        return Response(NoticeSerializer(fresh, context=self.get_serializer_context()).data)
