"""Refusals the registry's actions name on their field (for pages and the API alike)."""

import datetime as dt

import pytest

from core.errors import DomainError
from partnerships import actions
from partnerships.models import Funding, Organisation
from tests.partnerships.factories import OrganisationFactory, PartnershipFactory

pytestmark = pytest.mark.django_db


def test_funding_that_ends_before_it_starts_is_refused_on_its_end(admin_user):
    with pytest.raises(DomainError, match="cannot end before it starts") as refused:
        actions.funding_add(partnership=PartnershipFactory(), funder=OrganisationFactory(),
                            amount=100, source="grant", period_start=dt.date(2026, 4, 1),
                            period_end=dt.date(2026, 3, 31), by=admin_user)
    assert refused.value.field == "period_end" and not Funding.objects.exists()


def test_an_identifier_in_use_is_refused_naming_its_holder(admin_user):
    holder = OrganisationFactory(name="Hope Trust", identifier="GB-CHC-1111111")
    with pytest.raises(DomainError, match="Hope Trust already has this identifier") as refused:
        actions.organisation_create(by=admin_user, name="Other", kind="charity",
                                    identifier=" GB-CHC-1111111 ")
    assert refused.value.field == "identifier"
    other = OrganisationFactory()
    with pytest.raises(DomainError, match="Hope Trust already has this identifier"):
        actions.organisation_update(organisation=other, by=admin_user,
                                    identifier="GB-CHC-1111111")
    # Its own identifier is no clash.
    actions.organisation_update(organisation=holder, by=admin_user, identifier="GB-CHC-1111111")
    assert Organisation.objects.filter(identifier="GB-CHC-1111111").count() == 1
