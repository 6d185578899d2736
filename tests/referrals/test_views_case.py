"""The case page and what is done from it: need-to-know (uninvolved users get the same 404 as
for a case that does not exist), one access-log row per view, the timeline, the lead agency's
changes (order and risk, lead agency, closing), assessments with the repeated-assessment
confirmation, and the access log."""

from __future__ import annotations

import re

import pytest

from referrals import actions
from referrals.choices import ConferenceStatus, Seriousness
from referrals.models import CaseAccess, CaseConference
from tests.html import assert_good_markup, text
from tests.referrals.factories import (
    AssessmentFactory,
    PersonIdentifierFactory,
    accepted_referral,
    days,
    open_case,
    send_referral,
    unchanged_state,
)
from tests.referrals.helpers import date_parts, get, post, without_nonce

pytestmark = pytest.mark.django_db


def url(case, tail=""):
    return f"/casework/cases/{case.reference}/{tail}"


# -- who may see it -------------------------------------------------------------------------------


def test_lead_agency_sees_the_case_and_each_view_is_logged_once(client, s, case):
    PersonIdentifierFactory(person=case.person, value="A9999ZZ")
    html = get(client, s.officer, url(case))
    words = text(html)
    assert f"Case {case.reference}" in words
    assert case.person.reference in words and "JD" in words and "1985" in words
    assert "Prison number A9999ZZ" in words
    assert "Northshire Probation Delivery Unit Your organisation leads this case" in words
    row = CaseAccess.objects.get()
    assert (row.case, row.user, row.organisation, row.channel, row.reason) == (
        case, s.officer, s.probation, "page", "")
    get(client, s.officer, url(case))
    assert CaseAccess.objects.count() == 2
    assert_good_markup(html)


@pytest.mark.parametrize("who", ["outsider", "commissioner"])
def test_uninvolved_users_get_the_404_of_a_missing_case(client, s, case, who):
    user = getattr(s, who)
    missing = get(client, user, "/casework/cases/C-XXXX-XXXX/", status=404)
    html = get(client, user, url(case), status=404)
    assert case.reference not in html and not re.search(r"\bJD\b", html)
    assert without_nonce(html) == without_nonce(missing).replace("C-XXXX-XXXX", case.reference)
    for tail in ("refer/", "order/", "lead-agency/", "close/", "assessments/new/",
                 "access-log/", f"conferences/{case.conferences.first().pk}/"):
        get(client, user, url(case, tail), status=404)
    assert not CaseAccess.objects.exists()


def test_involvement_ends_with_the_referral(client, s, case):
    referral = send_referral(s, case)
    get(client, s.worker, url(case))
    actions.referral_decline(referral=referral, reason="No capacity this month.", by=s.worker)
    get(client, s.worker, url(case), status=404)
    get(client, s.worker, f"/casework/referrals/{referral.reference}/", status=404)
    assert CaseAccess.objects.filter(user=s.worker).count() == 1


def test_admin_with_a_reason_sees_the_case_without_identifiers(client, s, case):
    PersonIdentifierFactory(person=case.person, value="A9999ZZ")
    client.force_login(s.admin)
    client.post("/casework/cases/find/", {"reference": case.reference,
                                          "reason": "Support request 77 about this case"})
    html = get(client, s.admin, url(case))
    assert "A9999ZZ" not in html
    assert "Support request 77 about this case" in html
    assert ">Refer</a>" not in html and "Record conference" not in html
    get(client, s.admin, url(case))
    assert list(CaseAccess.objects.values_list("reason", flat=True)) == [
        "Support request 77 about this case"] * 2
    # The reason covers this case only.
    other = open_case(s)
    assert client.get(url(other)).status_code == 302
    # Reading is all an admin does: the forms that change a case say no.
    for tail in ("refer/", "order/", "assessments/new/"):
        assert client.get(url(case, tail)).status_code == 403


# -- what the page shows --------------------------------------------------------------------------


def test_the_timeline_shows_referrals_assessments_conferences_and_notices_in_date_order(
        client, s):
    case = open_case(s, order_starts_on=days(-300), order_ends_on=days(30))
    AssessmentFactory(case=case, organisation=s.probation, assessed_on=days(-200),
                      summary="Alcohol and opiates.")
    referral = accepted_referral(s, case)
    first = case.conferences.order_by("planned_on").first()
    actions.conference_record(conference=first, by=s.officer, held=True,
                              held_on=first.planned_on, outcome="Plan agreed.",
                              attendees=[{"role": "offender_manager",
                                          "organisation": s.probation, "attended": True},
                                         {"role": "person", "attended": False}])
    html = get(client, s.officer, url(case))
    words = text(html)
    timeline = words[words.index("Timeline"):]
    assert (timeline.index("Three-way meeting: start of order Held")
            < timeline.index("Assessment by Northshire Probation")
            < timeline.index("Referral to Structured drug treatment Accepted"))
    assert "Offender manager (Northshire Probation Delivery Unit): attended" in timeline
    assert "The person: did not attend" in timeline and "Plan agreed." in timeline
    assert f'href="/casework/referrals/{referral.reference}/"' in html
    assert "Three-way meeting: end of order Planned" in timeline
    planned = case.conferences.filter(status=ConferenceStatus.PLANNED).first()
    assert f'href="{url(case, f"conferences/{planned.pk}/")}"' in html
    assert_good_markup(html)


def test_lead_agency_actions_show_for_the_lead_only(client, s, case):
    send_referral(s, case)
    lead = get(client, s.officer, url(case))
    worker = get(client, s.worker, url(case))
    for link in ("order/", "lead-agency/", "close/", "access-log/"):
        assert f'href="{url(case, link)}"' in lead
        assert f'href="{url(case, link)}"' not in worker
    for page in (lead, worker):
        assert f'href="{url(case, "refer/")}"' in page and ">Refer</a>" in page
        assert "Record conference" in page


@pytest.mark.parametrize("n", [1, 8])
def test_case_page_costs_the_same_for_few_and_many_events(client, s, n,
                                                          django_assert_max_num_queries):
    case = open_case(s, seriousness=Seriousness.HIGH)
    for i in range(n):
        AssessmentFactory(case=case, organisation=s.probation, assessed_on=days(-30 - i))
    send_referral(s, case, confirmed_repeat=True)
    for conference in case.conferences.filter(planned_on__lte=days(0))[:n]:
        actions.conference_record(conference=conference, by=s.officer, held=True,
                                  held_on=conference.planned_on,
                                  attendees=[{"role": "offender_manager",
                                              "organisation": s.probation}])
    client.force_login(s.officer)
    # Session, user, case, view_case (here and again in case_read), the log row, leads,
    # identifiers, referrals, assessments, conferences + attendees, notices, change_case,
    # view_access_log, and the case's history (moves, cancellations, seriousness).
    with django_assert_max_num_queries(17):
        response = client.get(url(case))
    assert response.status_code == 200


# -- the lead agency's changes --------------------------------------------------------------------


def test_lead_changes_the_risk_and_future_meetings_are_replanned(client, s, case):
    before_joint = case.conferences.filter(kind="joint", status="planned").count()
    html = get(client, s.officer, url(case, "order/"))
    assert 'value="low" checked' in html
    data = {**date_parts("order_starts_on", case.order_starts_on),
            **date_parts("order_ends_on", case.order_ends_on),
            "seriousness": "high", "compliance": "complying",
            **date_parts("effective_on", days(0))}
    response = post(client, s.officer, url(case, "order/"), data, status=302)
    assert response["Location"] == url(case)
    case.refresh_from_db()
    assert case.seriousness == Seriousness.HIGH
    assert case.conferences.filter(kind="joint", status="planned").count() > before_joint
    assert "was updated" in client.get(url(case)).content.decode()


def test_case_update_refusal_keeps_the_input(client, s, case):
    before = unchanged_state()
    data = {**date_parts("order_starts_on", case.order_starts_on),
            **date_parts("order_ends_on", case.order_ends_on),
            "seriousness": "medium", "compliance": "complying",
            **date_parts("effective_on", days(0)),
            **date_parts("significant_change_on", days(5))}
    html = post(client, s.officer, url(case, "order/"), data, status=200).content.decode()
    assert "There is a problem" in html and "cannot be in the future" in html
    assert 'value="medium" checked' in html
    assert unchanged_state() == before
    assert_good_markup(html)


def test_only_the_lead_changes_the_case(client, s, case):
    send_referral(s, case)
    before = unchanged_state()
    for tail in ("order/", "lead-agency/", "close/"):
        html = get(client, s.worker, url(case, tail), status=403)
        assert "Only caseworkers of the case's lead agency" in text(html)
        post(client, s.worker, url(case, tail), {"seriousness": "high"}, status=403)
    get(client, s.worker, url(case, "access-log/"), status=403)
    assert unchanged_state() == before


def test_lead_hands_over_the_lead(client, s, case):
    send_referral(s, case)
    html = get(client, s.officer, url(case, "lead-agency/"))
    assert s.provider.name in html and f'<option value="{s.probation.pk}"' not in html
    response = post(client, s.officer, url(case, "lead-agency/"),
                    {"organisation": s.provider.pk, **date_parts("starts_on", days(0))},
                    status=302)
    assert response["Location"] == url(case)
    lead = case.lead_agencies.current().get()
    assert (lead.organisation, lead.set_by) == (s.provider, s.officer)
    words = text(get(client, s.worker, url(case)))
    assert "Northshire Recovery Services Your organisation leads this case" in words


def test_a_handover_dated_in_the_future_is_refused_next_to_the_date(client, s, case):
    before = unchanged_state()
    html = post(client, s.officer, url(case, "lead-agency/"),
                {"organisation": s.provider.pk, **date_parts("starts_on", days(3))},
                status=200).content.decode()
    assert 'href="#id_starts_on">The handover date cannot be in the future' in html
    assert f'<option value="{s.provider.pk}" selected>' in html
    assert unchanged_state() == before


def test_lead_closes_the_case(client, s, case):
    referral = send_referral(s, case)
    html = get(client, s.officer, url(case, "close/"))
    assert "withdraws its open referrals" in html
    response = post(client, s.officer, url(case, "close/"), status=302)
    assert response["Location"] == url(case)
    case.refresh_from_db()
    referral.refresh_from_db()
    assert case.status == "closed" and referral.status == "withdrawn"
    html = client.get(url(case)).content.decode()
    assert "was closed" in html and ">Refer</a>" not in html
    get(client, s.officer, url(case, "refer/"), status=403)


# -- assessments ----------------------------------------------------------------------------------


def test_assessment_without_recent_ones_needs_no_confirmation(client, s, case):
    html = get(client, s.officer, url(case, "assessments/new/"))
    assert "Recent assessments" not in html and "confirmed_repeat" not in html
    response = post(client, s.officer, url(case, "assessments/new/"),
                    {**date_parts("assessed_on", days(0)), "summary": "Initial."}, status=302)
    assert response["Location"] == url(case)
    assert case.assessments.get().organisation == s.probation


def test_a_repeated_assessment_needs_the_confirmation(client, s, case):
    AssessmentFactory(case=case, organisation=s.provider, assessed_on=days(-2))
    html = get(client, s.officer, url(case, "assessments/new/"))
    assert "Recent assessments" in text(html) and s.provider.name in html
    assert "I have seen these assessments and another is still needed" in html
    before = unchanged_state()
    data = {**date_parts("assessed_on", days(0)), "summary": "Second look."}
    html = post(client, s.officer, url(case, "assessments/new/"), data,
                status=200).content.decode()
    assert "Confirm that you have seen the recent assessments" in html
    assert ">Second look.</textarea>" in html
    assert unchanged_state() == before
    post(client, s.officer, url(case, "assessments/new/"),
         {**data, "confirmed_repeat": "true"}, status=302)
    assert case.assessments.count() == 2


# -- the access log -------------------------------------------------------------------------------


def test_the_lead_reads_the_access_log(client, s, case):
    send_referral(s, case)
    get(client, s.worker, url(case))
    client.force_login(s.admin)
    client.post("/casework/cases/find/", {"reference": case.reference,
                                          "reason": "Checking a reported error"})
    get(client, s.admin, url(case))
    html = get(client, s.officer, url(case, "access-log/"))
    words = text(html)
    assert "Who has looked at this case" in words
    assert "Checking a reported error" in words and "Northshire Recovery Services" in words
    assert "2 views" in words  # reading the log is not a view of the case
    assert_good_markup(html)


def test_the_access_log_is_paginated(client, s, case, django_assert_max_num_queries):
    for _ in range(30):
        actions.case_read(case=case, by=s.officer, channel="api")
    client.force_login(s.officer)
    with django_assert_max_num_queries(8):
        html = client.get(url(case, "access-log/")).content.decode()
    assert "Showing 1 to 25" in html and "page=2" in html


def test_conference_ids_of_another_case_are_404(client, s, case):
    other = open_case(s)
    conference = CaseConference.objects.filter(case=other).first()
    get(client, s.officer, url(case, f"conferences/{conference.pk}/"), status=404)
