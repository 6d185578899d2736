"""Landing page (the registry search), sign-in, health check, security headers."""

import pytest
from django.urls import reverse

from tests.accounts.factories import PASSWORD
from tests.partnerships.factories import OverdueAgreementFactory

pytestmark = pytest.mark.django_db


def test_home_requires_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_sign_in_lands_on_the_registry_search(client, provider_user):
    agreement = OverdueAgreementFactory()
    response = client.post(reverse("login"), {"username": provider_user.username,
                                              "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    page = client.get(reverse("home"))
    assert page.status_code == 200
    text = page.content.decode()
    assert '<h1 class="govuk-heading-l">Search the registry</h1>' in text
    assert agreement.partnership.name in text and "Review overdue" in text
    assert str(provider_user.organisation) in text


def test_wrong_password_is_explained(client, provider_user):
    response = client.post(reverse("login"), {"username": provider_user.username,
                                              "password": "wrong"})
    assert response.status_code == 200
    assert "Enter a correct username and password" in response.content.decode()


def test_health(client):
    response = client.get(reverse("health"))
    assert response.json() == {"status": "ok"}


def test_security_headers(client):
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'nonce-" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_csrf_is_enforced(provider_user):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("login"), {"username": provider_user.username,
                                              "password": PASSWORD})
    assert response.status_code == 403
