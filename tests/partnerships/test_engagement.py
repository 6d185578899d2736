"""The partner engagement report: its period (this financial quarter to date and the three
before), each organisation's marks and attendance rate, statutory agencies marked, those that
sent no one flagged and first, the page, the CSV download, who may read it, and a fixed number
of queries whatever the size.

"Today" is 25 November 2026 (``timezone.now`` patched): the report covers 1 January 2026 to
25 November 2026, columns 2025–26 Q4 to 2026–27 Q3.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnerships import engagement
from partnerships.choices import ReviewStatus
from partnerships.engagement import (
    ATTENDED,
    NOT_A_MEMBER,
    NOT_RECORDED,
    SENT_NO_ONE,
    engagement_report,
    quarter_of,
    report_quarters,
)
from tests.accounts.factories import CommissionerFactory, PlatformAdminFactory
from tests.html import assert_good_markup, text
from tests.partnerships.factories import (
    MembershipFactory,
    OrganisationFactory,
    StatutoryOrganisationFactory,
)
from tests.partnerships.review_factories import (
    HeldReviewFactory,
    ReviewAttendanceFactory,
    ReviewMeetingFactory,
    ReviewSetup,
    at,
    review_setup,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("today")]

D = dt.date
TODAY = D(2026, 11, 25)





def held(s: ReviewSetup, held_on: dt.date, came: dict[Any, bool]) -> Any:
    meeting = HeldReviewFactory(partnership=s.partnership, planned_on=held_on)
    for org, attended in came.items():
        ReviewAttendanceFactory(meeting=meeting, organisation=org, attended=attended)
    return meeting


def row_of(report: Any, organisation: Any) -> Any:
    return next(r for r in report.rows if r.organisation == organisation)


def states(row: Any) -> list[list[str]]:
    return [[m.state for m in marks] for marks in row.cells]


# -- the period -------------------------------------------------------------------------------


def test_four_financial_quarters_ending_with_todays() -> None:
    quarters = report_quarters(TODAY)
    assert [q.label for q in quarters] == ["2025–26 Q4", "2026–27 Q1", "2026–27 Q2",
                                           "2026–27 Q3"]
    assert quarters[0].starts_on == D(2026, 1, 1)
    assert quarters[-1].ends_on == D(2026, 12, 31)
    assert quarters[0].months == "January to March 2026"


@pytest.mark.parametrize(("day", "label", "starts", "ends"), [
    (D(2026, 3, 31), "2025–26 Q4", D(2026, 1, 1), D(2026, 3, 31)),
    (D(2026, 4, 1), "2026–27 Q1", D(2026, 4, 1), D(2026, 6, 30)),
    (D(2025, 12, 31), "2025–26 Q3", D(2025, 10, 1), D(2025, 12, 31)),
    (D(2026, 1, 1), "2025–26 Q4", D(2026, 1, 1), D(2026, 3, 31)),
])
def test_quarter_boundaries(day: dt.date, label: str, starts: dt.date, ends: dt.date) -> None:
    quarter = quarter_of(day)
    assert (quarter.label, quarter.starts_on, quarter.ends_on) == (label, starts, ends)


def test_reviews_held_in_the_period_only(s: ReviewSetup) -> None:
    everyone = dict.fromkeys(s.members, True)
    held(s, D(2025, 12, 31), everyone)    # the day before the period: left out
    held(s, D(2026, 1, 1), everyone)      # its first day
    held(s, D(2026, 3, 31), everyone)     # the end of Q4 and the financial year
    held(s, D(2026, 4, 1), everyone)      # the first day of Q1
    ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2026, 12, 1))
    ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2026, 6, 1),
                         status=ReviewStatus.CANCELLED)
    report = engagement_report(s.partnership)
    assert [r.held_on for r in report.reviews] == [D(2026, 1, 1), D(2026, 3, 31), D(2026, 4, 1)]
    assert [len(q) for q in report.reviews_by_quarter] == [2, 1, 0, 0]


def test_a_report_drawn_just_after_midnight_bst_on_1_april(s: ReviewSetup,
                                                           monkeypatch: Any) -> None:
    """23:30 UTC on 31 March 2026 is 00:30 BST on 1 April: the new financial year's first
    quarter is the current one, so the period starts on 1 July 2025."""
    at(monkeypatch, dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC))
    held(s, D(2025, 6, 30), dict.fromkeys(s.members, True))
    held(s, D(2025, 7, 1), dict.fromkeys(s.members, True))
    report = engagement_report(s.partnership)
    assert report.today == D(2026, 4, 1)
    assert [q.label for q in report.quarters] == ["2025–26 Q2", "2025–26 Q3", "2025–26 Q4",
                                                  "2026–27 Q1"]
    assert [r.held_on for r in report.reviews] == [D(2025, 7, 1)]


# -- the rows ---------------------------------------------------------------------------------


def test_marks_rates_statutory_and_sent_no_one(s: ReviewSetup) -> None:
    held(s, D(2026, 2, 10), {s.lead: True, s.charity: True, s.statutory: False})
    held(s, D(2026, 5, 12), {s.lead: True, s.charity: False, s.statutory: False})
    held(s, D(2026, 8, 11), {s.lead: True, s.charity: True, s.statutory: False})
    report = engagement_report(s.partnership)
    assert [r.organisation for r in report.rows] == [s.statutory, s.charity, s.lead]

    statutory = report.rows[0]
    assert statutory.is_statutory and statutory.sent_no_one
    assert (statutory.attended, statutory.expected, statutory.rate) == (0, 3, Decimal(0))
    assert states(statutory) == [[SENT_NO_ONE], [SENT_NO_ONE], [SENT_NO_ONE], []]

    charity = report.rows[1]
    assert not charity.is_statutory and not charity.sent_no_one
    assert (charity.rate, charity.rate_text) == (Decimal(67), "67% (2 of 3)")
    assert states(charity) == [[ATTENDED], [SENT_NO_ONE], [ATTENDED], []]
    assert report.rows[2].rate == Decimal(100)
    assert report.sent_no_one_count == 1


def test_joiners_leavers_and_unrecorded_members(s: ReviewSetup) -> None:
    joiner = OrganisationFactory(name="Turning Tide Recovery")
    MembershipFactory(partnership=s.partnership, organisation=joiner, joined_on=D(2026, 6, 1))
    leaver = StatutoryOrganisationFactory(name="HMP Calderbrook")
    MembershipFactory(partnership=s.partnership, organisation=leaver, joined_on=D(2020, 4, 1),
                      left_on=D(2026, 4, 1))
    gone = OrganisationFactory(name="Left Long Ago")
    MembershipFactory(partnership=s.partnership, organisation=gone, joined_on=D(2020, 4, 1),
                      left_on=D(2025, 4, 1))
    # A membership added afterwards, backdated: no answer was recorded for it.
    late = OrganisationFactory(name="Backdated Member")
    MembershipFactory(partnership=s.partnership, organisation=late, joined_on=D(2020, 4, 1))
    held(s, D(2026, 2, 10), {s.lead: True, s.charity: True, s.statutory: True, leaver: True})
    held(s, D(2026, 8, 11), {s.lead: True, s.charity: True, s.statutory: True, joiner: True})
    report = engagement_report(s.partnership)
    assert gone not in [r.organisation for r in report.rows]
    assert states(row_of(report, joiner)) == [[NOT_A_MEMBER], [], [ATTENDED], []]
    assert states(row_of(report, leaver)) == [[ATTENDED], [], [NOT_A_MEMBER], []]
    backdated = row_of(report, late)
    assert states(backdated) == [[NOT_RECORDED], [], [NOT_RECORDED], []]
    assert backdated.expected == 0 and backdated.rate is None and not backdated.sent_no_one
    assert backdated.rate_text == "No reviews expected"
    assert report.rows[-1] == backdated  # never expected: last
    assert row_of(report, joiner).rate == Decimal(100)


def test_a_member_who_joined_after_the_last_review_is_listed_unexpected(
        s: ReviewSetup) -> None:
    joiner = OrganisationFactory(name="Turning Tide Recovery")
    MembershipFactory(partnership=s.partnership, organisation=joiner, joined_on=D(2026, 11, 1))
    held(s, D(2026, 8, 11), dict.fromkeys(s.members, True))
    row = row_of(engagement_report(s.partnership), joiner)
    assert row.expected == 0 and states(row) == [[], [], [NOT_A_MEMBER], []]


def test_two_reviews_in_one_quarter_are_both_shown(s: ReviewSetup) -> None:
    held(s, D(2026, 4, 14), {s.lead: True, s.charity: False, s.statutory: True})
    held(s, D(2026, 6, 23), {s.lead: True, s.charity: True, s.statutory: True})
    report = engagement_report(s.partnership)
    charity = row_of(report, s.charity)
    marks = charity.cells[1]
    assert engagement.cell_text(marks, True) == ("Sent no one 14 April 2026; Attended 23 June "
                                                 "2026")
    assert engagement.cell_text([], False) == "No review held"


def test_empty_when_no_review_was_held(s: ReviewSetup) -> None:
    held(s, D(2025, 11, 30), dict.fromkeys(s.members, True))
    ReviewMeetingFactory(partnership=s.partnership, planned_on=D(2026, 2, 28))  # overdue
    report = engagement_report(s.partnership)
    assert report.is_empty
    assert all(r.expected == 0 for r in report.rows)


def grow(s: ReviewSetup, organisations: int, reviews: int) -> None:
    orgs = list(s.members)
    for n in range(organisations):
        org = (StatutoryOrganisationFactory if n % 2 else OrganisationFactory)()
        MembershipFactory(partnership=s.partnership, organisation=org, joined_on=D(2020, 4, 1))
        orgs.append(org)
    for n in range(reviews):
        held(s, D(2026, 1, 5) + dt.timedelta(days=25 * n),
             {org: bool((i + n) % 3) for i, org in enumerate(orgs)})


def test_the_report_reads_in_three_queries_at_any_size() -> None:
    small, large = review_setup(name="Small"), review_setup(name="Large")
    grow(small, 0, 1)
    grow(large, 20, 12)
    numbers = []
    for setup in (small, large):
        with CaptureQueriesContext(connection) as ctx:
            report = engagement_report(setup.partnership)
            [r.rate_text for r in report.rows]  # noqa: B018 - everything the page reads
        numbers.append(len(ctx.captured_queries))
    assert len(report.rows) == 23 and len(report.reviews) == 12
    assert numbers == [3, 3]


# -- the page and the download ----------------------------------------------------------------


def page_url(s: ReviewSetup) -> str:
    return reverse("partnerships:engagement", args=[s.partnership.slug])


def export_url(s: ReviewSetup) -> str:
    return reverse("partnerships:engagement-export", args=[s.partnership.slug])


@pytest.mark.parametrize(("who", "status"), [
    ("manager", 200), ("commissioner", 200), ("admin", 200),
    ("member_staff", 404), ("outsider", 404), ("unfunding_commissioner", 404),
])
def test_who_may_read_the_report(client: Any, s: ReviewSetup, who: str, status: int) -> None:
    user = {"admin": PlatformAdminFactory, "unfunding_commissioner": CommissionerFactory}.get(
        who, lambda: getattr(s, who))()
    client.force_login(user)
    assert client.get(page_url(s)).status_code == status
    assert client.get(export_url(s)).status_code == status


def test_the_page(client: Any, s: ReviewSetup) -> None:
    held(s, D(2026, 2, 10), {s.lead: True, s.charity: True, s.statutory: False})
    held(s, D(2026, 8, 11), {s.lead: True, s.charity: False, s.statutory: False})
    client.force_login(s.manager)
    html = client.get(page_url(s)).content.decode()
    assert_good_markup(html)
    page = text(html)
    assert ("Attendance at the quarterly reviews held from 1 January 2026 to 25 November "
            "2026") in page
    assert "1 organisation sent no one to any review" in page
    assert ("Probation Service North East Statutory Sent no one Sent no one No review held "
            "Sent no one No review held 0% (0 of 2)") in page
    assert "Brightwater Family Support Attended No review held Sent no one No review held " \
           "50% (1 of 2)" in page
    assert page.index("Probation Service") < page.index("Brightwater") \
        < page.index("Fellside Recovery Trust Attended")
    assert '<strong class="govuk-tag govuk-tag--red">Sent no one</strong>' in html
    assert "2025–26 Q4" in page and "July to September 2026" in page
    assert export_url(s) in html
    # Linked from the reviews page for those who may read it.
    reviews = client.get(reverse("partnerships:reviews", args=[s.partnership.slug]))
    assert page_url(s) in reviews.content.decode()


def test_the_page_when_no_review_was_held(client: Any, s: ReviewSetup) -> None:
    client.force_login(s.commissioner)
    html = client.get(page_url(s)).content.decode()
    assert_good_markup(html)
    assert "No review was held in this period" in text(html)
    assert "<table" not in html


def test_the_csv_download(client: Any, s: ReviewSetup) -> None:
    held(s, D(2026, 2, 10), {s.lead: True, s.charity: True, s.statutory: False})
    held(s, D(2026, 3, 10), {s.lead: True, s.charity: False, s.statutory: False})
    client.force_login(s.commissioner)
    response = client.get(export_url(s))
    assert response["Content-Type"].startswith("text/csv")
    assert (f'filename="{s.partnership.slug}-engagement-2026-11-25.csv"'
            in response["Content-Disposition"])
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["Organisation", "Kind", "Statutory agency",
                       "2025–26 Q4 (January to March 2026)", "2026–27 Q1 (April to June 2026)",
                       "2026–27 Q2 (July to September 2026)",
                       "2026–27 Q3 (October to December 2026)", "Reviews attended",
                       "Reviews expected at", "Attendance rate (%)", "Sent no one"]
    assert rows[1] == ["Probation Service North East", "Probation service", "Yes",
                       "Sent no one 10 February 2026; Sent no one 10 March 2026",
                       "No review held", "No review held", "No review held", "0", "2", "0",
                       "Yes"]
    assert rows[2][0] == "Brightwater Family Support" and rows[2][-4:] == ["1", "2", "50", "No"]
    assert len(rows) == 4


def test_page_and_download_cost_the_same_at_two_sizes(
        client: Any, django_assert_max_num_queries: Any) -> None:
    small, large = review_setup(name="Small"), review_setup(name="Large")
    grow(small, 0, 1)
    grow(large, 20, 12)
    numbers = []
    for setup in (small, large):
        client.force_login(setup.commissioner)
        client.get(page_url(setup))
        # session + user, unread count, partnership, funder check, the report's three.
        with django_assert_max_num_queries(8) as captured:
            assert client.get(page_url(setup)).status_code == 200
        numbers.append(len(captured.captured_queries))
        with django_assert_max_num_queries(7) as captured:
            response = client.get(export_url(setup))
            b"".join(response.streaming_content)
        numbers.append(len(captured.captured_queries))
    assert numbers[0] == numbers[2] and numbers[1] == numbers[3], numbers
