"""A change of seriousness applies from the date the person records, not from today (issue 16):
the conferences are re-planned from that date, the date cannot be in the future nor before the
order starts, and the case history (page and API) shows it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.display import govuk_date
from core.models import AuditEvent
from referrals import actions
from referrals.choices import ConferenceKind, ConferenceStatus, HistoryKind, Seriousness
from referrals.models import CaseHistoryEntry
from tests.referrals.factories import days, open_case, refused, today
from tests.referrals.helpers import client_of, date_parts, get, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(s):
    """A low-seriousness case whose order started 100 days ago."""
    return open_case(s, order_starts_on=days(-100), order_ends_on=days(265))


def joint_dates(case) -> list:
    return sorted(case.conferences.filter(kind=ConferenceKind.JOINT,
                                          status=ConferenceStatus.PLANNED)
                  .values_list("planned_on", flat=True))


def test_raising_seriousness_from_a_past_date_plans_the_joint_meetings_since_then(s, case):
    effective = days(-45)
    actions.case_update(case=case, by=s.officer, seriousness=Seriousness.HIGH,
                        effective_on=effective)
    joint = joint_dates(case)
    # The monthly meetings the new seriousness asked for since that date are planned (to be
    # recorded), not only those after today.
    assert [on for on in joint if effective < on <= today()]
    assert not [on for on in joint if on <= effective]
    entry = CaseHistoryEntry.objects.get(case=case)
    assert (entry.kind, entry.effective_on, entry.from_value, entry.to_value) == (
        HistoryKind.SERIOUSNESS_CHANGED, effective, Seriousness.LOW, Seriousness.HIGH)
    event = AuditEvent.objects.filter(summary__startswith=f"Changed case {case.reference}").get()
    assert govuk_date(effective) in event.summary
    assert event.changes["seriousness_effective_on"] == [None, effective.isoformat()]


def test_without_a_date_the_change_applies_from_today(s, case):
    actions.case_update(case=case, by=s.officer, seriousness=Seriousness.HIGH)
    assert min(joint_dates(case)) > today()
    assert CaseHistoryEntry.objects.get(case=case).effective_on == today()


def test_lowering_seriousness_from_a_past_date_cancels_the_meetings_since_then(s, case):
    actions.case_update(case=case, by=s.officer, seriousness=Seriousness.HIGH,
                        effective_on=days(-90))
    assert [on for on in joint_dates(case) if days(-45) < on <= today()]
    actions.case_update(case=case, by=s.officer, seriousness=Seriousness.LOW,
                        effective_on=days(-45))
    assert not [on for on in joint_dates(case) if on > days(-45)]
    assert [on for on in joint_dates(case) if on <= days(-45)]  # before then: as they were


@pytest.mark.parametrize(("effective", "match"), [
    (1, "cannot be in the future"),
    (-101, "applies from the order's start"),
])
def test_a_date_in_the_future_or_before_the_order_is_refused(s, case, effective, match):
    error = refused(actions.case_update, case=case, by=s.officer,
                    seriousness=Seriousness.HIGH, effective_on=days(effective), match=match)
    assert error.field == "effective_on"


def form(case, **changes) -> dict:
    return {**date_parts("order_starts_on", case.order_starts_on),
            **date_parts("order_ends_on", case.order_ends_on),
            "seriousness": "high", "compliance": "complying", **changes}


def test_the_page_needs_the_date_when_the_seriousness_changes(client, s, case):
    html = get(client, s.officer, f"/casework/cases/{case.reference}/order/")
    assert "From when does the seriousness apply?" in html
    assert f'name="effective_on_year" type="text" inputmode="numeric" value="{today().year}"' \
        in html  # filled in with today
    html = post(client, s.officer, f"/casework/cases/{case.reference}/order/", form(case),
                status=200).content.decode()
    assert 'href="#id_effective_on">Enter the date the seriousness applies from' in html
    html = post(client, s.officer, f"/casework/cases/{case.reference}/order/",
                form(case, **date_parts("effective_on", days(3))), status=200).content.decode()
    assert "must be today or in the past" in html
    case.refresh_from_db()
    assert case.seriousness == Seriousness.LOW


def test_the_page_records_the_date_and_the_timeline_shows_it(client, s, case):
    post(client, s.officer, f"/casework/cases/{case.reference}/order/",
         form(case, **date_parts("effective_on", days(-20))), status=302)
    html = get(client, s.officer, f"/casework/cases/{case.reference}/")
    assert "Seriousness changed" in html
    assert f"From low to high, applying from {govuk_date(days(-20))}" in html


def test_the_api_takes_the_date_and_the_case_history_shows_it(s, case):
    url = reverse("case-detail", kwargs={"reference": case.reference})
    client = client_of(s.officer)
    response = client.patch(url, {"seriousness": "high",
                                  "effective_on": days(-20).isoformat()}, format="json")
    assert response.status_code == 200, response.content
    history = client.get(url).json()["history"]
    assert [(h["kind"], h["effective_on"], h["from_value"], h["to_value"]) for h in history] == [
        ("seriousness_changed", days(-20).isoformat(), "low", "high")]
    refusal = client.patch(url, {"seriousness": "medium",
                                 "effective_on": days(2).isoformat()}, format="json")
    assert refusal.status_code == 400 and "cannot be in the future" in refusal.content.decode()
