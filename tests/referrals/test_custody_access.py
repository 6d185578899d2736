"""Need-to-know follows the person through the gate (issue 18): the prison holding them is
involved in their case; after a transfer the receiving prison is, and the sending prison keeps
access only for the partnership's handover period; a prison that led the case passes the lead
to the receiving prison; on release the lead passes to the community provider when the plan
says so, and the prison's access ends after the same handover period."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from referrals import actions
from referrals.models import Case, CaseworkSettings, CustodyEpisode
from tests.accounts.factories import ProviderStaffFactory
from tests.partnerships.factories import MembershipFactory
from tests.referrals.factories import Casework, days, send_referral, today

pytestmark = pytest.mark.django_db


def _visible(user: Any, case: Case, on: datetime.date | None = None) -> bool:
    return Case.objects.involving(user.organisation_id, on).filter(pk=case.pk).exists()


def _start(s: Casework, case: Case, prison: Any, received: int = -60) -> CustodyEpisode:
    return actions.custody_episode_start(case=case, establishment=prison,
                                         received_on=days(received), by=s.officer,
                                         expected_release_on=days(40))


def test_the_prison_holding_the_person_is_involved_and_others_are_not(
        s: Casework, case: Case, prison: Any, other_prison: Any) -> None:
    at_prison = ProviderStaffFactory(organisation=prison)
    at_other = ProviderStaffFactory(organisation=other_prison)
    assert not _visible(at_prison, case)  # nobody told it about the person yet
    _start(s, case, prison)
    assert _visible(at_prison, case) and at_prison.has_perm("referrals.view_case", case)
    assert not _visible(at_other, case)
    assert list(Case.objects.visible_to(at_prison)) == [case]
    assert list(Case.objects.visible_to(at_other)) == []


def test_after_a_transfer_the_sending_prison_keeps_access_for_the_handover_period_only(
        s: Casework, case: Case, prison: Any, other_prison: Any) -> None:
    CaseworkSettings.objects.create(partnership=s.partnership, custody_handover_days=10)
    episode = _start(s, case, prison)
    sending = ProviderStaffFactory(organisation=prison)
    receiving = ProviderStaffFactory(organisation=other_prison)
    actions.custody_transfer(episode=episode, to_establishment=other_prison,
                             transferred_on=days(-4), by=sending)
    episode.refresh_from_db()
    assert episode.access_ends_on == days(6)
    # The receiving prison's team is involved from the transfer; the sending prison's for the
    # ten days of handover (up to and including day 9 after), then no longer.
    assert _visible(receiving, case)
    assert _visible(sending, case)
    assert _visible(sending, case, on=days(5))
    assert not _visible(sending, case, on=days(6))
    assert _visible(receiving, case, on=days(6))


def test_a_transfer_longer_ago_than_the_handover_period_has_ended_the_sending_prisons_access(
        s: Casework, case: Case, prison: Any, other_prison: Any) -> None:
    # Default handover: 14 days. A transfer 20 days ago ended it 6 days ago.
    episode = _start(s, case, prison)
    sending = ProviderStaffFactory(organisation=prison)
    actions.custody_transfer(episode=episode, to_establishment=other_prison,
                             transferred_on=days(-20), by=s.officer)
    assert not _visible(sending, case)
    assert not sending.has_perm("referrals.view_case", case)
    assert _visible(ProviderStaffFactory(organisation=other_prison), case)


def test_a_handover_period_of_zero_ends_access_on_the_day(
        s: Casework, case: Case, prison: Any, other_prison: Any) -> None:
    CaseworkSettings.objects.create(partnership=s.partnership, custody_handover_days=0)
    episode = _start(s, case, prison)
    actions.custody_transfer(episode=episode, to_establishment=other_prison,
                             transferred_on=today(), by=s.officer)
    assert not _visible(ProviderStaffFactory(organisation=prison), case)


def test_a_prison_leading_the_case_passes_the_lead_to_the_receiving_prison(
        s: Casework, case: Case, prison: Any, other_prison: Any) -> None:
    MembershipFactory(partnership=s.partnership, organisation=prison)
    episode = _start(s, case, prison)
    actions.lead_agency_change(case=case, organisation=prison, starts_on=days(-30),
                               by=s.officer)
    sending = ProviderStaffFactory(organisation=prison)
    actions.custody_transfer(episode=episode, to_establishment=other_prison,
                             transferred_on=days(-20), by=sending)
    lead = case.lead_agencies.current().get()
    assert lead.organisation == other_prison and lead.starts_on == days(-20)
    # No longer the lead and past its handover: the sending prison no longer sees the case.
    assert not _visible(sending, case)


def test_a_lead_that_is_not_the_sending_prison_stays(
        s: Casework, case: Case, prison: Any, other_prison: Any) -> None:
    episode = _start(s, case, prison)
    actions.custody_transfer(episode=episode, to_establishment=other_prison,
                             transferred_on=days(-2), by=s.officer)
    assert case.lead_agencies.current().get().organisation == s.probation


def test_the_case_and_its_history_follow_the_person(
        s: Casework, case: Case, prison: Any, other_prison: Any) -> None:
    referral = send_referral(s, case)
    episode = _start(s, case, prison)
    actions.release_plan_update(episode=episode, by=s.officer,
                                community_provider=s.provider, referral=referral)
    receiving = actions.custody_transfer(episode=episode, to_establishment=other_prison,
                                         transferred_on=days(-3), by=s.officer)
    # One case, both episodes on it, the plan on the receiving episode.
    assert list(case.custody_episodes.values_list("establishment", flat=True)) == [
        prison.pk, other_prison.pk]
    assert receiving.release_plan.referral == referral
    assert not hasattr(CustodyEpisode.objects.get(pk=episode.pk), "release_plan")
    at_receiving = ProviderStaffFactory(organisation=other_prison)
    assert at_receiving.has_perm("referrals.view_case", case)
    assert at_receiving.has_perm("referrals.plan_release", receiving)


def test_after_release_the_prison_keeps_access_for_the_handover_period(
        s: Casework, case: Case, prison: Any, area: Any) -> None:
    episode = _start(s, case, prison)
    at_prison = ProviderStaffFactory(organisation=prison)
    actions.custody_release(episode=episode, released_on=days(-3), release_area=area,
                            by=at_prison)
    assert _visible(at_prison, case)
    assert not _visible(at_prison, case, on=days(11))
