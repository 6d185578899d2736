"""'View on site' from every registry object opens the partnership (or organisation) page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.partnerships.factories import (
    AgreementFactory,
    FundingFactory,
    LeadResponsibilityFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
)

pytestmark = pytest.mark.django_db


def _page(obj) -> str:
    if obj._meta.model_name == "organisation":
        return reverse("partnerships:organisation", args=[obj.slug])
    partnership = obj if obj._meta.model_name == "partnership" else obj.partnership
    return reverse("partnerships:detail", args=[partnership.slug])


@pytest.mark.parametrize("factory", [OrganisationFactory, PartnershipFactory, MembershipFactory,
                                     LeadResponsibilityFactory, AgreementFactory,
                                     FundingFactory])
def test_change_page_links_to_the_public_page(platform_admin_client, factory):
    obj = factory()
    url = reverse(f"admin:partnerships_{obj._meta.model_name}_change", args=[obj.pk])

    response = platform_admin_client.get(url)

    assert response.status_code == 200
    assert response.context["has_absolute_url"]
    target = response.context["absolute_url"]
    assert target.split("#")[0] == _page(obj)
    assert f'href="{target}"' in response.content.decode()
    assert platform_admin_client.get(target.split("#")[0]).status_code == 200
