"""Who may open the admin at all, and what only links (not fields) changed."""

import pytest
from django.urls import reverse

from core.models import AuditEvent
from partnerships.models import Region
from tests.accounts.factories import ProviderStaffFactory
from tests.admin.helpers import admin_form_data
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db


def test_staff_flag_alone_does_not_open_the_admin(client):
    provider = ProviderStaffFactory(is_staff=True)  # flagged staff by mistake
    client.force_login(provider)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_platform_admin_manages_tokens_and_lockouts(client, admin_user):
    client.force_login(admin_user)
    for name in ("accounts_apitoken_changelist", "axes_accessattempt_changelist"):
        assert client.get(reverse(f"admin:{name}")).status_code == 200
    assert b"auth/group" not in client.get(reverse("admin:index")).content


def test_changing_regions_served_is_audited(client, admin_user):
    p = PartnershipFactory()
    client.force_login(admin_user)
    url = reverse("admin:partnerships_partnership_change", args=[p.pk])
    data = admin_form_data(client.get(url))
    london = Region.objects.get(code="london")
    data["regions"] = [str(london.pk)]
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(object_id=str(p.pk), content_type__model="partnership")
    assert event.changes == {"regions": [[], [london.pk]]}
    assert event.summary == "Changed regions" and event.actor == admin_user
