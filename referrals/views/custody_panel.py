"""The "Custody and release" section of the case page (issue 18): the person's spells in
prison in order and how each ended, the 21-day clock from release to the first community
appointment, and the release plan with its missing pieces as tasks for the team that owns each.

It is a module of its own, apart from the custody pages, because the case page
(``views.case``) shows it while those pages build on the case page's helpers."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from core import clock
from core.display import govuk_date

from .. import selectors
from ..continuity import (
    CONTINUITY_DAYS,
    ContinuityOutcome,
    days_to_first_appointment,
    release_outcome,
)
from ..models import Case, CustodyEpisode, ReleasePlan
from ..release_plans import (
    PROVIDER,
    PlanTask,
    casework_settings,
    plan_due_on,
    plan_is_due,
    plan_tasks,
)


def ended(episode: CustodyEpisode) -> str:
    """How the episode ended, in words ("" while the person is still held there)."""
    if episode.released_on is not None:
        area = f" to {episode.release_area.name}" if episode.release_area else ""
        return f"Released on {govuk_date(episode.released_on)}{area}"
    if episode.transferred_on is not None:
        to = episode.ended_by_transfer_to
        where = f" to {to.establishment.name}" if to is not None else ""
        return f"Transferred{where} on {govuk_date(episode.transferred_on)}"
    return ""


def continuity_clock(episode: CustodyEpisode, today: datetime.date) -> tuple[str, str]:
    """Where a released episode stands against the 21 days to the first community appointment,
    and the GOV.UK tag colour to show it in (("", "") before release). The counting is
    ``referrals.continuity``'s, so the case page and the report never disagree."""
    released_on = episode.released_on
    if released_on is None:
        return "", ""
    outcome = release_outcome(released_on, episode.attended_on, episode.did_not_attend,
                              today=today)
    if outcome == ContinuityOutcome.AWAITING:
        return (f"Day {days_to_first_appointment(released_on, today)} of {CONTINUITY_DAYS}",
                "govuk-tag--blue")
    if outcome == ContinuityOutcome.NOT_ENGAGED:
        if episode.did_not_attend:
            return "Did not attend", "govuk-tag--red"
        return f"No attendance recorded by day {CONTINUITY_DAYS}", "govuk-tag--red"
    assert episode.attended_on is not None  # engaged, in time or late
    day = days_to_first_appointment(released_on, episode.attended_on)
    if outcome == ContinuityOutcome.ENGAGED:
        return f"Engaged within {CONTINUITY_DAYS} days (day {day})", "govuk-tag--green"
    return f"First appointment attended late (day {day})", "govuk-tag--orange"


@dataclass(frozen=True)
class EpisodeRow:
    """One spell in prison as the case page shows it."""

    episode: CustodyEpisode
    ended: str
    clock: str
    clock_tag: str

    @property
    def is_open(self) -> bool:
        return not self.ended

    @property
    def awaits_appointment(self) -> bool:
        """Released, and the first appointment's outcome not yet recorded."""
        return (self.episode.released_on is not None and self.episode.attended_on is None
                and not self.episode.did_not_attend)


@dataclass(frozen=True)
class OwnedTask:
    """A missing piece of the release plan and who owns it, in words."""

    task: PlanTask
    owner: str


@dataclass(frozen=True)
class PlanPanel:
    """The release plan of the person's current (or last) spell in prison."""

    episode: CustodyEpisode
    plan: ReleasePlan | None
    shown: bool                      # due, or a plan exists (or the person left with one)
    due_on: datetime.date | None
    weeks: int
    tasks: list[OwnedTask] = field(default_factory=list)

    @property
    def released(self) -> bool:
        return self.episode.released_on is not None


@dataclass(frozen=True)
class CustodyPanel:
    rows: list[EpisodeRow]
    open_episode: CustodyEpisode | None
    plan: PlanPanel | None


def _plan_of(episode: CustodyEpisode) -> ReleasePlan | None:
    # select_related caches a missing reverse one-to-one, so this asks nothing more.
    return getattr(episode, "release_plan", None)


def _owned(episode: CustodyEpisode, plan: ReleasePlan | None) -> list[OwnedTask]:
    provider = plan.community_provider if plan is not None else None
    tasks = []
    for task in plan_tasks(episode, plan):
        if task.owner == PROVIDER and provider is not None:
            owner = f"Community provider: {provider.name}"
        else:
            owner = f"Prison team: {episode.establishment.name}"
        tasks.append(OwnedTask(task, owner))
    return tasks


def custody_panel(case: Case, today: datetime.date | None = None) -> CustodyPanel:
    """The "Custody and release" section of the case page. Two queries at most however many
    times the person moved: the episodes with their plans, and (while the person is held) the
    partnership's casework settings for when the plan is due."""
    today = today or clock.today()
    episodes = selectors.custody_episodes(case)
    rows = [EpisodeRow(e, ended(e), *continuity_clock(e, today)) for e in episodes]
    current = next((row.episode for row in rows if row.is_open), None)
    plan_panel = None
    if current is not None:
        plan = _plan_of(current)
        weeks = casework_settings(case.partnership_id).release_plan_weeks
        shown = plan is not None or plan_is_due(current, weeks=weeks, today=today)
        plan_panel = PlanPanel(current, plan, shown,
                               plan_due_on(current.expected_release_on, weeks), weeks,
                               _owned(current, plan) if shown else [])
    elif episodes and (plan := _plan_of(episodes[-1])) is not None:
        plan_panel = PlanPanel(episodes[-1], plan, True, None, 0)
    return CustodyPanel(rows, current, plan_panel)
