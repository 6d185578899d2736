"""The audit trail: written with the change, in the same transaction, with a readable diff."""

import datetime as dt

import pytest
from django.db import transaction

from core import actions as core_actions
from core.audit import history_for
from core.errors import DomainError
from core.models import AuditEvent
from partnerships import actions
from partnerships.models import Membership
from tests.partnerships.factories import (
    LeadMembershipFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
)

pytestmark = pytest.mark.django_db


def test_audit_row_rolls_back_with_the_change(admin_user):
    p = PartnershipFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.membership_add(partnership=p, organisation=OrganisationFactory(),
                               role="delivery_partner", joined_on=dt.date(2021, 1, 1),
                               by=admin_user)
        raise RuntimeError("something later in the request failed")
    assert not Membership.objects.exists()
    assert not AuditEvent.objects.exists()


def test_refused_action_leaves_no_audit_row(admin_user):
    lead = LeadMembershipFactory()
    with pytest.raises(DomainError):
        actions.membership_add(partnership=lead.partnership, organisation=OrganisationFactory(),
                               role="lead_partner", joined_on=dt.date(2022, 1, 1), by=admin_user)
    assert not AuditEvent.objects.exists()


def test_audited_save_records_only_changed_fields(admin_user):
    p = PartnershipFactory(summary="Old summary")
    p.summary = "New summary"
    core_actions.audited_save(instance=p, by=admin_user)
    event = history_for(p).get()
    assert event.action == "update" and event.actor == admin_user
    assert event.changes == {"summary": ["Old summary", "New summary"]}
    core_actions.audited_save(instance=p, by=admin_user)  # nothing changed
    assert history_for(p).count() == 1


def test_audited_save_validates_and_creates(admin_user):
    m = MembershipFactory.build(partnership=PartnershipFactory(),
                                organisation=OrganisationFactory(),
                                joined_on=dt.date(2021, 1, 1), left_on=dt.date(2020, 1, 1))
    with pytest.raises(Exception, match="cannot end"):
        core_actions.audited_save(instance=m, by=admin_user)
    assert not AuditEvent.objects.exists()
    m.left_on = None
    core_actions.audited_save(instance=m, by=admin_user)
    assert history_for(m).get().action == "create"


def test_audited_delete_keeps_what_was_deleted(admin_user):
    m = MembershipFactory()
    pk, partnership_id = m.pk, m.partnership_id
    core_actions.audited_delete(instance=m, by=admin_user, summary="Entered in error")
    event = AuditEvent.objects.get(action="delete")
    assert event.object_id == str(pk) and event.partnership_id == partnership_id
    assert event.changes["role"] == ["delivery_partner", None]
    assert event.summary == "Entered in error"
    assert not Membership.objects.filter(pk=pk).exists()


def test_system_changes_have_no_actor():
    actions.organisation_create(by=None, name="Seeded Charity", kind="charity")
    event = AuditEvent.objects.get()
    assert event.actor is None
    assert str(event) == "Created Seeded Charity by system"
