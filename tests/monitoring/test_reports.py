"""monitoring.reports: the grid's states and timeliness, totals per kind of figure (approved
figures only, a correction counting once approved), trends, comparisons, default periods, the
partnership page's summary, and who sees which dashboards."""

import datetime as dt
from decimal import Decimal

import pytest

from monitoring import actions, reports
from monitoring.choices import Frequency, ReturnStatus
from monitoring.models import MonitoringReturn
from monitoring.reports import CellState
from tests.accounts.factories import (
    CommissionerFactory,
    PartnershipManagerFactory,
)
from tests.monitoring.factories import (
    ReportingPeriodFactory,
    ReturnRequirementFactory,
    add_provider,
    quarter,
)
from tests.monitoring.workflow import (
    approved,
    corrected,
    draft,
    resubmitted,
    sent_back,
    submitted,
)
from tests.partnerships.factories import (
    FundingFactory,
    LeadMembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 24)


def cells(grid):
    return {row.organisation.name: row.cells for row in grid.rows}


# -- the grid --------------------------------------------------------------------------------------


def test_grid_shows_every_state_with_its_timeliness(s):
    q1 = quarter(2025, 1)  # April–June 2025, due 28 July 2025: long past
    current = quarter(2026, 3)  # October–December 2026: not over on TODAY
    s.provider.name = "A not started"
    s.provider.save()
    orgs = {name: add_provider(s, name) for name in (
        "B draft", "C on time", "D late", "E returned", "F resubmitted", "G approved",
        "H approved late", "I correcting")}
    orgs["J joins later"] = add_provider(s, "J joins later", from_period=quarter(2025, 2))
    draft(s, q1, *orgs["B draft"], starts="3")
    submitted(s, q1, *orgs["C on time"], on_time=True)
    submitted(s, q1, *orgs["D late"], on_time=False)
    sent_back(s, submitted(s, q1, *orgs["E returned"], on_time=True))
    # First submitted on time, returned, resubmitted long after the due date: still on time.
    f_org, f_staff = orgs["F resubmitted"]
    resubmitted(s, sent_back(s, submitted(s, q1, f_org, f_staff, on_time=True)), f_staff)
    approved(s, q1, *orgs["G approved"], on_time=True)
    approved(s, q1, *orgs["H approved late"], on_time=False)
    i_org, i_staff = orgs["I correcting"]
    i_approved = approved(s, q1, i_org, i_staff, on_time=True)
    corrected(s, i_approved, i_staff, starts="12")

    grid = reports.grid(s.partnership, [q1, current], today=TODAY)
    found = cells(grid)
    assert list(found) == sorted(found)  # by organisation name
    labels = {name: row[0].label for name, row in found.items()}
    assert labels == {
        "A not started": "Not started – overdue",
        "B draft": "Draft – overdue",
        "C on time": "Submitted on time",
        "D late": "Submitted late",
        "E returned": "Returned for correction",
        "F resubmitted": "Submitted on time",
        "G approved": "Approved",
        "H approved late": "Approved (late)",
        "I correcting": "Approved",
        "J joins later": "Not required",
    }
    first = {name: row[0] for name, row in found.items()}
    assert (first["A not started"].state, first["A not started"].overdue,
            first["A not started"].on_time) == (CellState.NOT_STARTED, True, False)
    # A draft is its organisation's own until submitted: the cell says so but links nowhere.
    assert first["B draft"].on_time is False and first["B draft"].return_id is None
    assert first["E returned"].on_time is True and first["E returned"].overdue is False
    assert first["J joins later"].on_time is None and first["J joins later"].return_id is None
    # A correction under way: the approved revision is what the cell opens and what counts.
    assert first["I correcting"].correcting is True
    assert first["I correcting"].return_id == i_approved.pk
    assert first["G approved"].correcting is False
    # The quarter in progress is not due for anyone who owes it.
    assert {row[1].state for row in found.values()} == {CellState.NOT_DUE}
    assert found["A not started"][1].label == "Not due yet"


@pytest.mark.parametrize(("utc_moment", "on_time"), [
    (dt.datetime(2025, 7, 28, 22, 59, tzinfo=dt.UTC), True),   # 23:59 on the due date (BST)
    (dt.datetime(2025, 7, 28, 23, 0, tzinfo=dt.UTC), False),   # 00:00 the next day in the UK
])
def test_timeliness_is_judged_on_the_uk_date_of_the_first_submission(s, utc_moment, on_time):
    # s.period is 2025–26 Q1, due 28 July 2025, in British Summer Time (UTC+1).
    ret = submitted(s)
    MonitoringReturn.objects.filter(pk=ret.pk).update(first_submitted_at=utc_moment)
    cell = reports.grid(s.partnership, [s.period], today=TODAY).rows[0].cells[0]
    assert (cell.state, cell.on_time) == (CellState.SUBMITTED, on_time)


def test_grid_row_and_column_summaries(s):
    q1, q2 = quarter(2025, 1), quarter(2025, 2)
    other, other_staff = add_provider(s, "Other")
    approved(s, q1, on_time=True)
    approved(s, q2, on_time=False)
    submitted(s, q1, other, other_staff, on_time=True)
    grid = reports.grid(s.partnership, [q1, q2], today=TODAY)
    rows = {row.organisation.name: row for row in grid.rows}
    provider = rows[s.provider.name]
    assert (provider.required, provider.approved, provider.on_time) == (2, 2, 1)
    assert (rows["Other"].required, rows["Other"].approved, rows["Other"].on_time) == (2, 0, 1)
    assert grid.column_summaries == [
        {"required": 2, "in": 2, "approved": 1, "on_time": 2},
        {"required": 2, "in": 1, "approved": 1, "on_time": 0},
    ]


def test_period_ended_but_not_yet_due_is_not_started_and_not_overdue(s):
    q = quarter(2026, 2)  # July–September 2026, due 28 October 2026
    cell = reports.grid(s.partnership, [q], today=dt.date(2026, 10, 10)).rows[0].cells[0]
    assert (cell.state, cell.overdue, cell.on_time, cell.label) == (
        CellState.NOT_STARTED, False, None, "Not started")
    draft(s, q)
    cell = reports.grid(s.partnership, [q], today=dt.date(2026, 10, 10)).rows[0].cells[0]
    assert (cell.state, cell.overdue, cell.label) == (CellState.DRAFT, False, "Draft")
    cell = reports.grid(s.partnership, [q], today=dt.date(2026, 10, 29)).rows[0].cells[0]
    assert (cell.state, cell.overdue, cell.label) == (CellState.DRAFT, True, "Draft – overdue")


def test_grid_requirement_ending_and_other_frequencies(s):
    q1, q2 = quarter(2025, 1), quarter(2025, 2)
    add_provider(s, "Left after Q1", until_period=q1)
    monthly_org = OrganisationFactory(name="Monthly only")
    ReturnRequirementFactory(organisation=monthly_org, partnership=s.partnership,
                             frequency=Frequency.MONTHLY, frameworks=[s.commissioner_fw])
    found = cells(reports.grid(s.partnership, [q1, q2], today=TODAY))
    assert "Monthly only" not in found  # owes monthly returns, not quarterly
    assert [c.state for c in found["Left after Q1"]] == [CellState.NOT_STARTED,
                                                        CellState.NOT_REQUIRED]


def test_grid_costs_two_queries(s, django_assert_num_queries):
    periods = [quarter(2025, q) for q in (1, 2, 3, 4)]
    for i in range(3):
        add_provider(s, f"Org {i}")
    with django_assert_num_queries(2):
        reports.grid(s.partnership, periods, today=TODAY)


# -- totals, trend and comparison ------------------------------------------------------------------


@pytest.fixture
def figures(s):
    """Two approved returns for 2025–26 Q1, a submitted one (not counted) and a draft."""
    q1 = quarter(2025, 1)
    b, b_staff = add_provider(s, "B")
    c, c_staff = add_provider(s, "C")
    d, d_staff = add_provider(s, "D")
    first = approved(s, q1, starts="10", completions="4",
                     **{"engagement-rate": "40", "housing-support": "yes"})
    approved(s, q1, b, b_staff, starts="5", completions="2",
             **{"engagement-rate": "45", "housing-support": "no"})
    submitted(s, q1, c, c_staff, starts="100", completions="50",
              **{"engagement-rate": "99", "housing-support": "yes"})
    draft(s, q1, d, d_staff, starts="1000")
    return q1, first


def test_totals_sum_counts_average_percentages_and_count_yes(s, figures):
    q1, _ = figures
    q2 = quarter(2025, 2)
    metrics = reports.reported_metrics(s.partnership)
    # In the frameworks' own order (frameworks by name, each figure where it first comes),
    # not by name.
    assert [m.code for m in metrics] == ["starts", "completions", "housing-support",
                                         "engagement-rate"]
    totals = reports.totals(s.partnership, [q1, q2], metrics)
    assert totals[s.starts.pk][q1.pk] == reports.Total(Decimal(15), 2)
    assert totals[s.completions.pk][q1.pk].value == 6
    assert totals[s.rate.pk][q1.pk].value == Decimal("42.5")
    assert totals[s.housed.pk][q1.pk] == reports.Total(Decimal(1), 2)
    assert totals[s.starts.pk].get(q2.pk) is None  # no approved return: no figure


def test_a_correction_changes_the_total_only_once_approved(s, figures):
    q1, first = figures
    metrics = [s.starts]
    correction = corrected(s, first, s.staff, starts="20")
    assert reports.totals(s.partnership, [q1], metrics)[s.starts.pk][q1.pk].value == 15
    correction = resubmitted(s, correction, s.staff)
    assert reports.totals(s.partnership, [q1], metrics)[s.starts.pk][q1.pk].value == 15
    actions.return_approve(monitoring_return=correction, by=s.manager)
    total = reports.totals(s.partnership, [q1], metrics)[s.starts.pk][q1.pk]
    assert total == reports.Total(Decimal(25), 2)  # 20 + 5, each organisation once


def test_trend_is_oldest_first_with_gaps(s, figures):
    q1, _ = figures
    q2, q3 = quarter(2025, 2), quarter(2025, 3)
    approved(s, q3, starts="7", completions="1")
    trend = reports.trend(s.partnership, [q1, q2, q3], s.starts)
    assert [(p.pk, t) for p, t in trend] == [
        (q1.pk, reports.Total(Decimal(15), 2)), (q2.pk, None),
        (q3.pk, reports.Total(Decimal(7), 1))]


def test_comparison_gives_each_organisations_approved_figure(s, figures, django_assert_num_queries):
    q1, _ = figures
    q2 = quarter(2025, 2)
    with django_assert_num_queries(2):
        rows = reports.comparison(s.partnership, [q1, q2], s.starts)
    found = {row.organisation.name: [v and v.display for v in row.values] for row in rows}
    assert found == {s.provider.name: ["10", None], "B": ["5", None], "C": [None, None],
                     "D": [None, None]}


def test_totals_cost_one_query(s, figures, django_assert_num_queries):
    q1, _ = figures
    periods = [q1, quarter(2025, 2)]
    metrics = reports.reported_metrics(s.partnership)
    with django_assert_num_queries(1):
        reports.totals(s.partnership, periods, metrics)


# -- periods ---------------------------------------------------------------------------------------


def test_default_periods_are_the_latest_started_oldest_first():
    quarters = [quarter(2024, q) for q in (1, 2, 3, 4)] + [quarter(2025, q) for q in (1, 2)]
    ReportingPeriodFactory(frequency=Frequency.MONTHLY, starts_on=dt.date(2025, 9, 1),
                           ends_on=dt.date(2025, 9, 30), due_on=dt.date(2025, 10, 28))
    today = dt.date(2025, 8, 15)  # in 2025–26 Q2
    got = reports.default_periods(count=3, today=today)
    assert got == quarters[3:6]
    assert reports.default_periods(today=today) == quarters  # all six, fewer than eight
    assert reports.default_periods(today=dt.date(2024, 3, 1)) == []
    quarter(2025, 3)  # not started on ``today``
    assert reports.default_periods(count=1, today=today) == [quarters[-1]]
    monthly = reports.default_periods(frequency=Frequency.MONTHLY, today=dt.date(2025, 9, 2))
    assert [p.starts_on for p in monthly] == [dt.date(2025, 9, 1)]


# -- the partnership page's summary ----------------------------------------------------------------


def test_partnership_summary_for_the_latest_quarter_to_end(s):
    q = quarter(2026, 2)  # the latest quarter ended by TODAY (due 28 October 2026)
    quarter(2026, 3)  # in progress: not the one summarised
    b, b_staff = add_provider(s, "B")
    c, c_staff = add_provider(s, "C")
    add_provider(s, "D")
    approved(s, q)
    submitted(s, q, b, b_staff)
    draft(s, q, c, c_staff)
    summary = reports.partnership_summary(s.partnership, today=TODAY)
    assert summary.period == q
    assert (summary.required, summary.submitted, summary.approved, summary.overdue) == (
        4, 2, 1, 2)
    assert [f.name for f in summary.frameworks] == ["Commissioner performance framework",
                                                    "Partnership outcomes"]


def test_partnership_summary_none_without_requirements_and_no_period_yet(s):
    assert reports.partnership_summary(PartnershipFactory()) is None
    summary = reports.partnership_summary(s.partnership, today=dt.date(2025, 5, 1))
    assert summary.period is None and summary.required == 0  # no quarter has ended
    assert len(summary.frameworks) == 2


# -- who sees which dashboards ---------------------------------------------------------------------


def test_dashboard_partnerships_per_role(s):
    other = PartnershipFactory()
    led_elsewhere = PartnershipFactory()
    LeadMembershipFactory(partnership=led_elsewhere, organisation=s.provider)
    ended_lead = PartnershipFactory()
    LeadMembershipFactory(partnership=ended_lead, organisation=s.lead,
                          left_on=dt.date(2021, 3, 31))
    assert set(reports.dashboard_partnerships(s.admin)) == {
        s.partnership, other, led_elsewhere, ended_lead}
    assert list(reports.dashboard_partnerships(s.manager)) == [s.partnership]
    assert list(reports.dashboard_partnerships(s.commissioner)) == [s.partnership]
    # Provider staff see no dashboards, even of a partnership their organisation leads.
    assert list(reports.dashboard_partnerships(s.staff)) == []
    assert list(reports.dashboard_partnerships(CommissionerFactory())) == []
    assert list(reports.dashboard_partnerships(PartnershipManagerFactory())) == []
    from django.contrib.auth.models import AnonymousUser

    assert list(reports.dashboard_partnerships(AnonymousUser())) == []
    # The same rule as the permission, partnership by partnership.
    for user in (s.admin, s.manager, s.commissioner, s.staff):
        visible = set(reports.dashboard_partnerships(user))
        for p in (s.partnership, other, led_elsewhere, ended_lead):
            assert user.has_perm("monitoring.view_dashboard", p) == (p in visible), (user, p)


def test_a_commissioner_funding_twice_sees_the_partnership_once(s):
    FundingFactory(partnership=s.partnership, funder=s.commissioner.organisation)
    assert list(reports.dashboard_partnerships(s.commissioner)) == [s.partnership]


def test_returns_stay_in_their_status(s):
    """Guard for the helpers above: each reaches the status its name says."""
    q1 = quarter(2025, 1)
    ret = approved(s, q1)
    assert ret.status == ReturnStatus.APPROVED
