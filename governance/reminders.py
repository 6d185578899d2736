"""Overdue actions remind their owner once (issue 19, point 3), through the exactly-once
reminders every sweep uses (ADR 0023).

``sweep`` runs daily (Celery beat, ``governance.remind_actions``) as ONE statement:
``notifications.actions.notification_insert_from`` with a SELECT (``reminder_rows``) that starts
from the ``action_due`` index range of open actions due in the catch-up window and reaches the
people to tell: the owner person when one is set and active, else the partnership managers of
the owning organisation (``accounts.recipients.managers_else_caseworkers``: an organisation with
no partnership manager still hears through its staff rather than nobody). Each key names the
action and the recipient (``action_overdue:<action>:<user>``), not the due date: an action is
chased once per person, and a sweep run twice, or two at once, tells each person once.

Catch-up: an action is reminded from the day after it was due for ``catch_up_days()``, so a
sweep that did not run (beat down, deploy) still sends it once, while the first run on old data
does not flood owners about actions months late (the log page lists those). Done and dropped
actions are never reminded. The message names the partnership and the due date only: the
action's text stays on the log page it links to.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import CharField, F, Q, QuerySet, Value
from django.db.models.functions import Cast
from django.urls import reverse

from accounts.recipients import managers_else_caseworkers
from core import clock
from core.display import govuk_date
from notifications.actions import INSERT_COLUMNS, notification_insert_from
from notifications.sweeps import catch_up_days, sweep_report, text_by_day, text_in_sql

from .models import ActionItem

ACTION_OVERDUE = "action_overdue"
KINDS = (ACTION_OVERDUE,)


def due_window(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The due dates (first, last; inclusive) an overdue reminder is sent for on ``today``:
    from yesterday back ``catch_up_days()``."""
    last = today - datetime.timedelta(days=1)
    return last - datetime.timedelta(days=catch_up_days()), last


def log_url(slug: str) -> str:
    """The partnership's action log showing its overdue actions: where the owner marks one
    done or the managers move its date."""
    return f"{reverse('governance:actions', args=[slug])}?overdue=true"


def message_texts(*, partnership: str, due: str, slug: str) -> tuple[str, str, str]:
    """Subject, body and link: the partnership and the due date only. The sweep calls it with
    placeholders, filled in by the database row by row."""
    subject = f"Action overdue in {partnership}: it was due on {due}"
    body = (f"An action you own on the action log of {partnership} was due on {due} and is "
            f"still open. Mark it done on the action log, or ask the partnership's managers to "
            f"change its date or drop it.")
    return subject, body, log_url(slug)


_ITEM, _USER, _NAME, _DUE, _SLUG = "_ITEM_", "_USER_", "_NAME_", "_DUE_", "_SLUG_"


def _column(name: str) -> str:
    """The row's name for a notification column: prefixed, since an action has a ``body`` of
    its own (the board or group), which an annotation may not shadow."""
    return f"n_{name}"


def _branch(items: QuerySet[ActionItem], today: datetime.date, *, recipient: str,
            conditions: Q) -> QuerySet[Any]:
    """Rows of notifications for the overdue ``items`` and the users reached by the path
    ``recipient`` (the user's id column), filtered by ``conditions`` in one ``filter`` so each
    relation is joined once."""
    first, last = due_window(today)
    dates = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
    fills = {_ITEM: Cast(F("id"), CharField()), _USER: Cast(F("to_id"), CharField()),
             _NAME: F("partnership__name"), _SLUG: F("partnership__slug"),
             _DUE: text_by_day("due_on", {day: govuk_date(day) for day in dates})}
    subject, body, url = message_texts(partnership=_NAME, due=_DUE, slug=_SLUG)
    return (items.filter(conditions, due_on__gte=first, due_on__lte=last)
            .alias(to_id=F(recipient))
            .annotate(**{_column(name): value for name, value in {
                "kind": Value(ACTION_OVERDUE, output_field=CharField()),
                "key": text_in_sql(f"{ACTION_OVERDUE}:{_ITEM}:{_USER}", fills),
                "recipient_id": F("to_id"),
                "subject": text_in_sql(subject, fills),
                "body": text_in_sql(body, fills),
                "url": text_in_sql(url, fills),
                "content_type_id": Value(ContentType.objects.get_for_model(ActionItem).pk),
                "object_id": fills[_ITEM]}.items()})
            .order_by()
            .values(*map(_column, INSERT_COLUMNS)))


def reminder_rows(today: datetime.date) -> tuple[str, tuple[Any, ...]]:
    """Every overdue-action reminder due on ``today`` as rows of notifications, in one SELECT
    (``(sql, params)`` naming the columns as ``notification_insert_from`` reads them):
    to the owner person (set and active), and for an action without one, to the owning
    organisation's partnership managers (its other staff when it has none)."""
    items = ActionItem.objects.open().order_by()
    to_owner = _branch(items, today, recipient="owner_id",
                       conditions=Q(owner__isnull=False, owner__is_active=True))
    to_organisation = _branch(
        items, today, recipient="owner_organisation__users__id",
        conditions=(Q(owner__isnull=True) | Q(owner__is_active=False))
        & Q(owner_organisation__users__in=managers_else_caseworkers()))
    sql, params = to_owner.union(to_organisation, all=True).query.sql_with_params()
    quote = connection.ops.quote_name
    picked = ", ".join(f"u.{quote(_column(name))} AS {quote(name)}" for name in INSERT_COLUMNS)
    return f"SELECT {picked} FROM ({sql}) u", params  # noqa: S608 (names only, values params)


def sweep(today: datetime.date | None = None) -> dict[str, int]:
    """Send the overdue-action reminders due on ``today`` (UK date; default: today) that were
    not sent yet, in one ``INSERT … SELECT … ON CONFLICT DO NOTHING``. Returns how many were
    created now, by kind."""
    today = today or clock.today()
    created = notification_insert_from(reminder_rows(today))
    return sweep_report(created, kinds=KINDS, what="Overdue action", today=today)

