"""load_demo's through-the-gate part (demo/custody.py): the continuity figures of each of the
last four financial quarters match a count made by hand from the scenario list in that module's
docstring, for the partnership, for prisons and for community providers; every outcome is
there; the prison's demo login sees the people it holds and their plan's missing pieces; a
second run creates nothing.

The demo dates each release a fixed number of days into a quarter named from today (``Q0`` is
today's quarter, ``Q1`` the one before...), so the counts below hold whatever day the tests
run; this test names the quarters itself with ``core.periods.quarter_for``."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from core import clock
from core.models import AuditEvent
from core.periods import quarter_for
from demo.referrals import PARTNERSHIP
from notifications.models import Notification
from partnerships.models import Organisation, Partnership
from referrals.continuity import CONTINUITY_DAYS, figures
from referrals.models import Case, CustodyEpisode, Referral, ReleasePlan
from referrals.release_plans import PRISON, PROVIDER, casework_settings, plan_is_due, plan_tasks

FIELDS = ("releases", "engaged_within_21_days", "engaged_late", "not_engaged", "awaiting",
          "no_plan_by_release", "median_days_to_first_appointment", "transfers_in",
          "transfers_out", "percent_engaged")
NOTHING = (0, 0, 0, 0, 0, 0, None, 0, 0, None)

# Counted by hand from the scenarios (A..X) in demo/custody.py, per quarter back from today's:
#            releases engaged late  not  await no-plan median  in  out  percent
EXPECTED = {
    "partnership": {
        3: (2, 1, 1, 0, 0, 0, 14.0, 1, 1, 50.0),      # A day 0, D day 28; T moved
        2: (3, 2, 0, 1, 0, 0, 16.0, 0, 0, 66.7),      # B day 21, T day 11, E did not attend
        1: (3, 1, 1, 1, 0, 1, 14.0, 1, 1, 33.3),      # C day 6, G day 22 no plan, F nothing; H
        0: (1, 0, 0, 0, 1, 0, None, 0, 0, 0.0),       # I inside her 21 days
    },
    "HMP Calderbrook": {
        3: (1, 1, 0, 0, 0, 0, 0.0, 0, 0, 100.0),      # A
        2: (1, 0, 0, 1, 0, 0, None, 0, 0, 0.0),       # E
        1: (1, 1, 0, 0, 0, 0, 6.0, 0, 0, 100.0),      # C
        0: (1, 0, 0, 0, 1, 0, None, 0, 0, 0.0),       # I
    },
    "HMP Hollins Bank": {                              # receives T and H by transfer
        3: (0, 0, 0, 0, 0, 0, None, 1, 0, None),
        2: (1, 1, 0, 0, 0, 0, 11.0, 0, 0, 100.0),     # T released from here
        1: (0, 0, 0, 0, 0, 0, None, 1, 0, None),
        0: NOTHING,
    },
    "HMP Thornbury Moor": {                            # sends T and H
        3: (0, 0, 0, 0, 0, 0, None, 0, 1, None),
        2: NOTHING,
        1: (0, 0, 0, 0, 0, 0, None, 0, 1, None),
        0: NOTHING,
    },
    # A provider's releases and transfers are those of people whose release plan names it:
    # T's and H's plans name Clearwater, so each transfer counts out and in.
    "Clearwater Drug and Alcohol Services": {
        3: (1, 0, 1, 0, 0, 0, 28.0, 1, 1, 0.0),       # D; T moved
        2: (2, 2, 0, 0, 0, 0, 16.0, 0, 0, 100.0),     # B, T
        1: (1, 0, 0, 1, 0, 0, None, 1, 1, 0.0),       # F; H moved, his plan with him
        0: NOTHING,
    },
    "Turning Tide Recovery": {
        3: (1, 1, 0, 0, 0, 0, 0.0, 0, 0, 100.0),      # A
        2: (1, 0, 0, 1, 0, 0, None, 0, 0, 0.0),       # E
        1: (1, 1, 0, 0, 0, 0, 6.0, 0, 0, 100.0),      # C
        0: (1, 0, 0, 0, 1, 0, None, 0, 0, 0.0),       # I
    },
}
PRISONS = {"HMP Calderbrook", "HMP Hollins Bank", "HMP Thornbury Moor"}


@pytest.fixture
def demo(demo_loaded: str, db: None) -> str:
    """The demo, loaded once for this module (tests/demo/conftest.py)."""
    return demo_loaded


def quarters_back(today: datetime.date, count: int) -> list[tuple[datetime.date, datetime.date]]:
    """Today's financial quarter and the ``count - 1`` before it, newest first."""
    found = [quarter_for(today)]
    while len(found) < count:
        found.append(quarter_for(found[-1][0] - datetime.timedelta(days=1)))
    return found


def row(scope: str, start: datetime.date, end: datetime.date, today: datetime.date) -> tuple:
    partnership = Partnership.objects.get(slug=PARTNERSHIP)
    scoped = {}
    if scope in PRISONS:
        scoped["prison_id"] = Organisation.objects.get(name=scope).pk
    elif scope != "partnership":
        scoped["provider_id"] = Organisation.objects.get(name=scope).pk
    found = figures(partnership_id=partnership.pk, start=start, end=end, today=today, **scoped)
    return tuple(getattr(found, name) for name in FIELDS)


@pytest.mark.parametrize("scope", list(EXPECTED))
def test_each_quarters_figures_match_the_hand_count(demo, scope):
    today = clock.today()
    quarters = quarters_back(today, 4)

    actual = {back: row(scope, start, end, today) for back, (start, end) in enumerate(quarters)}

    assert actual == EXPECTED[scope]


def test_the_trend_has_releases_in_four_quarters_and_none_before(demo):
    today = clock.today()
    quarters = quarters_back(today, 5)
    assert [row("partnership", s, e, today)[0] for s, e in quarters] == [1, 3, 3, 2, 0]


def days_after_release(episode: CustodyEpisode) -> int | None:
    if episode.attended_on is None:
        return None
    return (episode.attended_on - episode.released_on).days


def test_every_outcome_is_there(demo):
    today = clock.today()
    partnership = Partnership.objects.get(slug=PARTNERSHIP)
    episodes = list(CustodyEpisode.objects.filter(case__partnership=partnership)
                    .select_related("establishment", "release_plan"))
    released = [e for e in episodes if e.released_on and e.treatment_need]
    days = {days_after_release(e) for e in released}
    weeks = casework_settings(partnership.pk).release_plan_weeks

    assert {0, CONTINUITY_DAYS} <= days                          # in time, on both edges
    assert any(d > CONTINUITY_DAYS for d in days if d is not None)  # late
    assert any(e.did_not_attend for e in released)
    nothing = [e for e in released if e.attended_on is None and not e.did_not_attend]
    assert any((today - e.released_on).days > CONTINUITY_DAYS for e in nothing)
    assert any((today - e.released_on).days <= CONTINUITY_DAYS for e in nothing)
    assert any(getattr(e, "release_plan", None) is None for e in released)  # no plan
    assert any(not e.treatment_need and e.released_on for e in episodes)
    moved = [e.ended_by_transfer_to for e in episodes if e.transferred_on]
    assert {e.released_on is None for e in moved} == {True, False}  # still held; released later
    held = [e for e in episodes if e.released_on is None and e.transferred_on is None]
    assert any(not plan_is_due(e, weeks=weeks, today=today) for e in held)
    due = [e for e in held if plan_is_due(e, weeks=weeks, today=today)
           and plan_tasks(e, getattr(e, "release_plan", None))]
    assert len(due) == 2
    # The plan that moved with the person keeps what was arranged before the transfer.
    assert any(e.transferred_from is not None and e.release_plan.appointment_on for e in due)


def test_the_prison_team_sees_the_people_it_holds_and_its_tasks(demo):
    """demo-prison (HMP Calderbrook) sees the women it holds and those released within the
    handover period, and owns the missing pieces of the plan due there; Turning Tide (the
    plan's provider, demo-provider) owns the first appointment."""
    prison_user = User.objects.get(username="demo-prison")
    calderbrook = prison_user.organisation
    visible = set(Case.objects.visible_to(prison_user))
    held = CustodyEpisode.objects.open().filter(establishment=calderbrook).get()
    assert held.case in visible
    handed_over = CustodyEpisode.objects.filter(establishment=calderbrook,
                                                access_ends_on__gt=clock.today())
    assert handed_over.exists() and {e.case for e in handed_over} <= visible
    assert not any(e.establishment_id != calderbrook.pk
                   for c in visible for e in c.custody_episodes.all())

    tasks = plan_tasks(held, held.release_plan)
    provider = User.objects.get(username="demo-provider").organisation
    assert {(t.key, t.owner, t.organisation_id) for t in tasks} == {
        ("appointment", PROVIDER, provider.pk),
        ("bridging_prescription", PRISON, calderbrook.pk),
        ("naloxone", PRISON, calderbrook.pk)}


def test_written_through_the_actions_by_the_demo_logins_with_nothing_personal(demo):
    custody = AuditEvent.objects.filter(content_type__model__in=["custodyepisode",
                                                                  "releaseplan"])
    actors = set(custody.values_list("actor__username", flat=True))
    assert actors == {"demo-manager", "demo-prison", "demo-provider", "demo-community"}
    text = " ".join(f"{e.changes} {e.summary} {e.object_repr}" for e in custody)
    assert "A6101DM" not in text and "A6112DM" not in text
    for referral in Referral.objects.filter(case__custody_episodes__isnull=False).distinct():
        assert referral.pathway is not None and referral.protocol is not None


def test_a_second_run_creates_nothing(demo):
    models = [Case, CustodyEpisode, ReleasePlan, Referral, AuditEvent, Notification]
    before = {m.__name__: m.objects.count() for m in models}

    out = StringIO()
    call_command("load_demo", "--force", stdout=out)

    assert {m.__name__: m.objects.count() for m in models} == before
    line = out.getvalue().split("Custody – ")[1].splitlines()[0]
    assert "already loaded, skipped (13 records present)" in line
