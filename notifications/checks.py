"""A system check that keeps the exactly-once design honest: Redis hands an unacknowledged task
to another worker after the visibility timeout, so it must outlast the longest task plus the
longest retry countdown, or a slow task (or one waiting for its retry) runs twice."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def visibility_timeout_outlasts_tasks(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """E001 when ``CELERY_VISIBILITY_TIMEOUT`` is not longer than the hard time limit plus the
    longest back-off of the retried notification tasks."""
    from .tasks import deliver_notification, deliver_notifications, send_digest

    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {}
    timeout = options.get("visibility_timeout")
    if timeout is None:  # not the Redis transport (e.g. the development files broker)
        return []
    longest_wait = max(task.retry_backoff_max for task in
                       (deliver_notification, deliver_notifications, send_digest))
    needed = int(settings.CELERY_TASK_TIME_LIMIT) + int(longest_wait)
    if timeout > needed:
        return []
    return [Error(
        f"CELERY_VISIBILITY_TIMEOUT is {timeout} seconds; it must be longer than {needed} "
        f"(the {settings.CELERY_TASK_TIME_LIMIT}-second task time limit plus the "
        f"{longest_wait}-second longest retry back-off), or Redis gives a task that is still "
        "running or waiting to retry to a second worker.",
        hint="Leave it at the default (7200) unless you know why.",
        id="notifications.E001")]


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@register()
def notify_channel_configured(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """E002 when ``EMAIL_CHANNEL`` is ``notify`` but the API key or a template id is missing or
    not shaped as GOV.UK Notify issues them: caught at start-up (``manage.py check`` and every
    command), not by the first email Notify refuses. Never shows the key itself."""
    if getattr(settings, "EMAIL_CHANNEL", "smtp") != "notify":
        return []
    problems = []
    key = settings.NOTIFY_API_KEY or ""
    # <key name>-<service id>-<secret>: the client reads the last 73 characters as two UUIDs.
    if not (len(key) >= 74 and key[-74] == "-" and key[-37] == "-"
            and _is_uuid(key[-73:-37]) and _is_uuid(key[-36:])):
        problems.append("NOTIFY_API_KEY is missing or is not a GOV.UK Notify API key "
                        "(<key name>-<service id>-<secret id>, as its API integration page "
                        "shows it)")
    for name in ("NOTIFY_TEMPLATE_NOTIFICATION", "NOTIFY_TEMPLATE_DIGEST"):
        if not _is_uuid(getattr(settings, name, "") or ""):
            problems.append(f"{name} is missing or is not a template id (a UUID)")
    if not (settings.NOTIFY_BASE_URL or "").startswith(("https://", "http://")):
        problems.append("NOTIFY_BASE_URL is not an http(s) address")
    return [Error(f"EMAIL_CHANNEL is notify, but {problem}.",
                  hint="Set it in the environment (docs/operations.md, 'Email through GOV.UK "
                       "Notify'), or set EMAIL_CHANNEL=smtp.",
                  id="notifications.E002") for problem in problems]


#: ``RETURNING`` (``actions.notification_insert_from`` and ``notification_create_many``).
SQLITE_RETURNING = (3, 35, 0)


@register()
def sqlite_returns_inserted_rows(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """E003 when the database is an SQLite older than 3.35: notifications are written with
    ``INSERT … ON CONFLICT DO NOTHING RETURNING``, which it cannot parse (PostgreSQL has it)."""
    import sqlite3

    from django.db import connections

    if not any(connections[alias].vendor == "sqlite" for alias in connections):
        return []
    if sqlite3.sqlite_version_info >= SQLITE_RETURNING:
        return []
    return [Error(f"SQLite {sqlite3.sqlite_version} cannot return the rows an INSERT wrote; "
                  "notifications need SQLite 3.35 or later.",
                  hint="Use PostgreSQL, or a Python built with a newer SQLite.",
                  id="notifications.E003")]
