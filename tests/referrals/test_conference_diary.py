"""The organisation's conference diary (issue 16): the planned conferences of the open cases the
user's organisation is involved in over the next 8 weeks, one week at a time (issue 17: a big
probation delivery unit plans ~4,000, which made 3 MB pages), by day, 100 a page within a busy
week, for its caseworkers only, in a fixed number of queries, never cached."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from core.display import govuk_date
from referrals import actions
from referrals.choices import ConferenceStatus
from referrals.diary import PER_PAGE
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


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def week_of(day: datetime.date) -> str:
    """The diary's address for the week holding ``day``."""
    return f"{DIARY}?week={_monday(day):%Y-%m-%d}"


#: A week wholly inside the diary's window whatever today is: next week.
NEXT_MONDAY = _monday(days(7))


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
    CaseConferenceFactory(case=case, kind="joint", planned_on=days(3),
                          status=ConferenceStatus.CANCELLED)
    html = get(client, s.officer, week_of(days(3)))
    rows = _rows(html)
    assert len(rows) == 1, rows
    first = rows[0]
    assert case.reference in first and "Initials JD" in first
    assert "Joint case meeting" in first
    assert "Northshire Probation Delivery Unit" in first  # lead agency, and expected
    assert "Northshire Recovery Services" in first  # expected: it has an open referral
    assert "Northshire Housing Trust" not in html  # a member, not involved in the case
    assert f'href="/casework/cases/{case.reference}/"' in html
    assert f'id="week-{_monday(days(3)):%Y-%m-%d}"' in html
    assert f"Week of {govuk_date(_monday(days(3)))}" in text(html)
    assert f'id="day-{days(3):%Y-%m-%d}"' in html  # grouped by day
    assert "2 planned conferences in the next 8 weeks" in text(html)
    assert "1 planned conference this week" in text(html)
    assert_good_markup(html)
    last_week = _rows(get(client, s.officer, week_of(days(8 * 7))))
    assert len(last_week) == 1, last_week  # the last day, not the day after
    # This week starts today: yesterday's conference is left out even when it is this week's.
    this_week = _rows(get(client, s.officer, DIARY))
    assert len(this_week) == (1 if _monday(days(3)) == _monday(days(0)) else 0), this_week


def test_this_week_by_default_with_a_link_to_the_next_only(client, s):
    html = get(client, s.officer, DIARY)
    assert f"Week of {govuk_date(_monday(days(0)))}" in text(html)
    assert f'href="?week={NEXT_MONDAY:%Y-%m-%d}"' in html and "Next week" in text(html)
    assert "Previous week" not in text(html)
    assert_good_markup(html)


def test_previous_and_next_week_links_end_with_the_window(client, s):
    html = get(client, s.officer, week_of(NEXT_MONDAY))
    assert f'href="?week={_monday(days(0)):%Y-%m-%d}"' in html and "Previous week" in text(html)
    assert f'href="?week={NEXT_MONDAY + datetime.timedelta(weeks=1):%Y-%m-%d}"' in html
    last = get(client, s.officer, week_of(days(8 * 7)))
    assert "Next week" not in text(last) and "Previous week" in text(last)


def test_any_day_of_a_week_shows_that_week(client, s):
    case = open_case(s)
    CaseConferenceFactory(case=case, planned_on=NEXT_MONDAY + datetime.timedelta(days=6))
    thursday = NEXT_MONDAY + datetime.timedelta(days=3)
    html = get(client, s.officer, f"{DIARY}?week={thursday:%Y-%m-%d}")
    assert f"Week of {govuk_date(NEXT_MONDAY)}" in text(html)
    assert case.reference in html  # Sunday belongs to the week of the Monday before


@pytest.mark.parametrize("week", ["nonsense", "2026-13-45", "7-12-2026", "2026-12-07x",
                                  "9" * 5000, "2001-01-01", "2999-01-04"])
def test_a_bad_or_far_week_shows_this_week_saying_why(client, s, week):
    html = get(client, s.officer, f"{DIARY}?week={week}")
    assert f"Week of {govuk_date(_monday(days(0)))}" in text(html)
    assert "so this week is shown" in text(html)
    assert_good_markup(html)


def test_an_empty_week_says_so_and_keeps_the_count_of_the_window(client, s):
    case = open_case(s)
    CaseConferenceFactory(case=case, planned_on=NEXT_MONDAY + datetime.timedelta(weeks=1))
    html = get(client, s.officer, week_of(NEXT_MONDAY))
    assert "No conferences planned this week" in text(html)
    assert "1 planned conference in the next 8 weeks" in text(html)
    assert "<table" not in html[:html.index('id="calendar"')]
    assert_good_markup(html)


def test_a_busy_week_is_paged_by_100_keeping_the_week(client, s, django_assert_max_num_queries):
    case = open_case(s)
    for i in range(PER_PAGE + 1):
        CaseConferenceFactory(case=case, planned_on=NEXT_MONDAY + datetime.timedelta(days=i % 7))
    first = get(client, s.officer, week_of(NEXT_MONDAY))
    assert len(_rows(first)) == PER_PAGE
    assert f"{PER_PAGE + 1} planned conferences this week, showing 1 to {PER_PAGE}" in text(first)
    assert f'href="?page=2&amp;week={NEXT_MONDAY:%Y-%m-%d}"' in first
    assert_good_markup(first)
    with django_assert_max_num_queries(8):  # as for one conference (below)
        response = client.get(week_of(NEXT_MONDAY) + "&page=2")
    second = response.content.decode()
    assert len(_rows(second)) == 1
    assert f"Week of {govuk_date(NEXT_MONDAY)}" in text(second)
    # A page past the end shows the last one, saying so; the week stays.
    past = get(client, s.officer, week_of(NEXT_MONDAY) + "&page=9")
    assert len(_rows(past)) == 1 and "the last page is shown" in text(past)


def test_a_case_the_organisation_is_involved_in_by_referral_shows_for_the_provider(client, s):
    case = open_case(s)
    send_referral(s, case)
    CaseConferenceFactory(case=case, planned_on=days(10))
    assert case.reference in get(client, s.worker, week_of(days(10)))


def test_other_organisations_and_closed_cases_stay_out(client, s):
    theirs = open_case(s)  # led by probation; the provider is not involved
    CaseConferenceFactory(case=theirs, planned_on=days(10))
    html = get(client, s.worker, week_of(days(10)))
    assert theirs.reference not in html
    assert "No conferences planned" in html
    closed = open_case(s)
    CaseConferenceFactory(case=closed, planned_on=days(10))
    actions.case_close(case=closed, by=s.officer)
    assert closed.reference not in get(client, s.officer, week_of(days(10)))


def test_conferences_with_a_time_show_it_in_time_order(client, s):
    case = open_case(s)
    late = CaseConferenceFactory(case=case, planned_on=days(4),
                                 planned_time=datetime.time(14, 30))
    early = CaseConferenceFactory(case=case, planned_on=days(4),
                                  planned_time=datetime.time(9, 0))
    rows = _rows(get(client, s.officer, week_of(days(4))))
    assert "9:00am" in rows[0] and "2:30pm" in rows[1], rows
    assert early.pk and late.pk


def test_empty_state(client, s):
    html = get(client, s.officer, DIARY)
    assert "No conferences planned in the next 8 weeks" in text(html)
    assert "<table" not in html
    assert_good_markup(html)


@pytest.mark.parametrize("who", ["commissioner", "admin"])
def test_only_caseworkers(client, s, who):
    case = open_case(s)
    CaseConferenceFactory(case=case, planned_on=days(10))
    html = get(client, getattr(s, who), week_of(days(10)), status=403)
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
        CaseConferenceFactory(case=case, planned_on=NEXT_MONDAY + datetime.timedelta(days=i % 7))
        CaseConferenceFactory(case=case, planned_on=NEXT_MONDAY + datetime.timedelta(weeks=2))
    client.force_login(s.officer)
    # Session, user, the window's count, the week's count, its page (with lead), leads,
    # referrals, the feed's status; and the caseworker checks (no query: the role is on the
    # user).
    with django_assert_max_num_queries(8):
        response = client.get(week_of(NEXT_MONDAY))
    assert response.status_code == 200
    assert len(_rows(response.content.decode())) == n
    assert f"{2 * n} planned conferences in the next 8 weeks" in text(response.content.decode())
