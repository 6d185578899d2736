"""The returns API keeps a draft its organisation's own until submitted: not in the lead
partner's or a commissioner's list, its detail and actions not found for them, and the
dashboards' grid says only that it was started. A correction's draft revision likewise, while
the approved revision it corrects stays readable."""

from __future__ import annotations

import pytest
from django.urls import reverse

from monitoring.models import MonitoringReturn
from tests.monitoring.factories import add_provider, quarter
from tests.monitoring.workflow import (
    approved,
    corrected,
    draft,
    sent_back,
    submitted,
    unchanged_state,
)

pytestmark = pytest.mark.django_db


def url(name: str, ret: MonitoringReturn | None = None) -> str:
    return reverse(name, kwargs={"pk": ret.pk} if ret else None)


def listed(client, **params) -> set[int]:
    response = client.get(url("return-list"), {"page_size": 100, **params})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


READS = ["return-detail", "return-check"]
WRITES = [("return-values", {"version": 2, "values": {"starts": "4"}}),
          ("return-submit", {}), ("return-approve", {}),
          ("return-send-back", {"comment": "Check."}), ("return-correct", {"reason": "x"})]


@pytest.mark.parametrize("who", ["manager", "commissioner"])
def test_a_draft_is_not_listed_and_its_detail_is_not_found(s, client_for, who):
    ret = draft(s, starts="3")
    sent = sent_back(s, submitted(s, quarter(2025, 2)))
    client = client_for(getattr(s, who))
    assert listed(client) == {sent.pk}
    for name in READS:
        response = client.get(url(name, ret))
        assert response.status_code == 404, name
        assert "starts" not in response.content.decode()
    # A return sent back for correction was submitted: its reviewer keeps reading it.
    assert client.get(url("return-detail", sent)).status_code == 200


@pytest.mark.parametrize(("name", "body"), WRITES, ids=[name for name, _ in WRITES])
def test_acting_on_a_draft_one_cannot_see_is_not_found_and_changes_nothing(s, client_for, name,
                                                                           body):
    ret = draft(s, starts="3")
    before = unchanged_state()
    for user in (s.manager, s.commissioner):
        response = client_for(user).post(url(name, ret), body, format="json")
        assert response.status_code == 404, response.content
    assert unchanged_state() == before


def test_the_organisation_and_platform_admins_read_the_draft(s, client_for):
    ret = draft(s, starts="3")
    for user in (s.staff, s.admin):
        response = client_for(user).get(url("return-detail", ret))
        assert response.status_code == 200
        assert response.json()["values"][0]["display"] == "3"


def test_a_correction_in_draft_is_private_but_the_approved_revision_is_not(s, client_for):
    first = approved(s)
    correction = corrected(s, first, starts="12")
    manager = client_for(s.manager)
    assert listed(manager) == {first.pk}
    assert manager.get(url("return-detail", correction)).status_code == 404
    body = manager.get(url("return-detail", first)).json()
    assert {v["metric"]: v["display"] for v in body["values"]}["starts"] == "10"
    assert listed(client_for(s.staff)) == {first.pk, correction.pk}


def test_the_grid_api_gives_a_drafts_state_but_not_its_id(s, client_for):
    other, other_staff = add_provider(s, "B draft")
    draft(s, s.period, other, other_staff, starts="3")
    body = client_for(s.manager).get(
        reverse("dashboard-grid", kwargs={"slug": s.partnership.slug}),
        {"periods": 1, "until": "2025-12-31"}).json()
    cells = {row["organisation"]["slug"]: row["cells"][0] for row in body["rows"]}
    assert cells[other.slug]["state"] == "draft"
    assert cells[other.slug]["return_id"] is None
