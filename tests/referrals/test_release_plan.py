"""The release plan (issue 18): what it holds, what it refuses, what is missing from it and
whose task that is, when it is due, and the lead passing to the community provider on release
day."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from core.models import AuditEvent
from partnerships.choices import OrganisationKind
from referrals import actions
from referrals.models import Case, CaseworkSettings, CustodyEpisode, ReleasePlan
from referrals.release_plans import (
    PRISON,
    PROVIDER,
    casework_settings,
    has_plan_by_release,
    plan_due_on,
    plan_is_due,
    plan_tasks,
)
from tests.accounts.factories import ProviderStaffFactory
from tests.partnerships.factories import OrganisationFactory
from tests.referrals.factories import Casework, days, refused, send_referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def episode(s: Casework, case: Case, prison: Any) -> CustodyEpisode:
    return actions.custody_episode_start(case=case, establishment=prison,
                                         received_on=days(-100), by=s.officer,
                                         expected_release_on=days(30))


def test_every_piece_is_a_task_before_the_plan_starts(episode: CustodyEpisode,
                                                      prison: Any) -> None:
    tasks = plan_tasks(episode, None)
    assert [t.key for t in tasks] == ["community_provider", "referral", "appointment",
                                      "bridging_prescription", "naloxone"]
    assert {(t.owner, t.organisation_id) for t in tasks} == {(PRISON, prison.pk)}


def test_a_complete_plan_has_no_tasks_and_counts_as_a_plan_by_release(
        s: Casework, case: Case, episode: CustodyEpisode) -> None:
    referral = send_referral(s, case)
    plan = actions.release_plan_update(
        episode=episode, by=s.officer, referral=referral, appointment_on=days(31),
        appointment_time=datetime.time(10, 30), appointment_place="  Zedbury Recovery Hub ",
        appointment_with="Recovery worker", bridging_prescription=True, naloxone_offered=False)
    assert plan.community_provider == s.provider  # named by the referral
    assert plan.appointment_place == "Zedbury Recovery Hub"
    assert plan_tasks(episode, plan) == []
    episode.refresh_from_db()
    assert has_plan_by_release(episode)
    audit = AuditEvent.objects.order_by("-pk").first()
    assert audit.summary == f"Started the release plan of case {case.reference}"
    assert audit.actor == s.officer


def test_the_provider_books_the_appointment_once_chosen(
        s: Casework, case: Case, episode: CustodyEpisode) -> None:
    plan = actions.release_plan_update(episode=episode, by=s.officer,
                                       community_provider=s.provider)
    tasks = {t.key: t for t in plan_tasks(episode, plan)}
    assert tasks["appointment"].owner == PROVIDER
    assert tasks["appointment"].organisation_id == s.provider.pk
    assert tasks["referral"].owner == PRISON
    plan = actions.release_plan_update(episode=episode, by=s.officer, appointment_on=days(31))
    assert [t.key for t in plan_tasks(episode, plan) if t.owner == PROVIDER] == [
        "appointment_details"]


def test_refusals_change_nothing(s: Casework, case: Case, episode: CustodyEpisode,
                                 prison: Any) -> None:
    refused(actions.release_plan_update, match="cannot be a prison", episode=episode,
            by=s.officer, community_provider=prison)
    refused(actions.release_plan_update, match="date of the first appointment", episode=episode,
            by=s.officer, appointment_time=datetime.time(9))
    refused(actions.release_plan_update, match="cannot come before reception", episode=episode,
            by=s.officer, appointment_on=days(-200))
    refused(actions.release_plan_update, match="has no colour", episode=episode, by=s.officer,
            colour="red")
    other = OrganisationFactory(name="Sandmoor Recovery")
    referral = send_referral(s, case)
    refused(actions.release_plan_update, match="not to Sandmoor Recovery", episode=episode,
            by=s.officer, community_provider=other, referral=referral)
    refused(actions.release_plan_update, match="Only caseworkers", episode=episode,
            by=s.outsider, naloxone_offered=True)
    assert not ReleasePlan.objects.exists()


def test_the_holding_prison_plans_another_prison_cannot(
        s: Casework, episode: CustodyEpisode, prison: Any) -> None:
    at_prison = ProviderStaffFactory(organisation=prison)
    plan = actions.release_plan_update(episode=episode, by=at_prison, naloxone_offered=True)
    assert plan.updated_by == at_prison
    elsewhere = ProviderStaffFactory(organisation=OrganisationFactory(
        name="HMP Sandmoor", kind=OrganisationKind.PRISON))
    refused(actions.release_plan_update, match="Only caseworkers", episode=episode,
            by=elsewhere, naloxone_offered=False)


def test_on_release_the_lead_passes_to_the_provider_and_the_plan_is_kept_as_it_was(
        s: Casework, case: Case, episode: CustodyEpisode, area: Any) -> None:
    actions.release_plan_update(episode=episode, by=s.officer, community_provider=s.provider,
                                appointment_on=days(-2))
    actions.custody_release(episode=episode, released_on=days(-3), release_area=area,
                            by=s.officer)
    lead = case.lead_agencies.current().get()
    assert lead.organisation == s.provider and lead.starts_on == days(-3)
    refused(actions.release_plan_update, match="no longer changes", episode=episode,
            by=s.worker, naloxone_offered=True)


def test_a_plan_that_keeps_the_lead_leaves_it(s: Casework, case: Case,
                                              episode: CustodyEpisode, area: Any) -> None:
    actions.release_plan_update(episode=episode, by=s.officer, community_provider=s.provider,
                                hand_lead_to_provider=False)
    actions.custody_release(episode=episode, released_on=days(-3), release_area=area,
                            by=s.officer)
    assert case.lead_agencies.current().get().organisation == s.probation


def test_the_plan_is_due_from_the_set_number_of_weeks_before_release(
        s: Casework, episode: CustodyEpisode) -> None:
    assert casework_settings(s.partnership.pk).release_plan_weeks == 12
    assert plan_due_on(days(30), 12) == days(30 - 84)
    assert plan_due_on(None, 12) is None
    assert plan_is_due(episode, weeks=12)
    assert not plan_is_due(episode, weeks=4)   # due from 2 days ahead
    assert plan_is_due(episode, weeks=4, today=days(2))
    CaseworkSettings.objects.create(partnership=s.partnership, release_plan_weeks=2)
    assert casework_settings(s.partnership.pk).release_plan_weeks == 2
