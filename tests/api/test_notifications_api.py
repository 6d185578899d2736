"""The notifications API: only the user's own (anyone else's is a 404 and stays unread), unread
first and filtered, marking one or all read, every kind's email choice and setting one (an
unknown kind is a 400 naming the kinds, changing nothing), bounded queries at two sizes, no
calendar token over the API, and the schema."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from core.models import AuditEvent
from notifications import actions
from notifications.kinds import KINDS
from notifications.models import CalendarFeed, Notification, NotificationPreference
from tests.accounts.factories import ProviderStaffFactory
from tests.notifications.conftest import eager_celery  # noqa: F401  (autouse: tasks run eagerly)
from tests.partnerships.review_factories import at

from .test_schema import fresh_generator_stats, generate  # noqa: F401  (autouse here too)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/notifications/"
PREFERENCES = "/api/v1/notification-preferences/"


def client_of(user: Any) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def detail_url(notification: Notification, what: str = "") -> str:
    return f"{LIST}{notification.pk}/{what + '/' if what else ''}"


def state() -> tuple[Any, ...]:
    """What a refusal must leave alone: preferences, read marks and the audit trail."""
    return (list(NotificationPreference.objects.order_by("pk")
                 .values_list("user_id", "kind", "email", "digest")),
            list(Notification.objects.order_by("pk").values_list("pk", "read_at")),
            AuditEvent.objects.count())


@pytest.fixture
def recipient(db: None) -> Any:
    return ProviderStaffFactory()


@pytest.fixture
def make_notification(recipient: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """``make_notification(kind=..., to=..., **fields)``: one through
    ``actions.notification_create``, its email left pending (delivery is not what these tests are
    about)."""
    counter = iter(range(1, 10_000))

    def make(*, kind: str = "return_overdue", to: Any = None, **fields: Any) -> Notification:
        arguments = {"subject": "Return RET-12 for Q1 2025 is overdue",
                     "body": "The monitoring return is past its due date.",
                     "url": "/monitoring/returns/", **fields}
        with django_capture_on_commit_callbacks(execute=False):
            return actions.notification_create(kind=kind, key=f"api-test:{next(counter)}",
                                  recipient=to or recipient, **arguments)

    return make


@pytest.fixture
def mine(recipient: Any) -> APIClient:
    return client_of(recipient)


# --------------------------------------------------------------------------------------------
# Who may see what
# --------------------------------------------------------------------------------------------


def test_anonymous_and_inactive_users_are_refused(recipient: Any, make_notification: Any) -> None:
    notification = make_notification()
    before = state()
    inactive = client_of(ProviderStaffFactory(is_active=False))
    for client in (APIClient(), inactive):
        for response in (client.get(LIST), client.get(detail_url(notification)),
                         client.post(detail_url(notification, "read")),
                         client.post(f"{LIST}read-all/"), client.get(PREFERENCES),
                         client.put(PREFERENCES, {"kind": "return_overdue", "email": False,
                                                  "digest": False}, format="json")):
            assert response.status_code == 401, response.content
    assert APIClient().get(LIST).json() == {
        "detail": "Authentication credentials were not provided."}
    assert state() == before


def test_someone_elses_notification_is_not_found_and_stays_unread(
        recipient: Any, make_notification: Any) -> None:
    theirs = make_notification(to=ProviderStaffFactory(), subject="Return RET-9 is overdue")
    client = client_of(recipient)
    before = state()
    for response in (client.get(detail_url(theirs)), client.post(detail_url(theirs, "read"))):
        assert response.status_code == 404
        assert "RET-9" not in response.content.decode()
    assert client.get(f"{LIST}999999999/").status_code == 404
    assert client.get(f"{LIST}abc/").status_code == 404
    assert client.post(f"{LIST}read-all/").json() == {"marked": 0}
    assert state() == before
    theirs.refresh_from_db()
    assert theirs.read_at is None


# --------------------------------------------------------------------------------------------
# Listing and reading
# --------------------------------------------------------------------------------------------


def created(notification: Notification, day: int) -> Notification:
    """Sent at 09:00 UTC on ``day`` November 2026."""
    moment = dt.datetime(2026, 11, day, 9, 0, tzinfo=dt.UTC)
    Notification.objects.filter(pk=notification.pk).update(created_on=moment)
    return notification


def test_own_only_unread_first_newest_first(recipient: Any, make_notification: Any) -> None:
    newest = created(make_notification(kind="review_due_soon",
                                       subject="Review of Fellside on 5 Dec",
                                       url="/partnerships/fellside/reviews/"), 22)
    oldest = created(make_notification(subject="Return RET-1 is due soon"), 20)
    read = created(make_notification(subject="Return RET-2 is due soon"), 21)
    make_notification(to=ProviderStaffFactory(), subject="Someone else's")
    client = client_of(recipient)
    assert client.post(detail_url(read, "read")).status_code == 200
    body = client.get(LIST).json()
    assert body["count"] == 3
    assert [n["id"] for n in body["results"]] == [newest.pk, oldest.pk, read.pk]
    first = body["results"][0]
    assert first == {"id": newest.pk, "kind": "review_due_soon",
                     "kind_label": "Partnership review coming up",
                     "subject": "Review of Fellside on 5 Dec",
                     "body": "The monitoring return is past its due date.",
                     "url": "/partnerships/fellside/reviews/",
                     "created_on": "2026-11-22T09:00:00Z", "read_at": None, "unread": True}
    assert body["results"][2]["unread"] is False
    unread = client.get(LIST, {"unread": "true"}).json()
    assert [n["id"] for n in unread["results"]] == [newest.pk, oldest.pk]
    already = client.get(LIST, {"unread": "false"}).json()
    assert [n["id"] for n in already["results"]] == [read.pk]


def test_a_bad_filter_is_a_400(mine: APIClient) -> None:
    response = mine.get(LIST, {"unread": "maybe"})
    assert response.status_code == 400
    assert response.json() == {"unread": ["Enter true or false."]}


def test_reading_one_does_not_mark_it_read(recipient: Any, make_notification: Any) -> None:
    notification = make_notification()
    body = client_of(recipient).get(detail_url(notification)).json()
    assert (body["id"], body["unread"]) == (notification.pk, True)
    notification.refresh_from_db()
    assert notification.read_at is None


def test_marking_one_read_twice_keeps_the_first_time(recipient: Any, make_notification: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    notification = make_notification()
    client = client_of(recipient)
    at(monkeypatch, dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC))
    first = client.post(detail_url(notification, "read"))
    assert first.status_code == 200
    assert (first.json()["read_at"], first.json()["unread"]) == ("2026-11-25T10:00:00Z", False)
    at(monkeypatch, dt.datetime(2026, 11, 25, 11, 0, tzinfo=dt.UTC))
    again = client.post(detail_url(notification, "read"))
    assert again.json()["read_at"] == "2026-11-25T10:00:00Z"


def test_mark_all_read_counts_only_the_users_unread(recipient: Any,
                                                     make_notification: Any) -> None:
    already = make_notification()
    for _ in range(3):
        make_notification()
    theirs = make_notification(to=ProviderStaffFactory())
    client = client_of(recipient)
    client.post(detail_url(already, "read"))
    assert client.post(f"{LIST}read-all/").json() == {"marked": 3}
    assert client.post(f"{LIST}read-all/").json() == {"marked": 0}
    assert not Notification.objects.for_recipient(recipient).unread().exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_writes_are_posts(recipient: Any, make_notification: Any) -> None:
    notification = make_notification()
    client = client_of(recipient)
    assert client.get(detail_url(notification, "read")).status_code == 405
    assert client.get(f"{LIST}read-all/").status_code == 405
    assert client.delete(detail_url(notification)).status_code == 405
    assert Notification.objects.get().read_at is None


# --------------------------------------------------------------------------------------------
# Email choices
# --------------------------------------------------------------------------------------------


def test_every_kind_with_its_label_and_the_users_choice(recipient: Any) -> None:
    NotificationPreference.objects.create(user=recipient, kind="review_overdue", email=True,
                                          digest=True)
    NotificationPreference.objects.create(user=ProviderStaffFactory(), kind="return_overdue",
                                          email=False, digest=False)
    body = client_of(recipient).get(PREFERENCES).json()
    assert [row["kind"] for row in body] == list(KINDS)
    rows = {row["kind"]: row for row in body}
    assert rows["review_overdue"] == {
        "kind": "review_overdue", "label": "Partnership review overdue or not recorded",
        "description": KINDS["review_overdue"].description, "email": True, "digest": True}
    # the default, and not another user's choice
    assert (rows["return_overdue"]["email"], rows["return_overdue"]["digest"]) == (True, False)


def test_setting_one_kind(recipient: Any) -> None:
    client = client_of(recipient)
    response = client.put(PREFERENCES, {"kind": "agreement_expiring", "email": True,
                                        "digest": True}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"kind": "agreement_expiring", "label": "Agreement expiring",
                               "description": KINDS["agreement_expiring"].description,
                               "email": True, "digest": True}
    response = client.put(PREFERENCES, {"kind": "agreement_expiring", "email": False,
                                        "digest": False}, format="json")
    assert response.json()["email"] is False
    assert list(NotificationPreference.objects.values_list("user_id", "kind", "email",
                                                           "digest")) == [
        (recipient.pk, "agreement_expiring", False, False)]
    rows = {row["kind"]: row for row in client.get(PREFERENCES).json()}
    assert rows["agreement_expiring"]["email"] is False


@pytest.mark.parametrize(("body", "field", "message"), [
    ({"kind": "birthday", "email": True, "digest": False}, "kind",
     "“birthday” is not a kind of notification. The kinds are: action_overdue, "
     "agreement_ended, "),
    ({"kind": "review_overdue", "email": False, "digest": True}, "digest",
     "A daily digest is an email: choose email “Yes” to get one."),
    ({"email": True, "digest": False}, "kind", "This field is required."),
    ({"kind": "review_overdue", "digest": False}, "email", "This field is required."),
    ({"kind": "review_overdue", "email": "perhaps", "digest": False}, "email",
     "Must be a valid boolean."),
])
def test_bad_choices_are_refused_and_change_nothing(recipient: Any, body: dict[str, Any],
                                                    field: str, message: str) -> None:
    NotificationPreference.objects.create(user=recipient, kind="review_overdue", email=True,
                                          digest=False)
    before = state()
    response = client_of(recipient).put(PREFERENCES, body, format="json")
    assert response.status_code == 400, response.content
    assert message in response.json()[field][0], response.json()
    assert state() == before


def test_an_unknown_kind_names_every_kind(recipient: Any) -> None:
    message = client_of(recipient).put(PREFERENCES, {"kind": "birthday", "email": True,
                                                     "digest": False},
                                       format="json").json()["kind"][0]
    assert all(kind in message for kind in KINDS)


# --------------------------------------------------------------------------------------------
# Queries, the calendar, the schema
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [3, 30])
def test_bounded_queries(recipient: Any, make_notification: Any,
                         django_assert_num_queries: Any, n: int) -> None:
    for i in range(n):
        make_notification(kind=list(KINDS)[i % len(KINDS)])
        NotificationPreference.objects.get_or_create(user=recipient,
                                                     kind=list(KINDS)[i % len(KINDS)])
    client = client_of(recipient)
    # session and user; then the list's count and page, or the preferences
    with django_assert_num_queries(4):
        assert client.get(LIST, {"page_size": 100}).json()["count"] == n
    with django_assert_num_queries(3):
        assert len(client.get(PREFERENCES).json()) == len(KINDS)
    with django_assert_num_queries(3):
        assert client.post(f"{LIST}read-all/").json() == {"marked": n}


def test_no_calendar_token_over_the_api(recipient: Any, tmp_path: Path) -> None:
    """The private calendar link is created, and shown once, on the settings page only."""
    client = client_of(recipient)
    for path in ("/api/v1/calendar/", "/api/v1/calendar-feeds/",
                 "/api/v1/notification-preferences/calendar/"):
        assert client.post(path).status_code in (404, 405)
    assert not CalendarFeed.objects.exists()
    assert not [path for path in generate(tmp_path)["paths"] if "calendar" in path]


PATHS = {
    "/api/v1/notifications/": {"get"},
    "/api/v1/notifications/{id}/": {"get"},
    "/api/v1/notifications/{id}/read/": {"post"},
    "/api/v1/notifications/read-all/": {"post"},
    "/api/v1/notification-preferences/": {"get", "put"},
}


def test_the_schema_documents_the_notification_endpoints(tmp_path: Path) -> None:
    schema = generate(tmp_path)  # --validate --fail-on-warn: any warning fails
    paths = schema["paths"]
    for path, methods in PATHS.items():
        assert set(paths[path]) - {"parameters"} == methods, path
    parameters = {p["name"]: p for p in paths["/api/v1/notifications/"]["get"]["parameters"]}
    assert {"unread", "page", "page_size"} <= set(parameters)
    assert parameters["unread"]["schema"]["type"] == "boolean"
    put = paths["/api/v1/notification-preferences/"]["put"]
    assert {"200", "400"} <= set(put["responses"])
    components = schema["components"]["schemas"]
    assert set(components["PreferenceInputRequest"]["required"]) == {"kind", "email", "digest"}
    assert "404" in paths["/api/v1/notifications/{id}/read/"]["post"]["responses"]
