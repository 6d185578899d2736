"""Frontline insights, the actions: who may record and triage, the refusal of personal data
(and acceptance of ordinary text with a year), the pathway and service checks, each triage
step with its audit row (free text never copied into it) and the author's notification, once."""

from __future__ import annotations

import datetime

import pytest

from core import clock
from core.errors import DomainError
from core.models import AuditEvent
from governance import actions
from governance.choices import ActionStatus, InsightStatus, InsightTheme
from governance.models import ActionItem, Insight
from notifications.models import Notification
from tests.governance.factories import BodyFactory, GovernanceSetup, governance_setup
from tests.partnerships.factories import EndedMembershipFactory
from tests.referrals.factories import PathwayFactory
from tests.services.factories import ServiceFactory

pytestmark = pytest.mark.django_db

TEXT = ("Release letters reach the community team after the person has left, so first "
        "appointments are booked late.")


@pytest.fixture
def s() -> GovernanceSetup:
    return governance_setup()


def record(s: GovernanceSetup, text: str = TEXT, by=None, **kwargs) -> Insight:
    return actions.insight_record(partnership=s.partnership, theme=InsightTheme.RELEASE,
                                  text=text, by=by or s.member_staff, **kwargs)


def refused(code_or_field: str, call, *args, **kwargs) -> DomainError:
    before = (Insight.objects.count(), ActionItem.objects.count(), AuditEvent.objects.count(),
              Notification.objects.count())
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    error = caught.value
    codes = ({error.code} if hasattr(error, "code")
             else {e.code for errors in error.error_dict.values() for e in errors})
    assert code_or_field == error.field or code_or_field in codes
    assert before == (Insight.objects.count(), ActionItem.objects.count(),
                      AuditEvent.objects.count(), Notification.objects.count())
    return caught.value


# -- recording -----------------------------------------------------------------------------------


def test_member_staff_record_an_insight_as_their_organisation(s: GovernanceSetup) -> None:
    insight = record(s)
    assert (insight.organisation, insight.author, insight.status) == (
        s.member, s.member_staff, InsightStatus.NEW)
    event = AuditEvent.objects.get(object_id=str(insight.pk), action=AuditEvent.Action.CREATE)
    assert "Riverside Recovery" in event.summary
    assert TEXT not in str(event.changes) and TEXT not in event.summary


@pytest.mark.parametrize("who", ["outsider", "commissioner", "admin"])
def test_only_staff_of_a_current_member_record(s: GovernanceSetup, who: str) -> None:
    error = refused("forbidden", record, s, by=getattr(s, who))
    assert "member organisations" in str(error)


def test_staff_of_an_organisation_that_left_may_not_record(s: GovernanceSetup) -> None:
    former = EndedMembershipFactory(partnership=s.partnership).organisation
    from tests.accounts.factories import ProviderStaffFactory

    refused("forbidden", record, s, by=ProviderStaffFactory(organisation=former))


@pytest.mark.parametrize("text", [
    "Person A1234BC was released without a script.",
    "DOB 12/03/1985, no GP registration on release.",
    "He was born on 3 March 1990 and has no ID.",
    "Released 12.03.85 without ID.",
    "Date of birth not on the referral form.",
    "Her 14th March 1979 birthday is on file.",
])
def test_personal_data_is_refused(s: GovernanceSetup, text: str) -> None:
    error = refused("text", record, s, text=text)
    assert "must not identify anyone" in str(error)


@pytest.mark.parametrize("text", [
    "Since 2019 the prison has sent release letters late.",
    "Waits rose from 5 to 12 days in 2024-25, mostly at weekends.",
    "Three of the 20 referrals this quarter had no release date.",
])
def test_ordinary_text_with_years_and_numbers_is_accepted(s: GovernanceSetup, text: str) -> None:
    assert record(s, text=text).text == text


def test_text_is_required_and_at_most_2000_characters(s: GovernanceSetup) -> None:
    refused("text", record, s, text="   ")
    refused("text", record, s, text="x" * 2001)
    assert len(record(s, text="x" * 2000).text) == 2000


def test_the_pathway_must_be_the_partnerships(s: GovernanceSetup) -> None:
    theirs = PathwayFactory()
    refused("pathway", record, s, pathway=theirs)
    ours = PathwayFactory(partnership=s.partnership)
    assert record(s, pathway=ours).pathway == ours


def test_the_service_must_be_delivered_in_the_partnership_or_by_a_member(
        s: GovernanceSetup) -> None:
    refused("service", record, s, service=ServiceFactory())
    by_member = ServiceFactory(provider=s.member)
    under_partnership = ServiceFactory(provider=s.lead, partnership=s.partnership)
    assert record(s, service=by_member).service == by_member
    assert record(s, service=under_partnership).service == under_partnership


# -- triage --------------------------------------------------------------------------------------


def due() -> datetime.date:
    return clock.today() + datetime.timedelta(days=30)


def told(insight: Insight) -> list[Notification]:
    return list(Notification.objects.filter(kind="insight_triaged", recipient=insight.author))


def test_a_manager_puts_it_on_a_bodys_agenda_and_the_author_is_told(s: GovernanceSetup) -> None:
    insight = record(s)
    board = BodyFactory(partnership=s.partnership, name="Partnership board")
    actions.insight_to_agenda(insight=insight, body=board, by=s.manager)
    insight.refresh_from_db()
    assert (insight.status, insight.agenda_body, insight.triaged_by, insight.triaged_on) == (
        InsightStatus.TO_AGENDA, board, s.manager, clock.today())
    [note] = told(insight)
    assert "Partnership board" in note.subject + note.body
    assert TEXT not in note.body and note.url.endswith("/governance/insights/mine/")
    assert AuditEvent.objects.filter(object_id=str(insight.pk),
                                     action=AuditEvent.Action.UPDATE).count() == 1


def test_the_chair_of_a_body_triages_and_may_not_use_another_partnerships_body(
        s: GovernanceSetup) -> None:
    from tests.accounts.factories import ProviderStaffFactory

    chair = ProviderStaffFactory(organisation=s.member)
    board = BodyFactory(partnership=s.partnership, chair=chair)
    insight = record(s)
    refused("body", actions.insight_to_agenda, insight=insight, body=BodyFactory(), by=chair)
    ended = BodyFactory(partnership=s.partnership, ended_on=clock.today())
    refused("body", actions.insight_to_agenda, insight=insight, body=ended, by=chair)
    actions.insight_to_agenda(insight=insight, body=board, by=chair)
    assert Insight.objects.get(pk=insight.pk).status == InsightStatus.TO_AGENDA


@pytest.mark.parametrize("who", ["member_staff", "member_manager", "commissioner", "outsider"])
def test_others_may_not_triage(s: GovernanceSetup, who: str) -> None:
    insight = record(s)
    by = getattr(s, who)
    board = BodyFactory(partnership=s.partnership)
    refused("forbidden", actions.insight_to_agenda, insight=insight, body=board, by=by)
    refused("forbidden", actions.insight_close, insight=insight, reply="Thanks.", by=by)
    refused("forbidden", actions.insight_to_action, insight=insight, by=by,
            owner_organisation=s.member, due_on=due())


def test_making_it_an_action_creates_the_action_and_links_it(s: GovernanceSetup) -> None:
    insight = record(s)
    board = BodyFactory(partnership=s.partnership)
    actions.insight_to_agenda(insight=insight, body=board, by=s.manager)
    actions.insight_to_action(insight=insight, by=s.admin, owner_organisation=s.lead,
                              due_on=due(), text="Agree a release-letter timetable.")
    insight.refresh_from_db()
    item = insight.action
    assert insight.status == InsightStatus.TO_ACTION
    assert (item.text, item.owner_organisation, item.due_on, item.body, item.status) == (
        "Agree a release-letter timetable.", s.lead, due(), board, ActionStatus.OPEN)
    assert sorted(n.key for n in told(insight)) == [
        f"insight_triaged:insight-{insight.pk}:action:user-{s.member_staff.pk}",
        f"insight_triaged:insight-{insight.pk}:agenda:user-{s.member_staff.pk}"]


def test_an_action_without_text_takes_the_insights_words(s: GovernanceSetup) -> None:
    insight = actions.insight_to_action(insight=record(s), by=s.manager,
                                        owner_organisation=s.member, due_on=due())
    assert insight.action.text == TEXT and insight.action.body is None


def test_the_action_owner_must_be_a_current_member(s: GovernanceSetup) -> None:
    refused("owner_organisation", actions.insight_to_action, insight=record(s), by=s.manager,
            owner_organisation=s.non_member, due_on=due())


def test_closing_needs_a_reply_which_the_author_is_told_of(s: GovernanceSetup) -> None:
    insight = record(s)
    refused("reply", actions.insight_close, insight=insight, reply="  ", by=s.manager)
    actions.insight_close(insight=insight, reply="The prison now sends letters a week ahead.",
                          by=s.manager)
    insight.refresh_from_db()
    assert (insight.status, insight.reply) == (InsightStatus.CLOSED,
                                               "The prison now sends letters a week ahead.")
    [note] = told(insight)
    assert "closed with a reply" in note.subject
    event = AuditEvent.objects.filter(object_id=str(insight.pk)).latest("pk")
    assert "a week ahead" not in str(event.changes)


def test_a_closed_insight_cannot_be_triaged_again(s: GovernanceSetup) -> None:
    insight = actions.insight_close(insight=record(s), reply="Thanks.", by=s.manager)
    board = BodyFactory(partnership=s.partnership)
    error = refused("closed", actions.insight_to_agenda, insight=insight, body=board,
                    by=s.manager)
    assert "closed" in str(error)
    refused("closed", actions.insight_close, insight=insight, reply="Again.", by=s.manager)


def test_an_action_cannot_go_back_on_an_agenda(s: GovernanceSetup) -> None:
    insight = actions.insight_to_action(insight=record(s), by=s.manager,
                                        owner_organisation=s.member, due_on=due())
    refused("status", actions.insight_to_agenda, insight=insight,
            body=BodyFactory(partnership=s.partnership), by=s.manager)
    actions.insight_close(insight=insight, reply="Done: the timetable is agreed.", by=s.manager)


def test_the_triager_is_not_notified_of_their_own_insight(s: GovernanceSetup) -> None:
    insight = record(s, by=s.manager)
    actions.insight_close(insight=insight, reply="Noted.", by=s.manager)
    assert told(insight) == []
