"""Ending what a partnership holds for a period: a membership (``POST /memberships/{id}/end/``),
the lead for an activity (``POST /lead-responsibilities/{id}/end/``) and funding (``POST
/funding/{id}/end/``). Rows are ended, never deleted, so the history is kept. The row must exist
(404) and the user must manage its partnership (403 with the reason); each end is one call of
``partnerships.actions``. Adding them is ``writes_partnerships`` (under the partnership's slug).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.parsers import BoundedJSONParser

from .. import actions
from ..models import Funding, LeadResponsibility, Membership
from .writes_common import (
    BAD_INPUT,
    CANNOT_MANAGE,
    FORBIDDEN,
    ID_PATTERN,
    MANAGE,
    NOT_FOUND,
    FundingWriteSerializer,
    LeadResponsibilityWriteSerializer,
    MembershipSerializer,
    SignedIn,
    answer,
    read_input,
    require,
    row_or_404,
)

ERRORS = {400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND}


class MembershipEndInput(serializers.Serializer):
    left_on = serializers.DateField(help_text="First day it is no longer a member.")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300,
                                   help_text="Why it left (kept in the membership's notes).")


class LeadResponsibilityEndInput(serializers.Serializer):
    ends_on = serializers.DateField(help_text="First day it no longer leads.")


class FundingEndInput(serializers.Serializer):
    ends_on = serializers.DateField(help_text="The funding's new last day.")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)


class _EndViewSet(viewsets.GenericViewSet):
    """``POST /<rows>/{id}/end/`` for rows of a partnership: 404 unless the row exists, 403
    unless the user manages its partnership."""

    permission_classes = [SignedIn]
    parser_classes = [BoundedJSONParser]
    lookup_value_regex = ID_PATTERN
    filter_backends: list[Any] = []
    pagination_class = None

    def managed_row(self, request: Request, pk: str) -> Any:
        row = row_or_404(self.queryset.model.objects.select_related("partnership"), pk, request)
        require(request, MANAGE, row.partnership, CANNOT_MANAGE)
        return row


class MembershipWriteViewSet(_EndViewSet):
    """Ending a membership."""

    queryset = Membership.objects.none()

    @extend_schema(summary="End a membership", request=MembershipEndInput,
                   description="The row stays, so the history is kept; the organisation's lead "
                               "responsibilities in the partnership end the same day.",
                   responses={200: MembershipSerializer, **ERRORS},
                   examples=[OpenApiExample("Left after recommissioning", request_only=True,
                                            value={"left_on": "2027-04-01",
                                                   "reason": "Not recommissioned."})])
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        membership = self.managed_row(request, pk)
        data = read_input(MembershipEndInput, request)
        actions.membership_end(membership=membership, by=request.user, **data)
        return answer(MembershipSerializer, Membership, membership.pk, status.HTTP_200_OK,
                       request)


class LeadResponsibilityWriteViewSet(_EndViewSet):
    """Ending a lead responsibility."""

    queryset = LeadResponsibility.objects.none()

    @extend_schema(summary="End the lead for an activity", request=LeadResponsibilityEndInput,
                   description="The activity has no lead from that day until one is assigned.",
                   responses={200: LeadResponsibilityWriteSerializer, **ERRORS},
                   examples=[OpenApiExample("Ends at the year end", request_only=True,
                                            value={"ends_on": "2027-04-01"})])
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        responsibility = self.managed_row(request, pk)
        data = read_input(LeadResponsibilityEndInput, request)
        actions.lead_responsibility_end(responsibility=responsibility, by=request.user, **data)
        return answer(LeadResponsibilityWriteSerializer, LeadResponsibility, responsibility.pk,
                       status.HTTP_200_OK, request)


class FundingWriteViewSet(_EndViewSet):
    """Ending funding early."""

    queryset = Funding.objects.none()

    @extend_schema(summary="End funding early", request=FundingEndInput,
                   description="Its period now stops on ends_on (e.g. a contract terminated).",
                   responses={200: FundingWriteSerializer, **ERRORS},
                   examples=[OpenApiExample("Contract terminated", request_only=True,
                                            value={"ends_on": "2026-12-31",
                                                   "reason": "Contract terminated."})])
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        funding = self.managed_row(request, pk)
        data = read_input(FundingEndInput, request)
        actions.funding_end(funding=funding, by=request.user, **data)
        return answer(FundingWriteSerializer, Funding, funding.pk, status.HTTP_200_OK, request)


__all__ = ["FundingWriteViewSet", "LeadResponsibilityWriteViewSet", "MembershipWriteViewSet"]
