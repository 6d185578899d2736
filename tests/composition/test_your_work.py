"""The "Your work" page and the home page's choice between it and the registry search.

Each role's work is built through the apps' actions (or factories where no action writes it),
then read as the user sees it: the section's count, its rows and the link to the page where the
work is done; nothing from another organisation is counted; the empty state; the home page's
landing rules; the query count, bounded and the same for many rows as for one.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from composition.selectors.your_work import needs_action, your_work
from monitoring.choices import Frequency
from notifications.events import notify
from partnerships.choices import AgreementStatus
from referrals.choices import ConferenceStatus
from tests.accounts.factories import (
    CommissionerFactory,
    PartnershipManagerFactory,
    ProviderStaffFactory,
)
from tests.monitoring.factories import (
    ReportingPeriodFactory,
    ReturnRequirementFactory,
    add_provider,
    monitoring_setup,
)
from tests.monitoring.workflow import sent_back as send_back
from tests.monitoring.workflow import submitted
from tests.partnerships.factories import (
    AgreementFactory,
    DraftAgreementFactory,
    MembershipFactory,
    PartnershipFactory,
    SignatoryFactory,
)
from tests.referrals.factories import (
    CaseConferenceFactory,
    casework_setup,
    days,
    open_case,
    send_referral,
)

pytestmark = pytest.mark.django_db

YOUR_WORK = reverse("your-work")

#: Session and user (2), the header's organisation and unread count (2), then at most two
#: queries a section (three for the returns owed): bounded whatever the number of rows.
MAX_QUERIES = 12


def sections(user: Any) -> dict[str, Any]:
    return {s.key: s for s in your_work(user).sections}


def page(client: Any, user: Any) -> Any:
    client.force_login(user)
    response = client.get(YOUR_WORK)
    assert response.status_code == 200
    return response


def shown(response: Any) -> dict[str, Any]:
    """The sections the page shows, by key."""
    return {s.key: s for s in response.context["work"].sections}


# -- returns --------------------------------------------------------------------------------------


def test_provider_sees_the_returns_it_owes_and_what_was_sent_back(client):
    s = monitoring_setup()
    section = sections(s.staff)["returns-to-submit"]
    assert section.count == 1
    assert section.url == reverse("monitoring:my-returns")
    [item] = section.items
    assert str(s.period) in item.text and s.partnership.name in item.text
    assert item.tag == "Overdue"  # due in July 2025, never started
    # Submitted: nothing to do until the lead partner answers.
    ret = submitted(s)
    assert "returns-to-submit" not in sections(s.staff)
    # Sent back: to correct, linked to its form.
    send_back(s, ret)
    response = page(client, s.staff)
    section = shown(response)["returns-to-submit"]
    assert section.count == 1
    assert section.items[0].tag == "Returned for correction"
    assert section.items[0].url == reverse("monitoring:return-edit", args=[ret.pk])
    html = response.content.decode()
    assert 'href="/monitoring/returns/"' in html
    assert f'href="{reverse("monitoring:return-edit", args=[ret.pk])}"' in html


def test_returns_of_other_organisations_are_not_counted():
    s = monitoring_setup()
    other_org, other_staff = add_provider(s, "Another provider")
    submitted(s)  # the first provider's return is done
    assert "returns-to-submit" not in sections(s.staff)
    assert sections(other_staff)["returns-to-submit"].count == 1
    # An organisation owing nothing has nothing to submit.
    assert "returns-to-submit" not in sections(ProviderStaffFactory())


def test_lead_partner_manager_sees_returns_to_review(client):
    s = monitoring_setup()
    assert "returns-to-review" not in sections(s.manager)
    ret = submitted(s)
    response = page(client, s.manager)
    section = shown(response)["returns-to-review"]
    assert section.count == 1
    assert section.url == reverse("monitoring:reviews")
    assert section.items[0].url == reverse("monitoring:return-review", args=[ret.pk])
    assert s.provider.name in section.items[0].text
    assert reverse("monitoring:return-review", args=[ret.pk]) in response.content.decode()
    # A manager of another partnership's lead partner, and the provider, review nothing.
    other = PartnershipManagerFactory()
    MembershipFactory(partnership=PartnershipFactory(), organisation=other.organisation,
                      role="lead_partner")
    assert "returns-to-review" not in sections(other)
    assert "returns-to-review" not in sections(s.staff)
    # Once approved or sent back, it leaves the queue.
    send_back(s, ret)
    assert "returns-to-review" not in sections(s.manager)


# -- casework -------------------------------------------------------------------------------------


def test_receiving_caseworkers_see_referrals_to_decide(client):
    s = casework_setup()
    # Initials of letters no reference uses (referrals.references.ALPHABET has no Z or S), so
    # a random reference cannot contain them by chance.
    case = open_case(s, initials="ZS")
    referral = send_referral(s, case)
    response = page(client, s.worker)
    section = shown(response)["referrals-to-decide"]
    assert section.count == 1
    assert section.url == reverse("referrals:inbox")
    assert section.items[0].url == reverse("referrals:referral", args=[referral.reference])
    assert referral.reference in section.items[0].text
    assert case.reference in section.items[0].text
    html = response.content.decode()
    assert reverse("referrals:referral", args=[referral.reference]) in html
    assert "ZS" not in section.items[0].text + section.items[0].detail  # no initials
    # The referrer, an uninvolved member and a commissioner have none to decide.
    for user in (s.officer, s.outsider, s.commissioner, s.admin):
        assert "referrals-to-decide" not in sections(user)
    # Answered: no longer waiting.
    from referrals import actions

    actions.referral_accept(referral=referral, by=s.worker)
    assert "referrals-to-decide" not in sections(s.worker)


def test_involved_agencies_see_conferences_in_the_next_fourteen_days():
    s = casework_setup()
    case = open_case(s)
    case.conferences.update(status=ConferenceStatus.CANCELLED)  # only ours below
    soon = CaseConferenceFactory(case=case, planned_on=days(3))
    CaseConferenceFactory(case=case, planned_on=days(14))
    CaseConferenceFactory(case=case, planned_on=days(15))  # too far ahead
    CaseConferenceFactory(case=case, planned_on=days(-1))  # past: recorded on the case page
    CaseConferenceFactory(case=case, planned_on=days(2), status=ConferenceStatus.CANCELLED)
    section = sections(s.officer)["conferences"]
    assert section.count == 2
    assert section.items[0].url == reverse("referrals:case", args=[case.reference])
    assert case.reference in section.items[0].text
    assert section.items[0].detail.endswith(str(soon.planned_on.year))
    assert section.url == reverse("referrals:caseload")
    # The provider is not involved until a referral reaches it; others never are.
    for user in (s.worker, s.outsider, s.commissioner, s.admin):
        assert "conferences" not in sections(user)
    send_referral(s, case)
    assert sections(s.worker)["conferences"].count == 2


# -- agreements -----------------------------------------------------------------------------------


def test_managers_of_unsigned_parties_see_agreements_to_sign(client):
    partnership = PartnershipFactory()
    manager = PartnershipManagerFactory()
    org = manager.organisation
    draft = DraftAgreementFactory(partnership=partnership, title="Data sharing agreement")
    SignatoryFactory(agreement=draft, organisation=org, signed_on=None)
    scheduled = AgreementFactory(partnership=partnership, status=AgreementStatus.SCHEDULED,
                                 title="Working agreement")
    SignatoryFactory(agreement=scheduled, organisation=org, signed_on=None)
    # Not counted: signed already; in force; another organisation's place.
    SignatoryFactory(agreement=DraftAgreementFactory(partnership=partnership),
                     organisation=org)
    SignatoryFactory(agreement=AgreementFactory(partnership=partnership), organisation=org,
                     signed_on=None)
    SignatoryFactory(agreement=draft, signed_on=None)
    response = page(client, manager)
    section = shown(response)["agreements-to-sign"]
    assert section.count == 2
    detail = reverse("partnerships:detail", args=[partnership.slug]) + "#agreements"
    assert {i.url for i in section.items} == {detail}
    assert section.url == detail
    assert {i.text for i in section.items} == {"Data sharing agreement (version 1)",
                                              "Working agreement (version 1)"}
    assert f'href="{detail}"' in response.content.decode()
    # Staff of the same organisation who are not its partnership managers sign nothing.
    assert "agreements-to-sign" not in sections(ProviderStaffFactory(organisation=org))
    assert "agreements-to-sign" not in sections(PartnershipManagerFactory())


# -- notifications, the empty state and the navigation --------------------------------------------


def test_unread_notifications_are_listed_and_link_to_open_them(client):
    user = CommissionerFactory()
    other = CommissionerFactory()
    [pk] = notify(kind="referral_received", occurrence="referral-1", recipients=[user],
                  subject="Referral R-1 received", body="", url="/casework/referrals/")
    notify(kind="referral_received", occurrence="referral-2", recipients=[other],
           subject="Someone else's", body="")
    response = page(client, user)
    section = shown(response)["notifications"]
    assert section.count == 1
    assert section.items[0].text == "Referral R-1 received"
    assert section.items[0].url == reverse("notifications:open", args=[pk])
    assert section.url == reverse("notifications:list")
    assert "Someone else" not in response.content.decode()


def test_empty_state_speaks_to_the_person(client):
    response = page(client, CommissionerFactory())
    html = response.content.decode()
    assert "You have nothing to do right now" in html
    assert f'href="{reverse("search")}"' in html  # the search one click away
    assert "<title>Your work – Partnership Registry</title>" in html


def test_navigation_offers_your_work_and_a_search_that_stays_put(client):
    s = monitoring_setup()
    html = page(client, s.staff).content.decode()
    assert f'href="{YOUR_WORK}" aria-current="true"' in html
    assert f'href="{reverse("search")}"' in html
    # The search's own address shows the search even to a user with work.
    response = client.get(reverse("search"))
    assert response.status_code == 200
    assert "partnerships/search.html" in [t.name for t in response.templates]
    # Its links keep to it: clearing the filters there does not land on Your work.
    response = client.get(reverse("search"), {"status": "active"})
    assert response.context["clear_filters_url"] == reverse("search")


# -- home -----------------------------------------------------------------------------------------


def test_home_is_your_work_for_a_user_with_something_to_act_on(client):
    s = monitoring_setup()
    client.force_login(s.staff)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == YOUR_WORK
    # A query string means "I am searching": the results, not a redirect.
    for query in ({"q": ""}, {"q": "harbour"}, {"status": "active"}, {"page": "1"}):
        response = client.get(reverse("home"), query)
        assert response.status_code == 200, query
        assert "partnerships/search.html" in [t.name for t in response.templates]


def test_home_stays_the_search_for_a_user_with_nothing_to_act_on(client):
    commissioner = CommissionerFactory()
    # Unread notifications alone do not move home: the header shows them everywhere.
    notify(kind="referral_received", occurrence="referral-1", recipients=[commissioner],
           subject="Referral R-1 received", body="")
    assert not needs_action(commissioner)
    client.force_login(commissioner)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "partnerships/search.html" in [t.name for t in response.templates]


def test_signing_in_lands_on_your_work_when_there_is_work(client):
    s = monitoring_setup()
    response = client.post(reverse("login"), {"username": s.staff.username,
                                              "password": "correct-horse-battery-staple"},
                           follow=True)
    assert response.redirect_chain[-1][0] == YOUR_WORK


# -- query counts ---------------------------------------------------------------------------------


def _count(client: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(YOUR_WORK).status_code == 200
    return len(queries)


def test_caseworker_page_queries_are_bounded_and_do_not_grow(client, django_assert_max_num_queries):
    s = casework_setup()
    client.force_login(s.worker)

    def add() -> None:
        case = open_case(s)
        send_referral(s, case)
        CaseConferenceFactory(case=case, planned_on=days(2))
        notify(kind="referral_received", occurrence=f"case-{case.pk}", recipients=[s.worker],
               subject=f"Referral on {case.reference}", body="")

    add()
    with django_assert_max_num_queries(MAX_QUERIES):
        client.get(YOUR_WORK)
    small = _count(client)
    for _ in range(7):
        add()
    work = sections(s.worker)
    assert work["referrals-to-decide"].count == 8 and work["conferences"].count >= 8
    assert work["notifications"].count >= 8
    with django_assert_max_num_queries(MAX_QUERIES):
        client.get(YOUR_WORK)
    assert _count(client) == small


def test_manager_page_queries_are_bounded_and_do_not_grow(client, django_assert_max_num_queries):
    s = monitoring_setup()
    client.force_login(s.manager)

    def add(n: int) -> None:
        org, staff = add_provider(s, f"Provider {n}")
        submitted(s, organisation=org, by=staff)
        place = SignatoryFactory(agreement=DraftAgreementFactory(partnership=s.partnership),
                                 organisation=s.lead, signed_on=None)
        assert place.agreement.status == AgreementStatus.DRAFT

    add(0)
    with django_assert_max_num_queries(MAX_QUERIES):
        client.get(YOUR_WORK)
    small = _count(client)
    for n in range(1, 8):
        add(n)
    work = sections(s.manager)
    assert work["returns-to-review"].count == 8 and work["agreements-to-sign"].count == 8
    with django_assert_max_num_queries(MAX_QUERIES):
        client.get(YOUR_WORK)
    assert _count(client) == small


def test_provider_page_queries_do_not_grow_with_returns_owed(client):
    s = monitoring_setup()
    client.force_login(s.staff)
    small = _count(client)
    for n in range(1, 4):  # more partnerships and more periods owed
        partnership = PartnershipFactory()
        MembershipFactory(partnership=partnership, organisation=s.provider)
        ReturnRequirementFactory(organisation=s.provider, partnership=partnership,
                                 frameworks=[s.commissioner_fw], frequency=Frequency.QUARTERLY)
        start = datetime.date(2024, 1 + 3 * (n - 1), 1)
        ReportingPeriodFactory(starts_on=start, ends_on=start + datetime.timedelta(days=80),
                               due_on=start + datetime.timedelta(days=100))
    assert sections(s.staff)["returns-to-submit"].count > 3
    assert _count(client) == small


def test_header_unread_count_is_the_sections_counted_once(client):
    """The header's unread count and the unread section's count are one COUNT (issue 17)."""
    user = CommissionerFactory()
    for n in range(2):
        notify(kind="referral_received", occurrence=f"referral-{n}", recipients=[user],
               subject=f"Referral R-{n} received", body="")
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(YOUR_WORK)
    html = response.content.decode()
    assert shown(response)["notifications"].count == 2
    assert "2 unread" in html
    # One count in all (with the user, accounts.backends), whoever reads it.
    counts = [q["sql"] for q in queries.captured_queries
              if "notifications_notification" in q["sql"] and "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1, counts
    # Nothing unread: no section, and the header still says so.
    assert "0 unread" in page(client, CommissionerFactory()).content.decode()


def test_returns_to_review_rows_cost_no_query_per_row(client, django_assert_max_num_queries):
    """Each row's period, provider, partnership and date come with the queue's one query."""
    s = monitoring_setup()
    ret = submitted(s)
    client.force_login(s.manager)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(YOUR_WORK)
    [item] = shown(response)["returns-to-review"].items
    assert item.text == f"{ret.period} return from {s.provider.name}"
    assert item.detail.startswith(f"{s.partnership.name}, submitted ")
