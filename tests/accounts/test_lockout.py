"""After too many failed sign-ins the page is styled, says how long the lock lasts, and carries
Retry-After (axes's own lockout response was unstyled text that did not say)."""

from __future__ import annotations

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_the_lockout_page_says_how_long_and_keeps_the_house_style(client, provider_user):
    for _ in range(2):
        response = client.post("/sign-in/", {"username": provider_user.username,
                                             "password": "wrong-password"})
        assert response.status_code == 200  # the form again, with its error
    response = client.post("/sign-in/", {"username": provider_user.username,
                                         "password": "wrong-password"})
    assert response.status_code == 429
    html = response.content.decode()
    assert "Sign-in is locked for now" in html
    assert "for the next <strong>30 minutes</strong>" in html
    assert "There have been 3 unsuccessful attempts" in html
    assert 'class="govuk-template__header' in html  # the site's own layout, not bare text
    assert response["Retry-After"] == "1800"
    assert provider_user.username not in html  # the name tried is not echoed
    # Still locked with the right password, until the lock ends.
    response = client.post("/sign-in/", {"username": provider_user.username,
                                         "password": "correct-horse-battery"})
    assert response.status_code == 429
