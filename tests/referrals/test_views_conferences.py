"""Recording case conferences (held with attendees, or missed) and end-of-order notices
(unacknowledged first, acknowledged by the organisation they are addressed to)."""

from __future__ import annotations

import pytest

from referrals import actions
from referrals.choices import ConferenceStatus
from referrals.models import CaseConference, EndOfOrderNotice
from tests.html import assert_good_markup, text
from tests.referrals.factories import (
    accepted_referral,
    days,
    open_case,
    unchanged_state,
)
from tests.referrals.helpers import get, post

pytestmark = pytest.mark.django_db

NOTICES = "/casework/notices/"


def first_planned(case):
    return case.conferences.filter(status=ConferenceStatus.PLANNED).order_by("planned_on").first()


def conference_url(case, conference):
    return f"/casework/cases/{case.reference}/conferences/{conference.pk}/"


def held_data(s, day, **changes):
    data = {"held": "held", "held_on_day": day.day, "held_on_month": day.month,
            "held_on_year": day.year, "outcome": "Treatment plan agreed.",
            "attended_offender_manager": "true", "organisation_offender_manager": s.probation.pk,
            "attended_treatment_worker": "true",
            "organisation_treatment_worker": s.provider.pk}
    data.update(changes)
    return data


# -- conferences ----------------------------------------------------------------------------------


def test_the_form_defaults_the_organisations(client, s, case):
    accepted_referral(s, case)
    conference = first_planned(case)
    html = get(client, s.worker, conference_url(case, conference))
    assert "Record conference</h1>" in html and ">Record conference</button>" in html
    om = html[html.index('id="id_organisation_offender_manager"'):]
    assert f'<option value="{s.probation.pk}" selected>' in om[:om.index("</select>")]
    tw = html[html.index('id="id_organisation_treatment_worker"'):]
    assert f'<option value="{s.provider.pk}" selected>' in tw[:tw.index("</select>")]
    assert_good_markup(html)


def test_record_a_held_conference_with_attendees(client, s, case):
    accepted_referral(s, case)
    conference = first_planned(case)
    response = post(client, s.worker, conference_url(case, conference),
                    held_data(s, conference.planned_on), status=302)
    assert response["Location"] == f"/casework/cases/{case.reference}/"
    conference.refresh_from_db()
    assert (conference.status, conference.held_on, conference.recorded_by) == (
        ConferenceStatus.HELD, conference.planned_on, s.worker)
    attendees = {(a.role, a.organisation_id, a.attended) for a in conference.attendees.all()}
    assert attendees == {("offender_manager", s.probation.pk, True),
                         ("treatment_worker", s.provider.pk, True), ("person", None, False)}
    assert "was recorded as held" in client.get(response["Location"]).content.decode()
    # Once recorded, the page shows the record.
    words = text(get(client, s.officer, conference_url(case, conference)))
    assert "Treatment plan agreed." in words and "The person Not recorded No" in words


def test_record_a_missed_conference(client, s, case):
    conference = first_planned(case)
    post(client, s.officer, conference_url(case, conference),
         {"held": "missed", "outcome": "The person did not come."}, status=302)
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.MISSED and not conference.attendees.exists()


def test_bad_input_keeps_what_was_typed(client, s, case):
    conference = first_planned(case)
    before = unchanged_state()
    html = post(client, s.officer, conference_url(case, conference),
                {"held": "held", "held_on_day": "40", "held_on_month": "1",
                 "held_on_year": "2025", "outcome": "Typed outcome"},
                status=200).content.decode()
    assert "The date the meeting was held must be a real date" in html
    assert "Select who attended the meeting" in html
    assert 'value="40"' in html and ">Typed outcome</textarea>" in html
    assert unchanged_state() == before
    html = post(client, s.officer, conference_url(case, conference), {}).content.decode()
    assert "Select whether the meeting was held" in html


def test_a_future_conference_cannot_be_missed_yet(client, s, case):
    conference = case.conferences.filter(planned_on__gt=days(0)).first()
    before = unchanged_state()
    html = post(client, s.officer, conference_url(case, conference), {"held": "missed"},
                status=200).content.decode()
    assert 'href="#id_held"' in html and "can be recorded as missed only from then" in html
    assert unchanged_state() == before


def test_uninvolved_users_cannot_record(client, s, case):
    conference = first_planned(case)
    get(client, s.outsider, conference_url(case, conference), status=404)
    post(client, s.outsider, conference_url(case, conference),
         held_data(s, conference.planned_on), status=404)
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.PLANNED


def test_cancelled_conferences_are_gone(client, s, case):
    conference = first_planned(case)
    CaseConference.objects.filter(pk=conference.pk).update(status=ConferenceStatus.CANCELLED)
    get(client, s.officer, conference_url(case, conference), status=404)


# -- end-of-order notices -------------------------------------------------------------------------


def ended_with_treatment(s):
    """A case whose order ended today while treatment continues: both agencies get notices."""
    case = open_case(s)
    accepted_referral(s, case)
    actions.case_update(case=case, by=s.officer, order_ends_on=days(0),
                        treatment_continues=True)
    return case


def test_both_agencies_see_their_notice(client, s):
    case = ended_with_treatment(s)
    assert EndOfOrderNotice.objects.count() == 2
    for user in (s.officer, s.worker):
        html = get(client, user, NOTICES)
        words = text(html)
        assert f"Case {case.reference} Not acknowledged" in words
        assert "Responsible from now on Northshire Recovery Services" in words
        assert ">Acknowledge<" in html
        assert_good_markup(html)
    assert case.reference not in get(client, s.outsider, NOTICES)


def test_acknowledge_a_notice(client, s):
    case = ended_with_treatment(s)
    notice = EndOfOrderNotice.objects.get(organisation=s.provider)
    response = post(client, s.worker, f"/casework/notices/{notice.pk}/acknowledge/",
                    status=302)
    assert response["Location"] == NOTICES
    notice.refresh_from_db()
    assert notice.acknowledged_by == s.worker
    html = client.get(NOTICES).content.decode()
    assert f"You acknowledged the end-of-order notice on case {case.reference}" in html
    assert "Not acknowledged" not in html and ">Acknowledge<" not in html


def test_unacknowledged_notices_come_first(client, s):
    older = ended_with_treatment(s)
    newer = ended_with_treatment(s)
    newer_notice = EndOfOrderNotice.objects.get(case=newer, organisation=s.provider)
    actions.notice_acknowledge(notice=newer_notice, by=s.worker)
    words = text(get(client, s.worker, NOTICES))
    assert words.index(f"Case {older.reference}") < words.index(f"Case {newer.reference}")


def test_a_notice_of_another_organisation_is_404(client, s):
    ended_with_treatment(s)
    notice = EndOfOrderNotice.objects.get(organisation=s.provider)
    before = unchanged_state()
    post(client, s.officer, f"/casework/notices/{notice.pk}/acknowledge/", status=404)
    post(client, s.outsider, f"/casework/notices/{notice.pk}/acknowledge/", status=404)
    assert unchanged_state() == before


@pytest.mark.parametrize("n", [1, 6])
def test_notices_cost_the_same_for_few_and_many(client, s, n, django_assert_max_num_queries):
    for _ in range(n):
        ended_with_treatment(s)
    client.force_login(s.worker)
    # Session, user, count, page.
    with django_assert_max_num_queries(5):
        response = client.get(NOTICES)
    assert response.status_code == 200 and len(response.context["rows"]) == n
