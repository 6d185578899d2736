"""Reads about release from custody (issue 18): when a case's release plan is due, what is still
missing from it, and whose task each missing piece is.

A plan is due from ``CaseworkSettings.release_plan_weeks`` before the expected release date of
the person's open custody episode. Each missing piece is a task owned by one team: the prison
team holding the person arranges the community provider, the referral and what the person takes
out; the community provider, once chosen, books and describes the first appointment. The case
page and "Your work" both list tasks from ``plan_tasks`` so they never disagree."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from core import clock

from .models import DEFAULT_RELEASE_PLAN_WEEKS, Case, CaseworkSettings, CustodyEpisode, ReleasePlan

#: The fields a release plan holds (the action and the forms and the API accept these).
PLAN_FIELDS = ("community_provider", "referral", "appointment_on", "appointment_time",
               "appointment_place", "appointment_with", "bridging_prescription",
               "naloxone_offered", "hand_lead_to_provider")


def casework_settings(partnership_id: int) -> CaseworkSettings:
    """The partnership's casework settings, or the defaults (unsaved) when none were set."""
    found = CaseworkSettings.objects.filter(partnership_id=partnership_id).first()
    return found or CaseworkSettings(partnership_id=partnership_id)


def plan_due_on(expected_release_on: datetime.date | None,
                weeks: int) -> datetime.date | None:
    """The first day the release plan is due: ``weeks`` before the expected release (None
    when no release date is expected, e.g. on remand with no date)."""
    if expected_release_on is None:
        return None
    return expected_release_on - datetime.timedelta(weeks=weeks)


def plan_is_due(episode: CustodyEpisode, *, weeks: int,
                today: datetime.date | None = None) -> bool:
    """Whether the open episode's release plan is due on ``today``."""
    due = plan_due_on(episode.expected_release_on, weeks)
    return (due is not None and due <= (today or clock.today())
            and episode.released_on is None and episode.transferred_on is None)


#: Who owns a task: the prison team holding the person, or the community provider.
PRISON, PROVIDER = "prison", "provider"


@dataclass(frozen=True)
class PlanTask:
    """One missing piece of a release plan, and the organisation whose team must supply it."""

    key: str
    text: str
    owner: str               # PRISON or PROVIDER
    organisation_id: int


def plan_tasks(episode: CustodyEpisode, plan: ReleasePlan | None) -> list[PlanTask]:
    """The missing pieces of the episode's release plan (every piece when there is no plan
    yet), in the order they are usually arranged. Whether the plan is due yet is for the caller
    (``plan_is_due``)."""
    prison = episode.establishment_id
    provider = plan.community_provider_id if plan is not None else None
    tasks: list[PlanTask] = []

    def add(key: str, text: str, owner_id: int | None) -> None:
        owner = PROVIDER if owner_id is not None and owner_id == provider else PRISON
        tasks.append(PlanTask(key, text, owner, owner_id or prison))

    if provider is None:
        add("community_provider", "Choose the community treatment provider", prison)
    if plan is None or plan.referral_id is None:
        add("referral", "Refer to the community provider on an agreed pathway", prison)
    if plan is None or plan.appointment_on is None:
        add("appointment", "Book the first community appointment", provider or prison)
    elif not (plan.appointment_place and plan.appointment_with):
        add("appointment_details", "Say where the first appointment is and with whom",
            provider or prison)
    if plan is None or plan.bridging_prescription is None:
        add("bridging_prescription", "Record whether a bridging prescription is given", prison)
    if plan is None or plan.naloxone_offered is None:
        add("naloxone", "Record whether naloxone was offered", prison)
    return tasks


def plan_ready_for_release(community_provider_id: int | None,
                           appointment_on: datetime.date | None) -> bool:
    """Whether a plan is enough to leave with: a community provider and a booked first
    appointment (without either a person leaves with nowhere to go). The continuity report's
    "no plan by release day" is its negation (plans are frozen at release)."""
    return bool(community_provider_id and appointment_on)


def has_plan_by_release(episode: Any) -> bool:
    """Whether a released episode had a complete plan by release day
    (``plan_ready_for_release``)."""
    plan = getattr(episode, "release_plan", None)
    return plan is not None and plan_ready_for_release(plan.community_provider_id,
                                                       plan.appointment_on)


def tasks_for(episode: CustodyEpisode, organisation_id: int | None) -> list[PlanTask]:
    """The missing pieces of the episode's release plan that ``organisation_id``'s team owns
    (``plan_tasks``, so "Your work" lists what the case page shows as theirs)."""
    plan = getattr(episode, "release_plan", None)  # a missing plan is cached by select_related
    return [task for task in plan_tasks(episode, plan) if task.organisation_id == organisation_id]


def _plan_due_by(today: datetime.date) -> Q:
    """Open episodes whose plan is due on ``today`` (``plan_is_due``), as a condition: the
    expected release is within the partnership's ``release_plan_weeks``. The few partnerships
    that changed the default are read first (one small query), so the condition is plain date
    comparisons on every database."""
    by_weeks: dict[int, list[int]] = defaultdict(list)
    for partnership_id, weeks in (CaseworkSettings.objects
                                  .exclude(release_plan_weeks=DEFAULT_RELEASE_PLAN_WEEKS)
                                  .values_list("partnership_id", "release_plan_weeks")):
        by_weeks[weeks].append(partnership_id)
    changed = [pk for ids in by_weeks.values() for pk in ids]
    due = Q(expected_release_on__lte=today + datetime.timedelta(weeks=DEFAULT_RELEASE_PLAN_WEEKS))
    if changed:
        due &= ~Q(case__partnership_id__in=changed)
    for weeks, ids in by_weeks.items():
        due |= Q(case__partnership_id__in=ids,
                 expected_release_on__lte=today + datetime.timedelta(weeks=weeks))
    return due


def episodes_with_tasks_for(organisation_id: int | None,
                            today: datetime.date | None = None) -> QuerySet[CustodyEpisode]:
    """Open custody episodes of open cases the organisation is involved in whose release plan is
    due and misses a piece its team owns (``plan_tasks``): the prison holding the person for
    the provider, the referral and what the person takes out; the plan's community provider for
    the first appointment and its details. Soonest release first, with the case and the plan
    (``tasks_for`` then names the tasks without a query). The conditions are ``plan_tasks``'s,
    said in SQL so a count and the first few rows are one query each however many there are;
    tests hold the two to agreeing."""
    if not organisation_id:
        return CustodyEpisode.objects.none()
    today = today or clock.today()
    plan = "release_plan__"
    prison_tasks = Q(establishment_id=organisation_id) & (
        Q(**{f"{plan}community_provider__isnull": True})  # no plan at all, too
        | Q(**{f"{plan}referral__isnull": True})
        | Q(**{f"{plan}bridging_prescription__isnull": True})
        | Q(**{f"{plan}naloxone_offered__isnull": True}))
    provider_tasks = Q(**{f"{plan}community_provider_id": organisation_id}) & (
        Q(**{f"{plan}appointment_on__isnull": True})
        | Q(**{f"{plan}appointment_place": ""}) | Q(**{f"{plan}appointment_with": ""}))
    return (CustodyEpisode.objects.open()
            .filter(_plan_due_by(today), prison_tasks | provider_tasks,
                    case__in=Case.objects.involving(organisation_id, today).open().values("pk"))
            .select_related("case", "release_plan")
            .order_by("expected_release_on", "pk"))
