"""The cases API, need-to-know: the cases the user's organisation is involved in now (lead
agency, or referring or receiving organisation of an open referral), one case in full, and
every change to a case: open, update, hand over the lead, close, record an assessment, send a
referral; plus the case's access log for its lead agency.

Cases are named by their ``reference`` in URLs, never by id. A case the user may not see is a
404, the same as one that does not exist. Reading a case in full writes one access-log row;
lists and the answers to writes are summaries without personal data and are not logged.
Platform admins are never involved: they may read one case by stating a reason in the
``X-Access-Reason`` header, which is logged with the read. Never in the address (``?reason=``
is refused): addresses end up in proxy and server access logs and browser history.

Every answer is ``Cache-Control: no-store`` (``NoStore``). Opening a case and referring one
take an optional ``Idempotency-Key`` header, so a client that sends a request twice creates
one case or referral. Closing says when the case will be anonymised; until then its lead agency
can reopen it.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from core import clock
from core.api import StrictBooleanFilter
from core.errors import DomainError
from core.parsers import BoundedJSONParser
from partnerships.filters import partnership_filter

from .. import actions
from ..choices import CaseStatus, OrderType, Seriousness
from ..models import Assessment, Case, CaseAccess, LeadAgency, Referral
from .case_serializers import (
    AccessSerializer,
    AssessmentInput,
    AssessmentSerializer,
    CaseClosedSerializer,
    CaseCloseInput,
    CaseDetailSerializer,
    CaseOpenInput,
    CaseReopenInput,
    CaseSummarySerializer,
    CaseUpdateInput,
    DuplicateCaseSerializer,
    LeadChangeInput,
    ReferralSendInput,
    with_current_lead,
    with_everything,
)
from .common import (
    IDEMPOTENCY_KEY,
    MIN_REASON_LENGTH,
    NOT_FOUND,
    REFUSED,
    REPEAT_REFUSED,
    NoStore,
    RecentAssessmentSerializer,
    SignedIn,
    SummaryListDetailRead,
    get_or_404,
    idempotency_key,
    log_read,
    read_input,
)
from .referrals import ReferralSummarySerializer, referral_queryset

# --------------------------------------------------------------------------------------------
# The list's filters
# --------------------------------------------------------------------------------------------


class CaseFilter(django_filters.FilterSet):
    """Cases by state, partnership, order type, seriousness, and whether you lead them."""

    status = django_filters.ChoiceFilter(choices=CaseStatus.choices)
    partnership = partnership_filter("Slug of the partnership.")
    order_type = django_filters.ChoiceFilter(choices=OrderType.choices)
    seriousness = django_filters.ChoiceFilter(choices=Seriousness.choices)
    lead_is_mine = StrictBooleanFilter(method="filter_lead_is_mine",
                                       help_text="true: cases your organisation leads; false: "
                                                 "cases it is involved in through a referral.")

    class Meta:
        model = Case
        fields = ["status", "partnership", "order_type", "seriousness", "lead_is_mine"]

    def filter_lead_is_mine(self, queryset: QuerySet[Case], name: str,
                            value: bool) -> QuerySet[Case]:
        led = LeadAgency.objects.current().filter(
            organisation_id=getattr(self.request.user, "organisation_id", None))
        if value:
            return queryset.filter(pk__in=led.values("case_id"))
        return queryset.exclude(pk__in=led.values("case_id"))


# --------------------------------------------------------------------------------------------
# The viewset
# --------------------------------------------------------------------------------------------

#: The header a platform admin states their reason in (never the address).
REASON_HEADER = "X-Access-Reason"
REASON = OpenApiParameter(
    REASON_HEADER, OpenApiTypes.STR, location=OpenApiParameter.HEADER, required=False,
    description=f"Platform admins only: why you need to read this case (at least "
                f"{MIN_REASON_LENGTH} characters; UTF-8). Logged with the read. Without it, a "
                f"case you are not involved in is not found. A reason in the address "
                f"(?reason=) is refused with a 400: addresses are kept in access logs.")


def _header_text(value: str) -> str:
    """A header as the client wrote it: HTTP headers arrive as Latin-1, so UTF-8 text (an
    accented name of a service) is decoded back."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value
CHANGED = {200: CaseSummarySerializer, 400: REFUSED, 404: NOT_FOUND}


@extend_schema_view(
    list=extend_schema(summary="Your caseload",
                       description="The cases your organisation is involved in now: as lead "
                                   "agency, or as the referring or receiving organisation of an "
                                   "open referral. Commissioners and admins get none (see "
                                   "case-counts). Nothing about the person: read a case for "
                                   "that."),
    retrieve=extend_schema(summary="A case in full",
                           description="For the organisations involved in it. Each read is "
                                       "written to the case's access log.",
                           parameters=[REASON],
                           responses={200: CaseDetailSerializer, 400: REFUSED,
                                      404: NOT_FOUND}),
)
class CaseViewSet(NoStore, SummaryListDetailRead, mixins.ListModelMixin,
                  mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Cases, each with one lead agency at a time, visible only to the agencies involved."""

    summary_serializer_class = CaseSummarySerializer
    detail_serializer_class = CaseDetailSerializer
    permission_classes = [SignedIn]
    parser_classes = [BoundedJSONParser]
    lookup_field = "reference"
    filterset_class = CaseFilter
    search_fields = ["reference"]
    ordering_fields = ["order_starts_on", "order_ends_on", "reference"]
    ordering = ["-order_starts_on", "reference"]

    def get_queryset(self) -> QuerySet[Case]:
        return with_current_lead(Case.objects.visible_to(self.request.user))

    def _case(self) -> Case:
        """The case named in the URL, if the user's organisation is involved in it."""
        return get_or_404(Case.objects.visible_to(self.request.user),
                          reference=self.kwargs["reference"])

    def _answer(self, case: Case, code: int = status.HTTP_200_OK) -> Response:
        """The case as stored now, after an action changed it (a summary: not a read)."""
        fresh = with_current_lead(Case.objects.filter(pk=case.pk)).get()
        return Response(CaseSummarySerializer(fresh, context=self.get_serializer_context()).data,
                        status=code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        reference = self.kwargs["reference"]
        if "reason" in request.query_params:
            raise serializers.ValidationError(
                {"reason": [f"Send your reason in the {REASON_HEADER} header, not in the "
                            "address: addresses are kept in access logs."]})
        reason = _header_text(request.headers.get(REASON_HEADER) or "").strip()
        admin_reading = bool(reason) and request.user.has_perm("referrals.view_case_with_reason")
        if admin_reading:
            # Checked before looking the case up, so the answer says nothing about it.
            if len(reason) < MIN_REASON_LENGTH:
                raise serializers.ValidationError(
                    {"reason": [f"Say why you need to read this case, in at least "
                                f"{MIN_REASON_LENGTH} characters."]})
            case = get_or_404(with_everything(Case.objects.all()), reference=reference)
        else:
            reason = ""
            case = get_or_404(with_everything(Case.objects.visible_to(request.user)),
                              reference=reference)
        log_read(case, request, reason=reason)
        return Response(CaseDetailSerializer(case, context=self.get_serializer_context()).data)

    @extend_schema(summary="Open a case",
                   description="Records the person (pseudonymously) unless a person reference "
                               "is given, opens the case with its lead agency from the order's "
                               "start and plans its conferences. Caseworkers of a member of the "
                               "partnership only.",
                   request=CaseOpenInput, parameters=[IDEMPOTENCY_KEY],
                   responses={201: CaseSummarySerializer,
                              200: OpenApiResponse(CaseSummarySerializer,
                                                   description="Sent again with the same "
                                                               "Idempotency-Key: the case "
                                                               "the first request opened."),
                              400: REFUSED,
                              409: OpenApiResponse(DuplicateCaseSerializer,
                                                   description="The person identifier already "
                                                               "has an open case led by that "
                                                               "organisation; nothing was "
                                                               "changed.")})
    def create(self, request: Request) -> Response:
        key = idempotency_key(request)
        data = read_input(CaseOpenInput, request)
        lead = data.pop("lead_organisation", None) or request.user.organisation
        if lead is None:
            raise serializers.ValidationError(
                {"lead_organisation": ["Say which organisation leads the case."]})
        repeated = bool(key) and Case.objects.filter(idempotency_key=key).exists()
        try:
            case = actions.case_open(by=request.user, lead_organisation=lead,
                                     idempotency_key=key, **data)
        except DomainError as error:
            if not hasattr(error, "existing_reference"):
                raise
            existing = error.existing_reference
            return Response({
                "identifiers": [str(error)],
                "existing_case": ({"reference": existing,
                                   "url": request.build_absolute_uri(
                                       reverse("case-detail", args=[existing]))}
                                  if existing else None)},
                status=status.HTTP_409_CONFLICT)
        return self._answer(case, status.HTTP_200_OK if repeated else status.HTTP_201_CREATED)

    @extend_schema(summary="Change a case",
                   description="Order type and dates, seriousness, complex needs, compliance, a "
                               "significant change, whether treatment continues. The lead "
                               "agency only. Future, unheld conferences are re-planned; held "
                               "ones are left alone.",
                   request=CaseUpdateInput, responses=CHANGED)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self._case()
        data = read_input(CaseUpdateInput, request)
        actions.case_update(case=case, by=request.user, **data)
        return self._answer(case)

    @extend_schema(summary="Hand over the lead",
                   description="The current lead agency's period ends the day the new one "
                               "starts: one lead at any time.",
                   request=LeadChangeInput, responses=CHANGED)
    @action(detail=True, methods=["post"])
    def lead(self, request: Request, reference: str | None = None) -> Response:
        case = self._case()
        data = read_input(LeadChangeInput, request)
        actions.lead_agency_change(case=case, organisation=data["organisation"],
                                   starts_on=data.get("starts_on") or clock.today(),
                                   by=request.user)
        return self._answer(case)

    @extend_schema(summary="Close a case",
                   description="The lead agency only. Open referrals are withdrawn and planned "
                               "conferences cancelled. The answer says when the case will be "
                               "anonymised (its protocols' longest retention period, or the "
                               "standard one, after the closing date) and what that removes; "
                               "until then the lead agency can reopen it.",
                   request=CaseCloseInput,
                   responses={200: CaseClosedSerializer, 400: REFUSED, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, reference: str | None = None) -> Response:
        case = self._case()
        data = read_input(CaseCloseInput, request)
        actions.case_close(case=case, by=request.user, closed_on=data.get("closed_on"))
        fresh = with_current_lead(Case.objects.filter(pk=case.pk)).get()
        return Response(CaseClosedSerializer(fresh,
                                             context=self.get_serializer_context()).data)

    @extend_schema(summary="Reopen a closed case",
                   description="The lead agency only, saying why, until the case is "
                               "anonymised. An open case is never anonymised. Referrals "
                               "withdrawn on closing stay withdrawn; conferences after today "
                               "are planned again.",
                   request=CaseReopenInput, responses=CHANGED)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, reference: str | None = None) -> Response:
        case = self._case()
        data = read_input(CaseReopenInput, request)
        actions.case_reopen(case=case, by=request.user, reason=data["reason"])
        return self._answer(case)

    def _refused_for_repeat(self, case: Case, error: DomainError,
                            confirmed: bool) -> Response | None:
        """A 400 listing the recent assessments when they are why the action was refused."""
        if confirmed or getattr(error, "field", None) != "confirmed_repeat":
            return None
        recent = actions.recent_assessments(case=case)
        return Response({"confirmed_repeat": [str(error)],
                         "recent_assessments": RecentAssessmentSerializer(
                             recent, many=True, context=self.get_serializer_context()).data},
                        status=status.HTTP_400_BAD_REQUEST)

    @extend_schema(summary="Record an assessment",
                   description="If the person was assessed recently (by any service), refused "
                               "with those assessments listed unless confirmed_repeat is true.",
                   request=AssessmentInput,
                   responses={201: AssessmentSerializer, 400: REPEAT_REFUSED, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def assessments(self, request: Request, reference: str | None = None) -> Response:
        case = self._case()
        data = read_input(AssessmentInput, request)
        organisation = data.pop("organisation", None) or request.user.organisation
        try:
            assessment = actions.assessment_record(case=case, organisation=organisation,
                                                   by=request.user, **data)
        except DomainError as error:
            refused = self._refused_for_repeat(case, error, data["confirmed_repeat"])
            if refused is None:
                raise
            return refused
        fresh = Assessment.objects.select_related("organisation", "service",
                                                  "recorded_by").get(pk=assessment.pk)
        return Response(AssessmentSerializer(fresh, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="Refer the case",
                   description="From your organisation to a service. Between two "
                               "organisations, an information-sharing protocol in force in a "
                               "partnership both belong to is needed. If the person was "
                               "assessed recently, refused with those assessments listed "
                               "unless confirmed_repeat is true.",
                   request=ReferralSendInput, parameters=[IDEMPOTENCY_KEY],
                   responses={201: ReferralSummarySerializer,
                              200: OpenApiResponse(ReferralSummarySerializer,
                                                   description="Sent again with the same "
                                                               "Idempotency-Key: the referral "
                                                               "the first request sent."),
                              400: REPEAT_REFUSED, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def referrals(self, request: Request, reference: str | None = None) -> Response:
        case = self._case()
        key = idempotency_key(request)
        data = read_input(ReferralSendInput, request)
        repeated = bool(key) and Referral.objects.filter(idempotency_key=key).exists()
        try:
            referral = actions.referral_send(case=case, by=request.user, idempotency_key=key,
                                             **data)
        except DomainError as error:
            refused = self._refused_for_repeat(case, error, data["confirmed_repeat"])
            if refused is None:
                raise
            return refused
        fresh = referral_queryset(Referral.objects.filter(pk=referral.pk)).get()
        return Response(ReferralSummarySerializer(
            fresh, context=self.get_serializer_context()).data,
            status=status.HTTP_200_OK if repeated else status.HTTP_201_CREATED)

    @extend_schema(summary="Who read the case",
                   description="Every read of the case page or API, newest first: for the lead "
                               "agency (and platform admins).",
                   responses={200: AccessSerializer(many=True), 404: NOT_FOUND})
    @action(detail=True, methods=["get"], url_path="access-log", url_name="access-log",
            filter_backends=[])
    def access_log(self, request: Request, reference: str | None = None) -> Response:
        case = Case.objects.filter(reference=self.kwargs["reference"]).first()
        if case is None or not request.user.has_perm("referrals.view_access_log", case):
            get_or_404(Case.objects.none())
        reads = (CaseAccess.objects.filter(case=case)
                 .select_related("user", "organisation", "api_token")
                 .order_by("-accessed_at", "-id"))
        page = self.paginate_queryset(reads)
        return self.get_paginated_response(
            AccessSerializer(page, many=True, context=self.get_serializer_context()).data)
