"""Dates with sense: every date a person types on a case is checked by the action (so the pages,
the API and anything else refuse the same typos with the same message naming the limit). The
probe closed a case on 1 January 0001 (anonymised at the next nightly run) and opened one with
an order from 0001 to 9999."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from core.periods import add_months
from referrals import actions
from referrals.choices import CaseStatus
from referrals.dates import (
    LEAD_IN_DAYS,
    ORDER_EARLIEST_START_YEARS,
    ORDER_LATEST_START_YEARS,
    ORDER_LONGEST_YEARS,
)
from referrals.models import Case
from tests.referrals.factories import days, open_case, refused, today, unchanged_state
from tests.referrals.helpers import client_of, date_parts, post

pytestmark = pytest.mark.django_db

ANCIENT = datetime.date(1, 1, 1)
FAR_FUTURE = datetime.date(9999, 12, 31)


def _open(s, starts_on, ends_on):
    return {"partnership": s.partnership, "lead_organisation": s.probation,
            "order_type": "community_order", "order_starts_on": starts_on,
            "order_ends_on": ends_on, "by": s.officer}


# -- closing --------------------------------------------------------------------------------------


def test_a_case_cannot_close_on_1_january_0001(s, case):
    refused(actions.case_close, match="on or after .*a case cannot close before it began",
            case=case, by=s.officer, closed_on=ANCIENT)


def test_a_case_cannot_close_before_its_order_started(s, case):
    # The order started 60 days ago (and the case was opened today).
    refused(actions.case_close, match=f"on or after {case.order_starts_on:%-d %B %Y}",
            case=case, by=s.officer, closed_on=days(-61))
    actions.case_close(case=case, by=s.officer, closed_on=days(-60))
    assert case.closed_on == days(-60)


def test_an_order_that_starts_later_closes_no_earlier_than_the_day_it_was_opened(s):
    case = open_case(s, order_starts_on=days(30), order_ends_on=days(400))
    refused(actions.case_close, match="on or after", case=case, by=s.officer,
            closed_on=days(-1))
    actions.case_close(case=case, by=s.officer, closed_on=today())


def test_the_api_refuses_a_closing_date_of_0001_and_changes_nothing(s, case):
    before = unchanged_state()
    response = client_of(s.officer).post(
        reverse("case-close", kwargs={"reference": case.reference}),
        {"closed_on": "0001-01-01"}, format="json")
    assert response.status_code == 400
    assert "a case cannot close before it began" in response.json()["closed_on"][0]
    assert unchanged_state() == before
    assert Case.objects.get(pk=case.pk).status == CaseStatus.OPEN


# -- the order ------------------------------------------------------------------------------------


def test_an_order_from_0001_to_9999_is_refused(s):
    refused(actions.case_open, match=f"more than {ORDER_EARLIEST_START_YEARS} years ago",
            **_open(s, ANCIENT, FAR_FUTURE))


def test_the_order_window_names_its_limits(s):
    earliest = add_months(today(), -12 * ORDER_EARLIEST_START_YEARS)
    latest = add_months(today(), 12 * ORDER_LATEST_START_YEARS)
    refused(actions.case_open, match=f"on or after {earliest:%-d %B %Y}",
            **_open(s, earliest - datetime.timedelta(days=1), today()))
    refused(actions.case_open, match=f"on or before {latest:%-d %B %Y}",
            **_open(s, latest + datetime.timedelta(days=1), latest + datetime.timedelta(days=90)))
    start = days(-10)
    longest = add_months(start, 12 * ORDER_LONGEST_YEARS)
    refused(actions.case_open, match=f"cannot last more than {ORDER_LONGEST_YEARS} years",
            **_open(s, start, longest + datetime.timedelta(days=1)))
    # The limits themselves are fine.
    assert actions.case_open(**_open(s, earliest, earliest + datetime.timedelta(days=365)))
    assert actions.case_open(**_open(s, latest, latest + datetime.timedelta(days=30)))
    assert actions.case_open(**_open(s, start, longest))


def test_the_open_form_shows_the_limit_next_to_the_date(client, s):
    before = unchanged_state()
    data = {"partnership": s.partnership.pk, "lead_organisation": s.probation.pk,
            "order_type": "community_order", "seriousness": "low", "gender": "not_stated",
            **date_parts("order_starts_on", datetime.date(1900, 1, 1)),
            **date_parts("order_ends_on", FAR_FUTURE)}
    html = post(client, s.officer, "/casework/cases/open/", data, status=200).content.decode()
    assert 'href="#id_order_starts_on">The order must start on or after' in html
    assert unchanged_state() == before


def test_the_api_refuses_an_order_from_0001_to_9999(s):
    before = unchanged_state()
    response = client_of(s.officer).post(reverse("case-list"), {
        "partnership": s.partnership.slug, "order_type": "community_order",
        "order_starts_on": "0001-01-01", "order_ends_on": "9999-12-31"}, format="json")
    assert response.status_code == 400
    assert "cannot have started more than" in response.json()["order_starts_on"][0]
    assert unchanged_state() == before


def test_changing_the_order_dates_is_checked_but_other_changes_of_an_old_case_are_not(s, case):
    refused(actions.case_update, match="more than 10 years", case=case, by=s.officer,
            order_ends_on=FAR_FUTURE)
    refused(actions.case_update, match="cannot have started", case=case, by=s.officer,
            order_starts_on=ANCIENT)
    # A case whose order started long ago (stored before these checks) can still be worked.
    Case.objects.filter(pk=case.pk).update(order_starts_on=days(-11 * 366))
    case.refresh_from_db()
    actions.case_update(case=case, by=s.officer, seriousness="high")
    actions.case_update(case=case, by=s.officer, order_ends_on=days(-3 * 365))


# -- what happens on the case ---------------------------------------------------------------------


def test_an_assessment_cannot_be_dated_before_the_case_could_exist(s, case):
    earliest = case.order_starts_on - datetime.timedelta(days=LEAD_IN_DAYS)
    refused(actions.assessment_record, match=f"on or after {earliest:%-d %B %Y}", case=case,
            organisation=s.probation, by=s.officer, assessed_on=ANCIENT)
    refused(actions.assessment_record, match="on or after", case=case,
            organisation=s.probation, by=s.officer,
            assessed_on=earliest - datetime.timedelta(days=1))
    # A pre-sentence assessment, before the order started, is fine.
    actions.assessment_record(case=case, organisation=s.probation, by=s.officer,
                              assessed_on=earliest)


def test_a_conference_cannot_be_held_in_year_1(s, case):
    conference = case.conferences.order_by("planned_on").first()
    refused(actions.conference_record, match="The date of the conference must be on or after",
            conference=conference, by=s.officer, held=True, held_on=ANCIENT)


def test_the_conference_api_refuses_year_1(s, case):
    conference = case.conferences.order_by("planned_on").first()
    response = client_of(s.officer).post(
        reverse("conference-record", kwargs={"pk": conference.pk}),
        {"held": True, "held_on": "0001-01-01"}, format="json")
    assert response.status_code == 400
    assert "must be on or after" in response.json()["held_on"][0]


def test_a_significant_change_cannot_be_dated_in_year_1(s, case):
    refused(actions.case_update, match="The date of the significant change must be on or after",
            case=case, by=s.officer, significant_change_on=ANCIENT)


def test_a_lead_agency_handover_cannot_be_dated_in_year_1(s, case):
    refused(actions.lead_agency_change, match="cannot be dated before", case=case,
            organisation=s.provider, by=s.officer, starts_on=ANCIENT)
    refused(actions.lead_agency_change, match="cannot be in the future", case=case,
            organisation=s.provider, by=s.officer, starts_on=FAR_FUTURE)
