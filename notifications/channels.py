"""How an email leaves the registry: Django's mail backend (SMTP; the console in development) or
GOV.UK Notify, chosen by ``settings.EMAIL_CHANNEL`` (docs/decisions/0018-gov-uk-notify.md).

Callers (``actions.notification_deliver`` and the daily digest) send through ``send_email`` and
know nothing of the channel. They call it with the notification row locked and mark it sent in
the same transaction, so whatever this raises leaves the row waiting, never marked sent:

* ``EmailUnavailable`` (and, on the SMTP channel, the ``smtplib``/``OSError`` errors Django's
  backend raises): the channel is down or busy for now. The Celery tasks retry these with
  back-off (``tasks.MAIL_ERRORS``), and ``redeliver_pending`` queues again whatever is still
  waiting after that.
* ``EmailRejected``: Notify refused the request itself (a bad API key, an unknown template, an
  address it will not send to). Sending it again at once would be refused again, so the tasks do
  not retry it; the notification stays waiting and ``redeliver_pending`` tries it again every
  15 minutes until its attempts run out, which also lets a fixed configuration deliver it.

Nothing here logs an address, a subject or a body: only the reference and what Notify answered
(its status code and error names).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

logger = logging.getLogger(__name__)

#: The channels ``EMAIL_CHANNEL`` may name.
SMTP, NOTIFY = "smtp", "notify"
CHANNELS = (SMTP, NOTIFY)

#: Notify answers worth trying again later: rate limited (429) and its own failures (5xx). The
#: client reports a timeout or a refused connection as a 503 without a response.
RETRYABLE_STATUSES = frozenset({429})


class EmailUnavailable(Exception):
    """The email channel could not take the email now; trying again later may succeed."""


class EmailRejected(Exception):
    """The email channel refused the email (a 4xx other than 429): retrying at once is useless."""


def send_email(*, to: str, subject: str, text: str, reference: str, link: str = "",
               template: str = "notification") -> None:
    """Send one plain-text email to ``to`` through the configured channel; return only once the
    channel has accepted it.

    ``reference`` (e.g. ``notification-42``) travels with a Notify request so a message in
    Notify's records can be traced back to its row (and a duplicate spotted); ``link`` is the
    page the email is about, offered to the Notify template as ``((link))``; ``template`` picks
    the Notify template (``notification`` or ``digest``). The SMTP channel ignores all three:
    the text already carries the link.
    """
    if settings.EMAIL_CHANNEL == NOTIFY:
        _send_by_notify(to=to, subject=subject, text=text, reference=reference, link=link,
                        template=template)
    else:
        send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False)


def _template_id(template: str) -> str:
    templates = {"notification": settings.NOTIFY_TEMPLATE_NOTIFICATION,
                 "digest": settings.NOTIFY_TEMPLATE_DIGEST}
    if template not in templates:
        raise ValueError(f"No Notify template is configured for {template!r}.")
    return templates[template]


def _send_by_notify(*, to: str, subject: str, text: str, reference: str, link: str,
                    template: str) -> None:
    """POST /v2/notifications/email through the official client, one generic template whose
    subject is ``((subject))`` and message ``((body))`` (``((link))`` optional)."""
    client = NotificationsAPIClient(settings.NOTIFY_API_KEY, base_url=settings.NOTIFY_BASE_URL,
                                    timeout=settings.EMAIL_TIMEOUT)
    try:
        client.send_email_notification(
            email_address=to, template_id=_template_id(template), reference=reference,
            personalisation={"subject": subject, "body": text, "link": link})
    except APIError as error:
        status = error.status_code
        if status >= 500 or status in RETRYABLE_STATUSES:
            logger.warning("GOV.UK Notify could not take email %s now (status %s); it will be "
                           "retried", reference, status)
            raise EmailUnavailable(
                f"GOV.UK Notify could not take email {reference} (status {status})") from None
        logger.error("GOV.UK Notify refused email %s (status %s: %s); not retried until "
                     "notifications.redeliver_pending", reference, status,
                     ", ".join(_error_names(error)) or "no error name")
        raise EmailRejected(
            f"GOV.UK Notify refused email {reference} (status {status})") from None
    finally:
        client.request_session.close()


def _error_names(error: APIError) -> list[str]:
    """The ``error`` names in Notify's error answer (``BadRequestError``, ``AuthError`` …):
    enough to tell a bad key from a bad template, and never a message, which might quote what
    was sent."""
    try:
        payload: Any = error.response.json() if error.response is not None else {}
    except ValueError:
        return []
    errors = payload.get("errors") if isinstance(payload, dict) else None
    if not isinstance(errors, list):
        return []
    return [str(item.get("error")) for item in errors
            if isinstance(item, dict) and item.get("error")]
