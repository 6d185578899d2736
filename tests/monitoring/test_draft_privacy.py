"""A draft is its organisation's own until submitted: a return never submitted, and a
correction's revision still being prepared. The lead partner's managers and the commissioners
see only that it was started (the grid's state); its pages are not found for them and its
figures are in none of their lists. A return sent back for correction was submitted, so its
reviewer keeps reading it. The rules (one return) and ``visible_to`` (lists) say the same."""

from __future__ import annotations

import pytest
from django.urls import reverse

from monitoring.models import MonitoringReturn
from monitoring.reports import CellState, grid
from tests.accounts.factories import CommissionerFactory, ProviderStaffFactory
from tests.monitoring.factories import add_provider, quarter
from tests.monitoring.workflow import (
    approved,
    corrected,
    draft,
    resubmitted,
    sent_back,
    submitted,
)

pytestmark = pytest.mark.django_db

READERS = ("staff", "colleague", "manager", "commissioner", "admin", "outsider",
           "other_commissioner")


def people(s):
    """Everyone who might ask: the provider's staff and a colleague of any role, the lead
    partner's manager, the funding commissioner, a platform admin, and two strangers."""
    colleague = CommissionerFactory(organisation=s.provider)  # same organisation, other role
    return {"staff": s.staff, "colleague": colleague, "manager": s.manager,
            "commissioner": s.commissioner, "admin": s.admin,
            "outsider": ProviderStaffFactory(), "other_commissioner": CommissionerFactory()}


@pytest.fixture
def returns(s):
    """One return in every state, each for its own quarter."""
    q = [quarter(2024, n) for n in (1, 2, 3, 4)] + [quarter(2025, 2), quarter(2025, 3)]
    correcting = approved(s, q[4])
    in_correction = corrected(s, correcting, starts="12")
    correction_sent = corrected(s, approved(s, q[5]), starts="13")
    correction_sent = resubmitted(s, correction_sent)
    return {
        "draft": draft(s, q[0], starts="3"),
        "submitted": submitted(s, q[1]),
        "returned": sent_back(s, submitted(s, q[2])),
        "approved": approved(s, q[3]),
        "approved, being corrected": correcting,
        "correction in draft": in_correction,
        "correction submitted": correction_sent,
    }


UNSUBMITTED = {"draft", "correction in draft"}


def test_the_rules_and_visible_to_agree_for_every_state_and_reader(s, returns):
    for who, user in people(s).items():
        listed = set(MonitoringReturn.objects.visible_to(user))
        for state, ret in returns.items():
            allowed = user.has_perm("monitoring.view_monitoringreturn", ret)
            assert allowed == (ret in listed), (who, state)


@pytest.mark.parametrize("who", ["manager", "commissioner"])
def test_the_lead_partner_and_commissioner_never_read_a_draft(s, returns, who):
    user = people(s)[who]
    listed = set(MonitoringReturn.objects.visible_to(user))
    assert {state for state, ret in returns.items() if ret in listed} == (
        set(returns) - UNSUBMITTED)


@pytest.mark.parametrize("who", ["staff", "colleague", "admin"])
def test_the_organisation_and_platform_admins_read_every_state(s, returns, who):
    user = people(s)[who]
    assert set(MonitoringReturn.objects.visible_to(user)) >= set(returns.values())


def test_strangers_read_nothing(s, returns):
    for who in ("outsider", "other_commissioner"):
        assert not MonitoringReturn.objects.visible_to(people(s)[who]).exists()


# -- pages ----------------------------------------------------------------------------------------

PAGES = ["monitoring:return", "monitoring:return-edit", "monitoring:return-review",
         "monitoring:return-upload"]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("state", sorted(UNSUBMITTED))
def test_a_drafts_pages_are_not_found_for_the_lead_partner_and_commissioner(client, s, returns,
                                                                          name, state):
    address = reverse(name, args=[returns[state].pk])
    for user in (s.manager, s.commissioner):
        client.force_login(user)
        assert client.get(address).status_code == 404
    client.force_login(s.staff)
    assert client.get(address).status_code in (200, 403)  # 403: review is not theirs to do


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_drafts_figures_template_is_not_found_for_the_lead_partner(client, s, returns, fmt):
    client.force_login(s.manager)
    address = reverse("monitoring:return-template", args=[returns["draft"].pk, fmt])
    assert client.get(address).status_code == 404


def test_a_return_sent_back_stays_readable_by_its_reviewer(client, s, returns):
    client.force_login(s.manager)
    response = client.get(reverse("monitoring:return", args=[returns["returned"].pk]))
    assert response.status_code == 200
    assert "Returned for correction" in response.content.decode()


def test_the_approved_revision_says_a_correction_was_started_without_linking_to_it(client, s,
                                                                                  returns):
    approved_revision = returns["approved, being corrected"]
    in_correction = returns["correction in draft"]
    address = reverse("monitoring:return", args=[approved_revision.pk])
    client.force_login(s.manager)
    html = client.get(address).content.decode()
    assert f"{s.provider.name} has started a correction of this return." in html
    assert reverse("monitoring:return", args=[in_correction.pk]) not in html
    assert "Until it is approved, the reports use the figures on this page." in html
    # The provider follows the link to its own draft.
    client.force_login(s.staff)
    html = client.get(address).content.decode()
    assert reverse("monitoring:return", args=[in_correction.pk]) in html
    assert "has started a correction" not in html


def test_a_submitted_correction_is_linked_for_the_reviewer(client, s, returns):
    submitted_correction = returns["correction submitted"]
    client.force_login(s.manager)
    html = client.get(reverse("monitoring:return", args=[submitted_correction.replaces_id])
                      ).content.decode()
    assert reverse("monitoring:return", args=[submitted_correction.pk]) in html


def test_my_returns_still_lists_the_providers_own_draft(client, s, returns):
    client.force_login(s.staff)
    html = client.get(reverse("monitoring:my-returns")).content.decode()
    assert reverse("monitoring:return-edit", args=[returns["draft"].pk]) in html


# -- the grid: the state, never a link ------------------------------------------------------------


def test_the_grid_shows_a_draft_was_started_but_does_not_link_to_it(client, s):
    other, other_staff = add_provider(s, "B draft")
    ret = draft(s, s.period, other, other_staff, starts="3")
    cells = {row.organisation.pk: row.cells[0] for row in grid(s.partnership, [s.period]).rows}
    assert cells[other.pk].state == CellState.DRAFT and cells[other.pk].return_id is None
    client.force_login(s.manager)
    html = client.get(reverse("monitoring:dashboard", args=[s.partnership.slug])).content.decode()
    assert "Draft" in html
    assert reverse("monitoring:return", args=[ret.pk]) not in html
