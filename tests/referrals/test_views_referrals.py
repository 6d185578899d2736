"""Referring a case (services grouped by organisation, the protocol refusal in the error summary,
the repeated-assessment confirmation), the inbox (waiting first, overdue tagged, Accept and
Decline), the sent list, one referral's page, and the answers to it."""

from __future__ import annotations

import re

import pytest

from referrals.choices import LawfulBasis, ReferralStatus
from referrals.models import Referral
from tests.accounts.factories import ProviderStaffFactory
from tests.html import assert_good_markup, text
from tests.referrals.factories import (
    AssessmentFactory,
    InformationSharingAgreementFactory,
    ReferralFactory,
    accepted_referral,
    days,
    open_case,
    pathway_to,
    send_referral,
    unchanged_state,
)
from tests.referrals.helpers import get, post, without_nonce
from tests.services.factories import ServiceFactory

pytestmark = pytest.mark.django_db

INBOX, SENT = "/casework/referrals/", "/casework/referrals/sent/"


def refer_url(case):
    return f"/casework/cases/{case.reference}/refer/"


def referral_url(referral, tail=""):
    return f"/casework/referrals/{referral.reference}/{tail}"


def refer_data(s, **changes):
    data = {"to_service": s.treatment.pk, "pathway": s.pathway.pk,
            "from_service": s.probation_service.pk, "reason": "Needs structured treatment.",
            "lawful_basis": LawfulBasis.PUBLIC_TASK, "consent_recorded": "true"}
    data.update(changes)
    return data


# -- the refer form -------------------------------------------------------------------------------


def test_the_refer_form_groups_services_by_organisation(client, s, case):
    html = get(client, s.officer, refer_url(case))
    assert f'<optgroup label="{s.provider.name}">' in html
    assert f'<option value="{s.treatment.pk}">Structured drug treatment</option>' in html
    assert "Probation to drug treatment" in html  # the pathway
    assert ">Refer</button>" in html and "Recent assessments" not in html
    assert_good_markup(html)


def _options(html, group):
    """The option labels of the to_service select's ``group`` (a provider's optgroup)."""
    start = html.index(f'<optgroup label="{group}">')
    return re.findall(r"<option [^>]*>([^<]*)</option>", html[start:html.index("</optgroup>",
                                                                                  start)])


def test_the_service_list_offers_other_agencies_services_with_a_pathway_in_force(client, s,
                                                                                case):
    pathway_to(s, s.probation_service)  # probation's own: never offered to probation
    ServiceFactory(provider=s.provider, name="Recovery café")  # no pathway leads to it
    lapsed = ServiceFactory(provider=s.provider, name="Needle exchange")
    pathway_to(s, lapsed, agreement=InformationSharingAgreementFactory(
        partnership=s.partnership, expires_on=days(-1)))
    housing = ServiceFactory(provider=s.outsider_org, name="Supported housing")
    pathway_to(s, housing)
    html = get(client, s.officer, refer_url(case))
    select = html[html.index('id="id_to_service"'):html.index("</select>")]
    assert _options(select, s.provider.name) == ["Structured drug treatment"]
    assert _options(select, s.outsider_org.name) == ["Supported housing"]
    assert s.probation.name not in select
    for absent in ("Community supervision", "Recovery café", "Needle exchange"):
        assert absent not in select
    # One group per provider, in the providers' alphabetical order.
    assert select.index(s.outsider_org.name) < select.index(s.provider.name)
    assert_good_markup(html)


@pytest.mark.parametrize("excluded", ["own", "no_pathway"])
def test_a_crafted_post_of_an_excluded_service_is_a_field_error(client, s, case, excluded):
    if excluded == "own":
        service = s.probation_service
        pathway_to(s, service)
    else:
        service = ServiceFactory(provider=s.provider, name="Recovery café")
    before = unchanged_state()
    response = post(client, s.officer, refer_url(case),
                    refer_data(s, to_service=service.pk, pathway=""), status=200)
    html = response.content.decode()
    assert response.context["form"].errors["to_service"] == ["Select a service from the list"]
    assert 'href="#id_to_service"' in html
    assert unchanged_state() == before


def test_no_service_to_refer_to_says_why(client, s, case):
    s.pathway.delete()
    html = get(client, s.officer, refer_url(case))
    assert 'id="no-services"' in html
    assert "Structured drug treatment" not in html


def test_caseworker_refers_and_the_provider_sees_it(client, s, case):
    response = post(client, s.officer, refer_url(case), refer_data(s), status=302)
    referral = Referral.objects.get()
    assert response["Location"] == f"/casework/cases/{case.reference}/"
    assert (referral.from_organisation, referral.to_service, referral.pathway,
            referral.protocol) == (s.probation, s.treatment, s.pathway, s.protocol)
    html = client.get(response["Location"]).content.decode()
    assert f"Referral {referral.reference} was sent to Structured drug treatment" in html
    assert referral.reference in get(client, s.worker, INBOX)


def test_a_referral_without_a_protocol_is_refused_in_the_error_summary(client, s, case):
    housing = ServiceFactory(name="Supported housing", provider=s.outsider_org,
                             partnership=s.partnership)
    pathway_to(s, housing)
    before = unchanged_state()
    response = post(client, s.officer, refer_url(case),
                    refer_data(s, to_service=housing.pk, pathway="",
                               reason="Homeless on release."), status=200)
    html = response.content.decode()
    start = html.index("govuk-error-summary")
    summary = html[start:html.index("</ul>", start)]
    assert "no information-sharing protocol in force between" in text(summary)
    assert 'href="#id_to_service"' in summary
    assert f'<option value="{housing.pk}" selected>' in html
    assert ">Homeless on release.</textarea>" in html
    assert 'value="6_1_e" checked' in html
    assert unchanged_state() == before
    assert_good_markup(html)


def test_recent_assessments_must_be_acknowledged_before_referring(client, s, case):
    AssessmentFactory(case=case, organisation=s.provider, service=s.treatment,
                      assessed_on=days(-3))
    html = get(client, s.officer, refer_url(case))
    words = text(html)
    assert "Recent assessments" in words
    assert f"{days(-3).day} {days(-3):%B %Y} {s.provider.name} Structured drug treatment" in words
    assert "I have seen these assessments and another is still needed" in words
    before = unchanged_state()
    html = post(client, s.officer, refer_url(case), refer_data(s), status=200).content.decode()
    assert "Confirm that you have seen the recent assessments" in html
    assert ">Needs structured treatment.</textarea>" in html
    assert unchanged_state() == before
    post(client, s.officer, refer_url(case), refer_data(s, confirmed_repeat="true"),
         status=302)
    assert Referral.objects.count() == 1


def test_required_fields_and_consent(client, s, case):
    html = post(client, s.officer, refer_url(case),
                {"lawful_basis": LawfulBasis.CONSENT}, status=200).content.decode()
    assert "Select the service you are referring to" in html
    assert "Enter why you are referring" in html
    assert "Record the person&#x27;s consent" in html
    assert not Referral.objects.exists()


def test_uninvolved_users_cannot_refer(client, s, case):
    get(client, s.outsider, refer_url(case), status=404)
    post(client, s.outsider, refer_url(case), refer_data(s), status=404)
    assert not Referral.objects.exists()


# -- the inbox ------------------------------------------------------------------------------------


def test_inbox_lists_waiting_first_and_tags_overdue(client, s):
    first, second, third = open_case(s), open_case(s), open_case(s)
    accepted = accepted_referral(s, first)
    late = send_referral(s, second)
    Referral.objects.filter(pk=late.pk).update(response_due_on=days(-1))
    waiting = send_referral(s, third)
    html = get(client, s.worker, INBOX)
    words = text(html)
    assert (words.index(late.reference) < words.index(waiting.reference)
            < words.index(accepted.reference))
    row = words[words.index(late.reference):words.index(waiting.reference)]
    assert "Overdue" in row
    assert html.count(">Accept referral<") == 2 and html.count(">Decline referral<") == 2
    assert_good_markup(html)


def test_accept_from_the_inbox(client, s, case):
    referral = send_referral(s, case)
    response = post(client, s.worker, referral_url(referral, "accept/"), {"from": "inbox"},
                    status=302)
    assert response["Location"] == INBOX
    referral.refresh_from_db()
    assert (referral.status, referral.responded_by) == (ReferralStatus.ACCEPTED, s.worker)
    assert f"You accepted referral {referral.reference}" in client.get(INBOX).content.decode()


def test_decline_needs_a_reason(client, s, case):
    referral = send_referral(s, case)
    html = get(client, s.worker, referral_url(referral, "decline/"))
    assert ">Decline referral</button>" in html
    before = unchanged_state()
    html = post(client, s.worker, referral_url(referral, "decline/"), {"reason": " "},
                status=200).content.decode()
    assert "Enter why you are declining the referral" in html
    assert unchanged_state() == before
    response = post(client, s.worker, referral_url(referral, "decline/"),
                    {"reason": "No capacity until spring."}, status=302)
    assert response["Location"] == INBOX
    referral.refresh_from_db()
    assert (referral.status, referral.decline_reason) == (ReferralStatus.DECLINED,
                                                          "No capacity until spring.")
    # The referrer, still the lead agency, reads the reason.
    assert "No capacity until spring." in get(client, s.officer, referral_url(referral))


def test_only_the_addressee_answers_a_referral(client, s, case):
    referral = send_referral(s, case)
    before = unchanged_state()
    html = get(client, s.officer, referral_url(referral))
    assert "Accept referral" not in html and "Withdraw referral" in html
    post(client, s.officer, referral_url(referral, "accept/"), status=403)
    get(client, s.officer, referral_url(referral, "decline/"), status=403)
    post(client, s.officer, referral_url(referral, "decline/"), {"reason": "Mine"}, status=403)
    colleague = ProviderStaffFactory(organisation=s.outsider_org)
    post(client, colleague, referral_url(referral, "accept/"), status=404)
    assert unchanged_state() == before


def test_accepting_twice_shows_the_actions_message(client, s, case):
    referral = accepted_referral(s, case)
    before = unchanged_state()
    html = post(client, s.worker, referral_url(referral, "accept/"), status=200
                ).content.decode()
    assert "There is a problem" in html and "is accepted, so it cannot be accepted" in html
    assert unchanged_state() == before


def test_sent_tab_lists_what_my_organisation_sent(client, s, case):
    referral = send_referral(s, case)
    html = get(client, s.officer, SENT)
    assert referral.reference in html and "Accept referral" not in html
    assert referral.reference not in get(client, s.officer, INBOX)
    assert referral.reference not in get(client, s.outsider, SENT)


@pytest.mark.parametrize("n", [2, 12])
def test_inbox_costs_the_same_for_few_and_many(client, s, n, django_assert_max_num_queries):
    for _ in range(n):
        send_referral(s, open_case(s))
    client.force_login(s.worker)
    # Session, user, count, page (with case, organisations and services joined).
    with django_assert_max_num_queries(5):
        response = client.get(INBOX)
    assert response.status_code == 200 and len(response.context["rows"]) == n


def test_non_caseworkers_get_an_explanation(client, s):
    html = get(client, s.commissioner, INBOX)
    assert "Referrals are sent and answered by caseworkers" in html


# -- one referral ---------------------------------------------------------------------------------


def test_the_referral_page_shows_its_facts(client, s, case):
    referral = send_referral(s, case)
    html = get(client, s.worker, referral_url(referral))
    words = text(html)
    assert f"Referral {referral.reference} Sent" in words
    assert "Opiate use; needs structured treatment." in words
    assert "Art 6(1)(e) public task" in words and s.agreement.title in words
    assert ">Accept referral</button>" in html and ">Decline referral</a>" in html
    assert_good_markup(html)


def test_referral_of_another_case_is_404_for_the_uninvolved(client, s, case):
    referral = send_referral(s, case)
    missing = get(client, s.outsider, "/casework/referrals/R-XXXX-XXXX/", status=404)
    html = get(client, s.outsider, referral_url(referral), status=404)
    assert without_nonce(html) == without_nonce(missing).replace("R-XXXX-XXXX",
                                                                 referral.reference)
    get(client, s.admin, referral_url(referral), status=404)  # no reason given for its case


def test_referrer_withdraws_with_a_reason(client, s, case):
    referral = send_referral(s, case)
    html = post(client, s.officer, referral_url(referral, "withdraw/"), {"reason": ""},
                status=200).content.decode()
    assert "Enter why you are withdrawing the referral" in html
    post(client, s.worker, referral_url(referral, "withdraw/"), {"reason": "Not ours"},
         status=403)
    response = post(client, s.officer, referral_url(referral, "withdraw/"),
                    {"reason": "Moved out of the area."}, status=302)
    assert response["Location"] == SENT
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.WITHDRAWN


def test_receiver_completes_an_accepted_referral(client, s, case):
    referral = accepted_referral(s, case)
    html = get(client, s.worker, referral_url(referral))
    assert "Mark as completed" in html
    post(client, s.worker, referral_url(referral, "complete/"), status=302)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.COMPLETED


def test_a_row_written_directly_is_listed_too(client, s, case):
    # Referrals within one organisation need no protocol: probation refers to its own service.
    referral = ReferralFactory(case=case, from_organisation=s.probation,
                               to_service=s.probation_service)
    html = get(client, s.officer, INBOX)
    assert referral.reference in html
    assert "None needed: within one organisation" in get(client, s.officer,
                                                         referral_url(referral))
