"""Closing a case says when it will be anonymised and what that removes, and the lead agency can
undo it (reopen the case, saying why) until then; the nightly anonymisation never touches a
reopened case."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import AuditEvent
from referrals import actions
from referrals.choices import CaseStatus, ConferenceStatus, ReferralStatus
from referrals.models import Case
from referrals.retention import (
    REMOVED_AT_ANONYMISATION,
    anonymisation_due_on,
    due_cases,
    months_after,
)
from referrals.tasks import anonymise_due_cases
from tests.html import assert_good_markup
from tests.referrals.factories import days, open_case, refused, send_referral, today
from tests.referrals.helpers import client_of, get, post

pytestmark = pytest.mark.django_db

REASON = "Closed by mistake: the order continues"


def url(case, tail=""):
    return f"/casework/cases/{case.reference}/{tail}"


@pytest.fixture
def old_closed(s):
    """A case referred under the protocol (kept 72 months), closed seven years ago: past its
    retention, so the next nightly run would anonymise it."""
    case = open_case(s, order_starts_on=days(-8 * 365), order_ends_on=days(-7 * 365 - 30),
                     identifiers={"prison_number": "A7777AA"})
    send_referral(s, case)
    actions.case_close(case=case, by=s.officer, closed_on=days(-7 * 365))
    assert [due.reference for due in due_cases()] == [case.reference]
    return case


# -- the action -----------------------------------------------------------------------------------


def test_the_lead_reopens_a_closed_case_and_it_is_audited(s, case):
    send_referral(s, case)
    actions.case_close(case=case, by=s.officer)
    actions.case_reopen(case=case, by=s.officer, reason=f"  {REASON} ")
    case.refresh_from_db()
    assert (case.status, case.closed_on) == (CaseStatus.OPEN, None)
    event = AuditEvent.objects.filter(summary__startswith=f"Reopened case {case.reference}").get()
    assert event.actor == s.officer
    assert event.changes["reopen_reason"] == [None, REASON]
    assert event.changes["status"] == ["closed", "open"]
    # Withdrawn referrals stay withdrawn; the future conferences are planned again.
    assert not case.referrals.filter(status__in=ReferralStatus.open()).exists()
    assert case.conferences.filter(status=ConferenceStatus.PLANNED,
                                   planned_on__gt=today()).exists()
    # ... and it can be worked and closed again.
    send_referral(s, case)
    actions.case_close(case=case, by=s.officer)


def test_reopening_refusals(s, case):
    refused(actions.case_reopen, match="only a closed case can be reopened", case=case,
            by=s.officer, reason=REASON)
    actions.case_close(case=case, by=s.officer)
    refused(actions.case_reopen, match="Say why", case=case, by=s.officer, reason="  ")
    refused(actions.case_reopen, match="300 characters or fewer", case=case, by=s.officer,
            reason="x" * 301)
    for user in (s.worker, s.outsider, s.admin, s.commissioner):
        refused(actions.case_reopen, match="Only the lead agency", case=case, by=user,
                reason=REASON)


def test_an_anonymised_case_cannot_be_reopened(s, old_closed):
    anonymise_due_cases.apply().get()
    refused(actions.case_reopen, match="was anonymised on .* cannot be reopened",
            case=old_closed, by=s.officer, reason=REASON)


def test_the_nightly_anonymisation_never_touches_a_reopened_case(s, old_closed):
    actions.case_reopen(case=old_closed, by=s.officer, reason=REASON)
    assert list(due_cases()) == []
    result = anonymise_due_cases.apply().get()
    assert old_closed.reference not in result["references"]
    old_closed.refresh_from_db()
    assert old_closed.anonymised_on is None
    assert old_closed.person.identifiers.get().value == "A7777AA"
    # Closed again today, its retention runs from today.
    actions.case_close(case=old_closed, by=s.officer)
    assert list(due_cases()) == []
    assert anonymisation_due_on(old_closed) == months_after(today(), 72)


def test_anonymisation_removes_the_reopening_reason_from_the_audit_history(s, old_closed):
    actions.case_reopen(case=old_closed, by=s.officer, reason=REASON)
    actions.case_close(case=old_closed, by=s.officer, closed_on=days(-7 * 365))
    anonymise_due_cases.apply().get()
    assert not [e for e in AuditEvent.objects.all() if REASON in str(e.changes)]


# -- the pages ------------------------------------------------------------------------------------


def test_the_close_confirmation_says_when_the_case_will_be_anonymised(client, s, case):
    send_referral(s, case)  # under the protocol: kept 72 months
    html = get(client, s.officer, url(case, "close/"))
    due = months_after(today(), 72)
    assert f"it will be anonymised on <strong>{due:%-d %B %Y}</strong>, 72 months" in html
    for removed in REMOVED_AT_ANONYMISATION:
        assert removed.replace("'", "&#x27;") in html
    assert "can reopen the case" in html
    assert_good_markup(html)
    response = post(client, s.officer, url(case, "close/"), status=302)
    html = client.get(response["Location"]).content.decode()
    assert f"will be removed on {due:%-d %B %Y}; until then the case can be reopened" in html
    assert ">Reopen the case</a>" in html


def test_the_lead_reopens_the_case_from_its_page(client, s, case):
    actions.case_close(case=case, by=s.officer)
    html = get(client, s.officer, url(case, "reopen/"))
    assert "Why are you reopening the case?" in html
    assert_good_markup(html)
    html = post(client, s.officer, url(case, "reopen/"), {"reason": ""},
                status=200).content.decode()
    assert "Enter why you are reopening the case" in html
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CLOSED
    response = post(client, s.officer, url(case, "reopen/"), {"reason": REASON}, status=302)
    assert response["Location"] == url(case)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.OPEN
    html = client.get(url(case)).content.decode()
    assert f"Case {case.reference} was reopened" in html
    assert ">Reopen the case</a>" not in html


def test_only_the_lead_sees_and_uses_reopen(client, s, case):
    send_referral(s, case)
    actions.case_close(case=case, by=s.officer)
    # The provider was involved through the referral, which closing withdrew: now a 404.
    get(client, s.worker, url(case, "reopen/"), status=404)
    html = get(client, s.officer, url(case, "reopen/"))
    assert "Reopen the case" in html
    open_again = open_case(s)
    get(client, s.officer, url(open_again, "reopen/"), status=403)


def test_an_anonymised_case_has_no_reopen_button(client, s, old_closed):
    anonymise_due_cases.apply().get()
    html = get(client, s.officer, url(old_closed))
    assert "Reopen the case" not in html
    get(client, s.officer, url(old_closed, "reopen/"), status=403)


# -- the API --------------------------------------------------------------------------------------


def test_the_api_close_answer_says_when_and_what_and_how_to_undo(s, case):
    send_referral(s, case)
    response = client_of(s.officer).post(
        reverse("case-close", kwargs={"reference": case.reference}), {}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "closed"
    assert body["anonymise_on"] == months_after(today(), 72).isoformat()
    assert body["retention_months"] == 72
    assert body["removed_on_anonymisation"] == list(REMOVED_AT_ANONYMISATION)
    assert body["reopen_url"].endswith(f"/api/v1/cases/{case.reference}/reopen/")


def test_the_api_reopens_a_closed_case(s, case):
    api = client_of(s.officer)
    address = reverse("case-reopen", kwargs={"reference": case.reference})
    assert api.post(address, {"reason": REASON}, format="json").status_code == 400  # open
    actions.case_close(case=case, by=s.officer)
    missing = api.post(address, {}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()
    assert client_of(s.outsider).post(address, {"reason": REASON},
                                      format="json").status_code == 404
    response = api.post(address, {"reason": REASON}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["closed_on"]) == ("open", None)


# -- the command that anonymises ------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["no", ""])
def test_the_command_run_from_a_terminal_lists_the_cases_and_asks_first(
        s, old_closed, monkeypatch, answer):
    import io
    import sys

    from django.core.management import call_command

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    questions = []
    monkeypatch.setattr("builtins.input", lambda prompt: questions.append(prompt) or answer)
    out = io.StringIO()
    call_command("anonymise_cases", stdout=out)
    listed = out.getvalue()
    assert (f"Due: {old_closed.reference} (closed {old_closed.closed_on:%-d %b %Y}, kept 72 "
            "months") in listed
    assert "Type 'yes'" in questions[0] and "Nothing was changed." in listed
    old_closed.refresh_from_db()
    assert old_closed.anonymised_on is None
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    call_command("anonymise_cases", stdout=io.StringIO())
    old_closed.refresh_from_db()
    assert old_closed.anonymised_on == today()
