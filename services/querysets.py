"""Read logic for the service directory."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Self

from django.db.models import Exists, OuterRef, Prefetch, Q

from core.querysets import OpenToSignedInQuerySet


class DirectoryQuerySet(OpenToSignedInQuerySet):
    """The directory is not personal data: every signed-in user may browse it."""


# The referral routes a directory filter can ask for, and the field that records each one.
REFERRAL_ROUTE_FIELDS = {
    "self": "accepts_self_referral",
    "professional": "accepts_professional_referral",
    "court_ordered": "accepts_court_ordered",
}


class ServiceQuerySet(DirectoryQuerySet):
    def with_summary(self) -> Self:
        return self.select_related("provider", "partnership").prefetch_related("categories")

    def active(self) -> Self:
        return self.filter(is_active=True)

    def with_directory_rows(self) -> Self:
        """Everything a directory row or CSV line shows, in a fixed number of queries: the
        provider and partnership joined, categories and delivery sites (with their location)
        prefetched in display order."""
        from .models import ServiceAtLocation, ServiceCategory

        sites = (ServiceAtLocation.objects.select_related("location")
                 .order_by("location__name", "pk"))
        return self.select_related("provider", "partnership").prefetch_related(
            Prefetch("categories", queryset=ServiceCategory.objects.order_by("position", "name")),
            Prefetch("delivery_sites", queryset=sites),
        )

    def matching_text(self, text: str) -> Self:
        """Services whose name, description or provider's name contains ``text`` (any case)."""
        if not text:
            return self
        return self.filter(Q(name__icontains=text) | Q(description__icontains=text)
                           | Q(provider__name__icontains=text))

    def in_categories(self, slugs: Iterable[str]) -> Self:
        """Services in any of the categories (an EXISTS, so a service in two of them is listed
        once without DISTINCT, which would defeat sorting by related columns)."""
        from .models import Service

        slugs = list(slugs)
        if not slugs:
            return self
        through = Service.categories.through
        return self.filter(Exists(through.objects.filter(
            service_id=OuterRef("pk"), servicecategory__slug__in=slugs)))

    def delivered_at(self, *, kinds: Iterable[str] = (), location: str = "",
                     region: str = "", co_located_only: bool = False) -> Self:
        """Services with at least one delivery site meeting *every* condition at once, so
        "co-located" and "prison in London" describe the same site, not two different ones.

        ``location`` matches a location's slug exactly (links from other pages) or its name."""
        from .models import ServiceAtLocation

        kinds = list(kinds)
        conditions = Q()
        if kinds:
            conditions &= Q(location__kind__in=kinds)
        if location:
            conditions &= Q(location__slug=location) | Q(location__name__icontains=location)
        if region:
            conditions &= Q(location__region__code=region)
        if co_located_only:
            conditions &= Q(co_located=True)
        if not conditions:
            return self
        return self.filter(Exists(
            ServiceAtLocation.objects.filter(conditions, service_id=OuterRef("pk"))))

    def for_setting(self, setting: str) -> Self:
        """Services that work in ``setting``: custody or community also finds services
        delivered in both; 'both' finds only those."""
        from partnerships.choices import Setting

        if not setting:
            return self
        if setting == Setting.BOTH:
            return self.filter(setting=Setting.BOTH)
        return self.filter(setting__in=[setting, Setting.BOTH])

    def for_gender(self, gender: str) -> Self:
        """Services a person of ``gender`` may use: women-only or men-only services plus those
        open to any gender."""
        from .choices import Gender

        if not gender:
            return self
        if gender == Gender.ANY:
            return self.filter(gender=Gender.ANY)
        return self.filter(gender__in=[gender, Gender.ANY])

    def accepting_routes(self, routes: Iterable[str]) -> Self:
        """Services that accept a referral by any of ``routes`` (keys of
        REFERRAL_ROUTE_FIELDS)."""
        condition = Q()
        for route in routes:
            condition |= Q(**{REFERRAL_ROUTE_FIELDS[route]: True})
        return self.filter(condition) if condition else self


class LocationQuerySet(DirectoryQuerySet):
    def with_summary(self) -> Self:
        return self.select_related("region", "operator")
