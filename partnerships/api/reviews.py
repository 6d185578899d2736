"""The quarterly partnership reviews and the partner engagement report through the API.

Routes (registered in ``config/api_urls.py``), all under one partnership, named by its slug:

- ``GET  /api/v1/partnerships/<slug>/reviews/``: its reviews, the planned one first, then the
  others newest first (held by the date held, cancelled by the date they were planned for);
- ``POST /api/v1/partnerships/<slug>/reviews/``: plan the next one;
- ``GET  /api/v1/partnerships/<slug>/reviews/<id>/``: one review with who attended;
- ``POST /api/v1/partnerships/<slug>/reviews/<id>/reschedule|record|cancel/``;
- ``GET  /api/v1/partnerships/<slug>/engagement/``: the engagement report.

Who may do what is decided by ``partnerships.rules`` alone, asked the same way as the pages ask it
(``partnerships/views/reviews.py``): a partnership whose reviews the user may not read is not
found (404), exactly like a slug that does not exist, so the API never confirms what it will not
show; a reader who may not act gets 403 with the reason; a manager's bad input is a 400 with the
action's own message (``core.api.exception_handler``) and changes nothing. Every write is one
call of ``partnerships.actions`` (which checks permission again, in its transaction); the report
is ``partnerships.engagement``. Neither is re-implemented here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import clock
from core.display import display_name
from core.parsers import BoundedJSONParser
from core.querysets import is_signed_in

from .. import actions
from .. import engagement as report
from ..choices import ReviewStatus
from ..models import Organisation, Partnership, ReviewAttendance, ReviewMeeting
from .common import OrganisationRefSerializer, PartnershipRefSerializer

VIEW = "partnerships.view_reviews"
MANAGE = "partnerships.manage_reviews"
VIEW_ENGAGEMENT = "partnerships.view_engagement"

#: Ids in URLs: digits only, and never more than a bigint holds (anything else is a 404).
ID_PATTERN = r"[0-9]{1,18}"

#: Why a reader of the reviews may not change them (the pages say the same).
CANNOT_MANAGE = ("Reviews are planned, moved, recorded and cancelled by the lead partner's "
                 "partnership managers and platform admins.")

SLUG = OpenApiParameter("slug", str, OpenApiParameter.PATH,
                        description="Slug of the partnership.")
REFUSED = OpenApiResponse(description="Refused, with the reason; nothing was changed.")
FORBIDDEN = OpenApiResponse(description="You may read this partnership's reviews but not "
                                        "change them.")
NOT_FOUND = OpenApiResponse(description="No such partnership or review, or not one whose "
                                        "reviews you may see (the two answers are the same).")


class SignedIn(permissions.BasePermission):
    """Signed in and active (so an inactive user's live token fails); what each user may see
    is then decided per partnership by the rules."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_signed_in(request.user)


def partnership_or_404(request: Request, slug: str, perm: str) -> Partnership:
    """The partnership, if the user may ``perm`` on it; otherwise not found, the same answer as
    for a slug that does not exist."""
    partnership = Partnership.objects.visible_to(request.user).filter(slug=slug).first()
    if partnership is None or not request.user.has_perm(perm, partnership):
        raise Http404
    return partnership


# --------------------------------------------------------------------------------------------
# Reviews
# --------------------------------------------------------------------------------------------


class ReviewAttendanceSerializer(serializers.ModelSerializer):
    """Whether one member organisation sent anyone (organisations, never names)."""

    organisation = OrganisationRefSerializer()

    class Meta:
        model = ReviewAttendance
        fields = ["organisation", "attended"]


class ReviewSummarySerializer(serializers.ModelSerializer):
    """A review in a list, or as a write answers."""

    status = serializers.ChoiceField(choices=ReviewStatus.choices, read_only=True)
    attended_count = serializers.IntegerField(
        read_only=True, help_text="Member organisations that sent someone (held reviews).")
    expected_count = serializers.IntegerField(
        read_only=True, help_text="Member organisations whose attendance was recorded.")
    overdue = serializers.SerializerMethodField(
        help_text="Planned, and its date (UK) has passed without it being recorded.")

    class Meta:
        model = ReviewMeeting
        fields = ["id", "planned_on", "status", "held_on", "notes", "attended_count",
                  "expected_count", "overdue"]

    def get_overdue(self, meeting: ReviewMeeting) -> bool:
        today = self.context.get("today") or clock.today()
        return meeting.status == ReviewStatus.PLANNED and meeting.planned_on < today


class ReviewDetailSerializer(ReviewSummarySerializer):
    """One review with each member organisation's attendance and who recorded it."""

    attendance = ReviewAttendanceSerializer(
        many=True, help_text="Each organisation that was a member on the day, by name "
                             "(empty until the review is recorded).")
    recorded_by = serializers.SerializerMethodField(help_text="Who recorded it as held.")

    class Meta(ReviewSummarySerializer.Meta):
        fields = [*ReviewSummarySerializer.Meta.fields, "attendance", "recorded_by"]

    def get_recorded_by(self, meeting: ReviewMeeting) -> str | None:
        return display_name(meeting.recorded_by) or None


class ReviewPlanInput(serializers.Serializer):
    planned_on = serializers.DateField(help_text="The date of the review (today or later, UK).")


class ReviewRescheduleInput(serializers.Serializer):
    planned_on = serializers.DateField(help_text="The new date (today or later, UK).")


class ReviewAttendanceInput(serializers.Serializer):
    organisation = serializers.SlugRelatedField(
        slug_field="slug", queryset=Organisation.objects.all(),
        help_text="Slug of a member organisation (an unknown slug is a 400).")
    attended = serializers.BooleanField(help_text="true: sent someone; false: sent no one.")


class ReviewRecordInput(serializers.Serializer):
    held_on = serializers.DateField(help_text="When it was held (today or earlier, UK).")
    attendance = ReviewAttendanceInput(
        many=True, help_text="One answer for each organisation that was a member on the day "
                             "it was held: no more, no fewer.")
    notes = serializers.CharField(required=False, allow_blank=True, default="",
                                  max_length=5000,
                                  help_text="What was reviewed and agreed. Do not name people "
                                            "using services.")

    def validate_attendance(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        seen: set[int] = set()
        for answer in value:
            organisation = answer["organisation"]
            if organisation.pk in seen:
                raise serializers.ValidationError(
                    f"{organisation} is listed more than once: give one answer for each "
                    "organisation.")
            seen.add(organisation.pk)
        return value


class ReviewCancelInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=1000,
                                   help_text="Why it is cancelled (kept in its notes).")


def read_input(serializer_class: type[serializers.Serializer],
               request: Request) -> dict[str, Any]:
    """The request body validated by the action's own input serializer (400 if bad)."""
    serializer = serializer_class(data=request.data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def review_queryset(partnership: Partnership) -> QuerySet[ReviewMeeting]:
    """The partnership's reviews with their attendance counts, the planned one first, then the
    others newest first; one query for a page whatever its length."""
    return (ReviewMeeting.objects.filter(partnership=partnership)
            .annotate(attended_count=Count("attendance", filter=Q(attendance__attended=True)),
                      expected_count=Count("attendance"),
                      planned_first=Case(When(status=ReviewStatus.PLANNED, then=Value(0)),
                                         default=Value(1), output_field=IntegerField()),
                      happened_on=Coalesce("held_on", "planned_on"))
            .order_by("planned_first", "-happened_on", "-pk"))


def with_detail(queryset: QuerySet[ReviewMeeting]) -> QuerySet[ReviewMeeting]:
    """Add who recorded each review and its attendance by organisation name (two queries)."""
    attendance = (ReviewAttendance.objects.select_related("organisation")
                  .order_by("organisation__name", "pk"))
    return queryset.select_related("recorded_by").prefetch_related(
        Prefetch("attendance", queryset=attendance))


@extend_schema(parameters=[SLUG])
@extend_schema_view(
    list=extend_schema(
        summary="A partnership's reviews",
        description="The planned review first (overdue once its date has passed), then held "
                    "and cancelled ones, newest first, with how many member organisations "
                    "attended. For members of the partnership, the commissioners who fund it "
                    "and platform admins.",
        responses={200: ReviewSummarySerializer(many=True), 404: NOT_FOUND}),
    retrieve=extend_schema(
        summary="A review with its attendance",
        responses={200: ReviewDetailSerializer, 404: NOT_FOUND}),
)
class ReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Quarterly partnership reviews: who may read them sees them; the lead partner's
    partnership managers and platform admins plan, move, record and cancel them."""

    permission_classes = [SignedIn]
    parser_classes = [BoundedJSONParser]
    lookup_value_regex = ID_PATTERN
    filter_backends: list[Any] = []
    queryset = ReviewMeeting.objects.none()  # for the schema; requests use get_queryset()

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return ReviewSummarySerializer if self.action == "list" else ReviewDetailSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": clock.today()}

    def partnership(self) -> Partnership:
        """The partnership in the URL, if the user may read its reviews (else 404); once per
        request."""
        if not hasattr(self, "_partnership"):
            self._partnership = partnership_or_404(self.request, self.kwargs["slug"], VIEW)
        return self._partnership

    def get_queryset(self) -> QuerySet[ReviewMeeting]:
        if getattr(self, "swagger_fake_view", False):
            return ReviewMeeting.objects.none()
        queryset = review_queryset(self.partnership())
        return queryset if self.action == "list" else with_detail(queryset)

    def get_object(self) -> ReviewMeeting:
        meeting = self.get_queryset().filter(pk=int(self.kwargs["pk"])).first()
        if meeting is None:
            raise Http404
        return meeting

    def _managed_meeting(self) -> ReviewMeeting:
        """The review in the URL, for a write: 404 unless the user may read it, 403 unless
        they may change it."""
        meeting = self.get_object()
        self._require_manage()
        return meeting

    def _require_manage(self) -> None:
        if not self.request.user.has_perm(MANAGE, self.partnership()):
            raise PermissionDenied(CANNOT_MANAGE)

    def _answer(self, meeting: ReviewMeeting, code: int = status.HTTP_200_OK) -> Response:
        fresh = with_detail(review_queryset(self.partnership())).get(pk=meeting.pk)
        return Response(ReviewDetailSerializer(fresh, context=self.get_serializer_context())
                        .data, status=code)

    @extend_schema(summary="Plan the next review",
                   description="Refused when one is already planned (move that one instead), "
                               "the date has passed or the partnership has ended.",
                   request=ReviewPlanInput,
                   responses={201: ReviewDetailSerializer, 400: REFUSED, 403: FORBIDDEN,
                              404: NOT_FOUND})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partnership = self.partnership()
        self._require_manage()
        data = read_input(ReviewPlanInput, request)
        meeting = actions.review_plan(partnership=partnership, planned_on=data["planned_on"],
                                      by=request.user)
        return self._answer(meeting, status.HTTP_201_CREATED)

    @extend_schema(summary="Move the planned review", request=ReviewRescheduleInput,
                   responses={200: ReviewDetailSerializer, 400: REFUSED, 403: FORBIDDEN,
                              404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def reschedule(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        meeting = self._managed_meeting()
        data = read_input(ReviewRescheduleInput, request)
        actions.review_reschedule(meeting=meeting, planned_on=data["planned_on"],
                                  by=request.user)
        return self._answer(meeting)

    @extend_schema(summary="Record the planned review as held",
                   description="With whether each organisation that was a member on the day "
                               "attended. The next review is then planned three months after "
                               "the date held (REVIEW_INTERVAL_MONTHS), unless one is planned "
                               "already.",
                   request=ReviewRecordInput,
                   responses={200: ReviewDetailSerializer, 400: REFUSED, 403: FORBIDDEN,
                              404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def record(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        meeting = self._managed_meeting()
        data = read_input(ReviewRecordInput, request)
        attendance = {a["organisation"].pk: a["attended"] for a in data["attendance"]}
        actions.review_record(meeting=meeting, held_on=data["held_on"], attendance=attendance,
                              notes=data["notes"], by=request.user)
        return self._answer(meeting)

    @extend_schema(summary="Cancel the planned review",
                   description="Saying why. Nothing is planned in its place.",
                   request=ReviewCancelInput,
                   responses={200: ReviewDetailSerializer, 400: REFUSED, 403: FORBIDDEN,
                              404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        meeting = self._managed_meeting()
        data = read_input(ReviewCancelInput, request)
        actions.review_cancel(meeting=meeting, reason=data["reason"], by=request.user)
        return self._answer(meeting)


# --------------------------------------------------------------------------------------------
# The engagement report
# --------------------------------------------------------------------------------------------


class EngagementMarkSerializer(serializers.Serializer):
    """One organisation at one review held in the quarter."""

    held_on = serializers.DateField()
    mark = serializers.ChoiceField(choices=list(report.MARK_LABELS.items()),
                                   help_text="attended, sent_no_one, not_a_member (then), or "
                                             "not_recorded.")
    label = serializers.CharField(help_text="The mark in words.")


class EngagementCellSerializer(serializers.Serializer):
    """One organisation in one quarter: a mark per review held in it (none: no review held)."""

    quarter = serializers.CharField(help_text="Financial quarter, e.g. 2026–27 Q3.")
    marks = EngagementMarkSerializer(many=True)


class EngagementRowSerializer(serializers.Serializer):
    organisation = OrganisationRefSerializer()
    statutory = serializers.BooleanField(help_text="A statutory agency.")
    sent_no_one = serializers.BooleanField(
        help_text="Expected at one review or more in the period, and attended none.")
    attended = serializers.IntegerField(help_text="Reviews it attended.")
    expected = serializers.IntegerField(help_text="Reviews its attendance was recorded at.")
    rate = serializers.IntegerField(
        allow_null=True, help_text="attended ÷ expected as a whole percentage; null when it "
                                   "was expected at none.")
    quarters = EngagementCellSerializer(many=True, help_text="Oldest quarter first.")


class EngagementQuarterSerializer(serializers.Serializer):
    label = serializers.CharField(help_text="e.g. 2026–27 Q3.")
    months = serializers.CharField(help_text="e.g. October to December 2026.")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    reviews_held_on = serializers.ListField(child=serializers.DateField(),
                                            help_text="Dates of the reviews held in it.")


class EngagementReportSerializer(serializers.Serializer):
    """Attendance at reviews by organisation over the last four financial quarters."""

    partnership = PartnershipRefSerializer()
    as_of = serializers.DateField(help_text="Today (UK): the period ends here.")
    starts_on = serializers.DateField(help_text="First day of the oldest quarter.")
    quarters = EngagementQuarterSerializer(many=True, help_text="Oldest first.")
    reviews_held = serializers.IntegerField(help_text="Reviews held in the period.")
    sent_no_one_count = serializers.IntegerField(
        help_text="Organisations that were expected and attended none.")
    rows = EngagementRowSerializer(
        many=True, help_text="Those that sent no one first, then the lowest rates, then those "
                             "never expected; then by name.")


def engagement_data(data: report.EngagementReport) -> dict[str, Any]:
    """The report as plain data for ``EngagementReportSerializer`` (what the page shows)."""
    return {
        "partnership": data.partnership,
        "as_of": data.today,
        "starts_on": data.starts_on,
        "quarters": [{"label": q.label, "months": q.months, "starts_on": q.starts_on,
                      "ends_on": q.ends_on, "reviews_held_on": [r.held_on for r in held_in]}
                     for q, held_in in zip(data.quarters, data.reviews_by_quarter, strict=True)],
        "reviews_held": len(data.reviews),
        "sent_no_one_count": data.sent_no_one_count,
        "rows": [{"organisation": row.organisation, "statutory": row.is_statutory,
                  "sent_no_one": row.sent_no_one, "attended": row.attended,
                  "expected": row.expected, "rate": row.rate,
                  "quarters": [{"quarter": q.label,
                                "marks": [{"held_on": m.held_on, "mark": m.state,
                                           "label": m.label} for m in marks]}
                               for q, marks in zip(data.quarters, row.cells, strict=True)]}
                 for row in data.rows],
    }


class EngagementView(APIView):
    """The partner engagement report (``partnerships.engagement``) of one partnership."""

    permission_classes = [SignedIn]

    @extend_schema(
        summary="A partnership's engagement report",
        description="Attendance at the partnership's reviews held in the last four financial "
                    "quarters (the current one to date), by organisation: statutory agencies "
                    "marked, those that sent no one flagged. For the partnership's managers, "
                    "the commissioners who fund it and platform admins.",
        parameters=[SLUG],
        responses={200: EngagementReportSerializer, 404: NOT_FOUND})
    def get(self, request: Request, slug: str) -> Response:
        partnership = partnership_or_404(request, slug, VIEW_ENGAGEMENT)
        data = report.engagement_report(partnership, clock.today())
        return Response(EngagementReportSerializer(engagement_data(data),
                                                   context={"request": request}).data)


__all__ = ["EngagementView", "ReviewViewSet"]
