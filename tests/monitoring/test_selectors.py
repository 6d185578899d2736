"""What the returns pages read: what an organisation owes and in what order, a return's figures
with the frameworks that use them, and the lead partner's review queue."""

import datetime as dt

import pytest

from monitoring import actions, selectors
from monitoring.choices import Frequency, ReturnStatus
from tests.accounts.factories import PartnershipManagerFactory, ProviderStaffFactory
from tests.monitoring.factories import (
    ReportingPeriodFactory,
    ReturnRequirementFactory,
    quarter,
)
from tests.monitoring.workflow import lead_partners_own_return, started, submitted
from tests.partnerships.factories import LeadMembershipFactory, MembershipFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 11, 20)  # 2025–26 Q3; Q2 was due on 28 October


def labels(rows):
    return [(r.period.label, r.status, r.overdue) for r in rows]


def test_owed_returns_put_returned_and_overdue_first_then_due_then_done(s):
    q1, q2, q3 = s.period, quarter(2025, 2), quarter(2025, 3)
    quarter(2025, 4)  # not started by TODAY: not owed yet
    quarter(2024, 4)  # January–March 2025: the requirement has no first period, so owed
    returned = submitted(s, q1)
    actions.return_send_back(monitoring_return=returned, by=s.manager, comment="Check")
    started(s, q2)  # a draft past its due date
    owed = selectors.owed_returns(s.staff, today=TODAY)
    assert labels(owed.attention) == [
        ("2025–26 Q1", "Returned for correction", False),
        ("2024–25 Q4", "Not started", True),
        ("2025–26 Q2", "Draft", True),
    ]
    assert labels(owed.due) == [("2025–26 Q3", "Not started", False)]
    assert owed.due[0].action == "start" and owed.due[0].period == q3
    assert owed.attention[0].action == "continue"
    assert owed.done == []


def test_done_returns_are_newest_first_and_corrections_show_their_latest_revision(s):
    q4 = quarter(2024, 4)
    first = submitted(s, q4)
    actions.return_approve(monitoring_return=first, by=s.manager)
    correction = actions.return_correct(approved_return=first, by=s.staff, reason="Typo")
    submitted(s, s.period)
    submitted(s, quarter(2024, 3))
    owed = selectors.owed_returns(s.staff, today=TODAY)
    assert labels(owed.done) == [("2025–26 Q1", "Submitted", False),
                                 ("2024–25 Q3", "Submitted", False)]
    (in_progress,) = [r for r in owed.due + owed.attention if r.period == q4]
    assert in_progress.monitoring_return == correction
    assert (in_progress.status, in_progress.overdue, in_progress.action) == (
        "Correction in progress", False, "continue")


def test_owed_returns_follow_the_requirement_window_and_frequency(s):
    requirement = s.provider.return_requirements.get()
    requirement.from_period = quarter(2025, 1)
    requirement.until_period = quarter(2025, 2)
    requirement.save()
    quarter(2024, 4)
    quarter(2025, 3)
    ReportingPeriodFactory(frequency=Frequency.MONTHLY, starts_on=dt.date(2025, 5, 1),
                           ends_on=dt.date(2025, 5, 31), due_on=dt.date(2025, 6, 28))
    owed = selectors.owed_returns(s.staff, today=TODAY)
    assert sorted(r.period.label for r in owed.attention + owed.due) == [
        "2025–26 Q1", "2025–26 Q2"]


def test_only_provider_staff_owe_returns(s):
    for user in (s.manager, s.admin, s.commissioner):
        assert selectors.owed_returns(user, today=TODAY).total == 0
    assert selectors.owed_returns(ProviderStaffFactory(), today=TODAY).total == 0


def test_owed_returns_cost_four_queries_however_many_rows(s, django_assert_num_queries):
    for year in range(2019, 2025):
        for q in (1, 2, 3, 4):
            quarter(year, q)
    quarter(2025, 2)
    quarter(2025, 3)
    other = MembershipFactory().partnership
    ReturnRequirementFactory(organisation=s.provider, partnership=other,
                             frameworks=[s.partnership_fw])
    submitted(s, quarter(2024, 1))
    with django_assert_num_queries(4):  # requirements, their frameworks, periods, returns
        owed = selectors.owed_returns(s.staff, today=TODAY)
    assert owed.total == 2 * 27


def test_the_sheet_asks_each_metric_once_with_every_framework_that_uses_it(s):
    ret = started(s, s.period)
    sheet = selectors.return_sheet(ret)
    names = {f.metric.code: [fw.name for fw in f.frameworks] for f in sheet.figures}
    assert names == {
        "engagement-rate": ["Partnership outcomes"],
        "housing-support": ["Commissioner performance framework"],
        "starts": ["Commissioner performance framework", "Partnership outcomes"],
        "completions": ["Commissioner performance framework"],
    }
    assert {f.metric.code: f.required for f in sheet.figures} == {
        "starts": True, "completions": True, "engagement-rate": False, "housing-support": False}
    assert [f.name for f in sheet.frameworks] == ["Commissioner performance framework",
                                                  "Partnership outcomes"]


def test_the_sheet_places_each_query_on_its_figure(s):
    ret = submitted(s, s.period, starts="10", completions="4", **{"engagement-rate": "55.5"})
    actions.return_send_back(monitoring_return=ret, by=s.manager, comment="Whole",
                             metric_comments={"completions": "Too high?"})
    sheet = selectors.return_sheet(ret)
    figure = {f.metric.code: f for f in sheet.figures}
    assert [q.text for q in figure["completions"].open_queries] == ["Too high?"]
    assert figure["starts"].open_queries == []
    assert [q.text for q in sheet.open_return_queries] == ["Whole"]
    assert figure["engagement-rate"].shown == "55.5%"
    assert figure["starts"].shown == "10 people"


def test_review_queue_is_the_managers_partnerships_oldest_first_not_their_own(s):
    first = submitted(s, quarter(2024, 4))
    second = submitted(s, s.period)
    own = lead_partners_own_return(s, starts="1")  # not in its manager's queue
    assert list(selectors.review_queue(s.manager)) == [first, second]
    assert set(selectors.review_queue(s.admin)) == {first, second, own}
    for user in (s.staff, s.commissioner, PartnershipManagerFactory()):
        assert not selectors.review_queue(user).exists()
    actions.return_send_back(monitoring_return=second, by=s.manager, comment="Check")
    assert selectors.recently_returned(s.manager) == [second]
    assert selectors.open_query_counts([second]) == {second.pk: 1}


def test_a_manager_of_another_lead_partner_reviews_nothing(s):
    submitted(s, s.period)
    other_lead = LeadMembershipFactory().organisation
    assert not selectors.review_queue(PartnershipManagerFactory(organisation=other_lead)).exists()
    assert selectors.review_queue(s.manager).get().status == ReturnStatus.SUBMITTED
