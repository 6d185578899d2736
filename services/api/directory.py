"""Read API for the service directory: services (what, for whom, where) and locations."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import django_filters
from django.db.models import Prefetch, Q, QuerySet
from rest_framework import serializers

from core.api import (
    ReadOnlyRegistryViewSet,
    RowsListSerializer,
    StrictBooleanFilter,
    detail_url_maker,
)
from core.pagination import JoinAfterSlicingPagination
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
from ..models import Location, Service, ServiceAtLocation, ServiceCategory, referral_routes

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
        list_serializer_class: type[serializers.ListSerializer] = RowsListSerializer

    # What represent_rows reads: the columns of the list's page query (``.values()``).
    row_values = ("id", "slug", "name", "provider__slug", "provider__name", "provider__kind",
                  "partnership__slug", "partnership__name", "gender", "min_age", "max_age",
                  "setting", "accepts_self_referral", "accepts_professional_referral",
                  "accepts_court_ordered", "is_active")

    def represent_rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The page's rows as the fields above show them: the categories and delivery sites of
        the whole page come from two plain queries (values, not models), grouped here."""
        ids = [r["id"] for r in rows]
        categories: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for service_id, slug, name in page_categories(ids):
            categories[service_id].append({"slug": slug, "name": name})
        sites: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for service_id, slug, name, kind, co_located, notes in page_delivery_sites(ids):
            sites[service_id].append({"location": {"slug": slug, "name": name, "kind": kind},
                                      "co_located": co_located, "notes": notes})
        url = detail_url_maker("service-detail", self.context)
        return [{
            "url": url(r["slug"]), "slug": r["slug"], "name": r["name"],
            "provider": {"slug": r["provider__slug"], "name": r["provider__name"],
                         "kind": r["provider__kind"]},
            "partnership": (None if r["partnership__slug"] is None
                            else {"slug": r["partnership__slug"],
                                  "name": r["partnership__name"]}),
            "categories": categories[r["id"]],
            "eligibility": {"gender": r["gender"], "min_age": r["min_age"],
                            "max_age": r["max_age"], "setting": r["setting"]},
            "referral_routes": referral_routes(
                self_referral=r["accepts_self_referral"],
                professional=r["accepts_professional_referral"],
                court_ordered=r["accepts_court_ordered"]),
            "is_active": r["is_active"],
            "locations": sites[r["id"]],
        } for r in rows]


class ServiceDetailSerializer(ServiceListSerializer):
    """A service with its description."""

    class Meta(ServiceListSerializer.Meta):
        fields = [*ServiceListSerializer.Meta.fields, "description"]
        list_serializer_class = serializers.ListSerializer


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

    # Each filter is optional and reads one parameter (core.api.OptionalFiltersBackend).
    only_filters_given = True

    class Meta:
        model = Service
        fields = ["provider", "partnership", "category", "setting", "gender", "is_active"]

    def filter_setting(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(setting_matches(value))

    def filter_gender(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == Gender.ANY:
            return queryset.filter(gender=Gender.ANY)
        return queryset.filter(Q(gender=value) | Q(gender=Gender.ANY))


def page_categories(service_ids: list[int]) -> QuerySet[Any]:
    """(service id, category slug, category name) for the services' categories, in the
    taxonomy's display order: one query for a page of services."""
    through = Service.categories.through
    return (through.objects.filter(service_id__in=service_ids)
            .order_by("servicecategory__position", "servicecategory__name")
            .values_list("service_id", "servicecategory__slug", "servicecategory__name"))


def page_delivery_sites(service_ids: list[int]) -> QuerySet[Any]:
    """(service id, location slug, name, kind, co-located, notes) for the services' delivery
    sites, by location name: one query for a page of services."""
    return (ServiceAtLocation.objects.filter(service_id__in=service_ids)
            .order_by("location__name", "pk")
            .values_list("service_id", "location__slug", "location__name", "location__kind",
                         "co_located", "notes"))


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
    pagination_class = JoinAfterSlicingPagination

    def page_rows(self, ids: QuerySet[Any]) -> QuerySet[Any]:
        """The listed services with ``ids`` (a page, for JoinAfterSlicingPagination), as the
        plain rows ServiceListSerializer.represent_rows reads (provider and partnership
        joined); it fetches the page's categories and delivery sites itself."""
        return (Service.objects.visible_to(self.request.user).filter(pk__in=ids)
                .values(*ServiceListSerializer.row_values))

    def get_queryset(self) -> QuerySet[Service]:
        user: Any = self.request.user
        if self.action == "list":
            # The list's own rows, to filter, count, sort and slice; page_rows joins the page's.
            return Service.objects.visible_to(user)
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
