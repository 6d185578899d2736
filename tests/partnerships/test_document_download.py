"""Agreement documents are downloaded through a signed-in view, never a public media URL."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from tests.partnerships.factories import AgreementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    a = AgreementFactory()
    a.document.save("pwa-v1.pdf", ContentFile(b"%PDF-1.4 signed agreement"), save=True)
    return a


def test_signed_in_user_downloads_the_document(client, provider_user, agreement):
    client.force_login(provider_user)
    response = client.get(reverse("partnerships:agreement-document", args=[agreement.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 signed agreement"
    assert 'attachment; filename="pwa-v1' in response["Content-Disposition"]


def test_anonymous_is_sent_to_sign_in(client, agreement):
    response = client.get(reverse("partnerships:agreement-document", args=[agreement.pk]))
    assert response.status_code == 302 and "/sign-in/" in response["Location"]
    assert client.get(f"/media/{agreement.document.name}").status_code == 404


def test_missing_document_or_agreement_is_404(client, provider_user, agreement):
    client.force_login(provider_user)
    bare = AgreementFactory()
    assert client.get(reverse("partnerships:agreement-document", args=[bare.pk])).status_code \
        == 404
    assert client.get(reverse("partnerships:agreement-document", args=[999999])).status_code \
        == 404
    agreement.document.storage.delete(agreement.document.name)
    assert client.get(reverse("partnerships:agreement-document",
                              args=[agreement.pk])).status_code == 404
