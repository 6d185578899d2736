"""Through the gate, for the demo (issue 18): people held in the North Pennine prisons, their
release plans, transfers, releases and first community appointments, so the continuity report
has every outcome to show and a trend over four financial quarters.

Every release falls in a quarter named from today: ``Q0`` is the quarter holding today
(``core.periods.quarter_for``), ``Q1`` the one before, and so on. A release in a past quarter
is dated a fixed number of days into its quarter, and its first appointment a fixed number of
days after the release, so the events are always in the past, each release stays in its
quarter whatever day the demo is loaded, and the report's figures can be counted by hand from
this list (``tests/demo/test_custody_demo.py`` does). The one release still inside its 21 days
is five days before today, or the first day of today's quarter if that is later. People still
in custody are dated from today (reception months ago, expected release weeks ahead).

Released (a treatment need unless said; provider = the release plan's community provider):

====  ========================  =======  =====================  ============================
Who   Prison released from      Quarter  Provider               First appointment
====  ========================  =======  =====================  ============================
A     HMP Calderbrook           Q3 +20   Turning Tide           attended on day 0
D     HMP Greystone Hill        Q3 +30   Clearwater             attended on day 28 (late)
X     HMP Kelder Fell           Q3 +45   none (no plan)         nothing: no treatment need,
                                                                so not counted
B     HMP Ashfield Vale         Q2 +15   Clearwater             attended on day 21 (in time)
E     HMP Calderbrook           Q2 +35   Turning Tide           did not attend
T     HMP Hollins Bank          Q2 +25   Clearwater             attended on day 11; received
                                                                at HMP Thornbury Moor and
                                                                transferred on Q3 +40
C     HMP Calderbrook           Q1 +10   Turning Tide           attended on day 6
F     HMP Ashfield Vale         Q1 +30   Clearwater             nothing recorded (> 21 days)
G     HMP Kelder Fell           Q1 +40   none (no plan)         attended on day 22 (late)
I     HMP Calderbrook           Q0       Turning Tide           nothing yet (inside 21 days)
====  ========================  =======  =====================  ============================

Still in custody:

- H: received at HMP Thornbury Moor, transferred to HMP Hollins Bank on Q1 +20; expected
  release in nine weeks; the plan made at Thornbury Moor (Clearwater, its referral, the first
  appointment at the gate) moved with him; the bridging prescription and naloxone are still to
  be recorded.
- J: at HMP Calderbrook, expected release in six weeks, so the plan is due; Turning Tide has
  accepted the referral but the first appointment is not booked, and the bridging prescription
  and naloxone are not recorded: tasks for Turning Tide and for the prison (``demo-prison``).
- K: at HMP Greystone Hill, expected release in forty weeks: the plan is not due yet.

So, by hand, for the partnership: Q3 two releases (one engaged, one late; median 14 days; one
transfer out and in), Q2 three (two engaged, one not; median 16), Q1 three (one engaged, one
late, one not engaged, one without a plan; median 14; one transfer out and in), Q0 one awaiting.

Women at HMP Calderbrook go to Turning Tide on the Calderbrook pathway, released to Marchshire;
men to Clearwater on the continuity pathway, released to Pennine Vale. Written through
``referrals.actions`` by the demo logins (Northgate's ``demo-manager`` receives people into its
recovery teams' caseload and refers them; HMP Calderbrook's ``demo-prison`` records its own
releases and plans; the providers' logins accept referrals and record first appointments), each
event's notifications dated the day it happened. Idempotent: each person is found by prison
number and their custody by case; what exists is skipped.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model

from core.periods import add_months, quarter_for
from demo.inbox import dated
from demo.inbox import story_time as _on
from demo.referrals import CLEARWATER, NORTHGATE, PATHWAYS, TURNING_TIDE, CaseworkLoader, accept
from partnerships.models import Organisation
from referrals import actions
from referrals.choices import (
    AttendeeRole,
    ConferenceStatus,
    ExpectedReleaseKind,
    Gender,
    LawfulBasis,
    OrderType,
)
from referrals.models import Case, CustodyEpisode, ReferralPathway
from referrals.retention import months_after

#: Organisation identifiers (see ``demo.data.ORGANISATIONS``).
ASHFIELD_VALE, THORNBURY_MOOR, KELDER_FELL = "GB-GOR-PRN0101", "GB-GOR-PRN0102", "GB-GOR-PRN0103"
GREYSTONE_HILL, HOLLINS_BANK, CALDERBROOK = "GB-GOR-PRN0104", "GB-GOR-PRN0105", "GB-GOR-PRN0107"
MARCHSHIRE, PENNINE_VALE = "GB-LAE-MRS", "GB-LAE-PNV"
#: How many days before today the release still inside its 21 days was.
AWAITING_DAYS_AGO = 5


@dataclass(frozen=True)
class Scenario:
    """One person's custody in the story. ``quarter``/``day`` date a release (``quarter`` 0 is
    today's; ``day`` days into it); ``weeks`` dates an expected release from today for someone
    still held. ``attended`` is the first appointment's day after release (0 = release day).
    ``transferred`` (quarter, day) dates a transfer from HMP Thornbury Moor to ``prison``."""

    key: str
    prison_number: str
    initials: str
    year_of_birth: int
    prison: str
    quarter: int | None = None
    day: int = 0
    weeks: int | None = None
    provider: str | None = None          # None: no release plan at all
    appointment_after: int | None = 0    # the booked appointment, days after release
    attended: int | None = None
    did_not_attend: bool = False
    transferred: tuple[int, int] | None = None
    treatment_need: bool = True
    plan_pieces: dict[str, Any] = field(default_factory=dict)  # overrides for people held

    @property
    def woman(self) -> bool:
        return self.prison == CALDERBROOK


PEOPLE = [
    Scenario("A", "A6101DM", "LB", 1988, CALDERBROOK, quarter=3, day=20, provider=TURNING_TIDE,
           attended=0),
    Scenario("D", "A6102DM", "GW", 1979, GREYSTONE_HILL, quarter=3, day=30, provider=CLEARWATER,
           appointment_after=2, attended=28),
    Scenario("X", "A6103DM", "PO", 1995, KELDER_FELL, quarter=3, day=45, treatment_need=False),
    Scenario("B", "A6104DM", "DH", 1983, ASHFIELD_VALE, quarter=2, day=15, provider=CLEARWATER,
           appointment_after=1, attended=21),
    Scenario("E", "A6105DM", "CN", 1990, CALDERBROOK, quarter=2, day=35, provider=TURNING_TIDE,
           appointment_after=2, did_not_attend=True),
    Scenario("T", "A6106DM", "MF", 1986, HOLLINS_BANK, quarter=2, day=25, provider=CLEARWATER,
           appointment_after=3, attended=11, transferred=(3, 40)),
    Scenario("C", "A6107DM", "AV", 1993, CALDERBROOK, quarter=1, day=10, provider=TURNING_TIDE,
           appointment_after=1, attended=6),
    Scenario("F", "A6108DM", "RK", 1981, ASHFIELD_VALE, quarter=1, day=30, provider=CLEARWATER,
           appointment_after=3),
    Scenario("G", "A6109DM", "TE", 1977, KELDER_FELL, quarter=1, day=40, attended=22),
    Scenario("I", "A6110DM", "HJ", 1992, CALDERBROOK, quarter=0, provider=TURNING_TIDE,
           appointment_after=2),
    Scenario("H", "A6111DM", "NW", 1985, HOLLINS_BANK, weeks=9, provider=CLEARWATER,
           transferred=(1, 20),
           plan_pieces={"bridging_prescription": None, "naloxone_offered": None}),
    Scenario("J", "A6112DM", "EY", 1989, CALDERBROOK, weeks=6, provider=TURNING_TIDE,
           plan_pieces={"appointment_on": None, "appointment_time": None,
                        "appointment_place": "", "appointment_with": "",
                        "bridging_prescription": None, "naloxone_offered": None}),
    Scenario("K", "A6113DM", "OB", 1997, GREYSTONE_HILL, weeks=40),
]


def quarter_start(today: datetime.date, back: int) -> datetime.date:
    """The first day of the financial quarter ``back`` quarters before today's."""
    return quarter_for(add_months(quarter_for(today)[0], -3 * back))[0]


def release_day(person: Scenario, today: datetime.date) -> datetime.date | None:
    """The day ``person`` is released in the story (None while still held)."""
    if person.quarter is None:
        return None
    if person.quarter == 0:
        return max(today - datetime.timedelta(days=AWAITING_DAYS_AGO), quarter_start(today, 0))
    return quarter_start(today, person.quarter) + datetime.timedelta(days=person.day)


def _days(count: int) -> datetime.timedelta:
    return datetime.timedelta(days=count)


class CustodyLoader(CaseworkLoader):
    def __init__(self, *, report: Any, log: Callable[[str], None]) -> None:
        super().__init__(report=report, log=log)
        self.orgs.update({o.identifier: o for o in Organisation.objects.filter(identifier__in=[
            ASHFIELD_VALE, THORNBURY_MOOR, KELDER_FELL, GREYSTONE_HILL, HOLLINS_BANK, CALDERBROOK,
            MARCHSHIRE, PENNINE_VALE])})
        User = get_user_model()  # noqa: N806
        self.prison_team = User.objects.get(username="demo-prison")   # HMP Calderbrook
        self.community = User.objects.get(username="demo-community")  # Clearwater
        self.pathways = {spec["to"][0]: ReferralPathway.objects.select_related(
            "to_service", "from_service").get(partnership=self.partnership, name=spec["name"])
            for spec in PATHWAYS}  # by the receiving provider's identifier

    def run(self) -> None:
        before = (self.report.total_created, self.report.total_existing)
        for person in PEOPLE:
            case = self._case_of(person.prison_number)
            found = case.custody_episodes.first() if case is not None else None
            self.report.ensure(CustodyEpisode, found, lambda person=person, case=case:
                               self._custody(person, case))
        created = self.report.total_created - before[0]
        existing = self.report.total_existing - before[1]
        state = (f"created {created} records" if created
                 else f"already loaded, skipped ({existing} records present)")
        self.log(f"  Custody – {self.partnership.name} ({len(PEOPLE)} people: releases in "
                 f"every continuity outcome over four quarters, transfers, release plans): "
                 f"{state}")

    # -- one person -----------------------------------------------------------------------------
    def _recorder(self, prison: Organisation) -> Any:
        """Who records a prison's transfers, releases and plan: its own team where the demo has
        a login for it (HMP Calderbrook), otherwise Northgate's recovery team in the prison."""
        return self.prison_team if prison.identifier == CALDERBROOK else self.manager

    def _provider_user(self, identifier: str) -> Any:
        return self.provider if identifier == TURNING_TIDE else self.community

    def _custody(self, person: Scenario, case: Case | None) -> CustodyEpisode:
        """Reception (at HMP Thornbury Moor for someone transferred later), the plan (before the
        transfer for someone still held, so it moves with him), the transfer, the release and
        the first appointment, then the licence's meetings held so far."""
        released = release_day(person, self.today)
        expected = released or self.today + datetime.timedelta(weeks=person.weeks or 0)
        received = released - _days(150) if released else self.today - _days(200)
        moved_on = None
        if person.transferred is not None:
            quarter, day = person.transferred
            moved_on = quarter_start(self.today, quarter) + _days(day)
            received = min(received, moved_on - _days(60))
        if case is None:  # a licence from release day (the expected one for people held)
            case = self._open(prison_number=person.prison_number, order_type=OrderType.LICENCE,
                              order_starts_on=expected,
                              order_ends_on=months_after(expected, 12) - _days(1),
                              initials=person.initials, year_of_birth=person.year_of_birth,
                              gender=Gender.FEMALE if person.woman else Gender.MALE)
        with dated(_on(received)):
            first = actions.custody_episode_start(
                case=case, establishment=self.orgs[THORNBURY_MOOR if moved_on else person.prison],
                received_on=received, by=self.manager, expected_release_on=expected,
                expected_release_kind=ExpectedReleaseKind.LICENCE,
                treatment_need=person.treatment_need)
        episode = first
        plan_on = min(self.today, expected - _days(28))
        if moved_on is not None:
            if released is None and person.provider:
                plan_on = moved_on - _days(14)
                self._plan(person, case, episode, expected, on=plan_on)
            with dated(_on(moved_on)):
                episode = actions.custody_transfer(
                    episode=episode, to_establishment=self.orgs[person.prison],
                    transferred_on=moved_on, by=self.manager)
        if person.provider and (moved_on is None or released is not None):
            self._plan(person, case, episode, expected, on=plan_on)
        if released is not None:
            area = self.orgs[MARCHSHIRE if person.woman else PENNINE_VALE]
            with dated(_on(released)):
                episode = actions.custody_release(episode=episode, released_on=released,
                                                  release_area=area,
                                                  by=self._recorder(episode.establishment))
            self._first_appointment(person, episode, released)
            self._meetings(case)
        return first

    def _plan(self, person: Scenario, case: Case, episode: CustodyEpisode,
              release: datetime.date, *, on: datetime.date) -> None:
        """Refer to the community provider on its pathway (accepted at once) and write the
        plan: the first appointment ``appointment_after`` days after release, at the gate for
        Clearwater and at Turning Tide's hub in Marchbridge."""
        provider = str(person.provider)
        pathway = self.pathways[provider]
        with dated(_on(on)):
            referral = actions.referral_send(
                case=case, to_service=pathway.to_service, from_service=pathway.from_service,
                pathway=pathway, by=self.manager, lawful_basis=LawfulBasis.PUBLIC_TASK,
                consent_recorded=True,
                reason="Due for release on licence; in treatment in custody and wants it to "
                       "continue in the community.")
            accept(referral, by=self._provider_user(provider))
            pieces: dict[str, Any] = {
                "referral": referral,
                "appointment_on": release + _days(person.appointment_after or 0),
                "appointment_time": datetime.time(10, 30),
                "appointment_place": ("Release and community continuity service, met at the "
                                      "gate" if provider == CLEARWATER
                                      else "Marchshire Women's Centre hub"),
                "appointment_with": ("Gate worker" if provider == CLEARWATER
                                     else "Women's treatment worker"),
                "bridging_prescription": True, "naloxone_offered": True,
                **person.plan_pieces}
            actions.release_plan_update(episode=episode, by=self._recorder(episode.establishment),
                                        **pieces)

    def _first_appointment(self, person: Scenario, episode: CustodyEpisode,
                           released: datetime.date) -> None:
        if person.attended is None and not person.did_not_attend:
            return  # nothing recorded: awaiting, or not engaged once 21 days have passed
        by = self._provider_user(person.provider) if person.provider else self.manager
        day = released + _days(person.attended if person.attended is not None
                               else person.appointment_after or 0)
        with dated(_on(day)):
            actions.first_appointment_record(
                episode=episode, by=by,
                attended_on=day if person.attended is not None else None,
                did_not_attend=person.did_not_attend)

    def _meetings(self, case: Case) -> None:
        """The licence's meetings up to today were held, as the other demo cases' were."""
        for conference in case.conferences.filter(status=ConferenceStatus.PLANNED,
                                                  planned_on__lte=self.today) \
                .order_by("planned_on"):
            with dated(_on(conference.planned_on)):
                actions.conference_record(
                    conference=conference, by=self.manager, held=True,
                    held_on=conference.planned_on,
                    attendees=[{"role": AttendeeRole.TREATMENT_WORKER,
                                "organisation": self.orgs[NORTHGATE]},
                               {"role": AttendeeRole.PERSON, "organisation": None}],
                    outcome="Licence conditions and the plan after release reviewed.")


def load_custody(*, report: Any, log: Callable[[str], None] = lambda line: None) -> None:
    """Load the through-the-gate demo (after the casework demo, whose protocol and pathways it
    uses, in the same transaction). Skips whatever already exists."""
    CustodyLoader(report=report, log=log).run()


__all__ = ["PEOPLE", "CustodyLoader", "Scenario", "load_custody", "quarter_start", "release_day"]
