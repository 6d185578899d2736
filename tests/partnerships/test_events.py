"""Events on agreements and memberships notify the partnership managers they concern (issue 15):
a version awaiting an organisation's signature (its managers, while it has not signed), a
version put into effect (on the day it actually does) and an agreement ended (the parties'
managers), an organisation added to or removed from a partnership (its managers) and a new lead
partner (every member's managers). Each event reaches each of them exactly once, never the
person who did it nor anyone outside, and emails leave only after commit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail

from core.errors import DomainError
from notifications.models import Notification
from partnerships import actions
from partnerships.choices import AgreementKind, AgreementStatus, MemberRole
from tests.accounts.factories import (
    CommissionerFactory,
    PartnershipManagerFactory,
    ProviderStaffFactory,
)
from tests.notifications.conftest import eager_celery  # noqa: F401 (autouse fixture)
from tests.partnerships.factories import (
    AgreementFactory,
    LeadMembershipFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
    SignatoryFactory,
)

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2026, 12, 7)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr("core.clock.today", lambda: TODAY)
    return TODAY


class World:
    """A partnership led by ``lead`` with a ``member``; a ``newcomer`` organisation outside it;
    two partnership managers and a provider staff member in each; and outsiders."""

    def __init__(self) -> None:
        self.partnership = PartnershipFactory()
        self.lead = LeadMembershipFactory(partnership=self.partnership).organisation
        self.member_ship = MembershipFactory(partnership=self.partnership)
        self.member = self.member_ship.organisation
        self.newcomer = OrganisationFactory()
        self.managers: dict[int, list[Any]] = {}
        for org in (self.lead, self.member, self.newcomer):
            self.managers[org.pk] = [PartnershipManagerFactory(organisation=org),
                                     PartnershipManagerFactory(organisation=org)]
            ProviderStaffFactory(organisation=org)  # never told: not a partnership manager
        self.actor = self.managers[self.lead.pk][0]
        # Outside: another partnership's managers, a commissioner.
        other = LeadMembershipFactory()
        self.outsider = PartnershipManagerFactory(organisation=other.organisation)
        CommissionerFactory()

    def of(self, *orgs: Any) -> list[int]:
        """The ids of the partnership managers of ``orgs``, less the actor."""
        return sorted(u.pk for org in orgs for u in self.managers[org.pk]
                      if u.pk != self.actor.pk)


@pytest.fixture
def w() -> World:
    return World()


def told(kind: str) -> dict[int, list[tuple[str, str]]]:
    """``recipient id → [(subject, url)]`` of the notifications of ``kind``."""
    found: dict[int, list[tuple[str, str]]] = {}
    for n in Notification.objects.filter(kind=kind).order_by("pk"):
        found.setdefault(n.recipient_id, []).append((n.subject, n.url))
    return found


def assert_once_each(kind: str, ids: list[int], subject: str, url: str) -> None:
    got = told(kind)
    assert sorted(got) == ids
    for pk in ids:
        assert got[pk] == [(subject, url)]


def draft(w: World, *parties: Any, title: str = "Release handover SLA") -> Any:
    return actions.agreement_create(partnership=w.partnership, kind=AgreementKind.SERVICE_LEVEL,
                                    title=title, parties=list(parties), by=w.actor)


def sign_url(w: World, agreement: Any) -> str:
    return f"/partnerships/{w.partnership.slug}/agreements/{agreement.pk}/sign/"


def agreements_url(w: World) -> str:
    return f"/partnerships/{w.partnership.slug}/#agreements"


# -- awaiting signature ------------------------------------------------------------------------


def test_a_draft_awaits_each_partys_signature_once(w):
    a = draft(w, w.lead, w.member)
    assert_once_each("agreement_signature_needed", w.of(w.lead, w.member),
                     "Agreement awaiting your organisation's signature: Release handover SLA, "
                     "version 1",
                     sign_url(w, a))
    with pytest.raises(DomainError):  # the same draft again (a double click): refused
        draft(w, w.lead, w.member)
    assert Notification.objects.count() == 3  # the actor's colleague and the member's two


def test_an_agreement_recorded_in_force_asks_nobody_to_sign(w):
    actions.agreement_create(partnership=w.partnership, kind=AgreementKind.SERVICE_LEVEL,
                             title="Old SLA", parties=[w.lead, w.member], by=w.actor,
                             status=AgreementStatus.ACTIVE, effective_from=D(2024, 1, 1))
    assert not Notification.objects.exists()


def test_a_new_version_awaits_every_partys_signature(w):
    v1 = AgreementFactory(partnership=w.partnership, effective_from=D(2023, 4, 1))
    for org in (w.lead, w.member):
        SignatoryFactory(agreement=v1, organisation=org, signed_on=D(2023, 3, 20))
    v2 = actions.agreement_new_version(agreement=v1, by=w.actor, reason="New contacts")
    assert_once_each("agreement_signature_needed", w.of(w.lead, w.member),
                     f"Agreement awaiting your organisation's signature: {v1.title}, version 2",
                     sign_url(w, v2))
    with pytest.raises(DomainError):  # version 2 is already being agreed
        actions.agreement_new_version(agreement=v1, by=w.actor)
    assert Notification.objects.count() == 3


def test_a_party_added_is_asked_once_others_not_again(w):
    a = draft(w, w.lead)
    before = Notification.objects.count()
    actions.agreement_party_add(agreement=a, organisation=w.newcomer, by=w.actor)
    got = told("agreement_signature_needed")
    assert Notification.objects.count() == before + 2
    assert all(len(got[pk]) == 1 for pk in w.of(w.lead, w.newcomer))
    assert sorted(got) == w.of(w.lead, w.newcomer)  # not the member: not a party
    # Withdrawn and added again: still one request per version per manager.
    actions.agreement_party_withdraw(agreement=a, organisation=w.newcomer, by=w.actor)
    actions.agreement_party_add(agreement=a, organisation=w.newcomer, by=w.actor)
    assert Notification.objects.count() == before + 2


# -- in effect and ended -----------------------------------------------------------------------


def test_put_into_effect_tells_every_partys_managers_once(w):
    a = draft(w, w.lead, w.member)
    actions.agreement_sign(agreement=a, organisation=w.lead, signed_by="Chief Executive",
                           signed_on=TODAY, by=w.actor)
    actions.agreement_sign(agreement=a, organisation=w.member, signed_by="Director",
                           signed_on=TODAY, by=w.actor)
    actions.agreement_put_into_effect(agreement=a, effective_on=TODAY, by=w.actor)
    assert_once_each("agreement_in_effect", w.of(w.lead, w.member),
                     f"Agreement in effect: Release handover SLA, {w.partnership}",
                     agreements_url(w))
    body = Notification.objects.filter(kind="agreement_in_effect").first().body
    assert "7 December 2026" in body and "Chief Executive" not in body
    with pytest.raises(DomainError):  # already in effect
        actions.agreement_put_into_effect(agreement=a, effective_on=TODAY, by=w.actor)
    assert Notification.objects.filter(kind="agreement_in_effect").count() == 3


def test_a_scheduled_version_tells_when_the_daily_job_puts_it_into_effect(w):
    a = draft(w, w.lead, w.member)
    later = D(2027, 1, 4)
    actions.agreement_put_into_effect(agreement=a, effective_on=later, by=w.actor,
                                      reason="Signatures to follow")
    assert not Notification.objects.filter(kind="agreement_in_effect").exists()
    assert actions.agreements_take_effect(on=D(2027, 1, 3)) == []
    assert not Notification.objects.filter(kind="agreement_in_effect").exists()
    assert len(actions.agreements_take_effect(on=later)) == 1
    # The job acts for nobody: every manager of the parties, the one who scheduled it too.
    everyone = sorted(u.pk for org in (w.lead, w.member) for u in w.managers[org.pk])
    assert_once_each("agreement_in_effect", everyone,
                     f"Agreement in effect: Release handover SLA, {w.partnership}",
                     agreements_url(w))
    actions.agreements_take_effect(on=later)  # the job run twice: nobody told again
    assert Notification.objects.filter(kind="agreement_in_effect").count() == 4


def test_ended_tells_every_partys_managers_once(w):
    v1 = AgreementFactory(partnership=w.partnership, effective_from=D(2023, 4, 1))
    for org in (w.lead, w.member):
        SignatoryFactory(agreement=v1, organisation=org)
    actions.agreement_end(agreement=v1, ended_on=TODAY, reason="Service decommissioned",
                          by=w.actor)
    assert_once_each("agreement_ended", w.of(w.lead, w.member),
                     f"Agreement ended: {v1.title}, {w.partnership}", agreements_url(w))
    with pytest.raises(DomainError):
        actions.agreement_end(agreement=v1, ended_on=TODAY, reason="Again", by=w.actor)
    assert Notification.objects.filter(kind="agreement_ended").count() == 3
    assert not Notification.objects.exclude(kind="agreement_ended").exists()


# -- memberships and the lead partner ----------------------------------------------------------


def test_an_organisation_added_hears_of_it_once(w):
    m = actions.membership_add(partnership=w.partnership, organisation=w.newcomer,
                               role=MemberRole.DELIVERY_PARTNER, joined_on=TODAY, by=w.actor)
    assert_once_each("membership_added", w.of(w.newcomer),
                     f"{w.newcomer} added to {w.partnership}",
                     f"/partnerships/{w.partnership.slug}/")
    assert "7 December 2026" in Notification.objects.filter(kind="membership_added").first().body
    with pytest.raises(DomainError):  # the same membership again: refused by its unique start
        actions.membership_add(partnership=w.partnership, organisation=w.newcomer,
                               role=MemberRole.DELIVERY_PARTNER, joined_on=TODAY, by=w.actor)
    assert Notification.objects.count() == 2 and m.pk


def test_an_organisation_removed_hears_of_it_once(w):
    actions.membership_end(membership=w.member_ship, left_on=TODAY, by=w.actor,
                           reason="Contract ended")
    assert_once_each("membership_ended", w.of(w.member),
                     f"{w.member} removed from {w.partnership}",
                     f"/partnerships/{w.partnership.slug}/")
    with pytest.raises(DomainError):  # already left
        actions.membership_end(membership=w.member_ship, left_on=TODAY, by=w.actor)
    assert Notification.objects.count() == 2


@pytest.mark.parametrize("continues_as", [None, MemberRole.DELIVERY_PARTNER])
def test_a_new_lead_partner_is_told_to_every_members_managers_once(w, continues_as):
    actions.lead_partner_change(partnership=w.partnership, organisation=w.member,
                                effective_on=TODAY, by=w.actor,
                                previous_lead_continues_as=continues_as)
    assert_once_each("lead_partner_changed", w.of(w.lead, w.member),
                     f"Lead partner changed: {w.partnership}",
                     f"/partnerships/{w.partnership.slug}/")
    # One event, not also "added" or "removed" for the memberships it rearranged.
    assert Notification.objects.count() == len(w.of(w.lead, w.member))
    with pytest.raises(DomainError):  # already the lead partner
        actions.lead_partner_change(partnership=w.partnership, organisation=w.member,
                                    effective_on=TODAY, by=w.actor)
    assert Notification.objects.count() == len(w.of(w.lead, w.member))


def test_a_newcomer_made_lead_is_told_with_the_members(w):
    actions.lead_partner_change(partnership=w.partnership, organisation=w.newcomer,
                                effective_on=D(2027, 1, 4), by=w.actor,
                                previous_lead_continues_as=MemberRole.DELIVERY_PARTNER)
    assert sorted(told("lead_partner_changed")) == w.of(w.lead, w.member, w.newcomer)
    assert w.outsider.pk not in told("lead_partner_changed")


def test_emails_leave_only_after_commit(w, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.membership_add(partnership=w.partnership, organisation=w.newcomer,
                               role=MemberRole.DELIVERY_PARTNER, joined_on=TODAY, by=w.actor)
        assert mail.outbox == []
    assert Notification.objects.count() == 2 and mail.outbox == []
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        u.email for u in w.managers[w.newcomer.pk])
