"""A platform admin's reason for reading a case travels in a POST body (pages) or a request
header (API) and is kept in the session for 30 minutes: never in a URL, where proxy and server
access logs and browser history would keep it. The case's access log still records it."""

from __future__ import annotations

import re
import time
from urllib.parse import quote, quote_plus

import pytest
from django.urls import reverse

from referrals.models import CaseAccess
from referrals.views import common
from tests.referrals.factories import send_referral
from tests.referrals.helpers import client_of

pytestmark = pytest.mark.django_db

REASON = "Support ticket 4471 about a wrong lead agency"
ATTRIBUTES = re.compile(r'(?:href|src|action|formaction)="([^"]*)"')


def _in_a_link(html: str) -> list[str]:
    forms = {REASON, quote(REASON), quote_plus(REASON), "4471"}
    return [link for link in ATTRIBUTES.findall(html) if any(f in link for f in forms)]


def _find(client, s, case):
    client.force_login(s.admin)
    return client.post("/casework/cases/find/", {"reference": case.reference,
                                                 "reason": REASON})


def test_no_response_puts_the_reason_in_a_location_or_a_link(client, s, case):
    referral = send_referral(s, case)
    response = _find(client, s, case)
    assert response.status_code == 302
    assert response["Location"] == f"/casework/cases/{case.reference}/"
    pages = [f"/casework/cases/{case.reference}/",
             f"/casework/cases/{case.reference}/access-log/",
             f"/casework/referrals/{referral.reference}/", "/casework/"]
    for address in pages:
        answer = client.get(address)
        assert answer.status_code == 200, address
        assert REASON not in answer.get("Location", "")
        assert _in_a_link(answer.content.decode()) == [], address
    # The access log records it, with every view.
    assert set(CaseAccess.objects.values_list("reason", flat=True)) == {REASON}


def test_the_reason_form_is_a_post(client, s, case):
    client.force_login(s.admin)
    html = client.get("/casework/").content.decode()
    assert re.search(r'<form method="post" action="/casework/cases/find/"', html)
    assert client.get("/casework/cases/find/", {"reference": case.reference,
                                                "reason": REASON}).status_code == 405
    assert not CaseAccess.objects.exists()


def test_the_reason_lasts_30_minutes(client, s, case, monkeypatch):
    _find(client, s, case)
    assert client.get(f"/casework/cases/{case.reference}/").status_code == 200
    started = time.time()
    monkeypatch.setattr(common.time, "time", lambda: started + 29 * 60)
    assert client.get(f"/casework/cases/{case.reference}/").status_code == 200
    monkeypatch.setattr(common.time, "time", lambda: started + 31 * 60)
    response = client.get(f"/casework/cases/{case.reference}/")
    assert response.status_code == 302  # asked again, on a form that does not carry it
    assert REASON not in response["Location"] and "reason=" not in response["Location"]
    assert CaseAccess.objects.count() == 2


def test_the_api_refuses_a_reason_in_the_address(s, case):
    api = client_of(s.admin)
    address = reverse("case-detail", kwargs={"reference": case.reference})
    response = api.get(address, {"reason": REASON})
    assert response.status_code == 400
    assert "X-Access-Reason header" in response.json()["reason"][0]
    assert not CaseAccess.objects.exists()
    # Involved users too: nobody's reason belongs in an address.
    assert client_of(s.officer).get(address, {"reason": REASON}).status_code == 400


def test_the_api_takes_the_reason_in_a_header_and_logs_it(s, case):
    response = client_of(s.admin).get(reverse("case-detail",
                                              kwargs={"reference": case.reference}),
                                      HTTP_X_ACCESS_REASON=REASON)
    assert response.status_code == 200
    assert REASON not in response.content.decode()
    assert CaseAccess.objects.get().reason == REASON


def test_a_utf8_reason_in_the_header_is_logged_as_written(s, case):
    reason = "Demande d’accès 4471 — réponse"
    client_of(s.admin).get(reverse("case-detail", kwargs={"reference": case.reference}),
                           HTTP_X_ACCESS_REASON=reason.encode().decode("latin-1"))
    assert CaseAccess.objects.get().reason == reason
