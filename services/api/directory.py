"""Read API for the service directory: services (what, for whom, where) and locations."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, Q, QuerySet
from rest_framework import serializers

from core.api import ReadOnlyRegistryViewSet, StrictBooleanFilter
from partnerships.api.common import (
    OrganisationRefSerializer,
    PartnershipRefSerializer,
    RegionSerializer,
)
from partnerships.choices import Setting
from partnerships.filters import (
    organisation_filter,
    partnership_filter,
    region_filter,
    setting_matches,
)

from ..choices import Gender, LocationKind, PrisonCategory
from ..models import Location, Service, ServiceAtLocation, ServiceCategory

# --------------------------------------------------------------------------------------------
# Small nested serializers
# --------------------------------------------------------------------------------------------


class CategorySerializer(serializers.ModelSerializer):
    """A category of the service taxonomy."""

    class Meta:
        model = ServiceCategory
        fields = ["slug", "name"]


class LocationRefSerializer(serializers.ModelSerializer):
    """Enough of a location to name it and look it up."""

    class Meta:
        model = Location
        fields = ["slug", "name", "kind"]


class EligibilitySerializer(serializers.ModelSerializer):
    """Who a service is for (``max_age`` empty for no upper limit)."""

    class Meta:
        model = Service
        fields = ["gender", "min_age", "max_age", "setting"]


class DeliverySiteSerializer(serializers.ModelSerializer):
    """Where a service is delivered; ``co_located`` when staff work in another's building."""

    location = LocationRefSerializer()

    class Meta:
        model = ServiceAtLocation
        fields = ["location", "co_located", "notes"]


class ServiceRefSerializer(serializers.ModelSerializer):
    """Enough of a service to name it, its provider, and look it up."""

    provider = OrganisationRefSerializer()

    class Meta:
        model = Service
        fields = ["slug", "name", "provider"]


class ServiceAtSiteSerializer(serializers.ModelSerializer):
    """A service delivered at one location."""

    service = ServiceRefSerializer()

    class Meta:
        model = ServiceAtLocation
        fields = ["service", "co_located", "notes"]


# --------------------------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------------------------


class ServiceListSerializer(serializers.ModelSerializer):
    """A service in the directory: who provides it, for whom, by which routes, and where."""

    url = serializers.HyperlinkedIdentityField(view_name="service-detail", lookup_field="slug")
    provider = OrganisationRefSerializer()
    partnership = PartnershipRefSerializer(allow_null=True)
    categories = CategorySerializer(many=True)
    eligibility = EligibilitySerializer(source="*")
    referral_routes = serializers.ListField(child=serializers.CharField(), read_only=True)
    locations = DeliverySiteSerializer(many=True, source="delivery_sites")

    class Meta:
        model = Service
        fields = ["url", "slug", "name", "provider", "partnership", "categories", "eligibility",
                  "referral_routes", "is_active", "locations"]


class ServiceDetailSerializer(ServiceListSerializer):
    """A service with its description."""

    class Meta(ServiceListSerializer.Meta):
        fields = [*ServiceListSerializer.Meta.fields, "description"]


class ServiceFilter(django_filters.FilterSet):
    """Services by provider, partnership, category, setting, gender and whether running."""

    provider = organisation_filter("Slug of the providing organisation.")
    partnership = partnership_filter("Slug of the partnership it is delivered under.")
    category = django_filters.ModelChoiceFilter(
        field_name="categories", to_field_name="slug", queryset=ServiceCategory.objects.all(),
        help_text="Slug of a service category, e.g. substance-misuse.")
    setting = django_filters.ChoiceFilter(
        choices=Setting.choices, method="filter_setting",
        help_text="custody or community also finds services delivered in both.")
    gender = django_filters.ChoiceFilter(
        choices=Gender.choices, method="filter_gender",
        help_text="women or men also finds services open to any gender.")
    is_active = StrictBooleanFilter(help_text="true: running services only.")

    class Meta:
        model = Service
        fields = ["provider", "partnership", "category", "setting", "gender", "is_active"]

    def filter_setting(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(setting_matches(value))

    def filter_gender(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == Gender.ANY:
            return queryset.filter(gender=Gender.ANY)
        return queryset.filter(Q(gender=value) | Q(gender=Gender.ANY))


class ServiceViewSet(ReadOnlyRegistryViewSet):
    """The service directory."""

    view_permission = "services.view_service"
    lookup_field = "slug"
    list_serializer_class = ServiceListSerializer
    detail_serializer_class = ServiceDetailSerializer
    filterset_class = ServiceFilter
    search_fields = ["name", "description"]
    ordering_fields = ["name", "created_on"]
    ordering = ["name", "slug"]

    def get_queryset(self) -> QuerySet[Service]:
        user: Any = self.request.user
        sites = ServiceAtLocation.objects.select_related("location").order_by("location__name",
                                                                               "pk")
        return (Service.objects.visible_to(user)
                .select_related("provider", "partnership")
                .prefetch_related(
                    Prefetch("categories",
                             queryset=ServiceCategory.objects.order_by("position", "name")),
                    Prefetch("delivery_sites", queryset=sites),
                ))


# --------------------------------------------------------------------------------------------
# Locations
# --------------------------------------------------------------------------------------------


class LocationListSerializer(serializers.ModelSerializer):
    """A place services are delivered."""

    url = serializers.HyperlinkedIdentityField(view_name="location-detail", lookup_field="slug")
    region = RegionSerializer(allow_null=True)
    operator = OrganisationRefSerializer(allow_null=True)

    class Meta:
        model = Location
        fields = ["url", "slug", "name", "kind", "region", "address", "postcode",
                  "prison_category", "operational_capacity", "operator"]


class LocationDetailSerializer(LocationListSerializer):
    """A location with the services delivered there."""

    services = ServiceAtSiteSerializer(many=True, source="delivery_sites")

    class Meta(LocationListSerializer.Meta):
        fields = [*LocationListSerializer.Meta.fields, "services"]


class LocationFilter(django_filters.FilterSet):
    """Locations by kind, region and prison category."""

    kind = django_filters.ChoiceFilter(choices=LocationKind.choices)
    region = region_filter("region", "Region code, e.g. london.")
    prison_category = django_filters.ChoiceFilter(choices=PrisonCategory.choices)

    class Meta:
        model = Location
        fields = ["kind", "region", "prison_category"]


class LocationViewSet(ReadOnlyRegistryViewSet):
    """Prisons, probation offices, hubs and other places services are delivered."""

    view_permission = "services.view_location"
    lookup_field = "slug"
    list_serializer_class = LocationListSerializer
    detail_serializer_class = LocationDetailSerializer
    filterset_class = LocationFilter
    search_fields = ["name", "postcode"]
    ordering_fields = ["name", "kind", "operational_capacity", "created_on"]
    ordering = ["name", "slug"]

    def get_queryset(self) -> QuerySet[Location]:
        user: Any = self.request.user
        queryset = Location.objects.visible_to(user).select_related("region", "operator")
        if self.action != "retrieve":
            return queryset
        sites = (ServiceAtLocation.objects.select_related("service__provider")
                 .order_by("service__name", "pk"))
        return queryset.prefetch_related(Prefetch("delivery_sites", queryset=sites))
