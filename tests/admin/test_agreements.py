"""Configuring agreements in the admin: no status change outside the lifecycle buttons (see
test_agreement_lifecycle_admin.py), the review-overdue flag and filter, and the version chain
kept read-only."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from core.models import AuditEvent
from partnerships.choices import AgreementStatus
from partnerships.models import Agreement
from tests.admin.helpers import admin_form_data
from tests.partnerships.factories import (
    AgreementFactory,
    DraftAgreementFactory,
    LeadMembershipFactory,
    OverdueAgreementFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:partnerships_agreement_changelist"


def test_there_is_no_bulk_put_into_effect(platform_admin_client):
    """Putting a version into effect asks for a date (and a reason if unsigned): it is a
    button on the change page, not a change-list action."""
    DraftAgreementFactory()
    response = platform_admin_client.get(reverse(CHANGELIST))
    offered = [name for name, _ in response.context["action_form"].fields["action"].choices]
    assert "put_into_effect" not in offered


def test_overdue_review_is_flagged_and_filtered(platform_admin_client):
    overdue = OverdueAgreementFactory(title="Overdue agreement")
    on_time = AgreementFactory(title="On time agreement")
    draft_past_date = DraftAgreementFactory(review_due=datetime.date(2021, 1, 1))

    response = platform_admin_client.get(reverse(CHANGELIST))
    html = response.content.decode()
    assert html.count("— overdue") == 1
    assert "1 October 2021 — overdue" in html

    response = platform_admin_client.get(reverse(CHANGELIST), {"review_overdue": "yes"})
    assert list(response.context["cl"].result_list) == [overdue]
    response = platform_admin_client.get(reverse(CHANGELIST), {"review_overdue": "no"})
    assert set(response.context["cl"].result_list) == {on_time, draft_past_date}


def test_existing_versions_keep_their_version_chain_read_only(platform_admin_client):
    first = AgreementFactory(reference="isp", status=AgreementStatus.SUPERSEDED)
    second = AgreementFactory(partnership=first.partnership, reference="isp", version=2,
                              replaces=first, change_reason="New data categories")
    url = reverse("admin:partnerships_agreement_change", args=[second.pk])
    page = platform_admin_client.get(url)
    form = page.context["adminform"].form
    assert "replaces" not in form.fields
    assert "change_reason" not in form.fields
    assert "New data categories" in page.content.decode()

    data = admin_form_data(page)
    data.update(replaces="", change_reason="Rewritten history")
    assert platform_admin_client.post(url, data).status_code == 302
    second.refresh_from_db()
    assert second.replaces == first
    assert second.change_reason == "New data categories"

    first_page = platform_admin_client.get(
        reverse("admin:partnerships_agreement_change", args=[first.pk]))
    assert reverse("admin:partnerships_agreement_change", args=[second.pk]) in (
        first_page.content.decode())


def test_the_form_cannot_change_the_status(platform_admin_client):
    draft = DraftAgreementFactory()
    url = reverse("admin:partnerships_agreement_change", args=[draft.pk])
    data = admin_form_data(platform_admin_client.get(url))
    data["status"] = AgreementStatus.ACTIVE

    assert platform_admin_client.post(url, data).status_code == 302
    assert Agreement.objects.get().status == AgreementStatus.DRAFT
    assert not AuditEvent.objects.exists()  # nothing changed, nothing recorded


@pytest.mark.parametrize("name", ["partnership", "agreement", "membership",
                                  "leadresponsibility", "funding", "organisation"])
def test_changelist_queries_do_not_grow_with_rows(platform_admin_client, name,
                                                  django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.partnerships.factories import FundingFactory, LeadResponsibilityFactory

    make = {"partnership": lambda: LeadMembershipFactory().partnership,
            "agreement": OverdueAgreementFactory, "membership": LeadMembershipFactory,
            "leadresponsibility": LeadResponsibilityFactory, "funding": FundingFactory,
            "organisation": lambda: LeadMembershipFactory().organisation}[name]
    url = reverse(f"admin:partnerships_{name}_changelist")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert platform_admin_client.get(url).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(3):
        make()
    few = count()
    for _ in range(12):
        make()
    with django_assert_max_num_queries(few):
        platform_admin_client.get(url)
