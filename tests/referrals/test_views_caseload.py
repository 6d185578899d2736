"""The casework home: a caseworker's caseload (filters, pagination, empty state), opening a case,
commissioners' counts (never a reference) and a platform admin's "open a case with a reason"
form (no list)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import AuditEvent
from referrals.choices import OrderType, Seriousness
from referrals.models import Case, CaseAccess
from tests.accounts.factories import CommissionerFactory, ProviderStaffFactory
from tests.html import assert_good_markup, text
from tests.partnerships.factories import FundingFactory, OrganisationFactory
from tests.referrals.factories import (
    days,
    open_case,
    pathway_to,
    send_referral,
    unchanged_state,
)
from tests.referrals.helpers import open_form

pytestmark = pytest.mark.django_db

CASELOAD = "/casework/"


def get(client, user, address, status=200):
    client.force_login(user)
    response = client.get(address)
    assert response.status_code == status
    return response


def html_of(client, user, address, status=200):
    return get(client, user, address, status).content.decode()


# -- the caseload ---------------------------------------------------------------------------------


def test_the_caseload_address_and_navigation():
    assert reverse("referrals:caseload") == CASELOAD


def test_caseworker_sees_cases_with_their_facts(client, s):
    case = open_case(s, seriousness=Seriousness.HIGH)
    send_referral(s, case)
    html = html_of(client, s.officer, CASELOAD)
    words = text(html)
    assert f'href="/casework/cases/{case.reference}/"' in html
    assert "Community order" in words
    assert "Northshire Probation Delivery Unit Your organisation" in words
    assert '<strong class="govuk-tag govuk-tag--red">High</strong>' in html
    next_conference = case.conferences.filter(status="planned", planned_on__gte=days(0)
                                              ).order_by("planned_on").first()
    assert f"{next_conference.planned_on.day} {next_conference.planned_on:%B %Y}" in words
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">1</td>' in html
    assert ">Open a case</a>" in html
    assert 'aria-current="true"' in html and ">Casework</strong>" in html  # nav section
    assert_good_markup(html)


def test_receiving_organisation_sees_the_case_not_marked_as_its_own(client, s):
    case = open_case(s)
    assert case.reference not in html_of(client, s.worker, CASELOAD)
    send_referral(s, case)
    words = text(html_of(client, s.worker, CASELOAD))
    assert case.reference in words
    assert "Your organisation" not in words


def test_uninvolved_caseworker_sees_an_empty_state(client, s):
    case = open_case(s)
    html = html_of(client, s.outsider, CASELOAD)
    assert case.reference not in html
    assert "is not involved in any open cases" in html


def test_filters_lead_and_seriousness(client, s):
    mine = open_case(s, seriousness=Seriousness.MEDIUM)
    theirs = open_case(s, lead_organisation=s.provider, by=s.worker)
    # The provider refers its case to probation, which is now involved through the referral.
    pathway_to(s, s.probation_service)
    send_referral(s, theirs, by=s.worker, to_service=s.probation_service, from_service=None,
                  pathway=None)
    html = html_of(client, s.officer, CASELOAD)
    assert mine.reference in html and theirs.reference in html
    html = html_of(client, s.officer, CASELOAD + "?lead=mine")
    assert mine.reference in html and theirs.reference not in html
    assert 'value="mine" checked' in html and "Clear filters" in html
    html = html_of(client, s.officer, CASELOAD + "?seriousness=low")
    assert mine.reference not in html and theirs.reference in html
    html = html_of(client, s.officer, CASELOAD + "?seriousness=high")
    assert "No open cases match these filters" in html
    # A hand-edited address lists everything rather than failing.
    html = html_of(client, s.officer, CASELOAD + "?seriousness=extreme&lead=nobody")
    assert mine.reference in html and theirs.reference in html


def test_closed_cases_leave_the_caseload(client, s):
    from referrals import actions

    case = open_case(s)
    actions.case_close(case=case, by=s.officer)
    assert case.reference not in html_of(client, s.officer, CASELOAD)


def test_pagination_keeps_the_filters(client, s):
    for _ in range(27):
        open_case(s)
    html = html_of(client, s.officer, CASELOAD + "?lead=mine")
    assert "27 open cases" in html and "Showing 1 to 25" in html
    assert 'href="?lead=mine&amp;page=2"' in html
    html = html_of(client, s.officer, CASELOAD + "?lead=mine&page=9")
    assert "the last page is shown" in html and "Showing 26 to 27" in html


@pytest.mark.parametrize("n", [2, 12])
def test_caseload_costs_the_same_for_few_and_many_cases(client, s, n,
                                                        django_assert_max_num_queries):
    for i in range(n):
        case = open_case(s)
        if i % 2:
            send_referral(s, case)
    client.force_login(s.officer)
    # Session, user, count, page (subqueries for lead, next conference, open referrals),
    # whether the user may open a case.
    with django_assert_max_num_queries(6):
        response = client.get(CASELOAD)
    assert response.status_code == 200
    assert len(response.context["cases"]) == n


# -- commissioners: counts only -------------------------------------------------------------------


def test_commissioner_sees_counts_of_funded_partnerships_only(client, s):
    FundingFactory(partnership=s.partnership, funder=s.commissioner.organisation)
    cases = [open_case(s), open_case(s, seriousness=Seriousness.HIGH),
             open_case(s, order_type=OrderType.DRR)]
    html = html_of(client, s.commissioner, CASELOAD)
    words = text(html)
    assert "Northshire Reducing Reoffending Partnership" in words
    assert "Community order 1 0 1 2" in words
    assert "Drug rehabilitation requirement 1 0 0 1" in words
    assert "All open cases 2 0 1 3" in words
    for case in cases:
        assert case.reference not in html and case.person.reference not in html
    assert "/casework/cases/" not in html
    assert_good_markup(html)


def test_commissioner_funding_nothing_sees_nothing(client, s):
    open_case(s)
    html = html_of(client, CommissionerFactory(), CASELOAD)
    assert "does not fund any partnership" in html


def test_commissioner_cannot_open_a_case_page(client, s):
    FundingFactory(partnership=s.partnership, funder=s.commissioner.organisation)
    case = open_case(s)
    get(client, s.commissioner, f"/casework/cases/{case.reference}/", status=404)
    assert not CaseAccess.objects.exists()


# -- platform admins: one case, with a reason -----------------------------------------------------


def test_admin_sees_the_reason_form_and_no_list(client, s):
    case = open_case(s)
    html = html_of(client, s.admin, CASELOAD)
    assert "Open a case with a reason" in html and case.reference not in html
    assert_good_markup(html)


def test_admin_opens_a_case_with_a_reason_that_is_logged(client, s):
    case = open_case(s)
    client.force_login(s.admin)
    response = client.post("/casework/cases/find/",
                           {"reference": case.reference.lower(),
                            "reason": "Support request 1234 from the lead agency"})
    assert response.status_code == 302
    assert response["Location"] == f"/casework/cases/{case.reference}/"
    assert "Support request" not in response["Location"]
    html = client.get(response["Location"]).content.decode()
    assert "Support request 1234 from the lead agency" in html
    row = CaseAccess.objects.get()
    assert (row.user, row.reason, row.channel) == (s.admin, "Support request 1234 from the "
                                                            "lead agency", "page")


def test_admin_reason_is_required_and_checked(client, s):
    case = open_case(s)
    client.force_login(s.admin)
    response = client.post("/casework/cases/find/", {"reference": case.reference,
                                                     "reason": "because"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and "at least 10 characters" in html
    assert f'value="{case.reference}"' in html and ">because</textarea>" in html
    response = client.post("/casework/cases/find/", {"reference": "C-XXXX-XXXX",
                                                     "reason": "Support request 1234"})
    assert "No case has the reference C-XXXX-XXXX" in response.content.decode()
    assert not CaseAccess.objects.exists()


def test_admin_without_a_reason_is_sent_to_the_form(client, s):
    case = open_case(s)
    response = get(client, s.admin, f"/casework/cases/{case.reference}/", status=302)
    assert response["Location"] == f"/casework/?reference={case.reference}#open-case"
    html = client.get(response["Location"]).content.decode()
    assert f'value="{case.reference}"' in html
    # The same for a reference that does not exist: the answer says nothing about existence.
    response = get(client, s.admin, "/casework/cases/C-XXXX-XXXX/", status=302)
    assert not CaseAccess.objects.exists()


def test_only_admins_use_the_reason_form(client, s):
    case = open_case(s)
    client.force_login(s.outsider)
    response = client.post("/casework/cases/find/", {"reference": case.reference,
                                                     "reason": "Support request 1234"})
    assert response.status_code == 403
    get(client, s.outsider, f"/casework/cases/{case.reference}/", status=404)


# -- opening a case -------------------------------------------------------------------------------




def test_the_open_form_defaults_to_the_users_organisation(client, s):
    html = html_of(client, s.officer, "/casework/cases/open/")
    assert f'<option value="{s.probation.pk}" selected>' in html
    assert f'<option value="{s.partnership.pk}" selected>' in html  # the only partnership
    assert s.outsider_org.name in html  # any current member may lead
    assert 'name="order_starts_on_day"' in html and ">Open a case</button>" in html
    assert_good_markup(html)


def test_caseworker_opens_a_case_and_lands_on_it(client, s):
    client.force_login(s.officer)
    response = client.post("/casework/cases/open/", open_form(s))
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/casework/cases/{case.reference}/"
    assert (case.person.initials, case.person.year_of_birth) == ("JD", 1985)
    assert case.person.identifiers.get().value == "A1234BC"
    assert case.lead_agencies.get().organisation == s.probation
    assert case.conferences.count() >= 3
    html = client.get(response["Location"]).content.decode()
    assert f"Case {case.reference} was opened" in html


def test_bad_input_is_shown_again_with_what_was_typed(client, s):
    before = unchanged_state()
    client.force_login(s.officer)
    response = client.post("/casework/cases/open/", open_form(
        s, order_ends_on_day="31", order_ends_on_month="2", initials="J1",
        prison_number="12345", order_type=""))
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert 'href="#id_order_ends_on">The date the order ends must be a real date' in html
    assert "Enter initials only, for example JS" in html
    assert "Enter a prison number in the right format" in html
    assert "Select the order type" in html
    assert 'name="order_ends_on_day" type="text" inputmode="numeric" value="31"' in html
    assert 'value="J1"' in html and 'value="12345"' in html
    assert "<title>Error: Open a case" in html
    assert unchanged_state() == before
    assert_good_markup(html)


def test_an_order_ending_before_it_starts_is_refused(client, s):
    before = unchanged_state()
    end = days(-11)
    client.force_login(s.officer)
    html = client.post("/casework/cases/open/", open_form(
        s, order_ends_on_day=end.day, order_ends_on_month=end.month,
        order_ends_on_year=end.year)).content.decode()
    assert "must be the same as or after the date it starts" in html
    assert unchanged_state() == before


def test_lead_agency_must_be_a_member_of_the_partnership(client, s):
    other = OrganisationFactory(name="Faraway Trust")
    before = unchanged_state()
    client.force_login(s.officer)
    html = client.post("/casework/cases/open/",
                       open_form(s, lead_organisation=other.pk)).content.decode()
    assert "Choose the lead agency from the list" in html
    assert unchanged_state() == before


def test_users_who_cannot_open_cases_get_a_403(client, s):
    loner = ProviderStaffFactory()  # its organisation is in no partnership
    html = html_of(client, loner, "/casework/cases/open/", status=403)
    assert "You cannot open a case" in html
    assert "Open a case</a>" not in html_of(client, loner, CASELOAD)
    html_of(client, s.commissioner, "/casework/cases/open/", status=403)
    html_of(client, s.admin, "/casework/cases/open/", status=403)
    assert AuditEvent.objects.count() == 0


def test_pages_need_sign_in(client, s):
    response = client.get(CASELOAD)
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
