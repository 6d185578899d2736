"""The notification pages: only the recipient's own, unread count in the header, settings."""

import re

import pytest
from django.urls import reverse

from notifications.models import Notification
from tests.accounts.factories import ProviderStaffFactory
from tests.html import assert_good_markup, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, recipient):
    client.force_login(recipient)
    return client


def test_pages_need_sign_in(client, make_notification):
    notification = make_notification()
    for url in (reverse("notifications:list"), reverse("notifications:settings"),
                reverse("notifications:open", args=[notification.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/sign-in/" in response.url
    assert client.post(reverse("notifications:mark-all-read")).status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is None


def test_the_list_shows_only_the_users_own_unread_first(signed_in, make_notification):
    read = make_notification(subject="Return RET-1 is due soon")
    signed_in.get(reverse("notifications:open", args=[read.pk]))
    make_notification(subject="Return RET-2 is overdue")
    make_notification(subject="Return RET-3 is overdue", to=ProviderStaffFactory())
    response = signed_in.get(reverse("notifications:list"))
    html = response.content.decode()
    assert_good_markup(html)
    words = text(html)
    assert "RET-2" in words and "RET-1" in words and "RET-3" not in words
    assert words.index("RET-2") < words.index("RET-1")  # unread first
    assert "Notifications 1 unread" in words
    assert "Mark all as read" in words


def test_the_header_shows_the_unread_count_on_every_page(signed_in, make_notification):
    for _ in range(3):
        make_notification()
    make_notification(to=ProviderStaffFactory())
    html = signed_in.get(reverse("home")).content.decode()
    link = re.search(r'<a [^>]*href="/notifications/"[^>]*>(.*?)</a>', html, re.S)
    assert link and text(link.group(1)).strip() == "Notifications 3 unread"
    assert 'class="govuk-tag"' in link.group(1)


def test_the_header_count_is_one_query(make_notification, django_assert_num_queries):
    from django.test import RequestFactory

    from notifications.context_processors import unread

    make_notification()
    request = RequestFactory().get("/")
    request.user = Notification.objects.get().recipient
    context = unread(request)
    with django_assert_num_queries(1):
        assert context["notifications_unread"]() == 1
        assert context["notifications_unread"]() == 1  # counted once per page


def test_anonymous_pages_have_no_count(client):
    response = client.get(reverse("login"))
    assert "notifications_unread" not in response.context
    assert "unread" not in text(response.content.decode())


def test_opening_marks_read_and_goes_to_its_url(signed_in, make_notification):
    notification = make_notification(url="/monitoring/")
    response = signed_in.get(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 302 and response.url == "/monitoring/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    response = signed_in.post(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 302


def test_opening_one_without_a_safe_url_goes_to_the_list(signed_in, make_notification):
    for url in ("", "https://evil.example/phish", "//evil.example/"):
        notification = make_notification(url=url)
        response = signed_in.get(reverse("notifications:open", args=[notification.pk]))
        assert response.url == reverse("notifications:list")


def test_someone_elses_notification_is_a_404(signed_in, make_notification):
    theirs = make_notification(to=ProviderStaffFactory())
    assert signed_in.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    assert signed_in.post(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    assert signed_in.get(reverse("notifications:open", args=[999_999])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_as_read(signed_in, make_notification):
    mine, theirs = make_notification(), make_notification(to=ProviderStaffFactory())
    response = signed_in.post(reverse("notifications:mark-all-read"), follow=True)
    assert "All your notifications are marked as read." in text(response.content.decode())
    assert "Notifications 0 unread" in text(response.content.decode())
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None
    assert signed_in.get(reverse("notifications:mark-all-read")).status_code == 405


def test_the_list_costs_the_same_for_many_rows(signed_in, make_notification,
                                               django_assert_max_num_queries):
    make_notification()
    # The session; the user with the header's count; the paginator's count; the page.
    with django_assert_max_num_queries(4) as few:
        signed_in.get(reverse("notifications:list"))
    for _ in range(30):
        make_notification()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = signed_in.get(reverse("notifications:list"))
    assert response.context["page"].paginator.num_pages == 2


def test_the_list_pages(signed_in, make_notification):
    for n in range(27):
        make_notification(subject=f"Return RET-{n:02d} is overdue")
    words = text(signed_in.get(reverse("notifications:list") + "?page=2").content.decode())
    assert "RET-01" in words and "RET-26" not in words
    notice = text(signed_in.get(reverse("notifications:list") + "?page=x").content.decode())
    assert "must be a whole number" in notice


def test_an_empty_list(signed_in):
    words = text(signed_in.get(reverse("notifications:list")).content.decode())
    assert "You have no notifications." in words and "Mark all as read" not in words


# The settings page (choices per area, per-kind overrides): test_settings_by_area.py.


def test_platform_admins_list_notifications_read_only_in_the_admin(client, admin_user,
                                                                   provider_user,
                                                                   make_notification):
    notification = make_notification()
    client.force_login(admin_user)
    assert client.get(reverse("admin:notifications_notification_changelist")).status_code == 200
    url = reverse("admin:notifications_notification_change", args=[notification.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"subject": "changed"}).status_code == 403
    assert client.get(reverse("admin:notifications_notification_add")).status_code == 403
    client.force_login(provider_user)
    assert client.get(reverse("admin:notifications_notification_changelist")).status_code == 302
