"""The casework admin: platform admins configure protocols' sharing terms, pathways and
casework settings (audited); partnership managers cannot; casework itself is not in the
admin at all."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import NoReverseMatch, reverse

from core.models import AuditEvent
from partnerships.choices import AgreementKind
from referrals.choices import (
    CriminalOffenceCondition,
    JointMeetingInterval,
    LawfulBasis,
    SpecialCategoryCondition,
)
from referrals.models import CaseworkSettings, ReferralPathway, SharingProtocol
from tests.accounts.factories import PartnershipManagerFactory, PlatformAdminFactory
from tests.admin.helpers import admin_form_data
from tests.partnerships.factories import (
    AgreementFactory,
    LeadMembershipFactory,
    MembershipFactory,
    PartnershipFactory,
)
from tests.services.factories import ServiceFactory, category

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def add_url(model) -> str:
    return reverse(f"admin:referrals_{model._meta.model_name}_add")


def events_for(model):
    return AuditEvent.objects.filter(content_type=ContentType.objects.get_for_model(model))


@pytest.fixture
def admin_user():
    return PlatformAdminFactory()


@pytest.fixture
def admin_client(admin_user):
    return client_for(admin_user)


@pytest.fixture
def partnership():
    return PartnershipFactory(name="North Pennine Prisons Recovery Partnership")


@pytest.fixture
def members(partnership):
    return [MembershipFactory(partnership=partnership).organisation for _ in range(2)]


@pytest.fixture
def isp(partnership):
    return AgreementFactory(partnership=partnership, kind=AgreementKind.INFORMATION_SHARING,
                            title="Information-sharing protocol")


def protocol_data(client, isp, parties) -> dict:
    data = admin_form_data(client.get(add_url(SharingProtocol)))
    data.update(agreement=isp.pk, parties=[p.pk for p in parties],
                purpose="Joint casework of people on orders",
                data_items="Order details, risk level, treatment attendance",
                lawful_basis=LawfulBasis.PUBLIC_TASK,
                special_category_condition=SpecialCategoryCondition.HEALTH_SOCIAL_CARE,
                criminal_offence_condition=CriminalOffenceCondition.STATUTORY_PURPOSES,
                retention_months=72, review_on="2027-04-01")
    return data


# -- sharing protocols ----------------------------------------------------------------------------

def test_a_platform_admin_adds_a_protocol_with_parties(admin_user, admin_client, isp, members):
    response = admin_client.post(add_url(SharingProtocol),
                                 protocol_data(admin_client, isp, members))

    assert response.status_code == 302, response.context and response.context["errors"]
    protocol = SharingProtocol.objects.get()
    assert protocol.agreement == isp
    assert set(protocol.parties.all()) == set(members)
    events = events_for(SharingProtocol)
    created = events.get(action=AuditEvent.Action.CREATE)
    assert created.actor == admin_user
    assert created.partnership_id == isp.partnership_id
    assert created.changes["retention_months"] == [None, 72]
    # The parties, linked after the first save, are audited too.
    linked = events.get(action=AuditEvent.Action.UPDATE)
    assert sorted(linked.changes["parties"][1]) == sorted(m.pk for m in members)


def test_only_information_sharing_agreements_can_be_chosen(admin_client, isp, partnership):
    other = AgreementFactory(partnership=partnership, kind=AgreementKind.PARTNERSHIP_WORKING)

    response = admin_client.get(add_url(SharingProtocol))

    choices = response.context["adminform"].form.fields["agreement"].queryset
    assert list(choices) == [isp]
    data = protocol_data(admin_client, isp, [])
    data.update(agreement=other.pk)
    refused = admin_client.post(add_url(SharingProtocol), data)
    assert refused.status_code == 200
    assert "agreement" in refused.context["adminform"].form.errors
    assert not SharingProtocol.objects.exists()
    assert not events_for(SharingProtocol).exists()


def test_parties_must_be_members_of_the_partnership(admin_client, isp, members):
    outsider = MembershipFactory().organisation  # a member of another partnership

    response = admin_client.post(add_url(SharingProtocol),
                                 protocol_data(admin_client, isp, [*members, outsider]))

    assert response.status_code == 200
    assert outsider.name in str(response.context["adminform"].form.errors["parties"])
    assert not SharingProtocol.objects.exists()
    assert not AuditEvent.objects.exists()


def test_the_agreement_of_saved_terms_is_read_only(admin_client, isp, members):
    admin_client.post(add_url(SharingProtocol), protocol_data(admin_client, isp, members))
    protocol = SharingProtocol.objects.get()
    url = reverse("admin:referrals_sharingprotocol_change", args=[protocol.pk])

    response = admin_client.get(url)

    assert "agreement" not in response.context["adminform"].form.fields
    data = admin_form_data(response)
    data.update(retention_months=84)
    assert admin_client.post(url, data).status_code == 302
    protocol.refresh_from_db()
    assert protocol.retention_months == 84
    assert events_for(SharingProtocol).latest("pk").changes["retention_months"] == [72, 84]


# -- pathways and settings ------------------------------------------------------------------------

def test_a_platform_admin_adds_a_pathway(admin_user, admin_client, partnership, members, isp):
    from_service = ServiceFactory(provider=members[0])
    data = admin_form_data(admin_client.get(add_url(ReferralPathway)))
    data.update(partnership=partnership.pk, name="Prison recovery team to community treatment",
                agreement=isp.pk, from_service=from_service.pk,
                to_category=category("substance-misuse").pk, target_response_days=5,
                eligibility_notes="Released to the North Pennine area.")

    response = admin_client.post(add_url(ReferralPathway), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    pathway = ReferralPathway.objects.get()
    assert (pathway.from_service, pathway.to_category.slug) == (from_service, "substance-misuse")
    event = events_for(ReferralPathway).get()
    assert (event.actor, event.action, event.partnership_id) == (
        admin_user, AuditEvent.Action.CREATE, partnership.pk)


def test_a_pathway_from_both_a_service_and_a_category_is_refused(admin_client, partnership,
                                                                 members):
    data = admin_form_data(admin_client.get(add_url(ReferralPathway)))
    data.update(partnership=partnership.pk, name="Ambiguous",
                from_service=ServiceFactory(provider=members[0]).pk,
                from_category=category("housing").pk,
                to_category=category("substance-misuse").pk, target_response_days=5)

    response = admin_client.post(add_url(ReferralPathway), data)

    assert response.status_code == 200
    assert "one service or one category" in response.content.decode()
    assert not ReferralPathway.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_pathway_agreement_must_be_of_its_partnership(admin_client, partnership):
    data = admin_form_data(admin_client.get(add_url(ReferralPathway)))
    data.update(partnership=partnership.pk, name="Elsewhere", agreement=AgreementFactory().pk,
                from_category=category("housing").pk,
                to_category=category("substance-misuse").pk, target_response_days=5)

    response = admin_client.post(add_url(ReferralPathway), data)

    assert response.status_code == 200
    assert "agreement" in response.context["adminform"].form.errors
    assert not ReferralPathway.objects.exists()


def test_a_platform_admin_sets_casework_settings(admin_user, admin_client, partnership):
    data = admin_form_data(admin_client.get(add_url(CaseworkSettings)))
    data.update(partnership=partnership.pk,
                joint_meeting_interval=JointMeetingInterval.SIX_WEEKLY,
                assessment_window_days=14)

    assert admin_client.post(add_url(CaseworkSettings), data).status_code == 302

    assert partnership.casework_settings.joint_meeting_interval == "six_weekly"
    assert events_for(CaseworkSettings).get().actor == admin_user


# -- who may --------------------------------------------------------------------------------------

@pytest.mark.parametrize("model", [SharingProtocol, ReferralPathway, CaseworkSettings])
def test_a_partnership_manager_cannot_add(model, partnership, isp, members):
    manager = PartnershipManagerFactory(
        organisation=LeadMembershipFactory(partnership=partnership).organisation)
    client = client_for(manager)

    assert client.get(add_url(model)).status_code == 403
    data = {"agreement": isp.pk, "parties": [m.pk for m in members], "purpose": "x",
            "data_items": "x", "lawful_basis": LawfulBasis.PUBLIC_TASK,
            "special_category_condition": SpecialCategoryCondition.HEALTH_SOCIAL_CARE,
            "criminal_offence_condition": CriminalOffenceCondition.STATUTORY_PURPOSES,
            "retention_months": 12, "review_on": "2027-01-01", "partnership": partnership.pk,
            "name": "x", "from_category": category("housing").pk,
            "to_category": category("substance-misuse").pk, "target_response_days": 5,
            "joint_meeting_interval": "monthly", "assessment_window_days": 10}
    assert client.post(add_url(model), data).status_code == 403
    assert not model.objects.exists()
    assert not AuditEvent.objects.exists()


def test_casework_is_not_in_the_admin(admin_client):
    response = admin_client.get(reverse("admin:index"))

    assert response.status_code == 200
    apps = {app["app_label"]: app for app in response.context["app_list"]}
    registered = {m["object_name"] for m in apps["referrals"]["models"]}
    assert registered == {"CaseworkSettings", "ReferralPathway", "SharingProtocol"}
    for model in ("case", "person", "personidentifier", "referral", "leadagency", "assessment",
                  "caseconference", "endofordernotice", "caseaccess", "anonymisation"):
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:referrals_{model}_changelist")


def test_a_manager_may_look_at_the_configuration_but_not_change_it(partnership):
    manager = PartnershipManagerFactory(
        organisation=LeadMembershipFactory(partnership=partnership).organisation)

    response = client_for(manager).get(reverse("admin:index"))

    apps = {app["app_label"]: app for app in response.context["app_list"]}
    models = {m["object_name"]: m for m in apps["referrals"]["models"]}
    assert set(models) == {"CaseworkSettings", "ReferralPathway", "SharingProtocol"}
    assert not any(m["add_url"] for m in models.values())


# -- every page opens -----------------------------------------------------------------------------

@pytest.mark.parametrize("model", [SharingProtocol, ReferralPathway, CaseworkSettings])
def test_every_page_opens_for_a_platform_admin_and_read_only_for_a_manager(
        model, admin_client, partnership, isp, members):
    from tests.referrals.factories import (
        CaseworkSettingsFactory,
        PathwayFactory,
        SharingProtocolFactory,
    )

    obj = {SharingProtocol: lambda: SharingProtocolFactory(agreement=isp, parties=members),
           ReferralPathway: lambda: PathwayFactory(partnership=partnership),
           CaseworkSettings: lambda: CaseworkSettingsFactory(partnership=partnership)}[model]()
    name = model._meta.model_name
    change = reverse(f"admin:referrals_{name}_change", args=[obj.pk])
    changelist = reverse(f"admin:referrals_{name}_changelist")
    manager = client_for(PartnershipManagerFactory(
        organisation=LeadMembershipFactory(partnership=partnership).organisation))

    listed = admin_client.get(changelist)
    assert listed.status_code == 200 and listed.context["cl"].result_count == 1
    assert admin_client.get(add_url(model)).status_code == 200
    assert admin_client.get(change).status_code == 200
    assert manager.get(changelist).status_code == 200
    viewed = manager.get(change)
    assert viewed.status_code == 200
    assert not viewed.context["has_change_permission"]
