"""No server error from any input to the pages (issue 12, build item 1): control characters in
forms and queries answered with a styled 400; a sign-in username longer than any account's
refused before axes stores it; request-size settings that leave file uploads working; and the
styled error pages (400, 403, CSRF, 404, 500) with DEBUG off.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import path, reverse

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401 (used by Django)
from config.urls import urlpatterns as site_urlpatterns
from core import views as core_views
from partnerships.models import Agreement
from referrals.models import CaseAccess
from tests.accounts.factories import PASSWORD, PlatformAdminFactory, ProviderStaffFactory
from tests.admin.helpers import admin_form_data
from tests.partnerships.factories import DraftAgreementFactory

CONTROL_MESSAGE = "contains a control character (such as a NUL byte), which cannot be used"
PAGE_HEADING = "Sorry, there is a problem with your request"
STYLESHEET = "vendor/govuk-frontend/govuk-frontend.min.css"


def assert_styled_400(response: Any, *words: str) -> str:
    assert response.status_code == 400, (response.status_code, response.content[:300])
    text = response.content.decode()
    assert PAGE_HEADING in text and STYLESHEET in text
    for word in words:
        assert word in text
    return text


@pytest.fixture
def signed_in_admin(db) -> Client:
    client = Client()
    client.force_login(PlatformAdminFactory())
    return client


# --------------------------------------------------------------------------------------------
# Control characters in page forms and queries
# --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_nul_in_the_admin_read_reason_is_a_styled_400_and_nothing_is_logged(signed_in_admin,
                                                                            world):
    """The probe's 500: the reason, kept in the session, was written to the access log."""
    reads = CaseAccess.objects.count()
    response = signed_in_admin.post(reverse("referrals:case-find"), {
        "reference": world.case.reference,
        "reason": "Answering support request 4411\x00 about this case"})
    assert_styled_400(response, CONTROL_MESSAGE, "“reason”")
    assert "4411" not in response.content.decode()
    follow = signed_in_admin.get(reverse("referrals:case", args=[world.case.reference]))
    assert follow.status_code == 302  # no reason was kept: the admin is asked again
    assert CaseAccess.objects.count() == reads


@pytest.fixture
def world(db):
    from tests.referrals.helpers import build_world

    return build_world()


@pytest.mark.django_db
@pytest.mark.parametrize("address", [
    "/?partnership=%00", "/?q=Hub%00", "/services/?q=%01", "/partnerships/compare/?p=%7F",
    "/casework/?reference=%00", "/admin/partnerships/partnership/?q=%00",
])
def test_control_characters_in_a_page_query_are_a_styled_400(signed_in_admin, address):
    text = assert_styled_400(signed_in_admin.get(address), CONTROL_MESSAGE)
    # People are told about the web address, not its "query parameters" (the API says those).
    assert "The web address contains a control character" in text
    assert "query parameter" not in text


@pytest.mark.django_db
def test_nul_in_a_case_or_referral_page_address_is_a_styled_400(signed_in_admin, world):
    for name in ("referrals:case", "referrals:referral", "referrals:case-close"):
        response = signed_in_admin.get(reverse(name, args=["C-1\x00"]))
        assert_styled_400(response, CONTROL_MESSAGE)


@pytest.mark.django_db
def test_the_400_page_keeps_the_signed_in_header(signed_in_admin):
    text = assert_styled_400(signed_in_admin.get("/?q=%00"))
    assert "Sign out" in text and 'class="govuk-service-navigation' in text


@pytest.mark.django_db
def test_tabs_and_line_breaks_in_a_form_are_allowed(client, settings):
    """Only the other control characters are refused: text typed in a textarea has line
    breaks, and a pasted password may hold a tab."""
    user = ProviderStaffFactory()
    response = client.post(reverse("login"), {"username": user.username,
                                              "password": "tab\there\r\nnewline"})
    assert response.status_code == 200
    assert "Enter a correct username and password" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("character", ["\x00", "\x08", "\x0b", "\x1b", "\x7f"])
def test_other_control_characters_in_a_form_are_a_styled_400(client, character):
    user = ProviderStaffFactory()
    response = client.post(reverse("login"), {"username": user.username + character,
                                              "password": PASSWORD})
    assert_styled_400(response, CONTROL_MESSAGE, "“username”")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_form_with_a_valid_csrf_token_is_still_checked(settings):
    """With CSRF enforced (as in production) the token is checked first, then the fields."""
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("login"))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(reverse("login"), {"csrfmiddlewaretoken": token,
                                              "username": "someone\x00", "password": "x"})
    assert_styled_400(response, CONTROL_MESSAGE)


@pytest.mark.django_db
def test_nul_in_a_multipart_admin_form_is_refused_and_nothing_changes(signed_in_admin):
    draft = DraftAgreementFactory(title="Joint working")
    url = reverse("admin:partnerships_agreement_change", args=[draft.pk])
    data = admin_form_data(signed_in_admin.get(url))
    data["title"] = "Joint\x00working"
    data["document"] = SimpleUploadedFile("agreement.pdf", b"%PDF-1.4", "application/pdf")
    assert_styled_400(signed_in_admin.post(url, data), CONTROL_MESSAGE, "“title”")
    draft.refresh_from_db()
    assert draft.title == "Joint working" and not draft.document


@pytest.mark.django_db
def test_refusals_log_no_value(client, caplog):
    with caplog.at_level(logging.DEBUG):
        client.post(reverse("login"), {"username": "jane.doe\x00", "password": "secret-x"})
    assert "jane.doe" not in caplog.text and "secret-x" not in caplog.text


# --------------------------------------------------------------------------------------------
# The sign-in form: a username no longer than the column (axes on)
# --------------------------------------------------------------------------------------------


@pytest.fixture
def axes_on(settings):
    """Tests run with axes off by default (config/settings/test.py); this is what it guards."""
    settings.AXES_ENABLED = True


def stored_usernames() -> list[str]:
    return [*AccessAttempt.objects.values_list("username", flat=True),
            *AccessFailureLog.objects.values_list("username", flat=True)]


@pytest.mark.django_db
@pytest.mark.parametrize("length", [151, 256, 5000])
def test_a_username_over_150_characters_is_refused_and_nothing_is_stored(client, axes_on,
                                                                         length):
    """A 256-character username made axes write to its 255-character column: a 500 on
    PostgreSQL. Django's form never checked the length (it sets max_length too late)."""
    response = client.post(reverse("login"), {"username": "u" * length, "password": "x"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Username must be 150 characters or less" in text
    assert 'href="#id_username"' in text  # in the error summary, linked to the field
    assert stored_usernames() == []


@pytest.mark.django_db
def test_a_150_character_username_is_checked_and_throttled_as_usual(client, axes_on):
    response = client.post(reverse("login"), {"username": "u" * 150, "password": "x"})
    assert "Enter a correct username and password" in response.content.decode()
    assert AccessAttempt.objects.get().username == "u" * 150


@pytest.mark.django_db
def test_the_admin_sign_in_has_the_same_bound(client, axes_on):
    response = client.post(reverse("admin:login"), {"username": "u" * 300, "password": "x"})
    assert response.status_code == 200
    assert "Username must be 150 characters or less" in response.content.decode()
    assert stored_usernames() == []


def test_the_username_field_says_its_limit_to_the_browser():
    from accounts.forms import SignInForm

    assert SignInForm().fields["username"].widget.attrs["maxlength"] == 150


# --------------------------------------------------------------------------------------------
# Request-size settings: uploads still pass
# --------------------------------------------------------------------------------------------


def test_request_limits_are_set_deliberately(settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 1024 * 1024
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS == 1000
    assert "core.middleware.RefuseControlCharactersMiddleware" in settings.MIDDLEWARE


@pytest.mark.django_db
def test_an_agreement_document_of_nearly_10_mb_still_uploads(signed_in_admin, settings,
                                                             tmp_path):
    """Uploaded files do not count towards DATA_UPLOAD_MAX_MEMORY_SIZE; the document's own
    limit (10 MB) decides. A PDF is binary: NUL bytes in a file are not refused."""
    settings.MEDIA_ROOT = tmp_path
    draft = DraftAgreementFactory()
    url = reverse("admin:partnerships_agreement_change", args=[draft.pk])
    data = admin_form_data(signed_in_admin.get(url))
    content = b"%PDF-1.4\n" + b"\x00\x01binary" * (9 * 1024 * 1024 // 8)
    data["document"] = SimpleUploadedFile("agreement.pdf", content, "application/pdf")
    response = signed_in_admin.post(url, data)
    assert response.status_code == 302, response.content[:500]
    draft.refresh_from_db()
    assert draft.document.size == len(content)


@pytest.mark.django_db
def test_a_form_over_the_memory_limit_is_a_styled_413(signed_in_admin):
    response = signed_in_admin.post(reverse("referrals:case-find"),
                                    {"reference": "C-1", "reason": "x" * (1024 * 1024 + 1)})
    assert response.status_code == 413
    assert PAGE_HEADING in response.content.decode()


@pytest.mark.django_db
def test_a_form_with_too_many_fields_is_a_styled_400(signed_in_admin):
    response = signed_in_admin.post(reverse("referrals:case-find"),
                                    {f"f{i}": "1" for i in range(1001)})
    assert response.status_code == 400
    assert PAGE_HEADING in response.content.decode()
    assert Agreement.objects.count() == 0


# --------------------------------------------------------------------------------------------
# The styled error pages, with DEBUG off
# --------------------------------------------------------------------------------------------


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("something broke")


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("a malformed request")


# The site's own URLs and error handlers, plus views that fail on purpose.
urlpatterns = [
    path("test-errors/500/", boom),
    path("api/test-errors/500/", boom),
    path("test-errors/403/", forbidden),
    path("test-errors/400/", suspicious),
    *site_urlpatterns,
]


@pytest.fixture
def debug_off(settings):
    settings.DEBUG = False


@pytest.mark.django_db
def test_404_page(signed_in_admin, debug_off):
    response = signed_in_admin.get("/no-such-page/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "<h1 class=\"govuk-heading-l\">Page not found</h1>" in text
    assert "If you typed the web address, check it is correct." in text
    assert STYLESHEET in text and "Sign out" in text


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_500_page(debug_off):
    client = Client(raise_request_exception=False)
    client.force_login(PlatformAdminFactory())
    response = client.get("/test-errors/500/")
    assert response.status_code == 500
    text = response.content.decode()
    assert "Sorry, there is a problem with the service" in text
    assert STYLESHEET in text and "something broke" not in text


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_500_under_the_api_is_json(debug_off):
    client = Client(raise_request_exception=False)
    response = client.get("/api/test-errors/500/")
    assert response.status_code == 500
    assert response.json() == {
        "detail": "Sorry, there is a problem with the service. Try again later."}


def test_500_page_renders_without_a_database(debug_off):
    """No django_db mark: any query would fail this test. The page is self-contained (no
    context processors, no base.html header that asks for the user)."""
    response = core_views.server_error(RequestFactory().get("/anything/"))
    assert response.status_code == 500
    text = response.content.decode()
    assert "Sorry, there is a problem with the service" in text and STYLESHEET in text


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_403_page(signed_in_admin, debug_off):
    response = signed_in_admin.get("/test-errors/403/")
    assert response.status_code == 403
    text = response.content.decode()
    assert "You do not have access to this page" in text and STYLESHEET in text


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_400_page_for_a_request_django_refuses(debug_off):
    response = Client().get("/test-errors/400/")
    assert response.status_code == 400
    text = response.content.decode()
    assert PAGE_HEADING in text and STYLESHEET in text and "malformed" not in text


@pytest.mark.django_db
def test_csrf_failure_page(debug_off):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "someone", "password": "x"})
    assert response.status_code == 403
    text = response.content.decode()
    assert "Sorry, this form has expired" in text
    assert "Go back, refresh the page and try again." in text and STYLESHEET in text
