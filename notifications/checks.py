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
