"""Frontline insight pages: who sees the list and the form, recording (and the personal-data
refusal shown on the form), filters, pagination and empty states, replies only for their author,
"My insights", and the triage forms for managers and chairs."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from core import clock
from governance import actions
from governance.choices import InsightStatus, InsightTheme
from governance.models import Insight
from tests.accounts.factories import ProviderStaffFactory
from tests.governance.factories import BodyFactory, GovernanceSetup, governance_setup

pytestmark = pytest.mark.django_db

REPLY = "The prison now sends release letters a week ahead."


@pytest.fixture
def s() -> GovernanceSetup:
    return governance_setup()


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def list_url(s: GovernanceSetup, query: str = "") -> str:
    return reverse("governance:insights", args=[s.partnership.slug]) + query


def detail_url(s: GovernanceSetup, insight: Insight) -> str:
    return reverse("governance:insight", args=[s.partnership.slug, insight.pk])


def mine_url(s: GovernanceSetup) -> str:
    return reverse("governance:my-insights", args=[s.partnership.slug])


def record(s: GovernanceSetup, text: str = "Release letters arrive late.", by=None,
           theme: str = InsightTheme.RELEASE) -> Insight:
    return actions.insight_record(partnership=s.partnership, theme=theme, text=text,
                                  by=by or s.member_staff)


def test_outsiders_are_not_told_the_page_exists(s: GovernanceSetup) -> None:
    insight = record(s)
    outsider = client_of(s.outsider)
    for url in (list_url(s), mine_url(s), detail_url(s, insight)):
        assert outsider.get(url).status_code == 404
    assert outsider.post(list_url(s), {"theme": "release", "text": "x"}).status_code == 404
    assert Client().get(list_url(s)).status_code == 302  # to sign in


def test_members_get_the_form_with_the_hint_and_commissioners_only_read(
        s: GovernanceSetup) -> None:
    record(s)
    page = client_of(s.member_staff).get(list_url(s)).content.decode()
    assert "Record an insight" in page
    assert "Do not include names, prison numbers or dates of birth" in page
    assert "Release letters arrive late." in page and "Waiting for the chair" in page
    reader = client_of(s.commissioner)
    page = reader.get(list_url(s)).content.decode()
    assert "Record an insight" not in page and "Release letters arrive late." in page
    refused = reader.post(list_url(s), {"theme": "release", "text": "Letters late."})
    assert refused.status_code == 403 and Insight.objects.count() == 1


def test_recording_an_insight(s: GovernanceSetup) -> None:
    response = client_of(s.member_staff).post(list_url(s), {
        "theme": "access", "text": "Weekend releases cannot reach a pharmacy."}, follow=True)
    assert response.redirect_chain[-1][0] == list_url(s)
    assert "Your insight was recorded" in response.content.decode()
    insight = Insight.objects.get()
    assert (insight.organisation, insight.theme) == (s.member, InsightTheme.ACCESS)


@pytest.mark.parametrize("text", ["Person A1234BC was released late.",
                                  "DOB 12/03/1985 on the letter.",
                                  "Born on 3 March 1990."])
def test_personal_data_is_refused_on_the_form(s: GovernanceSetup, text: str) -> None:
    response = client_of(s.member_staff).post(list_url(s), {"theme": "release", "text": text})
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page
    assert 'href="#id_text"' in page and "must not identify anyone" in page
    assert "<title>Error:" in page.replace("\n", "")
    assert not Insight.objects.exists()


def test_missing_answers_link_to_their_fields(s: GovernanceSetup) -> None:
    page = client_of(s.member_staff).post(list_url(s), {}).content.decode()
    assert 'href="#id_theme"' in page and "Select what the insight is about" in page
    assert 'href="#id_text"' in page and "Describe the barrier or insight" in page


def test_filters_by_theme_and_status_and_the_empty_states(s: GovernanceSetup) -> None:
    client = client_of(s.member_staff)
    assert "No insights have been raised yet" in client.get(list_url(s)).content.decode()
    record(s, "Letters late.", theme=InsightTheme.RELEASE)
    closed = record(s, "Good joint training.", theme=InsightTheme.GOOD_PRACTICE)
    actions.insight_close(insight=closed, reply="Thanks.", by=s.manager)
    page = client.get(list_url(s, "?theme=release")).content.decode()
    assert "Letters late." in page and "Good joint training." not in page
    page = client.get(list_url(s, "?status=closed")).content.decode()
    assert "Letters late." not in page and "Good joint training." in page
    page = client.get(list_url(s, "?theme=staffing")).content.decode()
    assert "No insights match these filters" in page
    page = client.get(list_url(s, "?theme=nonsense")).content.decode()
    assert "Letters late." in page and "Good joint training." in page
    assert "There is a problem" not in page and "valid choice" not in page


def test_the_list_is_paginated(s: GovernanceSetup) -> None:
    for n in range(21):
        record(s, f"Insight number {n}.")
    client = client_of(s.member_staff)
    first = client.get(list_url(s)).content.decode()
    assert "Insight number 20." in first and "Insight number 0." not in first
    second = client.get(list_url(s, "?page=2")).content.decode()
    assert "Insight number 0." in second and "Insight number 20." not in second


def test_the_reply_is_seen_by_its_author_and_not_by_other_members(s: GovernanceSetup) -> None:
    insight = record(s)
    actions.insight_close(insight=insight, reply=REPLY, by=s.manager)
    assert REPLY in client_of(s.member_staff).get(list_url(s)).content.decode()
    assert REPLY in client_of(s.member_staff).get(mine_url(s)).content.decode()
    assert REPLY in client_of(s.member_staff).get(detail_url(s, insight)).content.decode()
    colleague = client_of(ProviderStaffFactory(organisation=s.lead))
    assert REPLY not in colleague.get(list_url(s)).content.decode()
    assert REPLY not in colleague.get(detail_url(s, insight)).content.decode()
    assert REPLY in client_of(s.manager).get(detail_url(s, insight)).content.decode()


def test_my_insights_shows_only_mine_with_what_became_of_them(s: GovernanceSetup) -> None:
    board = BodyFactory(partnership=s.partnership, name="Partnership board")
    mine = record(s, "My insight about letters.")
    record(s, "Someone else's insight.", by=ProviderStaffFactory(organisation=s.lead))
    actions.insight_to_agenda(insight=mine, body=board, by=s.manager)
    page = client_of(s.member_staff).get(mine_url(s)).content.decode()
    assert "My insight about letters." in page and "Someone else" not in page
    assert "On the next agenda of Partnership board" in page
    empty = client_of(ProviderStaffFactory(organisation=s.member)).get(mine_url(s))
    assert "You have not recorded any insights" in empty.content.decode()


def test_managers_see_the_triage_forms_and_members_do_not(s: GovernanceSetup) -> None:
    insight = record(s)
    BodyFactory(partnership=s.partnership, name="Partnership board")
    page = client_of(s.manager).get(detail_url(s, insight)).content.decode()
    for words in ("Put it on the agenda", "Make it an action", "Close with this reply"):
        assert words in page
    page = client_of(s.member_staff).get(detail_url(s, insight)).content.decode()
    assert "Triage the insight" not in page
    response = client_of(s.member_staff).post(detail_url(s, insight),
                                              {"outcome": "close", "close-reply": "No."})
    assert response.status_code == 403
    assert Insight.objects.get().status == InsightStatus.NEW


def test_a_chair_puts_it_on_the_agenda(s: GovernanceSetup) -> None:
    chair = ProviderStaffFactory(organisation=s.lead)
    board = BodyFactory(partnership=s.partnership, name="Partnership board", chair=chair)
    insight = record(s)
    response = client_of(chair).post(detail_url(s, insight),
                                     {"outcome": "agenda", "agenda-body": board.pk}, follow=True)
    assert "on the next agenda of Partnership board" in response.content.decode()
    assert Insight.objects.get().agenda_body == board


def test_a_manager_makes_it_an_action(s: GovernanceSetup) -> None:
    insight = record(s)
    due = clock.today() + datetime.timedelta(days=14)
    response = client_of(s.manager).post(detail_url(s, insight), {
        "outcome": "action", "action-owner_organisation": s.lead.pk,
        "action-due_on_day": due.day, "action-due_on_month": due.month,
        "action-due_on_year": due.year, "action-text": ""}, follow=True)
    assert "now an action for Northgate Housing Trust" in response.content.decode()
    insight.refresh_from_db()
    assert insight.status == InsightStatus.TO_ACTION and insight.action.due_on == due


def test_closing_needs_a_reply_and_a_closed_insight_has_no_forms(s: GovernanceSetup) -> None:
    insight = record(s)
    client = client_of(s.manager)
    page = client.post(detail_url(s, insight), {"outcome": "close"}).content.decode()
    assert 'href="#id_close-reply"' in page and "Write a reply" in page
    client.post(detail_url(s, insight), {"outcome": "close", "close-reply": REPLY})
    assert Insight.objects.get().status == InsightStatus.CLOSED
    page = client.get(detail_url(s, insight)).content.decode()
    assert "Triage the insight" not in page and REPLY in page
    again = client.post(detail_url(s, insight), {"outcome": "close", "close-reply": "Again"})
    assert again.status_code == 404
