"""Casework in numbers, for commissioners and anyone signed in: open cases per partnership, by
order type and by seriousness, and referrals by status. Counts only — no references, no
personal data — each counted by the database (a fixed handful of queries however many cases)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from partnerships.api.common import PartnershipRefSerializer
from partnerships.models import Partnership

from ..choices import OrderType, ReferralStatus, Seriousness
from ..models import Case, Referral
from .common import NoStore, SignedIn


class PartnershipCountSerializer(serializers.Serializer):
    partnership = PartnershipRefSerializer()
    open_cases = serializers.IntegerField()


class OrderTypeCountSerializer(serializers.Serializer):
    order_type = serializers.ChoiceField(choices=OrderType.choices)
    label = serializers.CharField()
    open_cases = serializers.IntegerField()


class SeriousnessCountSerializer(serializers.Serializer):
    seriousness = serializers.ChoiceField(choices=Seriousness.choices)
    label = serializers.CharField()
    open_cases = serializers.IntegerField()


class ReferralStatusCountSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ReferralStatus.choices)
    label = serializers.CharField()
    referrals = serializers.IntegerField()


class CaseCountsSerializer(serializers.Serializer):
    open_cases = serializers.IntegerField(help_text="All open cases counted.")
    by_partnership = PartnershipCountSerializer(
        many=True, help_text="Partnerships with open cases, by name.")
    by_order_type = OrderTypeCountSerializer(many=True, help_text="Every order type, zeros "
                                                                  "included.")
    by_seriousness = SeriousnessCountSerializer(many=True, help_text="Every level, zeros "
                                                                     "included.")
    referrals_by_status = ReferralStatusCountSerializer(
        many=True, help_text="Referrals of the cases counted (open or closed), every status.")


def tally(queryset: QuerySet[Any], field: str) -> dict[str, int]:
    """``value → count`` of ``field``, counted by the database."""
    return {row[field]: row["n"] for row in
            queryset.order_by().values(field).annotate(n=Count("pk"))}


def case_counts(partnership: Partnership | None = None) -> dict[str, Any]:
    """The counts, for one partnership or all. Five queries."""
    cases = Case.objects.all()
    if partnership is not None:
        cases = cases.filter(partnership=partnership)
    open_cases = cases.open()
    counted = tally(open_cases, "partnership")
    partnerships = Partnership.objects.filter(pk__in=list(counted)).order_by("name", "pk")
    order_types = tally(open_cases, "order_type")
    seriousness = tally(open_cases, "seriousness")
    referrals = tally(Referral.objects.filter(case__in=cases.values("pk")), "status")
    return {
        "open_cases": sum(order_types.values()),
        "by_partnership": [{"partnership": p, "open_cases": counted[p.pk]}
                           for p in partnerships],
        "by_order_type": [{"order_type": value, "label": label,
                           "open_cases": order_types.get(value, 0)}
                          for value, label in OrderType.choices],
        "by_seriousness": [{"seriousness": value, "label": label,
                            "open_cases": seriousness.get(value, 0)}
                           for value, label in Seriousness.choices],
        "referrals_by_status": [{"status": value, "label": label,
                                 "referrals": referrals.get(value, 0)}
                                for value, label in ReferralStatus.choices],
    }


class CaseCountsView(NoStore, APIView):
    """How much casework there is, without any case in it."""

    permission_classes = [SignedIn]

    @extend_schema(
        summary="Casework counts",
        description="Open cases per partnership, by order type and by seriousness, and "
                    "referrals by status. Counts only: no references, no personal data. For "
                    "commissioners and anyone signed in.",
        parameters=[OpenApiParameter("partnership", str, required=False,
                                     description="Slug of a partnership: its counts only.")],
        responses={200: CaseCountsSerializer},
    )
    def get(self, request: Request) -> Response:
        if not request.user.has_perm("referrals.view_case_counts"):
            raise PermissionDenied
        partnership = None
        slug = (request.query_params.get("partnership") or "").strip()
        if slug:
            partnership = Partnership.objects.visible_to(request.user).filter(slug=slug).first()
            if partnership is None:
                raise serializers.ValidationError(
                    {"partnership": [f"No such partnership: “{slug}”."]})
        return Response(CaseCountsSerializer(case_counts(partnership)).data)
