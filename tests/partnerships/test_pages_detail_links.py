"""The partnership page links the engagement report and the monitoring dashboards where they
apply (issue 16): only when there is something to show, and only to people who may open them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.accounts.factories import CommissionerFactory, ProviderStaffFactory
from tests.monitoring.factories import FrameworkFactory, ReturnRequirementFactory
from tests.partnerships.factories import FundingFactory, MembershipFactory, PartnershipFactory
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
