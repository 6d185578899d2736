"""Authorization rules: one module, asked by admin, pages and API alike."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Role, User
from tests.accounts.factories import ProviderStaffFactory
from tests.partnerships.factories import (
    AgreementFactory,
    LeadMembershipFactory,
    MembershipFactory,
    PartnershipFactory,
)

pytestmark = pytest.mark.django_db


def test_every_signed_in_user_may_browse_the_registry(provider_user, commissioner_user):
    p = PartnershipFactory()
    for user in (provider_user, commissioner_user):
        assert user.has_perm("partnerships.view_partnership", p)
        assert user.has_perm("services.view_service")


def test_inactive_user_may_do_nothing(admin_user):
    admin_user.is_active = False
    admin_user.save()
    assert not admin_user.has_perm("partnerships.view_partnership", PartnershipFactory())
    assert not admin_user.has_perm("partnerships.change_agreement", AgreementFactory())


def test_platform_admin_configures_everything(admin_user):
    a = AgreementFactory()
    assert admin_user.has_perm("partnerships.change_agreement", a)
    assert admin_user.has_perm("partnerships.add_partnership")
    assert admin_user.has_perm("core.view_auditevent")


def test_manager_changes_only_the_partnership_their_organisation_leads(manager_user):
    led = LeadMembershipFactory(organisation=manager_user.organisation).partnership
    elsewhere = MembershipFactory(organisation=manager_user.organisation).partnership
    own_agreement = AgreementFactory(partnership=led)
    other_agreement = AgreementFactory(partnership=elsewhere)
    assert manager_user.has_perm("partnerships.change_partnership", led)
    assert manager_user.has_perm("partnerships.change_agreement", own_agreement)
    assert not manager_user.has_perm("partnerships.change_partnership", elsewhere)
    assert not manager_user.has_perm("partnerships.change_agreement", other_agreement)
    assert not manager_user.has_perm("partnerships.delete_partnership", led)


def test_manager_loses_rights_when_lead_role_ends(manager_user):
    m = LeadMembershipFactory(organisation=manager_user.organisation)
    m.left_on = dt.date(2022, 1, 1)
    m.save()
    assert not manager_user.has_perm("partnerships.change_partnership", m.partnership)


def test_provider_and_commissioner_cannot_configure(provider_user, commissioner_user):
    led = LeadMembershipFactory(organisation=provider_user.organisation).partnership
    for user in (provider_user, commissioner_user):
        assert not user.has_perm("partnerships.change_partnership", led)
        assert not user.has_perm("partnerships.add_agreement")
        assert not user.has_perm("core.view_auditevent")


def test_user_needs_organisation_unless_platform_admin():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="orphan", role=Role.PROVIDER_STAFF, organisation=None)
    User.objects.create(username="root", role=Role.PLATFORM_ADMIN, organisation=None)


def test_readable_user():
    u = ProviderStaffFactory(username="jdoe", first_name="Jo", last_name="Doe")
    assert str(u) == "Jo Doe (jdoe)"
