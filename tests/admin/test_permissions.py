"""Who reaches what in the admin: the rules in accounts.rules, and the manager's scope."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from core.models import AuditEvent
from partnerships.choices import MemberRole
from partnerships.models import Agreement, Membership, Partnership
from tests.accounts.factories import PartnershipManagerFactory
from tests.admin.helpers import add_inline_row, admin_form_data, inline_prefix
from tests.partnerships.factories import (
    AgreementFactory,
    LeadMembershipFactory,
    MembershipFactory,
    OrganisationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(db):
    return PartnershipManagerFactory()


@pytest.fixture
def managed(manager):
    """The partnership the manager's organisation currently leads."""
    return LeadMembershipFactory(organisation=manager.organisation).partnership


@pytest.fixture
def others(managed):
    """A partnership led by someone else, and one the manager's organisation used to lead."""
    own = managed.memberships.get().organisation
    someone_elses = LeadMembershipFactory().partnership
    MembershipFactory(partnership=someone_elses, organisation=own)  # a member, not the lead
    formerly = LeadMembershipFactory(organisation=own, left_on=datetime.date(2022, 1, 1))
    return [someone_elses, formerly.partnership]


def test_manager_sees_only_the_partnership_they_lead(manager, managed, others,
                                                     admin_client_for):
    client = admin_client_for(manager)
    response = client.get(reverse("admin:partnerships_partnership_changelist"))
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [managed]

    response = client.get(reverse("admin:partnerships_membership_changelist"))
    assert {m.partnership for m in response.context["cl"].result_list} == {managed}


def test_manager_is_turned_away_from_another_partnership(manager, managed, others,
                                                         admin_client_for):
    client = admin_client_for(manager)
    for partnership in others:
        url = reverse("admin:partnerships_partnership_change", args=[partnership.pk])
        response = client.get(url)
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert response["Location"] == reverse("admin:index")
        response = client.post(url, {"name": "Taken over"})
        assert response.status_code in (302, 403)
        partnership.refresh_from_db()
        assert partnership.name != "Taken over"


def test_manager_edits_the_partnership_they_lead(manager, managed, admin_client_for):
    client = admin_client_for(manager)
    url = reverse("admin:partnerships_partnership_change", args=[managed.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["has_change_permission"] is True
    assert page.context["has_delete_permission"] is False  # deleting is for platform admins
    data = admin_form_data(page)
    data["summary"] = "Updated by the lead partner."
    add_inline_row(data, inline_prefix(page, Membership), organisation=OrganisationFactory(),
                   role=MemberRole.DELIVERY_PARTNER, joined_on=datetime.date(2021, 1, 1))

    response = client.post(url, data)

    assert response.status_code == 302
    managed.refresh_from_db()
    assert managed.summary == "Updated by the lead partner."
    assert managed.memberships.count() == 2
    assert set(AuditEvent.objects.values_list("actor", flat=True)) == {manager.pk}


def test_manager_cannot_add_a_partnership_or_see_the_audit_trail(manager, managed,
                                                                  admin_client_for):
    client = admin_client_for(manager)
    assert client.get(reverse("admin:partnerships_partnership_add")).status_code == 403
    assert client.get(reverse("admin:core_auditevent_changelist")).status_code == 403
    page = client.get(reverse("admin:partnerships_partnership_change", args=[managed.pk]))
    assert reverse("admin:core_auditevent_changelist") not in page.content.decode()


def test_manager_can_only_record_agreements_for_their_partnership(manager, managed, others,
                                                                  admin_client_for):
    client = admin_client_for(manager)
    url = reverse("admin:partnerships_agreement_add")
    data = admin_form_data(client.get(url))
    data.update(kind="joint", title="Joint agreement", reference="joint", version=1,
                status="draft", partnership=others[0].pk)

    response = client.post(url, data)

    assert response.status_code == 200
    assert "partnership" in response.context["adminform"].form.errors
    assert not Agreement.objects.exists()

    data["partnership"] = managed.pk
    assert client.post(url, data).status_code == 302
    assert Agreement.objects.get().partnership == managed


def test_manager_agreement_list_is_scoped(manager, managed, others, admin_client_for):
    mine = AgreementFactory(partnership=managed)
    AgreementFactory(partnership=others[0])
    response = admin_client_for(manager).get(reverse("admin:partnerships_agreement_changelist"))
    assert list(response.context["cl"].result_list) == [mine]


@pytest.mark.parametrize("path", ["admin:index", "admin:partnerships_partnership_changelist",
                                  "admin:partnerships_agreement_add"])
def test_provider_staff_cannot_reach_the_admin(provider_user, admin_client_for, path):
    response = admin_client_for(provider_user).get(reverse(path))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_anonymous_user_is_sent_to_sign_in(client):
    response = client.get(reverse("admin:partnerships_partnership_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


class TestAuditTrailIsReadOnly:
    @pytest.fixture
    def event(self, admin_user):
        from core.actions import audited_save
        from tests.partnerships.factories import PartnershipFactory

        partnership = PartnershipFactory()
        partnership.name = "Renamed"
        audited_save(instance=partnership, by=admin_user, summary="Renamed")
        return AuditEvent.objects.get()

    def test_list_and_detail_open_without_edit_controls(self, event, platform_admin_client):
        response = platform_admin_client.get(reverse("admin:core_auditevent_changelist"))
        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == [event]
        assert response.context["action_form"] is None  # no bulk delete, no actions at all

        response = platform_admin_client.get(
            reverse("admin:core_auditevent_change", args=[event.pk]))
        assert response.status_code == 200
        assert response.context["has_change_permission"] is False
        assert response.context["has_delete_permission"] is False
        html = response.content.decode()
        assert 'name="_save"' not in html
        assert "Renamed" in html  # the changes table shows before and after

    def test_no_add_change_or_delete(self, event, platform_admin_client):
        change = reverse("admin:core_auditevent_change", args=[event.pk])
        assert platform_admin_client.get(reverse("admin:core_auditevent_add")).status_code == 403
        assert platform_admin_client.post(reverse("admin:core_auditevent_add"),
                                          {"summary": "forged"}).status_code == 403
        assert platform_admin_client.post(change, {"summary": "forged"}).status_code == 403
        delete = reverse("admin:core_auditevent_delete", args=[event.pk])
        assert platform_admin_client.post(delete, {"post": "yes"}).status_code == 403
        response = platform_admin_client.post(
            reverse("admin:core_auditevent_changelist"),
            {"action": "delete_selected", "post": "yes", "_selected_action": [event.pk]})
        assert response.status_code in (200, 302)
        event.refresh_from_db()
        assert event.summary == "Renamed"
        assert AuditEvent.objects.count() == 1

    def test_filters(self, event, platform_admin_client):
        url = reverse("admin:core_auditevent_changelist")
        for params in ({"action__exact": "update"}, {"q": "Renamed"},
                       {"content_type__id__exact": event.content_type_id},
                       {"partnership_id": event.partnership_id},
                       {"occurred_at__year": event.occurred_at.year}):
            response = platform_admin_client.get(url, params)
            assert response.status_code == 200, params
            assert list(response.context["cl"].result_list) == [event], params
        response = platform_admin_client.get(url, {"partnership_id": event.partnership_id + 1})
        assert list(response.context["cl"].result_list) == []


def test_partnership_queryset_for_unmanaged_manager_is_empty(admin_client_for):
    lonely = PartnershipManagerFactory()
    LeadMembershipFactory()
    response = admin_client_for(lonely).get(reverse("admin:partnerships_partnership_changelist"))
    assert list(response.context["cl"].result_list) == []
    assert Partnership.objects.count() == 1
