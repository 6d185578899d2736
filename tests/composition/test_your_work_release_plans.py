"""The "Release plans" section of Your work: release plans due with a missing piece the user's
team owns (the prison team holding the person; the community provider for the first
appointment), the same tasks the case page lists, only for cases the organisation may see, and
bounded queries.

Each case is received into HMP Northshire 30 days ago and expected out in 20 days (the plan is
due from 12 weeks before), through the actions.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from composition.selectors.your_work import release_plans, your_work
from core.display import govuk_date
from partnerships.choices import OrganisationKind
from referrals import actions
from referrals.choices import CaseStatus
from referrals.models import Case, CustodyEpisode
from referrals.release_plans import episodes_with_tasks_for, plan_tasks, tasks_for
from tests.accounts.factories import ProviderStaffFactory
from tests.partnerships.factories import OrganisationFactory
from tests.referrals.factories import (
    Casework,
    CaseworkSettingsFactory,
    casework_setup,
    days,
    open_case,
    send_referral,
    today,
)

pytestmark = pytest.mark.django_db

YOUR_WORK = reverse("your-work")
SECTION = "release-plans"
ALL_PRISON_TASKS = ["Choose the community treatment provider",
                    "Refer to the community provider on an agreed pathway",
                    "Book the first community appointment",
                    "Record whether a bridging prescription is given",
                    "Record whether naloxone was offered"]


@pytest.fixture
def s(db: Any) -> Casework:
    return casework_setup()


@pytest.fixture
def prison(db: Any) -> Any:
    return OrganisationFactory(name="HMP Northshire", kind=OrganisationKind.PRISON)


@pytest.fixture
def prison_staff(prison: Any) -> Any:
    return ProviderStaffFactory(organisation=prison)


def held(s: Casework, prison: Any, *, release_in: int = 20) -> CustodyEpisode:
    """A new case whose person is held in ``prison``, expected out in ``release_in`` days."""
    case = open_case(s, initials="ZS", year_of_birth=1979)
    return actions.custody_episode_start(case=case, establishment=prison,
                                         received_on=days(-30), by=s.officer,
                                         expected_release_on=days(release_in))


def section(user: Any) -> Any:
    return {s.key: s for s in your_work(user).sections}.get(SECTION)


def test_the_prison_team_sees_every_missing_piece_of_a_plan_due(
        client: Any, s: Casework, prison: Any, prison_staff: Any) -> None:
    episode = held(s, prison)
    reference = episode.case.reference

    found = section(prison_staff)
    assert found.count == 1 and found.title == "Release plans"
    [item] = found.items
    assert item.text == f"Case {reference}: expected release {govuk_date(days(20))}"
    assert item.detail == "5 tasks: " + "; ".join(ALL_PRISON_TASKS)
    assert item.url == reverse("referrals:case", args=[reference])
    assert found.url == reverse("referrals:caseload")

    client.force_login(prison_staff)
    html = client.get(YOUR_WORK).content.decode()
    assert "Release plans" in html and f"Case {reference}: expected release" in html
    assert client.get(item.url).status_code == 200  # the team may open the case


def test_each_team_sees_only_the_pieces_it_owns(s: Casework, prison: Any,
                                                prison_staff: Any) -> None:
    episode = held(s, prison)
    actions.release_plan_update(episode=episode, by=s.officer, community_provider=s.provider)
    # Named as the provider, but not involved in the case yet: nothing it may not know of.
    assert section(s.worker) is None

    referral = send_referral(s, episode.case)
    [item] = section(s.worker).items
    assert item.detail == "1 task: Book the first community appointment"
    assert section(prison_staff).items[0].detail.startswith("3 tasks: Refer to the community")

    actions.release_plan_update(episode=episode, by=s.officer, referral=referral,
                                appointment_on=days(21), bridging_prescription=False)
    [item] = section(s.worker).items
    assert item.detail == "1 task: Say where the first appointment is and with whom"
    assert section(prison_staff).items[0].detail == "1 task: Record whether naloxone was offered"

    actions.release_plan_update(episode=episode, by=s.worker, appointment_place="Hub, Leeds",
                                appointment_with="Recovery worker", naloxone_offered=True)
    assert section(s.worker) is None and section(prison_staff) is None
    for user in (s.officer, s.outsider, s.commissioner, s.admin):  # no tasks of theirs
        assert section(user) is None


def test_a_plan_is_listed_from_the_partnerships_number_of_weeks(
        s: Casework, prison: Any, prison_staff: Any) -> None:
    held(s, prison, release_in=12 * 7 + 1)
    assert section(prison_staff) is None
    held(s, prison, release_in=12 * 7)
    assert section(prison_staff).count == 1

    CaseworkSettingsFactory(partnership=s.partnership, release_plan_weeks=13)
    assert section(prison_staff).count == 2
    other = casework_setup()  # another partnership keeps the default
    held(other, prison, release_in=12 * 7 + 1)
    assert section(prison_staff).count == 2


def test_released_transferred_and_closed_are_not_listed(s: Casework, prison: Any,
                                                        prison_staff: Any) -> None:
    area = OrganisationFactory(kind=OrganisationKind.LOCAL_AUTHORITY)
    released = held(s, prison)
    actions.custody_release(episode=released, released_on=days(-1), release_area=area,
                            by=s.officer)
    closed = held(s, prison)
    Case.objects.filter(pk=closed.case_id).update(status=CaseStatus.CLOSED, closed_on=days(-1))
    no_date = open_case(s, initials="SZ", year_of_birth=1980)
    actions.custody_episode_start(case=no_date, establishment=prison, received_on=days(-5),
                                  by=s.officer)
    moved = held(s, prison)
    receiving = OrganisationFactory(name="HMP Southshire", kind=OrganisationKind.PRISON)
    receiving_staff = ProviderStaffFactory(organisation=receiving)

    assert section(prison_staff).count == 1
    actions.custody_transfer(episode=moved, to_establishment=receiving, transferred_on=days(-1),
                             by=s.officer)
    assert section(prison_staff) is None
    assert section(receiving_staff).items[0].text.startswith(f"Case {moved.case.reference}")


def test_the_list_agrees_with_the_case_pages_tasks(s: Casework, prison: Any) -> None:
    """Whatever the plan holds, an episode is listed for an organisation exactly when
    ``plan_tasks`` (what the case page shows) gives that organisation a task."""
    episode = held(s, prison)
    referral = send_referral(s, episode.case)  # the provider is involved throughout
    steps: list[dict[str, Any]] = [
        {}, {"community_provider": s.provider}, {"referral": referral},
        {"appointment_on": days(21)}, {"appointment_place": "Hub"},
        {"appointment_with": "Recovery worker"}, {"appointment_place": ""},
        {"bridging_prescription": False}, {"appointment_place": "Hub"},
        {"naloxone_offered": False}, {"community_provider": None, "referral": None},
        {"appointment_on": None}]
    for changes in steps:
        if changes:
            actions.release_plan_update(episode=episode, by=s.officer, **changes)
        episode = CustodyEpisode.objects.select_related("release_plan").get(pk=episode.pk)
        owners = {task.organisation_id
                  for task in plan_tasks(episode, getattr(episode, "release_plan", None))}
        for organisation in (prison, s.provider):
            listed = episodes_with_tasks_for(organisation.pk, today()).filter(pk=episode.pk)
            assert listed.exists() == (organisation.pk in owners), (changes, organisation)
            assert bool(tasks_for(episode, organisation.pk)) == (organisation.pk in owners)


def test_the_section_costs_the_same_few_queries_for_1_or_20_plans(
        s: Casework, prison: Any, prison_staff: Any) -> None:
    CaseworkSettingsFactory(partnership=s.partnership, release_plan_weeks=10)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            found = release_plans(prison_staff, today())
        assert found is not None
        assert all(item.detail.startswith("5 tasks") for item in found.items)
        return len(captured)

    held(s, prison)
    one = queries()
    for _ in range(19):
        held(s, prison)
    assert section(prison_staff).count == 20 and len(section(prison_staff).items) == 5
    assert one == queries() == 3  # the plan settings, the count, the first rows


def test_the_page_stays_bounded_for_the_prison_team(client: Any, s: Casework, prison: Any,
                                                    prison_staff: Any,
                                                    django_assert_max_num_queries: Any) -> None:
    for _ in range(8):
        held(s, prison)
    client.force_login(prison_staff)
    # Session and user, the header's organisation and unread count, each caseworker section.
    with django_assert_max_num_queries(12):
        response = client.get(YOUR_WORK)
    found = {s.key: s for s in response.context["work"].sections}
    assert found[SECTION].count == 8 and len(found[SECTION].items) == 5


def test_the_empty_state_mentions_release_plans(client: Any, s: Casework,
                                                prison_staff: Any) -> None:
    client.force_login(prison_staff)
    html = client.get(YOUR_WORK).content.decode()
    assert "no release plans to complete" in html


def test_a_plan_due_is_work_to_land_on(client: Any, s: Casework, prison: Any,
                                       prison_staff: Any) -> None:
    held(s, prison)
    client.force_login(prison_staff)
    assert client.get(reverse("home")).url == YOUR_WORK
