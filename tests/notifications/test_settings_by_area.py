"""Notification settings by area (issue 15, item 3): one email choice per area, per-kind
overrides behind a details component, and delivery resolving kind → area → default."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from core.errors import DomainError
from notifications import actions, digest
from notifications.kinds import AREAS, KINDS, kinds_in
from notifications.models import EmailStatus, Notification, NotificationPreference
from notifications.preferences import email_choice
from tests.html import assert_good_markup, text

pytestmark = pytest.mark.django_db

SETTINGS = "/notifications/settings/"
RETURNS = [kind.key for kind in kinds_in("returns")]


@pytest.fixture
def signed_in(client: Any, recipient: Any) -> Any:
    client.force_login(recipient)
    return client


def page_data(**changes: str) -> dict[str, str]:
    """What the page posts when nothing is changed (every area "now", every kind "same"),
    with ``changes``."""
    data = {f"area-{area}": "now" for area in AREAS}
    data.update({f"kind-{key}": "same" for key in KINDS})
    data.update(changes)
    return data


def rows(user: Any) -> list[tuple[str, bool, bool]]:
    return sorted(NotificationPreference.objects.filter(user=user)
                  .values_list("kind", "email", "digest"))


# -- the page -------------------------------------------------------------------------------


def test_the_page_shows_a_choice_per_area_and_closed_per_kind_details(signed_in: Any) -> None:
    assert reverse("notifications:settings") == SETTINGS
    html = signed_in.get(SETTINGS).content.decode()
    assert_good_markup(html)
    words = text(html)
    for label in AREAS.values():
        assert label in words
    assert html.count('<details class="govuk-details') == len(AREAS)
    assert "<details open" not in html and " open>" not in html
    assert words.count("Choose for each kind of notification in this area") == len(AREAS)
    for area in AREAS:  # the default: email each one now
        assert f'name="area-{area}" type="radio" value="now" checked' in html
    for key in KINDS:  # every kind follows its area
        assert f'name="kind-{key}" type="radio" value="same" checked' in html
    for choice in ("Email each one now", "A daily digest email",
                   "In the service only (no email)", "Same as the area"):
        assert choice in words


def test_an_area_choice_applies_to_every_kind_in_the_area(signed_in: Any,
                                                         recipient: Any) -> None:
    response = signed_in.post(SETTINGS, page_data(**{"area-returns": "digest"}), follow=True)
    assert "Your notification settings are saved." in text(response.content.decode())
    assert len(RETURNS) > 5
    for key in RETURNS:
        assert email_choice(recipient, key) == "digest", key
    for key in KINDS:
        if key not in RETURNS:
            assert email_choice(recipient, key) == "now", key
    # One row for the area, none per kind.
    assert ("area:returns", True, True) in rows(recipient)
    assert not NotificationPreference.objects.filter(kind__in=RETURNS).exists()
    html = response.content.decode()
    assert 'name="area-returns" type="radio" value="digest" checked' in html


def test_a_kind_override_beats_its_area(signed_in: Any, recipient: Any) -> None:
    signed_in.post(SETTINGS, page_data(**{"area-returns": "none",
                                          "kind-return_sent_back": "now",
                                          "kind-referral_received": "digest"}))
    assert email_choice(recipient, "return_sent_back") == "now"
    assert email_choice(recipient, "return_approved") == "none"
    assert email_choice(recipient, "referral_received") == "digest"
    assert email_choice(recipient, "referral_declined") == "now"
    html = signed_in.get(SETTINGS).content.decode()
    assert 'name="kind-return_sent_back" type="radio" value="now" checked' in html
    assert "(1 chosen separately)" in text(html)
    assert "<details open" not in html and " open>" not in html  # still short


def test_same_as_the_area_removes_the_override(signed_in: Any, recipient: Any) -> None:
    actions.kind_preference_set(user=recipient, kind="return_sent_back", choice="none")
    actions.area_preference_set(user=recipient, area="returns", choice="digest")
    assert email_choice(recipient, "return_sent_back") == "none"
    signed_in.post(SETTINGS, page_data(**{"area-returns": "digest"}))
    assert not NotificationPreference.objects.filter(kind="return_sent_back").exists()
    assert email_choice(recipient, "return_sent_back") == "digest"


@pytest.mark.parametrize(("changes", "message"), [
    ({"area-returns": "sometimes"}, "Choose one of the three ways to get these emails"),
    ({"area-returns": ""}, "Choose how to get emails about monitoring returns"),
    ({"kind-return_sent_back": "maybe"},
     "Choose “Same as the area” or one of the three ways to get these emails"),
    ({"kind-return_sent_back": ""}, "Choose how to get emails about return sent back"),
    ({"area-birthdays": "now"},
     "These are not areas or kinds of notification, so nothing was saved: birthdays."),
    ({"kind-return_lost": "none"},
     "These are not areas or kinds of notification, so nothing was saved: return_lost."),
])
def test_bad_values_are_refused_clearly_and_nothing_is_saved(
        signed_in: Any, recipient: Any, changes: dict[str, str], message: str) -> None:
    actions.kind_preference_set(user=recipient, kind="return_sent_back", choice="none")
    before = rows(recipient)
    # Everything else asks for a change, which must not be saved either.
    response = signed_in.post(SETTINGS, page_data(**{"area-casework": "none",
                                                     "kind-return_sent_back": "same",
                                                     **changes}))
    html = response.content.decode()
    assert response.status_code == 200 and "Error: Notification settings" in html
    assert "There is a problem" in text(html) and message in text(html)
    assert_good_markup(html)
    assert rows(recipient) == before


def test_a_bad_kind_choice_opens_its_details(signed_in: Any) -> None:
    html = signed_in.post(SETTINGS, page_data(**{"kind-return_sent_back": "maybe"})
                          ).content.decode()
    assert html.count("<details") == len(AREAS) and html.count(" open>") == 1
    assert 'href="#id_kind-return_sent_back"' in html and 'id="id_kind-return_sent_back"' in html


def test_the_page_saves_all_or_nothing(recipient: Any) -> None:
    with pytest.raises(DomainError):
        actions.preferences_save(user=recipient, areas={"returns": "digest"},
                                 kinds={"return_sent_back": "sometimes"})
    assert rows(recipient) == []


# -- the actions ----------------------------------------------------------------------------


def test_area_and_kind_actions_refuse_unknown_areas_kinds_and_choices(recipient: Any) -> None:
    with pytest.raises(DomainError, match="not an area") as error:
        actions.area_preference_set(user=recipient, area="birthdays", choice="now")
    assert error.value.field == "area"
    with pytest.raises(DomainError, match="not a choice"):
        actions.area_preference_set(user=recipient, area="returns", choice="same")
    with pytest.raises(DomainError, match="not a kind"):
        actions.kind_preference_set(user=recipient, kind="area:returns", choice="now")
    with pytest.raises(DomainError, match="not a choice"):
        actions.kind_preference_set(user=recipient, kind="return_approved", choice="often")
    assert rows(recipient) == []


def test_email_choice_resolves_in_one_query(recipient: Any,
                                            django_assert_num_queries: Any) -> None:
    actions.area_preference_set(user=recipient, area="agreements", choice="none")
    actions.kind_preference_set(user=recipient, kind="agreement_ended", choice="digest")
    with django_assert_num_queries(1):
        assert email_choice(recipient, "agreement_ended") == "digest"
    with django_assert_num_queries(1):
        assert email_choice(recipient, "agreement_expiring") == "none"
    assert email_choice(recipient, "membership_added") == "now"  # the default


# -- delivery -------------------------------------------------------------------------------


def deliver(make_notification: Any, kind: str) -> Notification:
    notification = make_notification(kind=kind, deliver=True)
    notification.refresh_from_db()
    return notification


def test_delivery_honours_the_resolution(make_notification: Any, recipient: Any,
                                         django_capture_on_commit_callbacks: Any) -> None:
    actions.area_preference_set(user=recipient, area="returns", choice="digest")
    actions.kind_preference_set(user=recipient, kind="return_sent_back", choice="now")
    actions.area_preference_set(user=recipient, area="agreements", choice="none")

    now = deliver(make_notification, "return_sent_back")  # its own: now
    assert now.email_status == EmailStatus.SENT
    assert [m.subject for m in mail.outbox] == [now.subject]

    gathered = deliver(make_notification, "return_approved")  # its area: digest
    assert gathered.email_status == EmailStatus.DIGEST and len(mail.outbox) == 1

    silent = deliver(make_notification, "agreement_ended")  # its area: in the service only
    assert silent.email_status == EmailStatus.OPTED_OUT and len(mail.outbox) == 1

    default = deliver(make_notification, "referral_received")  # nothing stored: now
    assert default.email_status == EmailStatus.SENT and len(mail.outbox) == 2

    # The daily digest carries the gathered one, and only it.
    assert digest.digest_send(user=recipient, day=gathered.created_on.date()) == 1
    assert len(mail.outbox) == 3 and gathered.subject in mail.outbox[2].body
    assert Notification.objects.filter(digested_on__isnull=False).get() == gathered
    assert Notification.objects.filter(read_at__isnull=True).count() == 4  # all in the service


# -- the API --------------------------------------------------------------------------------


def test_the_api_shows_each_kind_as_resolved(recipient: Any) -> None:
    from rest_framework.test import APIClient

    actions.area_preference_set(user=recipient, area="returns", choice="none")
    actions.kind_preference_set(user=recipient, kind="return_sent_back", choice="digest")
    client = APIClient()
    client.force_authenticate(recipient)
    body = {row["kind"]: row for row in client.get("/api/v1/notification-preferences/").json()}
    assert list(body) == list(KINDS)  # no "area:" rows among the kinds
    assert (body["return_approved"]["email"], body["return_approved"]["digest"]) == (False, False)
    assert (body["return_sent_back"]["email"], body["return_sent_back"]["digest"]) == (True, True)
    assert (body["referral_received"]["email"], body["referral_received"]["digest"]) == (True,
                                                                                         False)


def test_the_migration_drops_only_rows_the_old_page_saved_as_the_default(recipient: Any) -> None:
    """The old page stored every kind on every save; rows that are just the default would
    otherwise override the area's choice."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("notifications.migrations.0005_preferences_by_area")
    for kind in ("return_due_soon", "return_overdue"):
        actions.preference_set(user=recipient, kind=kind, email=True, digest=False)
    actions.preference_set(user=recipient, kind="review_overdue", email=False, digest=False)
    actions.preference_set(user=recipient, kind="agreement_expiring", email=True, digest=True)
    actions.area_preference_set(user=recipient, area="returns", choice="now")
    migration.remove_default_rows(apps, None)
    assert rows(recipient) == [("agreement_expiring", True, True), ("area:returns", True, False),
                               ("review_overdue", False, False)]
