"""Joint training and practice sharing (issue 19, point 5): recording an event with who came
(counts by organisation and role), who may record it, what is refused, the summary of the last
year, the training page (list, form, error summary, who sees the form) and the line on the
partnership page.

"Today" is 25 November 2026 (the ``today`` fixture): the last year runs from 26 November 2025.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from core.errors import DomainError
from core.models import AuditEvent
from governance import actions, selectors
from governance.choices import AttendeeRole, TrainingKind
from governance.models import TrainingAttendance, TrainingEvent
from tests.governance.factories import BodyFactory, GovernanceSetup, governance_setup
from tests.html import assert_good_markup, text
from tests.partnerships.factories import MembershipFactory, OrganisationFactory
from tests.partnerships.review_factories import today  # noqa: F401  (the fixed day)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("today")]

D = dt.date
FRONTLINE, MANAGER = AttendeeRole.FRONTLINE.value, AttendeeRole.MANAGER.value

HELD = D(2026, 10, 1)


@pytest.fixture
def s() -> GovernanceSetup:
    return governance_setup()


def record(s: GovernanceSetup, *, by: Any = None, held_on: dt.date = HELD,
           host: Any = None, attendance: list | None = None,
           topic: str = "Naloxone awareness") -> TrainingEvent:
    return actions.training_record(
        partnership=s.partnership, kind=TrainingKind.TRAINING, topic=topic, held_on=held_on,
        host=host or s.lead, by=by or s.manager,
        attendance=attendance if attendance is not None else [
            (s.lead, FRONTLINE, 4), (s.member, FRONTLINE, 3), (s.member, MANAGER, 1)])


def page_url(s: GovernanceSetup) -> str:
    return reverse("governance:training", args=[s.partnership.slug])


# -- the actions ---------------------------------------------------------------------------------


def test_manager_records_an_event_with_attendance_and_an_audit_row(s):
    event = record(s)
    rows = {(a.organisation_id, a.role): a.attendees for a in event.attendance.all()}
    assert rows == {(s.lead.pk, FRONTLINE): 4, (s.member.pk, FRONTLINE): 3,
                    (s.member.pk, MANAGER): 1}
    assert event.recorded_by == s.manager
    audits = AuditEvent.objects.filter(object_id=str(event.pk))
    assert audits.filter(action=AuditEvent.Action.CREATE).exists()
    assert "Riverside Recovery frontline staff: 3" in str(
        audits.get(action=AuditEvent.Action.UPDATE).changes)


def test_host_partnership_manager_records_their_own_session_only(s):
    event = record(s, by=s.member_manager, host=s.member)
    assert event.host == s.member
    with pytest.raises(DomainError) as refused:
        record(s, by=s.member_manager, host=s.lead)
    assert refused.value.code == "forbidden"


def test_chair_of_a_body_records_training(s):
    chair = s.member_staff
    BodyFactory(partnership=s.partnership, chair=chair)
    assert record(s, by=chair).pk


@pytest.mark.parametrize("who", ["member_staff", "outsider", "commissioner"])
def test_others_may_not_record(s, who):
    with pytest.raises(DomainError) as refused:
        record(s, by=getattr(s, who), host=s.member)
    assert refused.value.code == "forbidden"
    assert not TrainingEvent.objects.exists()


def test_admin_records(s):
    assert record(s, by=s.admin).pk


@pytest.mark.parametrize("changes, field", [
    ({"held_on": D(2026, 11, 26)}, "held_on"),
    ({"topic": "  "}, "topic"),
    ({"attendance": []}, "attendance"),
    ({"attendance": "duplicate"}, "attendance"),
    ({"attendance": "outsider"}, "attendance"),
    ({"attendance": "zero"}, "attendance"),
    ({"host": "outsider"}, "host"),
])
def test_refused_input_changes_nothing(s, changes, field):
    attendance = {
        "duplicate": [(s.member, FRONTLINE, 2), (s.member, FRONTLINE, 1)],
        "outsider": [(s.non_member, FRONTLINE, 2)],
        "zero": [(s.member, FRONTLINE, 0)],
    }
    arguments: dict[str, Any] = dict(changes)
    if isinstance(arguments.get("attendance"), str):
        arguments["attendance"] = attendance[arguments["attendance"]]
    if arguments.get("host") == "outsider":
        arguments["host"] = s.non_member
    with pytest.raises(DomainError) as refused:
        record(s, **arguments)
    assert refused.value.field == field
    assert not TrainingEvent.objects.exists() and not TrainingAttendance.objects.exists()
    assert not AuditEvent.objects.filter(content_type__model="trainingevent").exists()


def test_a_member_that_joined_later_could_not_have_come(s):
    late = OrganisationFactory(name="Late Joiner CIC")
    MembershipFactory(partnership=s.partnership, organisation=late, joined_on=D(2026, 11, 1))
    with pytest.raises(DomainError):
        record(s, attendance=[(late, FRONTLINE, 2)], held_on=D(2026, 10, 1))
    assert record(s, attendance=[(late, FRONTLINE, 2)], held_on=D(2026, 11, 2)).pk


def test_attendance_set_replaces_the_list(s):
    event = record(s)
    actions.training_attendance_set(event=event, attendance=[(s.member, MANAGER, 2)],
                                    by=s.manager)
    assert [(a.organisation, a.role, a.attendees) for a in event.attendance.all()] == [
        (s.member, MANAGER, 2)]
    with pytest.raises(DomainError):
        actions.training_attendance_set(event=event, attendance=[(s.member, MANAGER, 2)],
                                        by=s.member_staff)
    with pytest.raises(DomainError):
        actions.training_attendance_set(event=event, attendance=[], by=s.manager)
    assert event.attendance.count() == 1


# -- the summary ---------------------------------------------------------------------------------


def test_last_year_counts_events_organisations_and_attendees(s, django_assert_num_queries):
    record(s, held_on=D(2025, 11, 26))  # the first day of the year: counted
    record(s, held_on=D(2026, 11, 25), attendance=[(s.member, FRONTLINE, 5)])
    record(s, held_on=D(2025, 11, 25))  # a year and a day ago: not counted
    with django_assert_num_queries(1):
        summary = selectors.training_last_year(s.partnership, D(2026, 11, 25))
    assert (summary.events, summary.organisations, summary.attendees) == (2, 2, 13)
    assert summary.since == D(2025, 11, 26)


def test_empty_year_is_zero(s):
    summary = selectors.training_last_year(s.partnership, D(2026, 11, 25))
    assert (summary.events, summary.organisations, summary.attendees) == (0, 0, 0)


def test_year_before_29_february():
    assert selectors.year_before(D(2028, 2, 29)) == D(2027, 3, 1)


# -- the page ------------------------------------------------------------------------------------


def test_page_lists_last_year_and_older_sessions(client, s):
    record(s, held_on=D(2026, 10, 1), topic="Naloxone awareness")
    record(s, held_on=D(2024, 5, 1), topic="Motivational interviewing")
    client.force_login(s.member_staff)
    response = client.get(page_url(s))
    assert response.status_code == 200
    html = response.content.decode()
    assert_good_markup(html)
    words = text(html)
    assert "1 session, 2 organisations taking part, 8 people attending" in words
    assert words.index("Naloxone awareness") < words.index("Older sessions") \
        < words.index("Motivational interviewing")
    assert "Riverside Recovery: 3 frontline staff" in words
    assert "Record a session" not in words  # staff read; they do not record


def test_empty_page(client, s):
    client.force_login(s.commissioner)
    words = text(client.get(page_url(s)).content.decode())
    assert "No training or practice sharing has been recorded in the last year." in words


@pytest.mark.parametrize("who", ["outsider", None])
def test_page_is_not_found_for_outsiders(client, s, who):
    if who:
        client.force_login(getattr(s, who))
        assert client.get(page_url(s)).status_code == 404
    else:
        assert client.get(page_url(s)).status_code == 302  # to sign in


def test_manager_records_through_the_form(client, s):
    client.force_login(s.manager)
    form = {"kind": TrainingKind.PRACTICE_SHARING, "topic": "Release-day planning",
            "held_on_day": "3", "held_on_month": "11", "held_on_year": "2026", "host": s.lead.pk,
            "organisation_0": s.lead.pk, "role_0": FRONTLINE, "attendees_0": "2",
            "organisation_2": s.member.pk, "role_2": MANAGER, "attendees_2": "1"}
    response = client.post(page_url(s), form)
    assert response.status_code == 302
    event = TrainingEvent.objects.get()
    assert (event.topic, event.held_on, event.kind) == ("Release-day planning", D(2026, 11, 3),
                                                        TrainingKind.PRACTICE_SHARING)
    assert event.attendance.count() == 2


def test_form_errors_link_to_their_fields(client, s):
    client.force_login(s.manager)
    response = client.post(page_url(s), {
        "kind": TrainingKind.TRAINING, "topic": "", "held_on_day": "1", "held_on_month": "1",
        "held_on_year": "2027", "host": s.lead.pk,
        "organisation_1": s.member.pk, "attendees_1": "2"})
    assert response.status_code == 200
    html = response.content.decode()
    assert_good_markup(html)
    assert 'href="#id_topic">Enter the topic' in html
    assert "The date it was held must be today or in the past" in html
    assert 'href="#id_role_1">Select the role (row 2)' in html
    assert not TrainingEvent.objects.exists()


def test_duplicate_rows_are_refused_by_the_action_on_the_page(client, s):
    client.force_login(s.manager)
    response = client.post(page_url(s), {
        "kind": TrainingKind.TRAINING, "topic": "Naloxone", "held_on_day": "1",
        "held_on_month": "11", "held_on_year": "2026", "host": s.lead.pk,
        "organisation_0": s.member.pk, "role_0": FRONTLINE, "attendees_0": "2",
        "organisation_1": s.member.pk, "role_1": FRONTLINE, "attendees_1": "3"})
    assert response.status_code == 200
    assert "is listed twice as frontline staff" in response.content.decode()
    assert not TrainingEvent.objects.exists()


def test_reader_posting_gets_403_with_the_reason(client, s):
    client.force_login(s.member_staff)
    response = client.post(page_url(s), {"topic": "x"})
    assert response.status_code == 403
    assert "Training is recorded by" in response.content.decode()


def test_host_manager_sees_the_form_with_their_organisation(client, s):
    client.force_login(s.member_manager)
    response = client.get(page_url(s))
    assert "Record a session" in text(response.content.decode())
    assert response.context["form"].initial["host"] == s.member.pk


# -- the partnership page ------------------------------------------------------------------------


def test_partnership_page_shows_training_to_readers(client, s):
    record(s)
    url = reverse("partnerships:detail", args=[s.partnership.slug])
    client.force_login(s.commissioner)
    words = text(client.get(url).content.decode())
    assert ("Training across partners in the last year: 1 session, 2 organisations taking "
            "part, 8 people attending.") in words
    client.force_login(s.outsider)
    response = client.get(url)
    assert response.status_code == 200
    assert "Training across partners" not in text(response.content.decode())
