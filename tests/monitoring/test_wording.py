"""The words the returns journey uses: review verbs conjugated properly, and the lead partner's
own return naming who really reviews it (its own managers may not)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.errors import DomainError
from monitoring import actions
from tests.html import text
from tests.monitoring.workflow import lead_partners_own_return, submitted

pytestmark = pytest.mark.django_db


def test_sending_back_an_unsubmitted_return_says_sent_back(s):
    ret = submitted(s)
    actions.return_send_back(monitoring_return=ret, by=s.manager, comment="Check it.")
    with pytest.raises(DomainError) as refused:
        actions.return_send_back(monitoring_return=ret, by=s.manager, comment="Again.")
    assert str(refused.value) == ("Only a submitted return can be sent back; this one is "
                                  "returned for correction.")
    with pytest.raises(DomainError, match="can be approved; this one is returned"):
        actions.return_approve(monitoring_return=ret, by=s.manager)


def test_the_lead_partners_own_return_names_a_platform_administrator_as_reviewer(client, s):
    ret = lead_partners_own_return(s, starts="10")
    with pytest.raises(DomainError) as refused:
        actions.return_approve(monitoring_return=ret, by=s.manager)
    assert "a platform administrator reviews it" in str(refused.value)
    assert "the lead partner reviews it" not in str(refused.value)
    client.force_login(ret.submitted_by)
    html = text(client.get(reverse("monitoring:return-edit", args=[ret.pk])).content.decode())
    assert "waiting for review by a platform administrator" in html
    assert "lead partner's review" not in html


def test_the_lead_partners_own_return_says_who_reviews_it_when_submitted(client, s):
    ret = lead_partners_own_return(s, starts="10")
    client.force_login(ret.submitted_by)
    response = client.post(reverse("monitoring:return-check", args=[ret.pk]),
                           {"version": ret.version})
    # Already submitted: the notice names the real reviewer.
    assert response.status_code == 302
    notice = text(client.get(response["Location"]).content.decode())
    assert "A platform administrator will review it." in notice
    assert "The lead partner will review it." not in notice


def test_another_providers_return_still_names_the_lead_partner(client, s):
    ret = submitted(s)
    client.force_login(s.staff)
    html = text(client.get(reverse("monitoring:return-edit", args=[ret.pk])).content.decode())
    assert "waiting for review by the lead partner" in html
