"""Configuring agreements in the admin: the 'Put draft into effect' action, the review-overdue
flag and filter, and the version chain kept read-only."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.messages import constants, get_messages
from django.urls import reverse

from core.models import AuditEvent
from partnerships.choices import AgreementStatus
from partnerships.models import Agreement
from tests.accounts.factories import PartnershipManagerFactory
from tests.admin.helpers import admin_form_data
from tests.partnerships.factories import (
    AgreementFactory,
    DraftAgreementFactory,
    LeadMembershipFactory,
    OverdueAgreementFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:partnerships_agreement_changelist"


def run_action(client, action: str, agreements):
    return client.post(reverse(CHANGELIST), {"action": action,
                                             "_selected_action": [a.pk for a in agreements]},
                       follow=True)


def messages_of(response):
    return [(m.level, m.message) for m in get_messages(response.wsgi_request)]


def test_put_draft_into_effect(admin_user, platform_admin_client):
    draft = DraftAgreementFactory()

    response = run_action(platform_admin_client, "put_into_effect", [draft])

    draft.refresh_from_db()
    assert draft.status == AgreementStatus.ACTIVE
    event = AuditEvent.objects.get()
    assert (event.actor, event.summary) == (admin_user, "Put into effect")
    assert event.changes["status"] == ["draft", "active"]
    assert (constants.SUCCESS, "Put 1 agreement into effect.") in messages_of(response)


def test_put_into_effect_reports_a_refusal_when_another_version_is_active(
        platform_admin_client):
    active = AgreementFactory(reference="pwa", version=1)
    draft = DraftAgreementFactory(partnership=active.partnership, reference="pwa", version=2)
    other_draft = DraftAgreementFactory()

    response = run_action(platform_admin_client, "put_into_effect", [draft, other_draft])

    assert response.status_code == 200
    draft.refresh_from_db()
    other_draft.refresh_from_db()
    assert draft.status == AgreementStatus.DRAFT
    assert other_draft.status == AgreementStatus.ACTIVE  # the others still go ahead
    found = messages_of(response)
    errors = [text for level, text in found if level == constants.ERROR]
    assert len(errors) == 1
    assert errors[0].startswith(f"{draft} was not put into effect")
    assert "Another version of this agreement is already active." in errors[0]
    assert (constants.SUCCESS, "Put 1 agreement into effect.") in found
    assert list(AuditEvent.objects.values_list("object_id", flat=True)) == [str(other_draft.pk)]


def test_put_into_effect_refuses_a_non_draft(platform_admin_client):
    active = AgreementFactory()
    response = run_action(platform_admin_client, "put_into_effect", [active])
    [(level, text)] = messages_of(response)
    assert level == constants.ERROR
    assert "Only a draft can be put into effect" in text
    assert not AuditEvent.objects.exists()


def test_manager_puts_only_their_own_drafts_into_effect(admin_client_for):
    manager = PartnershipManagerFactory()
    mine = DraftAgreementFactory(
        partnership=LeadMembershipFactory(organisation=manager.organisation).partnership)
    theirs = DraftAgreementFactory()

    run_action(admin_client_for(manager), "put_into_effect", [mine, theirs])

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == AgreementStatus.ACTIVE
    assert theirs.status == AgreementStatus.DRAFT  # not in their list, so never selected


def test_overdue_review_is_flagged_and_filtered(platform_admin_client):
    overdue = OverdueAgreementFactory(title="Overdue agreement")
    on_time = AgreementFactory(title="On time agreement")
    draft_past_date = DraftAgreementFactory(review_due=datetime.date(2021, 1, 1))

    response = platform_admin_client.get(reverse(CHANGELIST))
    html = response.content.decode()
    assert html.count("— overdue") == 1
    assert "1 Oct 2021 — overdue" in html

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


def test_making_a_draft_active_in_the_form_uses_agreement_activate(platform_admin_client):
    draft = DraftAgreementFactory()
    url = reverse("admin:partnerships_agreement_change", args=[draft.pk])
    data = admin_form_data(platform_admin_client.get(url))
    data["status"] = AgreementStatus.ACTIVE

    assert platform_admin_client.post(url, data).status_code == 302
    assert Agreement.objects.get().status == AgreementStatus.ACTIVE
    assert AuditEvent.objects.get().summary == "Put into effect"


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
