"""Factories for the service directory."""

import factory
from factory.django import DjangoModelFactory

from services.choices import LocationKind, PrisonCategory
from services.models import Location, Service, ServiceAtLocation, ServiceCategory
from tests.partnerships.factories import OrganisationFactory


def category(slug: str = "substance-misuse") -> ServiceCategory:
    """A seeded category (the data migration creates them)."""
    return ServiceCategory.objects.get(slug=slug)


class ServiceFactory(DjangoModelFactory):
    class Meta:
        model = Service
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Service {n}")
    slug = factory.Sequence(lambda n: f"service-{n}")
    provider = factory.SubFactory(OrganisationFactory)
    description = "A service for tests."

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if create:
            self.categories.set(extracted if extracted is not None else [category()])


class LocationFactory(DjangoModelFactory):
    class Meta:
        model = Location

    name = factory.Sequence(lambda n: f"Community hub {n}")
    slug = factory.Sequence(lambda n: f"location-{n}")
    kind = LocationKind.COMMUNITY_HUB
    postcode = "M1 1AA"


class PrisonLocationFactory(LocationFactory):
    name = factory.Sequence(lambda n: f"HMP Test {n}")
    kind = LocationKind.PRISON
    prison_category = PrisonCategory.C
    operational_capacity = 600


class ServiceAtLocationFactory(DjangoModelFactory):
    class Meta:
        model = ServiceAtLocation

    service = factory.SubFactory(ServiceFactory)
    location = factory.SubFactory(LocationFactory)
