"""The referrals API: referrals of the cases the user's organisation is involved in (the inbox of
those addressed to it, and those it sent), one referral read in full (logged as a read of its
case), and the answers: accept, decline, complete, withdraw. Sending a referral is on the case
(``POST cases/{reference}/referrals/``, in ``cases.py``).

Every write goes through ``referrals.actions``; a refused action is a 400 with its message and
changes nothing. A referral the user may not see is a 404, the same as one that does not exist.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.parsers import BoundedJSONParser
from partnerships.api.common import OrganisationRefSerializer

from .. import actions
from ..choices import LawfulBasis, ReferralStatus
from ..models import Referral, ReferralPathway
from .common import (
    NOT_FOUND,
    REFUSED,
    CaseRefSerializer,
    NoStore,
    ServiceNameSerializer,
    SignedIn,
    SummaryListDetailRead,
    UserNameField,
    get_or_404,
    log_read,
    read_input,
)

# --------------------------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------------------------


class PathwayRefSerializer(serializers.ModelSerializer):
    """Enough of a referral pathway to name it and look it up."""

    class Meta:
        model = ReferralPathway
        fields = ["id", "name"]


class ReferralSummarySerializer(serializers.ModelSerializer):
    """A referral in a list or as a write answers: who to whom, along which pathway, under which
    lawful basis, and where it stands. No free text (read the referral for its reason)."""

    url = serializers.HyperlinkedIdentityField(view_name="referral-detail",
                                               lookup_field="reference")
    case = CaseRefSerializer()
    from_organisation = OrganisationRefSerializer()
    from_service = ServiceNameSerializer(allow_null=True)
    to_organisation = OrganisationRefSerializer()
    to_service = ServiceNameSerializer()
    pathway = PathwayRefSerializer(allow_null=True)
    status = serializers.ChoiceField(choices=ReferralStatus.choices)
    lawful_basis = serializers.ChoiceField(choices=LawfulBasis.choices)
    sent_at = serializers.DateTimeField(source="created_on")

    class Meta:
        model = Referral
        fields = ["url", "reference", "case", "from_organisation", "from_service",
                  "to_organisation", "to_service", "pathway", "protocol", "status",
                  "consent_recorded", "lawful_basis", "sent_at", "response_due_on",
                  "responded_at", "closed_at"]


class ReferralInCaseSerializer(ReferralSummarySerializer):
    """A referral as the case shows it (the case read is logged): with its reason."""

    sent_by = UserNameField()
    responded_by = UserNameField()

    class Meta(ReferralSummarySerializer.Meta):
        fields = [name for name in ReferralSummarySerializer.Meta.fields if name != "case"] + [
            "reason", "decline_reason", "sent_by", "responded_by"]


class ReferralDetailSerializer(ReferralInCaseSerializer):
    """One referral in full (reading it is logged as a read of its case)."""

    class Meta(ReferralInCaseSerializer.Meta):
        fields = [*ReferralSummarySerializer.Meta.fields, "reason", "decline_reason", "sent_by",
                  "responded_by"]


def referral_queryset(queryset: QuerySet[Referral]) -> QuerySet[Referral]:
    """Referrals with what their summaries show, in a fixed number of queries."""
    return queryset.select_related("case", "from_organisation", "from_service",
                                   "to_organisation", "to_service", "pathway")


# --------------------------------------------------------------------------------------------
# Filters and inputs
# --------------------------------------------------------------------------------------------


class Box:
    INBOX = "inbox"
    SENT = "sent"
    CHOICES = [(INBOX, "Addressed to my organisation"), (SENT, "Sent by my organisation")]


class ReferralFilter(django_filters.FilterSet):
    """Referrals by box (addressed to or sent by my organisation), status and case."""

    box = django_filters.ChoiceFilter(choices=Box.CHOICES, method="filter_box",
                                      help_text="inbox: addressed to your organisation; sent: "
                                                "sent by it.")
    status = django_filters.ChoiceFilter(choices=ReferralStatus.choices)
    case = django_filters.CharFilter(field_name="case__reference",
                                     help_text="Reference of the case.")

    class Meta:
        model = Referral
        fields = ["box", "status", "case"]

    def filter_box(self, queryset: QuerySet[Referral], name: str,
                   value: str) -> QuerySet[Referral]:
        organisation_id = getattr(self.request.user, "organisation_id", None)
        if value == Box.INBOX:
            return queryset.inbox_of(organisation_id)
        return queryset.filter(from_organisation_id=organisation_id)


class ReferralDeclineInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True,
                                   help_text="Why the referral is declined (the referrer sees "
                                             "it).")


class ReferralWithdrawInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, help_text="Why the referral is withdrawn.")


# --------------------------------------------------------------------------------------------
# The viewset
# --------------------------------------------------------------------------------------------

ANSWERED = {200: ReferralSummarySerializer, 400: REFUSED, 404: NOT_FOUND}


@extend_schema_view(
    list=extend_schema(summary="Referrals of your cases",
                       description="Referrals of the cases your organisation is involved in "
                                   "now; box=inbox for those addressed to it, box=sent for "
                                   "those it sent. No free text: read a referral for its "
                                   "reason."),
    retrieve=extend_schema(summary="A referral with its reason",
                           description="Each read is written to the case's access log.",
                           responses={200: ReferralDetailSerializer, 404: NOT_FOUND}),
)
class ReferralViewSet(NoStore, SummaryListDetailRead, mixins.ListModelMixin,
                      mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Referrals between organisations, need-to-know: only while the user's organisation is
    involved in the referral's case."""

    summary_serializer_class = ReferralSummarySerializer
    detail_serializer_class = ReferralDetailSerializer
    list_actions = ("list", "inbox")
    permission_classes = [SignedIn]
    parser_classes = [BoundedJSONParser]
    lookup_field = "reference"
    filterset_class = ReferralFilter
    search_fields: list[str] = []
    ordering_fields = ["created_on", "response_due_on"]
    ordering = ["-created_on", "reference"]

    def get_queryset(self) -> QuerySet[Referral]:
        return referral_queryset(Referral.objects.visible_to(self.request.user))

    def _referral(self) -> Referral:
        return get_or_404(self.get_queryset(), reference=self.kwargs["reference"])

    def _answer(self, referral: Referral) -> Response:
        """The referral as stored now, after an action changed it (a summary: not a read)."""
        fresh = referral_queryset(Referral.objects.filter(pk=referral.pk)).get()
        return Response(ReferralSummarySerializer(
            fresh, context=self.get_serializer_context()).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        referral = get_or_404(self.get_queryset().select_related("sent_by", "responded_by"),
                              reference=self.kwargs["reference"])
        log_read(referral.case, request)
        return Response(ReferralDetailSerializer(
            referral, context=self.get_serializer_context()).data)

    @extend_schema(summary="Referrals addressed to your organisation",
                   description="The same as the list with box=inbox.",
                   responses={200: ReferralSummarySerializer(many=True)})
    @action(detail=False, methods=["get"])
    def inbox(self, request: Request) -> Response:
        organisation_id = getattr(request.user, "organisation_id", None)
        queryset = self.filter_queryset(self.get_queryset().inbox_of(organisation_id))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(
            ReferralSummarySerializer(page, many=True,
                                      context=self.get_serializer_context()).data)

    @extend_schema(summary="Accept a referral",
                   description="Staff of the receiving organisation only.",
                   request=None, responses=ANSWERED)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, reference: str | None = None) -> Response:
        referral = self._referral()
        actions.referral_accept(referral=referral, by=request.user)
        return self._answer(referral)

    @extend_schema(summary="Decline a referral",
                   description="Staff of the receiving organisation only, with a reason. The "
                               "organisation is then no longer involved through it.",
                   request=ReferralDeclineInput, responses=ANSWERED)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, reference: str | None = None) -> Response:
        referral = self._referral()
        data = read_input(ReferralDeclineInput, request)
        actions.referral_decline(referral=referral, reason=data["reason"], by=request.user)
        return self._answer(referral)

    @extend_schema(summary="Complete an accepted referral",
                   description="Staff of the receiving organisation only.",
                   request=None, responses=ANSWERED)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, reference: str | None = None) -> Response:
        referral = self._referral()
        actions.referral_complete(referral=referral, by=request.user)
        return self._answer(referral)

    @extend_schema(summary="Withdraw a referral",
                   description="Staff of the referring organisation, while it is sent or "
                               "accepted.",
                   request=ReferralWithdrawInput, responses=ANSWERED)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, reference: str | None = None) -> Response:
        referral = self._referral()
        data = read_input(ReferralWithdrawInput, request)
        actions.referral_withdraw(referral=referral, reason=data["reason"], by=request.user)
        return self._answer(referral)
