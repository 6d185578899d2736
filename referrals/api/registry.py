"""Casework's partnership-level terms, readable by every signed-in user because they describe
how agencies work together, not any person: the agreed referral pathways and the sharing terms
of information-sharing protocols."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from rest_framework import serializers

from core.api import ReadOnlyRegistryViewSet, StrictBooleanFilter
from partnerships.api.common import (
    AgreementSummarySerializer,
    OrganisationRefSerializer,
    PartnershipRefSerializer,
)
from partnerships.filters import organisation_filter, partnership_filter, visible_partnerships
from partnerships.models import Organisation
from services.api.directory import CategorySerializer

from ..choices import CriminalOffenceCondition, LawfulBasis, SpecialCategoryCondition
from ..models import ReferralPathway, SharingProtocol
from .common import ServiceNameSerializer

# --------------------------------------------------------------------------------------------
# Referral pathways
# --------------------------------------------------------------------------------------------


class PathwayListSerializer(serializers.ModelSerializer):
    """An agreed route from one service (or category) to another within a partnership."""

    url = serializers.HyperlinkedIdentityField(view_name="referralpathway-detail")
    partnership = PartnershipRefSerializer()
    from_service = ServiceNameSerializer(allow_null=True)
    from_category = CategorySerializer(allow_null=True)
    to_service = ServiceNameSerializer(allow_null=True)
    to_category = CategorySerializer(allow_null=True)

    class Meta:
        model = ReferralPathway
        fields = ["url", "id", "name", "partnership", "from_service", "from_category",
                  "to_service", "to_category", "target_response_days", "last_reviewed_on"]


class PathwayDetailSerializer(PathwayListSerializer):
    """A pathway with who is eligible and the agreement it is part of."""

    agreement = AgreementSummarySerializer(allow_null=True)

    class Meta(PathwayListSerializer.Meta):
        fields = [*PathwayListSerializer.Meta.fields, "eligibility_notes", "agreement"]


class PathwayFilter(django_filters.FilterSet):
    """Pathways by partnership and by the service they start from or lead to."""

    partnership = partnership_filter("Slug of the partnership.")
    from_service = django_filters.CharFilter(field_name="from_service__slug",
                                             help_text="Slug of the service referred from.")
    to_service = django_filters.CharFilter(field_name="to_service__slug",
                                           help_text="Slug of the service referred to.")

    class Meta:
        model = ReferralPathway
        fields = ["partnership", "from_service", "to_service"]


class ReferralPathwayViewSet(ReadOnlyRegistryViewSet):
    """The routes between services a partnership has agreed, with target response times."""

    view_permission = "referrals.view_referralpathway"
    list_serializer_class = PathwayListSerializer
    detail_serializer_class = PathwayDetailSerializer
    filterset_class = PathwayFilter
    search_fields = ["name"]
    ordering_fields = ["name", "last_reviewed_on"]
    ordering = ["partnership__name", "name", "id"]
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self) -> QuerySet[ReferralPathway]:
        return ReferralPathway.objects.select_related(
            "partnership", "from_service", "from_category", "to_service", "to_category",
            "agreement")


# --------------------------------------------------------------------------------------------
# Information-sharing protocols
# --------------------------------------------------------------------------------------------


class ProtocolListSerializer(serializers.ModelSerializer):
    """What an information-sharing protocol allows, in the terms UK data-protection law asks."""

    url = serializers.HyperlinkedIdentityField(view_name="sharingprotocol-detail")
    partnership = PartnershipRefSerializer(source="agreement.partnership")
    agreement = AgreementSummarySerializer()
    parties = OrganisationRefSerializer(many=True, source="all_parties")
    lawful_basis = serializers.ChoiceField(choices=LawfulBasis.choices,
                                           help_text="UK GDPR Article 6(1).")
    special_category_condition = serializers.ChoiceField(
        choices=SpecialCategoryCondition.choices, help_text="UK GDPR Article 9(2).")
    criminal_offence_condition = serializers.ChoiceField(
        choices=CriminalOffenceCondition.choices, help_text="DPA 2018 Schedule 1.")
    in_force = serializers.BooleanField(help_text="Its agreement is active and in effect "
                                                  "today: referrals may rely on it.")

    class Meta:
        model = SharingProtocol
        fields = ["url", "id", "partnership", "agreement", "parties", "in_force",
                  "lawful_basis", "special_category_condition", "criminal_offence_condition",
                  "retention_months", "review_on"]


class ProtocolDetailSerializer(ProtocolListSerializer):
    """A protocol with its purpose and the data items shared."""

    class Meta(ProtocolListSerializer.Meta):
        fields = [*ProtocolListSerializer.Meta.fields, "purpose", "data_items"]


class ProtocolFilter(django_filters.FilterSet):
    """Protocols by partnership, party and whether they are in force."""

    partnership = django_filters.ModelChoiceFilter(
        field_name="agreement__partnership", to_field_name="slug",
        queryset=visible_partnerships, help_text="Slug of the partnership.")
    party = organisation_filter("Slug of an organisation party to the protocol.",
                                field_name="parties")
    in_force = StrictBooleanFilter(help_text="true: in force today.")

    class Meta:
        model = SharingProtocol
        fields = ["partnership", "party", "in_force"]


class SharingProtocolViewSet(ReadOnlyRegistryViewSet):
    """Information-sharing protocols: referrals between organisations need one in force."""

    view_permission = "referrals.view_sharingprotocol"
    list_serializer_class = ProtocolListSerializer
    detail_serializer_class = ProtocolDetailSerializer
    filterset_class = ProtocolFilter
    search_fields: list[str] = []
    ordering_fields = ["review_on"]
    ordering = ["agreement__partnership__name", "agreement__reference", "id"]
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self) -> QuerySet[SharingProtocol]:
        in_force = SharingProtocol.objects.in_force().filter(pk=OuterRef("pk"))
        parties = Organisation.objects.order_by("name", "pk")
        return (SharingProtocol.objects.select_related("agreement", "agreement__partnership")
                .prefetch_related(Prefetch("parties", queryset=parties, to_attr="all_parties"))
                .annotate(in_force=Exists(in_force)))
