"""The partnership page links the engagement report and the monitoring dashboards where they
apply (issue 16): only when there is something to show, and only to people who may open them."""

from __future__ import annotations

import datetime

import pytest
import rules
from django.urls import reverse

from composition.selectors.detail import partnership_page
from tests.accounts.factories import (
    CommissionerFactory,
    PartnershipManagerFactory,
    ProviderStaffFactory,
)
from tests.monitoring.factories import FrameworkFactory, ReturnRequirementFactory
from tests.partnerships.factories import (
    FundingFactory,
    LeadMembershipFactory,
    MembershipFactory,
    PartnershipFactory,
)
from tests.partnerships.review_factories import HeldReviewFactory, ReviewMeetingFactory

pytestmark = pytest.mark.django_db


def page(client, user, partnership) -> str:
    client.force_login(user)
    response = client.get(reverse("partnerships:detail", args=[partnership.slug]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def funded():
    """A partnership and a commissioner whose organisation funds it."""
    partnership = PartnershipFactory()
    commissioner = CommissionerFactory()
    FundingFactory(partnership=partnership, funder=commissioner.organisation)
    return partnership, commissioner


def test_engagement_report_linked_once_a_review_is_held(client, funded):
    partnership, commissioner = funded
    HeldReviewFactory(partnership=partnership)
    html = page(client, commissioner, partnership)
    assert f'href="{reverse("partnerships:engagement", args=[partnership.slug])}"' in html
    assert "Partner engagement report" in html


def test_no_engagement_link_without_a_held_review(client, funded):
    partnership, commissioner = funded
    ReviewMeetingFactory(partnership=partnership)  # planned only: no attendance yet
    html = page(client, commissioner, partnership)
    assert reverse("partnerships:engagement", args=[partnership.slug]) not in html


def test_no_engagement_link_for_someone_who_may_not_read_it(client):
    """A member's provider staff see the reviews, not the judgement on each partner."""
    partnership = PartnershipFactory()
    staff = ProviderStaffFactory()
    MembershipFactory(partnership=partnership, organisation=staff.organisation)
    HeldReviewFactory(partnership=partnership)
    html = page(client, staff, partnership)
    assert reverse("partnerships:engagement", args=[partnership.slug]) not in html


def test_dashboard_and_framework_reports_linked_where_returns_are_owed(client, funded):
    partnership, commissioner = funded
    framework = FrameworkFactory(name="Reducing reoffending outcomes")
    ReturnRequirementFactory(partnership=partnership, frameworks=[framework])
    html = page(client, commissioner, partnership)
    assert "Monitoring dashboard" in html
    assert f'href="{reverse("monitoring:dashboard", args=[partnership.slug])}"' in html
    assert (f'href="{reverse("monitoring:framework", args=[partnership.slug, framework.pk])}"'
            in html)


def test_no_dashboard_link_for_a_commissioner_who_does_not_fund_it(client):
    partnership = PartnershipFactory()
    ReturnRequirementFactory(partnership=partnership, frameworks=[FrameworkFactory()])
    html = page(client, CommissionerFactory(), partnership)
    assert reverse("monitoring:dashboard", args=[partnership.slug]) not in html
    assert "Monitoring dashboard" not in html


def test_no_dashboard_link_without_frameworks(client, funded):
    partnership, commissioner = funded
    html = page(client, commissioner, partnership)
    assert reverse("monitoring:dashboard", args=[partnership.slug]) not in html
    assert "Monitoring dashboard" not in html


# The permission facts the page needs (member, funder, lead partner) come from the membership
# and funding rows the page reads in full (``partnerships.rules.remember_viewer_facts``): the
# links must follow the rules exactly as when the rules asked the database themselves.
def _reviews_linked(html: str, partnership) -> bool:
    return f'href="{reverse("partnerships:reviews", args=[partnership.slug])}"' in html


def test_reviews_linked_for_a_funding_commissioner_not_another(client, funded):
    partnership, commissioner = funded
    assert _reviews_linked(page(client, commissioner, partnership), partnership)
    assert not _reviews_linked(page(client, CommissionerFactory(), partnership), partnership)


def test_reviews_linked_for_current_members_not_former_ones(client):
    partnership = PartnershipFactory()
    current, former = ProviderStaffFactory(), ProviderStaffFactory()
    MembershipFactory(partnership=partnership, organisation=current.organisation)
    MembershipFactory(partnership=partnership, organisation=former.organisation,
                      left_on=datetime.date(2021, 3, 31))
    assert _reviews_linked(page(client, current, partnership), partnership)
    assert not _reviews_linked(page(client, former, partnership), partnership)


def test_manage_section_for_the_lead_partners_manager_only(client):
    partnership = PartnershipFactory()
    lead, member = PartnershipManagerFactory(), PartnershipManagerFactory()
    LeadMembershipFactory(partnership=partnership, organisation=lead.organisation)
    MembershipFactory(partnership=partnership, organisation=member.organisation)
    assert 'id="manage-title"' in page(client, lead, partnership)
    assert 'id="manage-title"' not in page(client, member, partnership)


def test_facts_from_the_page_answer_only_for_their_user(
        commissioner_user, django_assert_num_queries):
    """The facts answer the rules without a query, for the user they were read for; another
    user's question still goes to the database."""
    partnership = PartnershipFactory()
    FundingFactory(partnership=partnership, funder=commissioner_user.organisation)
    read = partnership_page(user=commissioner_user, slug=partnership.slug).partnership
    with django_assert_num_queries(0):
        assert rules.has_perm("partnerships.view_reviews", commissioner_user, read)
        assert rules.has_perm("monitoring.view_dashboard", commissioner_user, read)
        assert not rules.has_perm("partnerships.manage_partnership", commissioner_user, read)
    other = CommissionerFactory()
    with django_assert_num_queries(1):
        assert not rules.has_perm("partnerships.view_reviews", other, read)
