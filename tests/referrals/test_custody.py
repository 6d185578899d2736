"""Custody episodes on a case (issue 18): reception into a prison, transfer, release and the
first community appointment, their refusals, their audit rows and who may record them."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from core.models import AuditEvent
from referrals import actions
from referrals.choices import ExpectedReleaseKind
from referrals.models import Case, CustodyEpisode
from tests.accounts.factories import ProviderStaffFactory
from tests.referrals.factories import Casework, days, refused, send_referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def episode(s: Casework, case: Case, prison: Any) -> CustodyEpisode:
    return actions.custody_episode_start(
        case=case, establishment=prison, received_on=days(-50), by=s.officer,
        expected_release_on=days(-5), expected_release_kind=ExpectedReleaseKind.LICENCE)


def _latest_audit() -> AuditEvent:
    return AuditEvent.objects.order_by("-pk").first()


def test_start_records_the_episode_and_its_audit_row(s: Casework, case: Case, prison: Any,
                                                     django_assert_max_num_queries: Any) -> None:
    # Lock and permission (3), the open-episode check, full_clean's foreign keys (3) and six
    # constraints (each a savepoint and a check), the insert and the audit row.
    with django_assert_max_num_queries(29):
        episode = actions.custody_episode_start(
            case=case, establishment=prison, received_on=days(-50), by=s.officer,
            expected_release_on=days(30), expected_release_kind=ExpectedReleaseKind.CONDITIONAL)
    assert episode.case == case and episode.establishment == prison
    assert episode.created_by == s.officer
    assert list(CustodyEpisode.objects.open()) == [episode]
    audit = _latest_audit()
    assert audit.action == AuditEvent.Action.CREATE
    assert audit.actor == s.officer
    assert audit.summary == f"Recorded reception into custody on case {case.reference}"
    assert "JD" not in str(audit.changes)


def test_start_refuses_an_establishment_that_is_not_a_prison(s: Casework, case: Case) -> None:
    refused(actions.custody_episode_start, match="is not a prison", case=case,
            establishment=s.provider, received_on=days(-50), by=s.officer)


def test_start_refuses_expected_release_before_reception(s: Casework, case: Case,
                                                          prison: Any) -> None:
    refused(actions.custody_episode_start, match="cannot come before reception", case=case,
            establishment=prison, received_on=days(-50), expected_release_on=days(-51),
            by=s.officer)


def test_start_refuses_a_future_reception(s: Casework, case: Case, prison: Any) -> None:
    refused(actions.custody_episode_start, match="cannot be in the future", case=case,
            establishment=prison, received_on=days(1), by=s.officer)


def test_start_refuses_a_second_open_episode(s: Casework, case: Case, episode: CustodyEpisode,
                                             other_prison: Any) -> None:
    refused(actions.custody_episode_start, match="already has an open custody episode",
            case=case, establishment=other_prison, received_on=days(-10), by=s.officer)


def test_start_refused_to_an_uninvolved_organisation(s: Casework, case: Case,
                                                     prison: Any) -> None:
    refused(actions.custody_episode_start, match="Only caseworkers", case=case,
            establishment=prison, received_on=days(-50), by=s.outsider)


def test_transfer_closes_the_sending_episode_and_opens_the_receiving_one(
        s: Casework, case: Case, episode: CustodyEpisode, other_prison: Any) -> None:
    audits = AuditEvent.objects.count()
    receiving = actions.custody_transfer(episode=episode, to_establishment=other_prison,
                                         transferred_on=days(-20), by=s.officer)
    episode.refresh_from_db()
    assert episode.transferred_on == days(-20)
    assert episode.ended_by_transfer_to == receiving
    assert episode.released_on is None  # a transfer is not a release
    assert receiving.establishment == other_prison
    assert receiving.received_on == days(-20)
    assert receiving.expected_release_on == episode.expected_release_on
    assert receiving.expected_release_kind == ExpectedReleaseKind.LICENCE
    assert list(CustodyEpisode.objects.open()) == [receiving]
    assert AuditEvent.objects.count() == audits + 2
    summaries = set(AuditEvent.objects.order_by("-pk")[:2].values_list("summary", flat=True))
    assert summaries == {f"Recorded reception by transfer on case {case.reference}",
                         f"Recorded a transfer to HMP Southshire on case {case.reference}"}


def test_transfer_refusals(s: Casework, episode: CustodyEpisode, prison: Any,
                           other_prison: Any) -> None:
    refused(actions.custody_transfer, match="is not a prison", episode=episode,
            to_establishment=s.provider, transferred_on=days(-20), by=s.officer)
    refused(actions.custody_transfer, match="already at", episode=episode,
            to_establishment=prison, transferred_on=days(-20), by=s.officer)
    refused(actions.custody_transfer, match="cannot come before reception", episode=episode,
            to_establishment=other_prison, transferred_on=days(-51), by=s.officer)


def test_release_records_date_and_area(s: Casework, case: Case, episode: CustodyEpisode,
                                       area: Any) -> None:
    actions.custody_release(episode=episode, released_on=days(-3), release_area=area,
                            by=s.officer)
    assert episode.released_on == days(-3) and episode.release_area == area
    assert not CustodyEpisode.objects.open().exists()
    audit = _latest_audit()
    assert audit.action == AuditEvent.Action.UPDATE
    assert audit.summary == f"Recorded a release from custody on case {case.reference}"


def test_release_refusals(s: Casework, episode: CustodyEpisode, area: Any,
                          other_prison: Any) -> None:
    refused(actions.custody_release, match="cannot come before reception", episode=episode,
            released_on=days(-51), release_area=area, by=s.officer)
    refused(actions.custody_release, match="local authority", episode=episode,
            released_on=days(-3), release_area=s.provider, by=s.officer)
    refused(actions.custody_release, match="cannot be in the future", episode=episode,
            released_on=days(1), release_area=area, by=s.officer)
    actions.custody_transfer(episode=episode, to_establishment=other_prison,
                             transferred_on=days(-20), by=s.officer)
    refused(actions.custody_release, match="ended with a transfer", episode=episode,
            released_on=days(-3), release_area=area, by=s.officer)


def test_the_holding_prison_records_a_release_another_prison_cannot(
        s: Casework, episode: CustodyEpisode, prison: Any, other_prison: Any,
        area: Any) -> None:
    at_other = ProviderStaffFactory(organisation=other_prison)
    refused(actions.custody_release, match="Only caseworkers", episode=episode,
            released_on=days(-3), release_area=area, by=at_other)
    refused(actions.custody_release, match="Only caseworkers", episode=episode,
            released_on=days(-3), release_area=area, by=s.outsider)
    at_prison = ProviderStaffFactory(organisation=prison)
    assert at_prison.has_perm("referrals.record_custody", episode)
    # The prison holding the person is involved in the case (need-to-know follows them).
    assert at_prison.has_perm("referrals.view_case", episode.case)
    assert not at_other.has_perm("referrals.view_case", episode.case)
    actions.custody_release(episode=episode, released_on=days(-3), release_area=area,
                            by=at_prison)
    assert episode.released_on == days(-3)


def test_first_appointment_attended_by_the_community_provider(
        s: Casework, case: Case, episode: CustodyEpisode, area: Any) -> None:
    send_referral(s, case)  # the provider becomes involved in the case
    actions.custody_release(episode=episode, released_on=days(-10), release_area=area,
                            by=s.officer)
    actions.first_appointment_record(episode=episode, attended_on=days(-2), by=s.worker)
    assert episode.attended_on == days(-2) and not episode.did_not_attend
    audit = _latest_audit()
    assert audit.actor == s.worker
    assert audit.summary == ("Recorded the first appointment after release on case "
                             f"{case.reference}")


def test_first_appointment_did_not_attend(s: Casework, episode: CustodyEpisode,
                                          area: Any) -> None:
    actions.custody_release(episode=episode, released_on=days(-10), release_area=area,
                            by=s.officer)
    actions.first_appointment_record(episode=episode, did_not_attend=True, by=s.officer)
    assert episode.did_not_attend and episode.attended_on is None
    refused(actions.first_appointment_record, match="already recorded", episode=episode,
            attended_on=days(-1), by=s.officer)


def test_first_appointment_refusals(s: Casework, episode: CustodyEpisode, area: Any) -> None:
    refused(actions.first_appointment_record, match="record the release first",
            episode=episode, attended_on=days(-2), by=s.officer)
    actions.custody_release(episode=episode, released_on=days(-10), release_area=area,
                            by=s.officer)
    refused(actions.first_appointment_record, match="cannot come before the release",
            episode=episode, attended_on=days(-11), by=s.officer)
    refused(actions.first_appointment_record, match="not both", episode=episode,
            attended_on=days(-2), did_not_attend=True, by=s.officer)
    refused(actions.first_appointment_record, match="either", episode=episode, by=s.officer)
    refused(actions.first_appointment_record, match="Only caseworkers", episode=episode,
            attended_on=days(-2), by=s.outsider)


def test_the_database_holds_one_open_episode_per_case(s: Casework, case: Case,
                                                      episode: CustodyEpisode,
                                                      other_prison: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        CustodyEpisode.objects.create(case=case, establishment=other_prison,
                                      received_on=days(-10))
    with pytest.raises(IntegrityError), transaction.atomic():
        CustodyEpisode.objects.filter(pk=episode.pk).update(released_on=days(-51))


def test_a_closed_case_refuses_custody(s: Casework, case: Case, prison: Any) -> None:
    actions.case_close(case=case, closed_on=days(0), by=s.officer)
    refused(actions.custody_episode_start, match="cannot be changed", case=case,
            establishment=prison, received_on=days(-50), by=s.officer)
