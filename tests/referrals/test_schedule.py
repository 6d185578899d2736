"""The case-conference schedule (national guidance): three three-way meetings at the start,
middle and end of the order; monthly or six-weekly joint meetings when the case needs them;
re-planning changes only future, unheld meetings."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import AuditEvent
from referrals import actions, schedule
from referrals.choices import (
    Compliance,
    ConferenceKind,
    ConferenceStatus,
    JointMeetingInterval,
    Seriousness,
)
from referrals.models import CaseConference
from referrals.working_days import next_working_day
from tests.referrals.factories import (
    CaseworkSettingsFactory,
    casework_setup,
    days,
    open_case,
    today,
)

D = datetime.date
START, MIDDLE, END, JOINT = (ConferenceKind.START, ConferenceKind.MIDDLE, ConferenceKind.END,
                             ConferenceKind.JOINT)
JAN_15, NEXT_JAN_14 = D(2025, 1, 15), D(2026, 1, 14)


class FakeCase:
    """The fields ``schedule.plan`` reads, without a database."""

    def __init__(self, starts_on: D = JAN_15, ends_on: D = NEXT_JAN_14, *,
                 seriousness: str = Seriousness.LOW, complex_needs: bool = False,
                 compliance: str = Compliance.COMPLYING,
                 significant_change_on: D | None = None) -> None:
        self.order_starts_on, self.order_ends_on = starts_on, ends_on
        self.seriousness, self.complex_needs = seriousness, complex_needs
        self.compliance, self.significant_change_on = compliance, significant_change_on

    needs_joint_meetings = property(
        lambda self: (self.seriousness != Seriousness.LOW or self.complex_needs
                      or self.compliance == Compliance.NOT_COMPLYING
                      or self.significant_change_on is not None))


def plan(case: FakeCase, today: D | None = None,
         interval: str = JointMeetingInterval.MONTHLY) -> list[tuple[str, D]]:
    """The guidance's calendar dates, before they move to working days (tested below, in
    "working days")."""
    return [tuple(p) for p in schedule.plan(case, today, interval=interval,
                                            on_working_days=False)]


def on_working_day(day: D) -> D:
    """Where the stored schedule puts a meeting the guidance dates ``day`` (England)."""
    return next_working_day(day)


# -- the pure rule ---------------------------------------------------------------------------


def test_twelve_months_at_low_seriousness_has_exactly_the_three_way_meetings():
    assert plan(FakeCase()) == [(START, D(2025, 1, 15)), (MIDDLE, D(2025, 7, 16)),
                                (END, D(2026, 1, 14))]


@pytest.mark.parametrize("reason", [
    {"seriousness": Seriousness.MEDIUM}, {"seriousness": Seriousness.HIGH},
    {"complex_needs": True}, {"compliance": Compliance.NOT_COMPLYING},
    {"significant_change_on": D(2025, 1, 15)},
])
def test_each_trigger_adds_monthly_joint_meetings_from_the_start(reason):
    planned = plan(FakeCase(**reason))
    joint = [on for kind, on in planned if kind == JOINT]
    assert joint == [D(2025, m, 15) for m in range(2, 13)]  # Feb–Dec; Jan is the start meeting
    assert [k for k, _ in planned].count(START) == 1
    assert len(planned) == 3 + 11


def test_concerns_short_of_non_compliance_do_not_trigger_joint_meetings():
    assert len(plan(FakeCase(compliance=Compliance.CONCERNS))) == 3


def test_monthly_meetings_keep_the_day_of_month_clamped_to_the_month_end():
    planned = plan(FakeCase(D(2025, 1, 31), D(2025, 6, 30), seriousness=Seriousness.HIGH))
    assert [on for kind, on in planned if kind == JOINT] == [
        D(2025, 2, 28), D(2025, 3, 31), D(2025, 4, 30), D(2025, 5, 31)]


def test_monthly_meetings_in_a_leap_year():
    planned = plan(FakeCase(D(2024, 1, 31), D(2024, 3, 31), complex_needs=True))
    assert [on for kind, on in planned if kind == JOINT] == [D(2024, 2, 29)]


def test_six_weekly_meetings():
    planned = plan(FakeCase(D(2025, 1, 1), D(2025, 6, 30), seriousness=Seriousness.MEDIUM),
                   interval=JointMeetingInterval.SIX_WEEKLY)
    assert [on for kind, on in planned if kind == JOINT] == [
        D(2025, 2, 12), D(2025, 3, 26), D(2025, 5, 7), D(2025, 6, 18)]


def test_a_significant_change_alone_starts_joint_meetings_on_its_date():
    planned = plan(FakeCase(significant_change_on=D(2025, 9, 3)))
    assert [on for kind, on in planned if kind == JOINT] == [
        D(2025, 9, 3), D(2025, 10, 3), D(2025, 11, 3), D(2025, 12, 3), D(2026, 1, 3)]


def test_a_significant_change_with_another_trigger_runs_from_the_start():
    planned = plan(FakeCase(significant_change_on=D(2025, 9, 3), complex_needs=True))
    assert [on for kind, on in planned if kind == JOINT][0] == D(2025, 2, 15)


def test_joint_meetings_never_fall_on_a_three_way_meeting_date():
    # A two-month order: the middle meeting falls on the monthly date and replaces it.
    planned = plan(FakeCase(D(2025, 4, 1), D(2025, 5, 31), seriousness=Seriousness.HIGH))
    assert planned == [(START, D(2025, 4, 1)), (MIDDLE, D(2025, 5, 1)), (END, D(2025, 5, 31))]


def test_today_keeps_only_the_future_part():
    planned = plan(FakeCase(seriousness=Seriousness.HIGH), today=D(2025, 10, 15))
    assert planned == [(JOINT, D(2025, 11, 15)), (JOINT, D(2025, 12, 15)), (END, D(2026, 1, 14))]


def test_add_months():
    assert schedule.add_months(D(2025, 1, 31), 1) == D(2025, 2, 28)
    assert schedule.add_months(D(2025, 1, 31), 2) == D(2025, 3, 31)
    assert schedule.add_months(D(2025, 11, 30), 3) == D(2026, 2, 28)
    assert schedule.add_months(D(2025, 12, 15), 1) == D(2026, 1, 15)


@given(start=st.dates(D(2000, 1, 1), D(2040, 1, 1)), length=st.integers(0, 3 * 366),
       high=st.booleans(), six_weekly=st.booleans())
def test_plan_properties(start, length, high, six_weekly):
    end = start + datetime.timedelta(days=length)
    interval = JointMeetingInterval.SIX_WEEKLY if six_weekly else JointMeetingInterval.MONTHLY
    planned = plan(FakeCase(start, end, seriousness=Seriousness.HIGH if high else "low"),
                   interval=interval)
    kinds = [k for k, _ in planned]
    assert (kinds.count(START), kinds.count(MIDDLE), kinds.count(END)) == (1, 1, 1)
    assert all(start <= on <= end for _, on in planned)
    three_way = {on for kind, on in planned if kind != JOINT}
    joint = [on for kind, on in planned if kind == JOINT]
    assert not three_way & set(joint) and len(set(joint)) == len(joint)
    assert joint == sorted(joint)
    if not high:
        assert not joint
    gap = 31 if interval == JointMeetingInterval.MONTHLY else 42
    assert all(0 < (b - a).days <= gap * 2 for a, b in zip(joint, joint[1:], strict=False))


# -- the stored schedule -----------------------------------------------------------------------


def stored(case) -> list[tuple[str, D, str]]:
    return [(c.kind, c.planned_on, c.status) for c in case.conferences.order_by("planned_on",
                                                                              "kind")]


@pytest.fixture
def s(db):
    return casework_setup()


def test_a_twelve_month_low_seriousness_order_gets_three_planned_conferences(s):
    start = days(-30)
    case = open_case(s, order_starts_on=start, order_ends_on=schedule.add_months(start, 12)
                     - datetime.timedelta(days=1))
    conferences = list(case.conferences.all())
    assert len(conferences) == 3
    assert {c.kind for c in conferences} == {START, MIDDLE, END}
    assert {c.status for c in conferences} == {ConferenceStatus.PLANNED}
    assert {c.planned_on for c in conferences} == {
        on_working_day(start), on_working_day(schedule.midpoint(start, case.order_ends_on)),
        on_working_day(case.order_ends_on)}


def test_at_high_seriousness_monthly_joint_meetings_come_in_addition(s):
    start = days(-30)
    case = open_case(s, seriousness=Seriousness.HIGH, order_starts_on=start,
                     order_ends_on=schedule.add_months(start, 12) - datetime.timedelta(days=1))
    kinds = [c.kind for c in case.conferences.all()]
    assert (kinds.count(START), kinds.count(MIDDLE), kinds.count(END)) == (1, 1, 1)
    middle = case.conferences.get(kind=MIDDLE).planned_on
    joint = [c.planned_on for c in case.conferences.filter(kind=JOINT)]
    # Monthly on the start's day of the month (or the working day after), except where the
    # middle meeting already is.
    assert joint == [on_working_day(schedule.add_months(start, n)) for n in range(1, 12)
                     if on_working_day(schedule.add_months(start, n)) != middle]
    assert len(joint) in (10, 11)


def test_the_partnership_setting_chooses_six_weekly(s):
    CaseworkSettingsFactory(partnership=s.partnership,
                            joint_meeting_interval=JointMeetingInterval.SIX_WEEKLY)
    start = days(-30)
    case = open_case(s, complex_needs=True, order_starts_on=start,
                     order_ends_on=start + datetime.timedelta(days=364))
    joint = [c.planned_on for c in case.conferences.filter(kind=JOINT)]
    assert joint[:2] == [on_working_day(start + datetime.timedelta(weeks=6)),
                         on_working_day(start + datetime.timedelta(weeks=12))]
    assert len(joint) == 8


def test_each_planned_conference_is_audited_by_reference(s):
    case = open_case(s)
    events = AuditEvent.objects.filter(content_type__model="caseconference")
    assert events.count() == 3
    assert all(case.reference in e.summary for e in events)


def test_raising_seriousness_mid_order_replans_only_the_future_unheld_meetings(s):
    start = days(-200)
    case = open_case(s, order_starts_on=start, order_ends_on=start + datetime.timedelta(days=364))
    start_meeting = case.conferences.get(kind=START)
    actions.conference_record(conference=start_meeting, by=s.officer, held=True, held_on=start)
    middle = case.conferences.get(kind=MIDDLE)
    assert middle.planned_on < today()  # the middle has passed, unrecorded
    before = stored(case)

    actions.case_update(case=case, by=s.officer, seriousness=Seriousness.HIGH)

    after = stored(case)
    # Everything up to today is as it was; the end meeting is kept (not re-created).
    assert [c for c in after if c[1] <= today()] == [c for c in before if c[1] <= today()]
    assert case.conferences.filter(kind=END).count() == 1
    joint = [on for kind, on, status in after if kind == JOINT]
    assert joint and min(joint) > today()
    end = case.conferences.get(kind=END).planned_on
    assert joint == [on_working_day(schedule.add_months(start, n)) for n in range(1, 13)
                     if today() < on_working_day(schedule.add_months(start, n))
                     and schedule.add_months(start, n) <= case.order_ends_on
                     and on_working_day(schedule.add_months(start, n)) != end]
    assert case.conferences.get(kind=START).status == ConferenceStatus.HELD


def test_lowering_seriousness_cancels_future_joint_meetings_and_keeps_held_ones(s):
    start = days(-100)
    case = open_case(s, seriousness=Seriousness.HIGH, order_starts_on=start,
                     order_ends_on=start + datetime.timedelta(days=364))
    first_joint, second_joint = case.conferences.filter(kind=JOINT)[:2]
    actions.conference_record(conference=first_joint, by=s.officer, held=True,
                              held_on=first_joint.planned_on)
    actions.conference_record(conference=second_joint, by=s.officer, held=False)
    future_joint = set(case.conferences.filter(kind=JOINT, planned_on__gt=today())
                       .values_list("pk", flat=True))
    past_planned = set(case.conferences.filter(status=ConferenceStatus.PLANNED,
                                               planned_on__lte=today())
                       .values_list("pk", flat=True))
    count = CaseConference.objects.count()

    actions.case_update(case=case, by=s.officer, seriousness=Seriousness.LOW)

    assert CaseConference.objects.count() == count  # cancelled, not deleted
    assert set(case.conferences.filter(status=ConferenceStatus.CANCELLED)
               .values_list("pk", flat=True)) == future_joint
    first_joint.refresh_from_db()
    second_joint.refresh_from_db()
    assert (first_joint.status, second_joint.status) == (ConferenceStatus.HELD,
                                                        ConferenceStatus.MISSED)
    assert set(case.conferences.filter(pk__in=past_planned, status=ConferenceStatus.PLANNED)
               .values_list("pk", flat=True)) == past_planned
    live = case.conferences.exclude(status=ConferenceStatus.CANCELLED)
    assert {c.kind for c in live.filter(planned_on__gt=today())} == {MIDDLE, END}


def test_moving_the_order_end_replans_the_end_and_middle(s):
    start = days(-30)
    case = open_case(s, order_starts_on=start, order_ends_on=start + datetime.timedelta(days=364))
    old_end = case.conferences.get(kind=END)
    old_middle = case.conferences.get(kind=MIDDLE)
    new_end = start + datetime.timedelta(days=182)

    actions.case_update(case=case, by=s.officer, order_ends_on=new_end)

    old_end.refresh_from_db()
    old_middle.refresh_from_db()
    assert (old_end.status, old_middle.status) == (ConferenceStatus.CANCELLED,
                                                   ConferenceStatus.CANCELLED)
    live = case.conferences.filter(status=ConferenceStatus.PLANNED)
    assert {(c.kind, c.planned_on) for c in live} == {
        (START, on_working_day(start)),
        (MIDDLE, on_working_day(schedule.midpoint(start, new_end))),
        (END, on_working_day(new_end))}


def test_a_held_three_way_meeting_is_not_planned_again(s):
    start = days(-30)
    case = open_case(s, order_starts_on=start, order_ends_on=start + datetime.timedelta(days=364))
    middle = case.conferences.get(kind=MIDDLE)
    actions.conference_record(conference=middle, by=s.officer, held=True, held_on=today())
    actions.case_update(case=case, by=s.officer,
                        order_ends_on=start + datetime.timedelta(days=300))
    assert case.conferences.filter(kind=MIDDLE).count() == 1
    assert case.conferences.get(kind=MIDDLE).status == ConferenceStatus.HELD


def test_recording_a_significant_change_adds_joint_meetings_from_then(s):
    start = days(-100)
    case = open_case(s, order_starts_on=start, order_ends_on=start + datetime.timedelta(days=364))
    actions.case_update(case=case, by=s.officer, significant_change_on=today())
    joint = [c.planned_on for c in case.conferences.filter(kind=JOINT)]
    assert joint[0] == schedule.add_months(today(), 1)
    assert all(on > today() for on in joint)


def test_no_change_no_replan_and_no_audit(s):
    case = open_case(s)
    count = AuditEvent.objects.count()
    actions.case_update(case=case, by=s.officer, seriousness=Seriousness.LOW)
    assert AuditEvent.objects.count() == count


# -- working days (issue 16) -----------------------------------------------------------------


def test_three_way_meetings_on_christmas_easter_monday_and_a_saturday_move_forward():
    # Starts on Christmas Day 2026 (Friday; Boxing Day's substitute is Monday 28th); the middle
    # falls on Easter Monday 2027 (29 March); a later order ends on Saturday 2 October 2027.
    case = FakeCase(D(2026, 12, 25), D(2027, 7, 1))
    assert schedule.midpoint(case.order_starts_on, case.order_ends_on) == D(2027, 3, 29)
    assert [tuple(p) for p in schedule.plan(case, interval=JointMeetingInterval.MONTHLY,
                                            subdivision="ENG")] == [
        (START, D(2026, 12, 29)), (MIDDLE, D(2027, 3, 30)), (END, D(2027, 7, 1))]
    saturday_end = FakeCase(D(2027, 1, 4), D(2027, 10, 2))
    assert schedule.plan(saturday_end, interval=JointMeetingInterval.MONTHLY,
                         subdivision="ENG")[-1] == (END, D(2027, 10, 4))


def test_joint_meetings_on_weekends_move_forward_and_never_onto_a_three_way_meeting():
    # Monthly from Saturday 15 May 2027: 15 May, 15 Aug (Sunday) move to Monday.
    planned = schedule.plan(FakeCase(D(2027, 5, 14), D(2027, 11, 12), complex_needs=True),
                            interval=JointMeetingInterval.MONTHLY, subdivision="ENG")
    joint = [on for kind, on in planned if kind == JOINT]
    assert D(2027, 8, 16) in joint and D(2027, 8, 15) not in joint
    assert all(on.weekday() < 5 for _, on in planned)
    three_way = {on for kind, on in planned if kind != JOINT}
    assert not three_way & set(joint)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None, max_examples=60)
@given(start=st.dates(D(2020, 1, 1), D(2035, 1, 1)), length=st.integers(0, 3 * 366),
       high=st.booleans(), six_weekly=st.booleans(), wales=st.booleans())
def test_every_planned_date_is_a_working_day(start, length, high, six_weekly, wales):
    from referrals.working_days import is_working_day

    end = start + datetime.timedelta(days=length)
    subdivision = "WLS" if wales else "ENG"
    interval = JointMeetingInterval.SIX_WEEKLY if six_weekly else JointMeetingInterval.MONTHLY
    planned = schedule.plan(FakeCase(start, end, seriousness=Seriousness.HIGH if high else "low"),
                            interval=interval, subdivision=subdivision)
    assert all(is_working_day(on, subdivision) for _, on in planned)
    kinds = [k for k, _ in planned]
    assert (kinds.count(START), kinds.count(MIDDLE), kinds.count(END)) == (1, 1, 1)
    joint = [on for kind, on in planned if kind == JOINT]
    three_way = {on for kind, on in planned if kind != JOINT}
    assert len(set(joint)) == len(joint) and not three_way & set(joint)
    assert all(start <= on <= next_working_day(end, subdivision) for _, on in planned)


def test_a_case_worked_in_wales_uses_the_welsh_calendar(s, monkeypatch):
    """England and Wales share every bank holiday in ``holidays`` today, so no date can show
    the difference: the case's area chooses the Welsh calendar ("WLS")."""
    from partnerships.models import Region

    wales = Region.objects.get(code="wales")
    s.partnership.regions.set([wales])
    asked = []
    real = schedule.next_working_day

    def spy(day, subdivision="ENG"):
        asked.append(subdivision)
        return real(day, subdivision)

    monkeypatch.setattr(schedule, "next_working_day", spy)
    case = open_case(s)
    assert schedule.subdivision_of(case) == "WLS"
    assert asked and set(asked) == {"WLS"}
    assert all(c.planned_on.weekday() < 5 for c in case.conferences.all())


def test_the_area_comes_from_the_partnership_regions_else_the_lead_agency(s):
    from partnerships.models import Region

    case = open_case(s)
    london, wales = Region.objects.get(code="london"), Region.objects.get(code="wales")
    s.partnership.regions.set([london])
    assert schedule.subdivision_of(case) == "ENG"
    s.partnership.regions.set([wales])
    assert schedule.subdivision_of(case) == "WLS"
    s.partnership.regions.set([])
    s.probation.region = wales
    s.probation.save()
    assert schedule.subdivision_of(case) == "WLS"  # no regions: the lead agency's
    s.partnership.regions.set([wales, london])
    assert schedule.subdivision_of(case) == "WLS"  # both: the lead agency's
    s.probation.region = london
    s.probation.save()
    assert schedule.subdivision_of(case) == "ENG"
