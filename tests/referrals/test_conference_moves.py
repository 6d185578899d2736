"""Moving and cancelling a planned case conference (issue 16): the lead agency moves one to
another working day (and time) or calls it off, saying why; a weekend or bank holiday is
refused with the next working day named; the case history shows "Moved from … to …: reason";
the agencies involved are told (case reference only, never the reason); a later re-plan keeps
the move and never plans a cancelled meeting again."""

from __future__ import annotations

import datetime

import pytest

from core.display import govuk_date
from core.models import AuditEvent
from notifications.models import Notification
from referrals import actions
from referrals.choices import ConferenceKind, ConferenceStatus, HistoryKind, Seriousness
from referrals.models import CaseConference, CaseHistoryEntry
from referrals.working_days import bank_holidays, is_working_day, next_working_day
from tests.notifications.conftest import eager_celery  # noqa: F401 (autouse fixture)
from tests.referrals.factories import days, open_case, refused, send_referral, today
from tests.referrals.helpers import date_parts, get, post

pytestmark = pytest.mark.django_db

REASON = "The probation officer is in court that day."


def next_saturday(after: datetime.date) -> datetime.date:
    return after + datetime.timedelta(days=(5 - after.weekday()) % 7 or 7)


def next_bank_holiday(after: datetime.date) -> datetime.date:
    return min(day for year in (after.year, after.year + 1) for day in bank_holidays(year)
               if day > after)


@pytest.fixture
def referred(s):
    """A probation-led case (started 60 days ago) referred to the provider, so the provider's
    caseworker is involved too."""
    case = open_case(s)
    send_referral(s, case)
    return case


def middle_of(case) -> CaseConference:
    return case.conferences.get(kind=ConferenceKind.MIDDLE)


def a_working_day(after: int = 20) -> datetime.date:
    return next_working_day(days(after))


# -- moving ---------------------------------------------------------------------------------------


def test_the_lead_agency_moves_a_conference_and_the_history_says_so(s, referred):
    middle = middle_of(referred)
    was = middle.planned_on
    new = a_working_day()
    Notification.objects.all().delete()

    actions.conference_move(conference=middle, by=s.officer, planned_on=new,
                            planned_time=datetime.time(14, 30), reason=REASON)

    middle.refresh_from_db()
    assert (middle.planned_on, middle.planned_time, middle.status) == (
        new, datetime.time(14, 30), ConferenceStatus.PLANNED)
    assert middle.scheduled_on == was
    entry = CaseHistoryEntry.objects.get(conference=middle)
    assert (entry.kind, entry.from_date, entry.to_date, entry.reason, entry.recorded_by) == (
        HistoryKind.CONFERENCE_MOVED, was, new, REASON, s.officer)
    event = AuditEvent.objects.filter(summary__startswith="Moved a conference").get()
    assert referred.reference in event.summary and govuk_date(new) in event.summary
    # The reason is free text: the audit trail says it was given, never what it says.
    assert REASON not in str(AuditEvent.objects.filter(summary__contains="moved").values())
    told = Notification.objects.filter(kind="conference_moved")
    assert {n.recipient for n in told} == {s.worker}  # involved; never the one who moved it
    notice = told.get()
    assert referred.reference in notice.subject
    assert f"from {govuk_date(was)} to {govuk_date(new)} at 14:30" in notice.body
    assert REASON not in notice.subject + notice.body


@pytest.mark.parametrize("when", ["saturday", "bank_holiday"])
def test_a_weekend_or_bank_holiday_is_refused_naming_the_next_working_day(s, referred, when):
    day = next_saturday(days(20)) if when == "saturday" else next_bank_holiday(days(2))
    assert not is_working_day(day)
    after = next_working_day(day)
    error = refused(actions.conference_move, conference=middle_of(referred), by=s.officer,
                    planned_on=day, reason=REASON,
                    match=f"{govuk_date(day)} is a (Saturday|bank holiday in England)")
    assert error.field == "planned_on"
    assert f"{after:%A} {govuk_date(after)}" in str(error)


@pytest.mark.parametrize(("changes", "match"), [
    ({"reason": "  "}, "Enter why you are moving the conference"),
    ({"reason": "x" * 301}, "300 characters or fewer"),
    ({"planned_on": days(-1)}, "today or in the future"),
    ({"planned_on": days(800)}, "no more than 90 days after the order ends"),
])
def test_bad_moves_are_refused_and_change_nothing(s, referred, changes, match):
    arguments = {"planned_on": a_working_day(), "reason": REASON, **changes}
    refused(actions.conference_move, conference=middle_of(referred), by=s.officer,
            match=match, **arguments)


def test_only_the_lead_agency_moves_or_cancels(s, referred):
    for who in (s.worker, s.outsider, s.admin, s.commissioner):
        refused(actions.conference_move, conference=middle_of(referred), by=who,
                planned_on=a_working_day(), reason=REASON, match="Only caseworkers of the lead")
        refused(actions.conference_cancel, conference=middle_of(referred), by=who,
                reason=REASON, match="Only caseworkers of the lead")


def test_a_re_plan_keeps_a_moved_conference_where_a_person_put_it(s, referred):
    middle = middle_of(referred)
    new = a_working_day(30)
    actions.conference_move(conference=middle, by=s.officer, planned_on=new, reason=REASON)

    actions.case_update(case=referred, by=s.officer, seriousness=Seriousness.HIGH)

    middle.refresh_from_db()
    assert (middle.status, middle.planned_on) == (ConferenceStatus.PLANNED, new)
    assert referred.conferences.filter(kind=ConferenceKind.MIDDLE).count() == 1


def test_every_re_planned_date_after_a_move_is_still_a_working_day(s, referred):
    actions.conference_move(conference=middle_of(referred), by=s.officer,
                            planned_on=a_working_day(30), reason=REASON)
    actions.case_update(case=referred, by=s.officer, seriousness=Seriousness.HIGH)
    live = referred.conferences.filter(status=ConferenceStatus.PLANNED)
    assert live.count() > 3
    assert all(is_working_day(c.planned_on) for c in live)


# -- cancelling -----------------------------------------------------------------------------------


def test_cancelling_keeps_it_as_cancelled_with_the_reason_and_tells_the_others(s, referred):
    middle = middle_of(referred)
    Notification.objects.all().delete()

    actions.conference_cancel(conference=middle, by=s.officer, reason=REASON)

    middle.refresh_from_db()
    assert middle.status == ConferenceStatus.CALLED_OFF
    assert middle.get_status_display() == "Cancelled"
    entry = CaseHistoryEntry.objects.get(conference=middle)
    assert (entry.kind, entry.from_date, entry.reason) == (
        HistoryKind.CONFERENCE_CANCELLED, middle.planned_on, REASON)
    notice = Notification.objects.get(kind="conference_cancelled")
    assert notice.recipient == s.worker
    assert referred.reference in notice.subject and REASON not in notice.body


def test_a_cancelled_conference_is_not_planned_again_nor_recorded_nor_moved(s, referred):
    middle = middle_of(referred)
    actions.conference_cancel(conference=middle, by=s.officer, reason=REASON)

    actions.case_update(case=referred, by=s.officer, complex_needs=True)

    assert referred.conferences.filter(kind=ConferenceKind.MIDDLE).count() == 1
    refused(actions.conference_record, conference=middle, by=s.officer, held=False,
            match="was cancelled")
    refused(actions.conference_move, conference=middle, by=s.officer,
            planned_on=a_working_day(), reason=REASON, match="was cancelled")
    refused(actions.conference_cancel, conference=middle, by=s.officer, reason=REASON,
            match="was cancelled")


def test_a_re_plan_still_cancels_as_re_planned(s, referred):
    """Re-planning keeps its own "Cancelled (re-planned)" state, apart from a person's."""
    actions.case_update(case=referred, by=s.officer, seriousness=Seriousness.HIGH)
    joint = referred.conferences.filter(kind=ConferenceKind.JOINT,
                                        planned_on__gt=today()).first()
    actions.case_update(case=referred, by=s.officer, seriousness=Seriousness.LOW)
    joint.refresh_from_db()
    assert joint.status == ConferenceStatus.CANCELLED
    assert joint.get_status_display() == "Cancelled (re-planned)"


# -- the pages ------------------------------------------------------------------------------------


def move_url(case, conference, verb: str = "move") -> str:
    return f"/casework/cases/{case.reference}/conferences/{conference.pk}/{verb}/"


def test_the_case_page_links_each_planned_conference_to_move_and_cancel(client, s, referred):
    middle = middle_of(referred)
    html = get(client, s.officer, f"/casework/cases/{referred.reference}/")
    assert move_url(referred, middle) in html and move_url(referred, middle, "cancel") in html
    worker_html = get(client, s.worker, f"/casework/cases/{referred.reference}/")
    assert move_url(referred, middle) not in worker_html


def test_moving_through_the_page_shows_the_move_in_the_case_history(client, s, referred):
    middle = middle_of(referred)
    was, new = middle.planned_on, a_working_day()
    html = get(client, s.officer, move_url(referred, middle))
    assert "Move the conference" in html and 'name="planned_on_day"' in html
    response = post(client, s.officer, move_url(referred, middle),
                    {**date_parts("planned_on", new), "planned_time": "2:30pm",
                     "reason": REASON}, status=302)
    assert response["Location"] == f"/casework/cases/{referred.reference}/"
    html = client.get(response["Location"]).content.decode()
    assert f"Moved from {govuk_date(was)} to {govuk_date(new)} at 14:30: {REASON}" in html
    middle.refresh_from_db()
    assert middle.planned_time == datetime.time(14, 30)


def test_a_saturday_typed_on_the_page_is_refused_with_the_next_working_day(client, s,
                                                                            referred):
    middle = middle_of(referred)
    saturday = next_saturday(days(20))
    monday = next_working_day(saturday)
    response = post(client, s.officer, move_url(referred, middle),
                    {**date_parts("planned_on", saturday), "reason": REASON}, status=200)
    html = response.content.decode()
    assert "There is a problem" in html
    assert f"{govuk_date(saturday)} is a Saturday" in html
    assert f"{monday:%A} {govuk_date(monday)}" in html
    middle.refresh_from_db()
    assert middle.planned_on != saturday


def test_the_move_page_asks_for_a_reason_and_a_real_time(client, s, referred):
    response = post(client, s.officer, move_url(referred, middle_of(referred)),
                    {**date_parts("planned_on", a_working_day()), "planned_time": "25:00",
                     "reason": ""}, status=200)
    html = response.content.decode()
    assert "Enter why you are moving the conference" in html
    assert "Enter the time in the right format" in html


def test_cancelling_through_the_page(client, s, referred):
    middle = middle_of(referred)
    post(client, s.officer, move_url(referred, middle, "cancel"), {"reason": REASON},
         status=302)
    html = get(client, s.officer, f"/casework/cases/{referred.reference}/")
    assert "govuk-tag--grey\">Cancelled</strong>" in html
    assert f"Cancelled on {govuk_date(today())}: {REASON}" in html


@pytest.mark.parametrize("verb", ["move", "cancel"])
def test_the_involved_provider_gets_a_403_and_an_outsider_a_404(client, s, referred, verb):
    middle = middle_of(referred)
    html = get(client, s.worker, move_url(referred, middle, verb), status=403)
    assert "Only caseworkers of the case&#x27;s lead agency" in html
    get(client, s.outsider, move_url(referred, middle, verb), status=404)
    post(client, s.worker, move_url(referred, middle, verb), {"reason": REASON}, status=403)
    middle.refresh_from_db()
    assert middle.status == ConferenceStatus.PLANNED


def test_anonymising_the_case_removes_the_reasons(s, referred):
    actions.conference_move(conference=middle_of(referred), by=s.officer,
                            planned_on=a_working_day(), reason=REASON)
    actions.case_close(case=referred, by=s.officer)
    result = actions.case_anonymise(case=referred, retention_months=72)
    assert CaseHistoryEntry.objects.get(case=referred).reason == "[removed]"
    assert {"field": "history.reason", "count": 1} in result.removed
