"""The service directory: taxonomy, eligibility, locations and co-location."""

import pytest
from django.db import IntegrityError, transaction

from core.errors import DomainError
from core.models import AuditEvent
from services import actions
from services.models import Location, Service, ServiceAtLocation, ServiceCategory
from tests.partnerships.factories import MembershipFactory, OrganisationFactory, region
from tests.services.factories import (
    LocationFactory,
    PrisonLocationFactory,
    ServiceFactory,
    category,
)

pytestmark = pytest.mark.django_db


def test_taxonomy_is_seeded():
    names = set(ServiceCategory.objects.values_list("slug", flat=True))
    assert {"substance-misuse", "alcohol", "mental-health", "domestic-abuse", "sexual-violence",
            "family-support", "housing", "employment-education", "purposeful-activity",
            "peer-support", "womens-services"} <= names


def test_create_service_under_partnership(admin_user):
    m = MembershipFactory()
    s = actions.service_create(provider=m.organisation, partnership=m.partnership,
                               name="Women's substance use group", by=admin_user,
                               categories=[category("substance-misuse"),
                                           category("womens-services")],
                               gender="women", accepts_court_ordered=True)
    assert set(s.categories.values_list("slug", flat=True)) == {"substance-misuse",
                                                                "womens-services"}
    assert s.referral_routes == ["Professional", "Court-ordered"]
    assert AuditEvent.objects.filter(content_type__model="service").count() == 1


def test_service_provider_must_be_in_its_partnership(admin_user):
    m = MembershipFactory()
    with pytest.raises(DomainError, match="is not a member of"):
        actions.service_create(provider=OrganisationFactory(), partnership=m.partnership,
                               name="Group", by=admin_user)
    assert not Service.objects.exists()


@pytest.mark.parametrize("fields, message", [
    ({"min_age": 25, "max_age": 18}, "maximum age cannot be below the minimum"),
    ({"accepts_professional_referral": False}, "at least one referral route"),
    ({"gender": "unknown"}, "not a valid choice"),
])
def test_service_bad_input(admin_user, fields, message):
    with pytest.raises(DomainError, match=message):
        actions.service_create(provider=OrganisationFactory(), name="Group", by=admin_user,
                               **fields)
    assert not Service.objects.exists()


def test_location_postcode_and_prison_fields(admin_user):
    hub = actions.location_create(name="Women's Centre", kind="community_hub", by=admin_user,
                                  postcode="m1 1aa", region=region("north-west"))
    assert hub.postcode == "M1 1AA"
    with pytest.raises(DomainError, match="UK postcode"):
        actions.location_create(name="Bad", kind="other", by=admin_user, postcode="12345")
    with pytest.raises(DomainError, match="Only a prison has a category"):
        actions.location_create(name="Office", kind="probation_office", by=admin_user,
                                prison_category="C")
    prison = actions.location_create(name="HMP Example", kind="prison", by=admin_user,
                                     prison_category="B", operational_capacity=850)
    assert prison.get_prison_category_display() == "Category B"
    assert Location.objects.count() == 2


def test_prison_capacity_positive_in_database():
    prison = PrisonLocationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Location.objects.filter(pk=prison.pk).update(operational_capacity=0)


def test_co_location(admin_user):
    service = ServiceFactory()
    office = LocationFactory(kind="probation_office", name="Probation office, Leeds")
    site = actions.service_deliver_at(service=service, location=office, co_located=True,
                                      by=admin_user)
    assert str(site).endswith("at Probation office, Leeds (co-located)")
    assert list(service.locations.all()) == [office]
    with pytest.raises(DomainError, match="already exists"):
        actions.service_deliver_at(service=service, location=office, by=admin_user)
    assert ServiceAtLocation.objects.count() == 1
