"""GOV.UK Notify as the email channel, against a local stub of Notify's documented API.

The stub is a real HTTP server on 127.0.0.1 (a random port) that checks what Notify checks: a
POST to /v2/notifications/email whose Authorization header is a JWT (HS256) issued by the service
id and signed with the API key's secret, no more than 30 seconds old, and a JSON body with
email_address, template_id, personalisation and reference. It answers 201 with Notify's response,
or whatever a test scripts (500, 429, 400, a hang). The real ``notifications-python-client`` talks
to it: nothing of the client or of our code is mocked.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse

from notifications import actions, channels, checks
from notifications.models import EmailStatus, Notification
from notifications.tasks import (
    MAIL_ERRORS,
    deliver_notification,
    deliver_notifications,
    send_digests,
)

pytestmark = pytest.mark.django_db

# Fixed ids (not uuid4()): they appear in parametrize ids, which pytest-xdist needs the same in
# every worker.
SERVICE_ID = "6d1c9a4e-2f0b-4c1e-9a55-3e8f2b7d9c01"
SECRET = "0b7e4d2a-91c3-4f6e-8d20-5a1f3c9e7b42"
API_KEY = f"registry_test-{SERVICE_ID}-{SECRET}"
TEMPLATE = "f3a8c2d1-7e4b-4a90-b6c5-2d9e1f0a8b73"
DIGEST_TEMPLATE = "9c2e7f41-3b8d-4d6a-a1f0-6e5b4c3d2a19"
ROOT = Path(__file__).resolve().parents[2]


class NotifyStub(ThreadingHTTPServer):
    """GOV.UK Notify's email endpoint, enough of it to send to: records every request it
    accepted or refused, and answers from ``script`` (status codes, or "hang") before 201."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict] = []  # every request that reached the endpoint
        self.sent: list[dict] = []  # the emails it accepted (answered 201)
        self.script: deque = deque()
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: NotifyStub

    def log_message(self, format, *args):  # noqa: A002 - quiet, as pytest captures stderr
        pass

    def _answer(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, error: str, message: str) -> None:
        self._answer(status, {"status_code": status,
                              "errors": [{"error": error, "message": message}]})

    def do_POST(self):  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if self.path != "/v2/notifications/email":
            return self._error(404, "NotFoundError", "Not found")
        with self.server.lock:
            self.server.requests.append(body)
            step = self.server.script.popleft() if self.server.script else 201
        # Notify's authorisation: a Bearer JWT, iss = service id, signed with the key's secret.
        header = self.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return self._error(401, "AuthError", "Unauthorized: authentication token must be "
                                                 "provided")
        try:
            claims = jwt.decode(header.removeprefix("Bearer "), SECRET, algorithms=["HS256"])
        except jwt.InvalidTokenError:
            return self._error(403, "AuthError", "Invalid token: signature, api token not found")
        if claims.get("iss") != SERVICE_ID or abs(time.time() - claims.get("iat", 0)) > 30:
            return self._error(403, "AuthError", "Invalid token: iss or iat")
        missing = {"email_address", "template_id"} - body.keys()
        if missing:
            return self._error(400, "ValidationError", f"{sorted(missing)[0]} is a required "
                                                       "property")
        if step == "hang":
            time.sleep(2)
            step = 201
        if step == 400:
            return self._error(400, "BadRequestError",
                               "Can’t send to this recipient using a team-only API key")
        if step != 201:
            return self._error(step, "Exception" if step >= 500 else "RateLimitError",
                               "Internal server error" if step >= 500 else
                               "Exceeded rate limit for key type LIVE of 3000 requests per 60 "
                               "seconds")
        notification_id = str(uuid.uuid4())
        personalisation = body.get("personalisation", {})
        with self.server.lock:
            self.server.sent.append(body)
        base = self.server.url
        self._answer(201, {
            "id": notification_id,
            "reference": body.get("reference"),
            "content": {"subject": personalisation.get("subject", ""),
                        "body": personalisation.get("body", ""),
                        "from_email": "partnership.registry@notifications.service.gov.uk",
                        "one_click_unsubscribe_url": None},
            "uri": f"{base}/v2/notifications/{notification_id}",
            "template": {"id": body["template_id"], "version": 1,
                         "uri": f"{base}/v2/template/{body['template_id']}"},
        })


@pytest.fixture
def notify(settings):
    """A running stub, with the registry's settings pointing the Notify channel at it."""
    stub = NotifyStub()
    thread = threading.Thread(target=stub.serve_forever, daemon=True)
    thread.start()
    settings.EMAIL_CHANNEL = "notify"
    settings.NOTIFY_API_KEY = API_KEY
    settings.NOTIFY_BASE_URL = stub.url
    settings.NOTIFY_TEMPLATE_NOTIFICATION = TEMPLATE
    settings.NOTIFY_TEMPLATE_DIGEST = DIGEST_TEMPLATE
    settings.EMAIL_TIMEOUT = 1
    yield stub
    stub.shutdown()
    stub.server_close()
    thread.join(timeout=5)


def run_task(task, *args):
    """Run ``task`` in this process with its real autoretry, as a worker would: each retry it
    asks for runs at once (the back-off's countdown skipped) until it succeeds or gives up.
    Celery's eager retries re-raise unless propagation is off, so it is off meanwhile."""
    conf = task.app.conf
    saved, conf.task_eager_propagates = conf.task_eager_propagates, False
    try:
        return task.apply(args=args)
    finally:
        conf.task_eager_propagates = saved


def closed_port_url() -> str:
    """An address where nothing listens (a port just freed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_a_notification_email_goes_to_notify_with_template_address_and_reference(
        notify, make_notification, recipient, settings):
    notification = make_notification(deliver=True)

    assert len(notify.sent) == 1
    request = notify.sent[0]
    assert request["email_address"] == recipient.email
    assert request["template_id"] == TEMPLATE
    assert request["reference"] == f"notification-{notification.pk}"
    personalisation = request["personalisation"]
    assert personalisation["subject"] == "Return RET-12 for Q1 2025 is overdue"
    link = settings.SITE_URL + reverse("notifications:open", args=[notification.pk])
    assert personalisation["link"] == link
    assert personalisation["body"].startswith("The monitoring return is past its due date.")
    assert link in personalisation["body"]
    assert mail.outbox == []  # not also through SMTP
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT
    assert notification.email_sent_at is not None


def test_delivering_again_sends_nothing_twice(notify, make_notification):
    notification = make_notification(deliver=True)
    assert actions.notification_deliver(notification_id=notification.pk) is False
    deliver_notification.delay(notification.pk)
    assert len(notify.requests) == 1


def test_the_daily_digest_goes_to_notify_with_its_template(
        notify, recipient, django_capture_on_commit_callbacks):
    rows = [Notification.objects.create(
        kind="return_overdue", key=f"notify-digest:{n}", recipient=recipient,
        subject=f"Return RET-{n} is overdue", body="Past its due date.",
        email_status=EmailStatus.DIGEST) for n in (1, 2)]

    with django_capture_on_commit_callbacks(execute=True):
        send_digests.apply(kwargs={"today": "2026-12-07"}).get()

    assert len(notify.sent) == 1
    request = notify.sent[0]
    assert request["email_address"] == recipient.email
    assert request["template_id"] == DIGEST_TEMPLATE
    assert request["reference"] == f"digest-user-{recipient.pk}-2026-12-07"
    assert request["personalisation"]["subject"] == \
        "Your Partnership Registry notifications: 2 new"
    assert "Return RET-1 is overdue" in request["personalisation"]["body"]
    assert "Return RET-2 is overdue" in request["personalisation"]["body"]
    assert all(row.digested_on == datetime.date(2026, 12, 7)
               for row in Notification.objects.filter(pk__in=[r.pk for r in rows]))
    # A second sweep finds nothing left to send.
    with django_capture_on_commit_callbacks(execute=True):
        send_digests.apply(kwargs={"today": "2026-12-07"}).get()
    assert len(notify.requests) == 1


def test_the_digest_without_its_own_template_uses_the_generic_one(notify, recipient, settings):
    from notifications import digest

    settings.NOTIFY_TEMPLATE_DIGEST = TEMPLATE
    Notification.objects.create(kind="return_overdue", key="notify-digest:x",
                                recipient=recipient, subject="Return RET-7 is overdue",
                                email_status=EmailStatus.DIGEST)
    assert digest.digest_send(user=recipient, day=datetime.date(2026, 12, 7)) == 1
    assert notify.sent[0]["template_id"] == TEMPLATE


@pytest.mark.parametrize("failure", [500, 503, 429, "hang"])
def test_notify_failing_then_answering_is_retried_and_sends_exactly_once(
        notify, make_notification, failure):
    notify.script.extend([failure, 201])
    notification = make_notification()

    result = run_task(deliver_notification, notification.pk)

    assert result.successful() and result.result is True

    assert len(notify.requests) == 2
    assert len(notify.sent) == 1
    assert notify.sent[0]["reference"] == f"notification-{notification.pk}"
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT
    assert notification.attempts == 2


def test_a_notify_failure_leaves_the_notification_waiting_until_a_later_delivery(
        notify, make_notification):
    notify.script.append(500)
    notification = make_notification()

    with pytest.raises(channels.EmailUnavailable):
        actions.notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.PENDING
    assert notification.email_sent_at is None

    assert actions.notification_deliver(notification_id=notification.pk) is True
    assert actions.notification_deliver(notification_id=notification.pk) is False
    assert len(notify.sent) == 1


def test_notify_down_is_retryable_the_row_stays_pending_and_is_redelivered_later(
        notify, make_notification, settings, django_capture_on_commit_callbacks):
    settings.NOTIFY_BASE_URL = closed_port_url()
    notification = make_notification()

    with pytest.raises(channels.EmailUnavailable) as caught:
        actions.notification_deliver(notification_id=notification.pk)
    assert isinstance(caught.value, MAIL_ERRORS)  # so the tasks retry it with back-off
    # The task itself: every retry finds Notify still down; it gives up with the error.
    result = run_task(deliver_notification, notification.pk)
    assert result.failed() and isinstance(result.result, channels.EmailUnavailable)
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.PENDING
    assert notification.email_sent_at is None
    assert notification.attempts == 1 + 1 + deliver_notification.max_retries

    # Notify is back: the 15-minute sweep queues it again, and it is sent once.
    settings.NOTIFY_BASE_URL = notify.url
    Notification.objects.filter(pk=notification.pk).update(attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.notification_redeliver_pending(
            older_than=datetime.timedelta(0)) == 1
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT
    assert len(notify.sent) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.notification_redeliver_pending(older_than=datetime.timedelta(0)) == 0
    assert len(notify.sent) == 1


def test_notify_down_during_the_digest_leaves_it_for_the_retry(
        notify, recipient, settings):
    from notifications import digest

    row = Notification.objects.create(kind="return_overdue", key="notify-digest:down",
                                      recipient=recipient, subject="Return RET-3 is overdue",
                                      email_status=EmailStatus.DIGEST)
    notify.script.append(502)
    with pytest.raises(channels.EmailUnavailable):
        digest.digest_send(user=recipient, day=datetime.date(2026, 12, 7))
    row.refresh_from_db()
    assert row.digested_on is None
    assert digest.digest_send(user=recipient, day=datetime.date(2026, 12, 7)) == 1
    assert len(notify.sent) == 1


def test_a_refused_request_is_not_retried_and_is_logged_without_the_address(
        notify, make_notification, recipient, caplog):
    notify.script.append(400)
    notification = make_notification()

    with caplog.at_level(logging.INFO):
        result = run_task(deliver_notification, notification.pk)

    assert result.failed() and isinstance(result.result, channels.EmailRejected)

    assert len(notify.requests) == 1  # the task did not retry it
    assert notify.sent == []
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.PENDING  # redeliver_pending, a few times
    assert notification.email_sent_at is None
    refusals = [r for r in caplog.records if r.name == "notifications.channels"]
    assert len(refusals) == 1
    assert refusals[0].levelno == logging.ERROR
    assert f"notification-{notification.pk}" in refusals[0].getMessage()
    assert "400" in refusals[0].getMessage()
    assert "BadRequestError" in refusals[0].getMessage()
    assert recipient.email
    for record in caplog.records:
        assert recipient.email not in record.getMessage()
        assert "RET-12" not in record.getMessage()  # nor the subject


def test_a_refused_email_in_a_batch_does_not_hold_back_the_others(notify, make_notification):
    first, second = make_notification(), make_notification()
    notify.script.append(400)

    assert run_task(deliver_notifications, [first.pk, second.pk]).result == 1
    assert len(notify.sent) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.email_status == EmailStatus.PENDING
    assert second.email_status == EmailStatus.SENT


def test_a_wrong_api_key_is_refused_by_notify_and_nothing_is_sent(
        notify, make_notification, settings):
    settings.NOTIFY_API_KEY = f"registry_test-{SERVICE_ID}-{uuid.uuid4()}"  # another secret
    notification = make_notification()

    with pytest.raises(channels.EmailRejected):
        actions.notification_deliver(notification_id=notification.pk)
    assert len(notify.requests) == 1
    assert notify.sent == []


def test_smtp_stays_the_default_channel(settings, make_notification, recipient):
    assert settings.EMAIL_CHANNEL == "smtp"
    make_notification(deliver=True)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [recipient.email]


# -- Configuration ---------------------------------------------------------------------------


def test_the_system_check_accepts_a_complete_notify_configuration(notify):
    assert checks.notify_channel_configured() == []


@pytest.mark.parametrize("name, value", [
    ("NOTIFY_API_KEY", ""),
    ("NOTIFY_API_KEY", "not-a-key"),
    ("NOTIFY_API_KEY", SECRET),
    ("NOTIFY_TEMPLATE_NOTIFICATION", ""),
    ("NOTIFY_TEMPLATE_DIGEST", "welcome-email"),
])
def test_the_system_check_refuses_an_incomplete_notify_configuration(notify, settings, name,
                                                                     value):
    setattr(settings, name, value)
    errors = checks.notify_channel_configured()
    assert [error.id for error in errors] == ["notifications.E002"]
    assert name in errors[0].msg
    assert SECRET not in errors[0].msg
    with pytest.raises(SystemCheckError):
        call_command("check")


def test_the_system_check_ignores_notify_settings_on_smtp(settings):
    settings.EMAIL_CHANNEL = "smtp"
    settings.NOTIFY_API_KEY = ""
    assert checks.notify_channel_configured() == []


def run(args, **env_overrides):
    """Python in a clean environment (only what we pass), from the project folder."""
    env = {k: v for k, v in os.environ.items()
           if k in ("PATH", "HOME", "LANG", "SYSTEMROOT", "VIRTUAL_ENV")}
    env.update(env_overrides)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


PROD = {"DJANGO_ENV": "production", "ALLOWED_HOSTS": "registry.example.org",
        "SECRET_KEY": "x" * 20 + "-production-secret-key-for-tests-only-0123456789",
        "REDIS_URL": "redis://127.0.0.1:6379/0"}


def test_production_refuses_notify_without_an_api_key():
    result = run(["manage.py", "check"], **PROD, EMAIL_CHANNEL="notify",
                 NOTIFY_TEMPLATE_NOTIFICATION=TEMPLATE)
    assert result.returncode != 0
    assert "EMAIL_CHANNEL=notify needs NOTIFY_API_KEY" in result.stderr


def test_production_on_notify_needs_no_mail_server():
    result = run(["manage.py", "check"], **PROD, EMAIL_CHANNEL="notify",
                 NOTIFY_API_KEY=API_KEY, NOTIFY_TEMPLATE_NOTIFICATION=TEMPLATE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_unknown_channel_is_refused_at_start_up():
    result = run(["manage.py", "check"], EMAIL_CHANNEL="carrier-pigeon")
    assert result.returncode != 0
    assert "EMAIL_CHANNEL must be smtp or notify" in result.stderr
