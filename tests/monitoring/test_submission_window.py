"""When a return may be submitted: from the day after its period ends, or as many days earlier
as its frameworks allow (the earliest among them). Drafts can be saved at any time; the pages,
the action, the API and the reminders all say the same."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from core import clock
from core.display import govuk_date
from core.errors import DomainError
from monitoring import actions
from monitoring.choices import ReturnStatus
from monitoring.models import submission_opens_on
from monitoring.reminders import DUE_SOON, due_returns
from tests.monitoring.factories import FrameworkFactory, ReportingPeriodFactory
from tests.monitoring.workflow import draft, unchanged_state

pytestmark = pytest.mark.django_db


def running_period(days_left: int = 20, due_after: int = 28):
    """A quarter-long period that ends ``days_left`` days after today."""
    end = clock.today() + dt.timedelta(days=days_left)
    return ReportingPeriodFactory(starts_on=end - dt.timedelta(days=90), ends_on=end,
                                  due_on=end + dt.timedelta(days=due_after))


def figures_ready(s, period):
    return draft(s, period, starts="10", completions="4")


# -- the rule ----------------------------------------------------------------------------------


def test_submission_opens_the_day_after_the_period_ends_or_the_earliest_framework_says():
    period = ReportingPeriodFactory.build(starts_on=dt.date(2026, 10, 1),
                                          ends_on=dt.date(2026, 12, 31),
                                          due_on=dt.date(2027, 1, 28))
    plain = FrameworkFactory.build(submission_opens_days_before=0)
    early = FrameworkFactory.build(submission_opens_days_before=10)
    assert submission_opens_on(period, []) == dt.date(2027, 1, 1)
    assert submission_opens_on(period, [plain]) == dt.date(2027, 1, 1)
    assert submission_opens_on(period, [plain, early]) == dt.date(2026, 12, 22)
    never_before_start = FrameworkFactory.build(submission_opens_days_before=500)
    assert submission_opens_on(period, [never_before_start]) == dt.date(2026, 10, 1)


# -- the action --------------------------------------------------------------------------------


def test_a_return_cannot_be_submitted_before_its_period_ends_but_a_draft_can_be_saved(s):
    period = running_period()
    ret = figures_ready(s, period)  # saving a draft is fine
    assert ret.values.count() == 2
    before = unchanged_state()
    opens = govuk_date(period.ends_on + dt.timedelta(days=1))
    with pytest.raises(DomainError, match=f"You can submit this return from {opens}. You can "
                                          "save a draft now."):
        actions.return_submit(monitoring_return=ret, by=s.staff)
    assert unchanged_state() == before


def test_a_framework_may_open_submission_early(s):
    period = running_period(days_left=5)
    ret = figures_ready(s, period)
    s.partnership_fw.submission_opens_days_before = 7  # the other framework says 0
    s.partnership_fw.save()
    actions.return_submit(monitoring_return=ret, by=s.staff)
    assert ret.status == ReturnStatus.SUBMITTED


def test_once_the_period_has_ended_the_return_can_be_submitted(s):
    ret = figures_ready(s, running_period(days_left=-1))
    actions.return_submit(monitoring_return=ret, by=s.staff)
    assert ret.status == ReturnStatus.SUBMITTED


# -- the pages ---------------------------------------------------------------------------------


def test_the_form_says_when_submission_opens_and_offers_only_a_draft(client, s):
    period = running_period()
    ret = figures_ready(s, period)
    client.force_login(s.staff)
    html = client.get(reverse("monitoring:return-edit", args=[ret.pk])).content.decode()
    opens = govuk_date(period.ends_on + dt.timedelta(days=1))
    assert f"You can submit this return from {opens}. You can save a draft now." in html
    assert ">Save as draft</button>" in html
    assert ">Continue</button>" not in html and ">Submit return</button>" not in html
    # Continuing anyway (an old page) is refused, saying when; nothing is saved.
    before = unchanged_state()
    response = client.post(reverse("monitoring:return-edit", args=[ret.pk]),
                           {"version": ret.version, "action": "continue",
                            "figure-starts": "11", "figure-completions": "4"})
    assert response.status_code == 200
    assert f"You can submit this return from {opens}" in response.content.decode()
    assert unchanged_state() == before
    # The check page shows no Submit button, and refuses a submission posted to it.
    check = reverse("monitoring:return-check", args=[ret.pk])
    html = client.get(check).content.decode()
    assert ">Submit return</button>" not in html
    assert f"You can submit this return from {opens}" in html
    response = client.post(check, {"version": ret.version})
    assert response.status_code == 400
    assert f"You can submit this return from {opens}" in response.content.decode()
    assert unchanged_state() == before


def test_my_returns_says_when_submission_opens(client, s):
    period = running_period()
    figures_ready(s, period)
    client.force_login(s.staff)
    html = client.get(reverse("monitoring:my-returns")).content.decode()
    opens = govuk_date(period.ends_on + dt.timedelta(days=1))
    assert f"You can submit this return from {opens}. You can save a draft now." in html


def test_my_returns_says_nothing_of_opening_once_open(client, s):
    figures_ready(s, running_period(days_left=-1))
    client.force_login(s.staff)
    html = client.get(reverse("monitoring:my-returns")).content.decode()
    assert "You can submit this return from" not in html


# -- reminders ---------------------------------------------------------------------------------


def test_no_due_soon_reminder_before_submission_opens(s):
    # Due the day the period ends (no grace days): "due soon" would fall before it can be sent.
    period = running_period(days_left=3, due_after=0)
    [due] = [d for d in due_returns(clock.today()) if d.period == period]
    assert DUE_SOON not in due.kinds
    s.commissioner_fw.submission_opens_days_before = 5
    s.commissioner_fw.save()
    [due] = [d for d in due_returns(clock.today()) if d.period == period]
    assert due.kinds == [DUE_SOON]
