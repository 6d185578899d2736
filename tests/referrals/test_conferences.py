"""Recording case conferences: held (date, outcome, attendees by role and organisation) or
missed; only planned ones; only by caseworkers of involved organisations."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from core.models import AuditEvent
from referrals import actions
from referrals.choices import AttendeeRole, ConferenceKind, ConferenceStatus, Seriousness
from referrals.models import CaseConference, ConferenceAttendee
from tests.referrals.factories import (
    days,
    refused,
    send_referral,
    today,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def start(case) -> CaseConference:
    """The start-of-order meeting (dated 60 days ago)."""
    return case.conferences.get(kind=ConferenceKind.START)


def attendees(s) -> list[dict]:
    return [
        {"role": AttendeeRole.OFFENDER_MANAGER, "organisation": s.probation, "attended": True},
        {"role": AttendeeRole.TREATMENT_WORKER, "organisation": s.provider.pk,
         "attended": False},
        {"role": AttendeeRole.PERSON, "organisation": None},
    ]


def test_record_a_held_conference(s, case, start):
    conference = actions.conference_record(conference=start, by=s.officer, held=True,
                                           held_on=days(-58), outcome="Plan agreed.",
                                           attendees=attendees(s))
    assert (conference.status, conference.held_on, conference.outcome, conference.recorded_by) == (
        ConferenceStatus.HELD, days(-58), "Plan agreed.", s.officer)
    rows = sorted(ConferenceAttendee.objects.filter(conference=start)
                  .values_list("role", "organisation", "attended"))
    assert rows == sorted([(AttendeeRole.OFFENDER_MANAGER, s.probation.pk, True),
                           (AttendeeRole.TREATMENT_WORKER, s.provider.pk, False),
                           (AttendeeRole.PERSON, None, True)])
    event = AuditEvent.objects.filter(content_type__model="caseconference").first()
    assert event.summary == f"Recorded a conference on case {case.reference} as held"
    assert event.changes["outcome"] == [None, "(recorded)"]
    assert len(event.changes["attendees"][1]) == 3


def test_record_a_missed_conference(s, start):
    conference = actions.conference_record(conference=start, by=s.officer, held=False)
    assert (conference.status, conference.held_on) == (ConferenceStatus.MISSED, None)


def test_a_future_conference_can_be_held_early_but_not_missed(s, case):
    end = case.conferences.get(kind=ConferenceKind.END)
    error = refused(actions.conference_record, match="can be recorded as missed only from then",
                    conference=end, by=s.officer, held=False)
    assert error.field == "held"
    assert actions.conference_record(conference=end, by=s.officer, held=True,
                                     held_on=today()).status == ConferenceStatus.HELD


@pytest.mark.parametrize(("bad", "match", "field"), [
    ({"held": True}, "Enter the date the conference was held", "held_on"),
    ({"held": True, "held_on": "TOMORROW"}, "cannot be in the future", "held_on"),
    ({"held": False, "held_on": "TODAY"}, "A missed conference has no date held", "held_on"),
    ({"held": True, "held_on": "TODAY", "attendees": [{"role": "judge"}]},
     "Attendee 1: choose a role", "attendees"),
    ({"held": True, "held_on": "TODAY", "attendees": [{"role": "person"},
                                                      {"role": "other", "organisation": 0}]},
     "Attendee 2: there is no such organisation", "attendees"),
])
def test_bad_recordings_are_refused(s, start, bad, match, field):
    dates = {"TOMORROW": days(1), "TODAY": today()}
    if "held_on" in bad:
        bad = {**bad, "held_on": dates[bad["held_on"]]}
    assert refused(actions.conference_record, match=match, conference=start, by=s.officer,
                   **bad).field == field


@pytest.mark.parametrize("first", [True, False])
def test_only_planned_conferences_are_recorded(s, start, first):
    actions.conference_record(conference=start, by=s.officer, held=first,
                              held_on=today() if first else None)
    label = "held" if first else "missed"
    # Different answers from those recorded (the same answers again show the record).
    refused(actions.conference_record, match=f"already recorded as {label}", conference=start,
            by=s.officer, held=True, held_on=today(), outcome="A different outcome")


def test_a_cancelled_conference_is_not_recorded(s, case):
    actions.case_update(case=case, by=s.officer, seriousness=Seriousness.HIGH)
    actions.case_update(case=case, by=s.officer, seriousness=Seriousness.LOW)
    cancelled = case.conferences.filter(status=ConferenceStatus.CANCELLED).first()
    refused(actions.conference_record, match="was cancelled when the schedule was re-planned",
            conference=cancelled, by=s.officer, held=True, held_on=today())


def test_only_involved_caseworkers_record(s, case, start):
    for user in (s.worker, s.outsider, s.admin, s.commissioner):
        refused(actions.conference_record, match="Only caseworkers of organisations involved",
                conference=start, by=user, held=False)
    send_referral(s, case)  # now the provider is involved
    assert actions.conference_record(conference=start, by=s.worker, held=False).pk


def test_conferences_of_a_closed_case_are_not_recorded(s, case, start):
    actions.case_close(case=case, by=s.officer)
    refused(actions.conference_record, match="was closed", conference=start, by=s.officer,
            held=False)


def test_the_database_requires_a_date_for_a_held_conference(start):
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseConference.objects.filter(pk=start.pk).update(status=ConferenceStatus.HELD)
