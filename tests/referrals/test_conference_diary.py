"""The organisation's conference diary (issue 16): every planned conference of the open cases
the user's organisation is involved in over the next 8 weeks, by week, for its caseworkers only,
in a fixed number of queries, never cached."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from referrals import actions
from referrals.choices import ConferenceStatus
from tests.html import assert_good_markup, text
from tests.referrals.factories import (
    CaseConferenceFactory,
    days,
    open_case,
    send_referral,
)
from tests.referrals.helpers import get

pytestmark = pytest.mark.django_db

DIARY = "/casework/conferences/"


def test_the_diary_address():
    assert reverse("referrals:conference-diary") == DIARY


def _rows(html: str) -> list[str]:
    """The text of each row of the diary's tables, in order."""
    body = html[html.index("<h1"):html.index('id="calendar"')]
    return [text(row).strip() for row in re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>",
                                                    body, flags=re.S)
            if "govuk-table__cell" in row]


def test_planned_conferences_of_the_next_8_weeks_by_week_with_their_facts(client, s):
    case = open_case(s, initials="JD")
    send_referral(s, case)  # the provider is now involved, and expected
    CaseConferenceFactory(case=case, kind="joint", planned_on=days(3))
    CaseConferenceFactory(case=case, kind="joint", planned_on=days(8 * 7))  # the last day
    CaseConferenceFactory(case=case, kind="joint", planned_on=days(8 * 7 + 1))  # too late
    CaseConferenceFactory(case=case, kind="joint", planned_on=days(-1))  # the past
    CaseConferenceFactory(case=case, kind="joint", planned_on=days(5),
                          status=ConferenceStatus.CANCELLED)
    html = get(client, s.officer, DIARY)
    rows = _rows(html)
    assert len(rows) == 2, rows
    first = rows[0]
    assert case.reference in first and "Initials JD" in first
    assert "Joint case meeting" in first
    assert "Northshire Probation Delivery Unit" in first  # lead agency, and expected
    assert "Northshire Recovery Services" in first  # expected: it has an open referral
    assert "Northshire Housing Trust" not in html  # a member, not involved in the case
    assert f'href="/casework/cases/{case.reference}/"' in html
    monday = days(3) - datetime.timedelta(days=days(3).weekday())
    assert f'id="week-{monday:%Y-%m-%d}"' in html
    assert "2 planned conferences" in text(html)
    assert_good_markup(html)


def test_a_case_the_organisation_is_involved_in_by_referral_shows_for_the_provider(client, s):
    case = open_case(s)
    send_referral(s, case)
    CaseConferenceFactory(case=case, planned_on=days(10))
    assert case.reference in get(client, s.worker, DIARY)


def test_other_organisations_and_closed_cases_stay_out(client, s):
    theirs = open_case(s)  # led by probation; the provider is not involved
    CaseConferenceFactory(case=theirs, planned_on=days(10))
    html = get(client, s.worker, DIARY)
    assert theirs.reference not in html
    assert "No conferences planned" in html
    closed = open_case(s)
    CaseConferenceFactory(case=closed, planned_on=days(10))
    actions.case_close(case=closed, by=s.officer)
    assert closed.reference not in get(client, s.officer, DIARY)


def test_conferences_with_a_time_show_it_in_time_order(client, s):
    case = open_case(s)
    late = CaseConferenceFactory(case=case, planned_on=days(4),
                                 planned_time=datetime.time(14, 30))
    early = CaseConferenceFactory(case=case, planned_on=days(4),
                                  planned_time=datetime.time(9, 0))
    rows = _rows(get(client, s.officer, DIARY))
    assert "9:00am" in rows[0] and "2:30pm" in rows[1], rows
    assert early.pk and late.pk


def test_empty_state(client, s):
    html = get(client, s.officer, DIARY)
    assert "No conferences planned" in html
    assert "<table" not in html
    assert_good_markup(html)


@pytest.mark.parametrize("who", ["commissioner", "admin"])
def test_only_caseworkers(client, s, who):
    case = open_case(s)
    CaseConferenceFactory(case=case, planned_on=days(10))
    html = get(client, getattr(s, who), DIARY, status=403)
    assert case.reference not in html


def test_signed_out_goes_to_sign_in(client):
    response = client.get(DIARY)
    assert response.status_code == 302
    assert "login" in response["Location"] or "sign-in" in response["Location"]


def test_never_cached(client, s):
    client.force_login(s.officer)
    response = client.get(DIARY)
    assert "no-store" in response["Cache-Control"]


def test_linked_from_the_caseload_and_casework_navigation(client, s):
    html = get(client, s.officer, "/casework/")
    assert html.count(f'href="{DIARY}"') >= 2  # the casework tabs and "What you can do"
    assert 'aria-current="page">Conference diary' in get(client, s.officer, DIARY)


@pytest.mark.parametrize("n", [1, 12])
def test_costs_the_same_for_few_and_many(client, s, n, django_assert_max_num_queries):
    for i in range(n):
        case = open_case(s)
        send_referral(s, case)
        CaseConferenceFactory(case=case, planned_on=days(1 + i * 4))
    client.force_login(s.officer)
    # Session, user, conferences (with lead), leads, referrals, the feed's status; and the
    # caseworker checks (no query: the role is on the user).
    with django_assert_max_num_queries(8):
        response = client.get(DIARY)
    assert response.status_code == 200
    assert len(_rows(response.content.decode())) == n
