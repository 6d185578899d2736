import pytest

from tests.partnerships.factories import LeadResponsibilityFactory, SignatoryFactory
from tests.services.factories import PrisonLocationFactory, ServiceAtLocationFactory


@pytest.mark.django_db
def test_factories_build_valid_objects(admin_user):
    lr = LeadResponsibilityFactory()
    lr.full_clean()
    SignatoryFactory().full_clean()
    site = ServiceAtLocationFactory(location=PrisonLocationFactory())
    site.full_clean()
    assert site.service.categories.count() == 1
