"""The custody pages of a case (issue 18): the "Custody and release" section of the case page
(episodes in order, how each ended, the 21-day clock, the release plan and its tasks), and the
forms that record reception, a transfer, the release, the first appointment and the plan: each
saves through its action, shows the action's refusal on its field and saves nothing then, and
refuses users as the other case pages do (404 to the uninvolved, 403 to those who may only
read)."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partnerships.choices import OrganisationKind
from referrals import actions
from referrals.choices import ExpectedReleaseKind
from referrals.models import Case, CustodyEpisode, ReleasePlan
from tests.accounts.factories import ProviderStaffFactory
from tests.html import assert_good_markup, text
from tests.partnerships.factories import MembershipFactory, OrganisationFactory
from tests.referrals.factories import (
    Casework,
    days,
    open_case,
    send_referral,
    unchanged_state,
)
from tests.referrals.helpers import date_parts, get, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(s: Casework) -> Case:
    return open_case(s, initials="ZS")


@pytest.fixture
def episode(s: Casework, case: Case, prison: Any) -> CustodyEpisode:
    """Held in HMP Northshire since 50 days ago, on licence in 30 days (the plan is due)."""
    return actions.custody_episode_start(
        case=case, establishment=prison, received_on=days(-50), by=s.officer,
        expected_release_on=days(30), expected_release_kind=ExpectedReleaseKind.LICENCE)


def url(case: Case, tail: str = "") -> str:
    return f"/casework/cases/{case.reference}/{tail}"


def custody_section(html: str) -> str:
    """The words of the case page's "Custody and release" section."""
    words = text(html)
    return words[words.index("Custody and release"):words.index("Conferences")]


def refused_on(html: str, field: str, message: str) -> None:
    """The refusal is shown on ``field`` and in the error summary that links to it."""
    assert f'href="#id_{field}"' in html, f"no error summary link to {field}"
    error = re.search(rf'id="id_{field}-error"[^>]*>(.*?)</p>', html, re.S)
    assert error and message in text(error.group(1)), (field, error and error.group(1))


def released(s: Casework, episode: CustodyEpisode, area: Any, on: datetime.date
             ) -> CustodyEpisode:
    return actions.custody_release(episode=episode, released_on=on, release_area=area,
                                   by=s.officer)


# -- the section on the case page ------------------------------------------------------------------


def test_empty_state_offers_to_record_reception(client, s, case):
    html = get(client, s.officer, url(case))
    assert "No custody recorded on this case." in custody_section(html)
    assert f'href="{url(case, "custody/reception/")}"' in html
    assert_good_markup(html)


def test_an_admin_reading_with_a_reason_sees_no_custody_buttons(client, s, case, episode):
    client.force_login(s.admin)
    client.post("/casework/cases/find/", {"reference": case.reference,
                                          "reason": "Support request 77 about this case"})
    html = get(client, s.admin, url(case))
    assert "HMP Northshire" in custody_section(html)
    assert "/custody/" not in html
    for tail in ("custody/reception/", f"custody/{episode.pk}/transfer/",
                 f"custody/{episode.pk}/release/", f"custody/{episode.pk}/release-plan/"):
        assert client.get(url(case, tail)).status_code == 403


def test_the_section_lists_episodes_in_order_with_how_each_ended(
        client, s, case, prison, other_prison, area):
    first = actions.custody_episode_start(
        case=case, establishment=prison, received_on=days(-60), by=s.officer,
        expected_release_on=days(-5), expected_release_kind=ExpectedReleaseKind.CONDITIONAL)
    second = actions.custody_transfer(episode=first, to_establishment=other_prison,
                                      transferred_on=days(-40), by=s.officer)
    released(s, second, area, days(-4))
    words = custody_section(get(client, s.officer, url(case)))
    assert words.index("HMP Northshire") < words.index("HMP Southshire Received")
    assert f"Transferred to HMP Southshire on {days(-40):%-d %B %Y}" in words
    assert (f"Received {days(-40):%-d %B %Y}, transferred from HMP Northshire" in words)
    assert (f"Expected release {days(-5):%-d %B %Y} (conditional release)") in words
    assert (f"Released on {days(-4):%-d %B %Y} to Northshire County Council") in words
    assert "Day 4 of 21" in words and "Record the first appointment" in words
    assert "Held now" not in words and "Record reception into custody" in words


@pytest.mark.parametrize(("attended_day", "dna", "released_days_ago", "shown"), [
    (21, False, 30, "Engaged within 21 days (day 21)"),
    (22, False, 30, "First appointment attended late (day 22)"),
    (None, True, 10, "Did not attend"),
    (None, False, 22, "No attendance recorded by day 21"),
    (None, False, 21, "Day 21 of 21"),
])
def test_the_21_day_clock(client, s, case, episode, area, attended_day, dna, released_days_ago,
                          shown):
    released_on = days(-released_days_ago)
    released(s, episode, area, released_on)
    if attended_day is not None or dna:
        on = (released_on + datetime.timedelta(days=attended_day) if attended_day is not None
              else None)
        actions.first_appointment_record(episode=episode, by=s.officer, attended_on=on,
                                         did_not_attend=dna)
    words = custody_section(get(client, s.officer, url(case)))
    assert shown in words
    assert ("Record the first appointment" in words) == (attended_day is None and not dna)


def test_before_the_plan_is_due_one_line_says_when(client, s, case, prison):
    actions.custody_episode_start(case=case, establishment=prison, received_on=days(-10),
                                  expected_release_on=days(200), by=s.officer)
    words = custody_section(get(client, s.officer, url(case)))
    due = days(200) - datetime.timedelta(weeks=12)
    assert (f"The release plan is due from {due:%-d %B %Y} (12 weeks before the expected "
            "release)") in words
    assert "Still to arrange" not in words


def test_the_due_plan_lists_its_tasks_with_their_owners(client, s, case, episode):
    html = get(client, s.officer, url(case))
    words = custody_section(html)
    assert "Release plan Still to arrange before release" in words
    for task in ("Choose the community treatment provider Prison team: HMP Northshire",
                 "Book the first community appointment Prison team: HMP Northshire",
                 "Record whether naloxone was offered Prison team: HMP Northshire"):
        assert task in words
    assert 'class="govuk-task-list"' in html
    assert f'href="{url(case, f"custody/{episode.pk}/release-plan/")}"' in html
    assert_good_markup(html)
    # Once the provider is chosen, booking the appointment is the provider's task.
    actions.release_plan_update(episode=episode, by=s.officer, community_provider=s.provider,
                                naloxone_offered=True)
    words = custody_section(get(client, s.officer, url(case)))
    assert "Community provider Northshire Recovery Services" in words
    assert "Naloxone offered Yes" in words
    assert ("Book the first community appointment Community provider: Northshire Recovery "
            "Services") in words
    assert "Record whether naloxone was offered" not in words


@pytest.mark.parametrize("moves", [0, 3])
def test_the_case_page_costs_the_same_for_one_and_four_episodes(
        client, s, case, prison, other_prison, moves, django_assert_max_num_queries):
    episode = actions.custody_episode_start(case=case, establishment=prison,
                                            received_on=days(-100), expected_release_on=days(20),
                                            by=s.officer)
    actions.release_plan_update(episode=episode, by=s.officer, community_provider=s.provider)
    for n in range(moves):
        episode = actions.custody_transfer(
            episode=episode, to_establishment=other_prison if n % 2 == 0 else prison,
            transferred_on=days(-90 + 10 * n), by=s.officer)
    assert CustodyEpisode.objects.filter(case=case).count() == moves + 1
    client.force_login(s.officer)
    # The case page's own (test_views_case) plus the episodes with their plans, and the
    # partnership's casework settings while the person is held.
    with django_assert_max_num_queries(18):
        response = client.get(url(case))
    assert response.status_code == 200
    assert "Still to arrange" in response.content.decode()


def test_query_counts_are_equal_for_one_and_four_episodes(client, s, prison, other_prison):
    counts = []
    for moves in (0, 3):
        case = open_case(s, initials="ZS")
        episode = actions.custody_episode_start(case=case, establishment=prison,
                                                received_on=days(-100), by=s.officer,
                                                expected_release_on=days(20))
        for n in range(moves):
            episode = actions.custody_transfer(
                episode=episode, to_establishment=other_prison if n % 2 == 0 else prison,
                transferred_on=days(-90 + 10 * n), by=s.officer)
        client.force_login(s.officer)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(case)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# -- who may use the forms ------------------------------------------------------------------------


def test_uninvolved_users_get_404_everywhere(client, s, case, episode, prison):
    before = unchanged_state()
    for user in (s.outsider, s.commissioner, ProviderStaffFactory(organisation=OrganisationFactory(
            kind=OrganisationKind.PRISON))):
        for tail in ("custody/reception/", f"custody/{episode.pk}/transfer/",
                     f"custody/{episode.pk}/release/", f"custody/{episode.pk}/release-plan/",
                     f"custody/{episode.pk}/first-appointment/"):
            get(client, user, url(case, tail), status=404)
            post(client, user, url(case, tail), {}, status=404)
    assert unchanged_state() == before


def test_another_cases_episode_is_404(client, s, case, episode):
    other = open_case(s, initials="SZ")
    for tail in ("transfer/", "release/", "release-plan/", "first-appointment/"):
        get(client, s.officer, url(other, f"custody/{episode.pk}/{tail}"), status=404)


def test_a_closed_case_refuses_custody(client, s, case, episode):
    actions.case_close(case=case, by=s.officer)
    html = get(client, s.officer, url(case, "custody/reception/"), status=403)
    assert "A closed case cannot be changed" in html
    get(client, s.officer, url(case, f"custody/{episode.pk}/release-plan/"), status=403)


def test_the_prison_holding_the_person_works_on_the_case(client, s, case, episode, prison,
                                                         area):
    officer = ProviderStaffFactory(organisation=prison)
    html = get(client, officer, url(case))
    assert "Record the release" in html and "Start the release plan" in html
    post(client, officer, url(case, f"custody/{episode.pk}/release/"),
         {**date_parts("released_on", days(0)), "release_area": area.pk}, status=302)
    episode.refresh_from_db()
    assert episode.released_on == days(0)


# -- reception -------------------------------------------------------------------------------------


def reception_data(prison: Any, **changes: Any) -> dict[str, Any]:
    data = {"establishment": prison.pk, **date_parts("received_on", days(-20)),
            **date_parts("expected_release_on", days(100)),
            "expected_release_kind": ExpectedReleaseKind.LICENCE, "treatment_need": "yes"}
    data.update(changes)
    return data


def test_record_reception(client, s, case, prison):
    html = get(client, s.officer, url(case, "custody/reception/"))
    assert "<h1" in html and "Record reception into custody</h1>" in html
    assert f'<option value="{prison.pk}">HMP Northshire</option>' in html
    assert f'<option value="{s.provider.pk}"' not in html  # prisons only
    assert_good_markup(html)
    response = post(client, s.officer, url(case, "custody/reception/"),
                    reception_data(prison, treatment_need="no"), status=302)
    assert response["Location"] == url(case)
    episode = CustodyEpisode.objects.get(case=case)
    assert (episode.establishment, episode.received_on, episode.expected_release_on,
            episode.expected_release_kind, episode.treatment_need, episode.created_by) == (
        prison, days(-20), days(100), ExpectedReleaseKind.LICENCE, False, s.officer)
    words = text(client.get(response["Location"]).content.decode())
    assert f"Reception into HMP Northshire on {days(-20):%-d %B %Y} was recorded." in words
    assert "HMP Northshire Held now" in words


def test_reception_refusals_are_shown_on_their_fields(client, s, case, prison, episode):
    before = unchanged_state()
    reception = url(case, "custody/reception/")
    html = post(client, s.officer, reception, {}, status=200).content.decode()
    refused_on(html, "establishment", "Select the prison")
    refused_on(html, "received_on", "Enter the date of reception")
    refused_on(html, "treatment_need", "Select whether the person is in treatment")
    html = post(client, s.officer, reception,
                reception_data(prison, establishment=s.provider.pk)).content.decode()
    refused_on(html, "establishment", "Choose the prison from the list")
    # The action's refusals: a second open episode (no field: at the top), a future reception,
    # an expected release before reception.
    html = post(client, s.officer, reception, reception_data(prison)).content.decode()
    assert "already has an open custody episode" in html and 'href="#main-content"' in html
    CustodyEpisode.objects.filter(pk=episode.pk).delete()
    before = unchanged_state()
    html = post(client, s.officer, reception,
                reception_data(prison, **date_parts("received_on", days(1)))).content.decode()
    refused_on(html, "received_on", "The date of reception cannot be in the future.")
    html = post(client, s.officer, reception, reception_data(
        prison, **date_parts("expected_release_on", days(-30)))).content.decode()
    refused_on(html, "expected_release_on", "cannot come before reception")
    typed = (f'name="expected_release_on_day" type="text" inputmode="numeric" '
             f'value="{days(-30).day}"')
    assert typed in html  # what was typed is shown again
    assert unchanged_state() == before


# -- transfer --------------------------------------------------------------------------------------


def test_record_a_transfer(client, s, case, episode, other_prison):
    address = url(case, f"custody/{episode.pk}/transfer/")
    html = get(client, s.officer, address)
    assert f'<option value="{episode.establishment_id}"' not in html  # not where they are
    assert_good_markup(html)
    response = post(client, s.officer, address,
                    {"to_establishment": other_prison.pk,
                     **date_parts("transferred_on", days(-2))}, status=302)
    episode.refresh_from_db()
    assert episode.transferred_on == days(-2)
    last_day = days(-2) + datetime.timedelta(days=13)  # the 14-day handover, default
    words = text(client.get(response["Location"]).content.decode())
    assert (f"The transfer to HMP Southshire on {days(-2):%-d %B %Y} was recorded. "
            f"HMP Northshire can see the case until {last_day:%-d %B %Y}, to hand over.") in words
    assert "HMP Southshire Held now" in words
    # The spell that ended cannot be transferred again.
    html = get(client, s.officer, address, status=403)
    assert "has ended" in html


def test_transfer_refusals_are_shown_on_their_fields(client, s, case, episode, other_prison):
    before = unchanged_state()
    address = url(case, f"custody/{episode.pk}/transfer/")
    html = post(client, s.officer, address, {}, status=200).content.decode()
    refused_on(html, "to_establishment", "Select the prison the person was transferred to")
    refused_on(html, "transferred_on", "Enter the date of the transfer")
    html = post(client, s.officer, address,
                {"to_establishment": other_prison.pk,
                 **date_parts("transferred_on", days(-51))}).content.decode()
    refused_on(html, "transferred_on", "cannot come before reception")
    html = post(client, s.officer, address,
                {"to_establishment": other_prison.pk,
                 **date_parts("transferred_on", days(3))}).content.decode()
    refused_on(html, "transferred_on", "cannot be in the future")
    assert unchanged_state() == before


# -- release ---------------------------------------------------------------------------------------


def test_record_the_release_and_the_lead_passes_to_the_provider(client, s, case, episode, area):
    actions.release_plan_update(episode=episode, by=s.officer, community_provider=s.provider,
                                hand_lead_to_provider=True)
    address = url(case, f"custody/{episode.pk}/release/")
    html = get(client, s.officer, address)
    assert f'<option value="{area.pk}">Northshire County Council</option>' in html
    assert_good_markup(html)
    response = post(client, s.officer, address,
                    {**date_parts("released_on", days(0)), "release_area": area.pk},
                    status=302)
    episode.refresh_from_db()
    assert (episode.released_on, episode.release_area) == (days(0), area)
    # Probation led only until the release (no referral of its own): the case page would be a
    # 404 now, so the banner shows on the caseload.
    assert response["Location"] == "/casework/"
    words = text(client.get(response["Location"]).content.decode())
    assert (f"The release on {days(0):%-d %B %Y} was recorded. The 21 days to the first "
            "community appointment have started. Northshire Recovery Services now leads the "
            f"case. Your organisation is no longer involved in case {case.reference}") in words
    words = custody_section(get(client, s.worker, url(case)))
    assert "Day 0 of 21" in words and "What the person left with" in words
    assert "Lead on release day Passes to Northshire Recovery Services" in words


def test_release_refusals_are_shown_on_their_fields(client, s, case, episode, area):
    before = unchanged_state()
    address = url(case, f"custody/{episode.pk}/release/")
    html = post(client, s.officer, address, {}, status=200).content.decode()
    refused_on(html, "released_on", "Enter the date of release")
    refused_on(html, "release_area", "Select the local authority of the release address")
    html = post(client, s.officer, address, {**date_parts("released_on", days(2)),
                                             "release_area": area.pk}).content.decode()
    refused_on(html, "released_on", "The date of the release cannot be in the future.")
    html = post(client, s.officer, address, {**date_parts("released_on", days(-60)),
                                             "release_area": area.pk}).content.decode()
    refused_on(html, "released_on", "cannot come before reception")
    assert unchanged_state() == before


# -- the first appointment -------------------------------------------------------------------------


def test_the_provider_records_the_first_appointment(client, s, case, episode, area):
    send_referral(s, case)  # the provider is involved through the open referral
    released(s, episode, area, days(-10))
    address = url(case, f"custody/{episode.pk}/first-appointment/")
    html = get(client, s.worker, address)
    assert_good_markup(html)
    response = post(client, s.worker, address,
                    {"outcome": "attended", **date_parts("attended_on", days(-3))}, status=302)
    episode.refresh_from_db()
    assert (episode.attended_on, episode.did_not_attend) == (days(-3), False)
    words = text(client.get(response["Location"]).content.decode())
    assert "The first community appointment was recorded: engaged within 21 days (day 7)." in words
    assert "Engaged within 21 days (day 7)" in custody_section(
        client.get(url(case)).content.decode())
    # One outcome per release.
    html = get(client, s.worker, address, status=403)
    assert "already recorded" in html


def test_did_not_attend_ignores_a_typed_date(client, s, case, episode, area):
    released(s, episode, area, days(-10))
    post(client, s.officer, url(case, f"custody/{episode.pk}/first-appointment/"),
         {"outcome": "did_not_attend", **date_parts("attended_on", days(-3))}, status=302)
    episode.refresh_from_db()
    assert (episode.attended_on, episode.did_not_attend) == (None, True)


def test_first_appointment_refusals(client, s, case, episode, area):
    address = url(case, f"custody/{episode.pk}/first-appointment/")
    assert "has not been released" in get(client, s.officer, address, status=403)
    released(s, episode, area, days(-10))
    before = unchanged_state()
    html = post(client, s.officer, address, {}, status=200).content.decode()
    refused_on(html, "outcome", "Select whether the person attended")
    html = post(client, s.officer, address, {"outcome": "attended"}).content.decode()
    refused_on(html, "attended_on", "Enter the date the person attended")
    html = post(client, s.officer, address,
                {"outcome": "attended", **date_parts("attended_on", days(-11))}).content.decode()
    refused_on(html, "attended_on", "cannot come before the release")
    assert unchanged_state() == before


# -- the release plan ------------------------------------------------------------------------------


def plan_data(s: Casework, referral: Any = None, **changes: Any) -> dict[str, Any]:
    data = {"community_provider": s.provider.pk, "referral": referral.pk if referral else "",
            **date_parts("appointment_on", days(31)), "appointment_time": "10:30",
            "appointment_place": "Northshire Recovery Hub", "appointment_with": "Recovery worker",
            "bridging_prescription": "yes", "naloxone_offered": "unknown",
            "hand_lead_to_provider": "yes"}
    data.update(changes)
    return data


def test_start_the_release_plan(client, s, case, episode, prison):
    referral = send_referral(s, case)
    address = url(case, f"custody/{episode.pk}/release-plan/")
    html = get(client, s.officer, address)
    assert "Start the release plan</h1>" in html
    assert f'<option value="{prison.pk}"' not in html  # a prison is no community provider
    assert f'<option value="{referral.pk}">{referral.reference}' in html
    assert 'value="yes" checked' in html  # the lead passes by default
    assert_good_markup(html)
    response = post(client, s.officer, address, plan_data(s, referral), status=302)
    plan = ReleasePlan.objects.get(episode=episode)
    assert (plan.community_provider, plan.referral, plan.appointment_on,
            plan.appointment_time, plan.appointment_place, plan.appointment_with,
            plan.bridging_prescription, plan.naloxone_offered, plan.hand_lead_to_provider,
            plan.updated_by) == (
        s.provider, referral, days(31), datetime.time(10, 30), "Northshire Recovery Hub",
        "Recovery worker", True, None, True, s.officer)
    words = text(client.get(response["Location"]).content.decode())
    assert f"The release plan of case {case.reference} was saved." in words
    section = words[words.index("Custody and release"):words.index("Conferences")]
    assert f"First appointment {days(31):%-d %B %Y} at 10:30 Northshire Recovery Hub" in section
    assert "Record whether naloxone was offered Prison team: HMP Northshire" in section
    assert "Choose the community treatment provider" not in section
    # The form shows the plan again, and sending it unchanged changes nothing.
    html = get(client, s.officer, address)
    assert "Change the release plan</h1>" in html and 'value="10:30"' in html
    before = unchanged_state()
    post(client, s.officer, address, plan_data(s, referral), status=302)
    assert unchanged_state() == before


def test_release_plan_refusals_are_shown_on_their_fields(client, s, case, episode):
    other = OrganisationFactory(name="Southshire Recovery")
    MembershipFactory(partnership=s.partnership, organisation=other)
    referral = send_referral(s, case)
    address = url(case, f"custody/{episode.pk}/release-plan/")
    before = unchanged_state()
    html = post(client, s.officer, address, {}, status=200).content.decode()
    refused_on(html, "bridging_prescription", "Select whether a bridging prescription is given")
    refused_on(html, "hand_lead_to_provider", "Select whether the lead passes")
    html = post(client, s.officer, address,
                plan_data(s, referral, community_provider=other.pk)).content.decode()
    refused_on(html, "referral", "not to Southshire Recovery")
    html = post(client, s.officer, address, plan_data(
        s, appointment_on_day="", appointment_on_month="", appointment_on_year="")).content.decode()
    refused_on(html, "appointment_on", "Give the date of the first appointment as well")
    html = post(client, s.officer, address,
                plan_data(s, appointment_time="half ten")).content.decode()
    refused_on(html, "appointment_time", "Enter the time in the right format")
    html = post(client, s.officer, address,
                plan_data(s, **date_parts("appointment_on", days(-60)))).content.decode()
    refused_on(html, "appointment_on", "cannot come before reception")
    assert unchanged_state() == before
    assert not ReleasePlan.objects.exists()


def test_a_released_persons_plan_no_longer_changes(client, s, case, episode, area):
    released(s, episode, area, days(-1))
    html = get(client, s.officer, url(case, f"custody/{episode.pk}/release-plan/"), status=403)
    assert "has ended" in html
