"""What every reminder sweep needs: who to tell (found with one query per group, whatever their
number) and telling each of them once.

The sweeps themselves live with what they remind about (``monitoring.reminders``,
``partnerships.reminders``, ``referrals.reminders``), and so does the knowledge of who to tell
(``accounts.recipients`` by organisation and role, ``partnerships.recipients`` for a
partnership's managers): this app only stores and delivers. Each sweep finds what is due with
an indexed query and hands ``send`` its ``Reminder``s, each with a key naming the kind and the
occurrence (the recipient is appended), so a sweep run twice, or by two beats at once, tells
each person once.

A sweep whose rules are a few joins (``referrals.reminders``) goes further: it hands
``actions.notification_insert_from`` one SELECT yielding every notification, texts included
(``text_in_sql``, ``text_by_day``, ``Choose``: the words still made by Python functions), and the
database writes them in one ``INSERT … SELECT … ON CONFLICT (key) DO NOTHING`` (ADR 0023).
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection
from django.db.models import CharField, F, Func, Value

from .actions import Draft, notification_create_many

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler
from .models import Notification

logger = logging.getLogger(__name__)


def catch_up_days() -> int:
    """Days a sweep looks back for reminders it missed (beat down, new staff)."""
    return int(getattr(settings, "REMINDER_CATCH_UP_DAYS", 7))


def plural(n: int, word: str) -> str:
    """``1 day`` / ``3 days``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def days_until(day: datetime.date, today: datetime.date) -> str:
    """How soon, as a subject line says it: ``today``, ``tomorrow``, ``in 5 days``."""
    days = (day - today).days
    return {0: "today", 1: "tomorrow"}.get(days, f"in {plural(days, 'day')}")


def already_sent(keys: Iterable[str]) -> set[str]:
    """The full keys (a reminder's key plus ``:user pk``) that already have a notification, in
    one query (batched only where the database limits query parameters, as SQLite does). A
    daily sweep finds mostly what it reminded about the day before (due-soon windows last
    several days), so checking them all at once, and creating only the others,
    keeps a run's cost flat instead of one lookup per person."""


    keys = list(dict.fromkeys(keys))
    batch = connection.features.max_query_params or len(keys) or 1
    found: set[str] = set()
    for start in range(0, len(keys), batch):
        found.update(Notification.objects.filter(key__in=keys[start:start + batch])
                     .values_list("key", flat=True))
    return found


@dataclass(frozen=True)
class Reminder:
    """One occurrence to tell some people about. ``message`` gives (subject, body, url) and is
    called only if someone is still to be told, so a repeat sweep builds no text."""

    kind: str
    key: str
    users: list[Any]
    message: Callable[[], tuple[str, str, str]]
    obj: Any = None


def reminders_send(reminders: Iterable[Reminder], *, kinds: Iterable[str], what: str,
         today: datetime.date) -> dict[str, int]:
    """Tell each recipient of each reminder once: one query finds who was already told (a
    daily sweep mostly meets what it sent the day before, as due-soon windows last days), and
    the others are created together by ``notification_create_many`` (a few statements, whatever
    their number). Logs and returns how many notifications of each kind were created now (counts and
    dates only)."""
    reminders = [r for r in reminders if r.users]
    done = already_sent(f"{r.key}:{user.pk}" for r in reminders for user in r.users)
    drafts: list[Draft] = []
    for r in reminders:
        users = list({user.pk: user for user in r.users
                      if f"{r.key}:{user.pk}" not in done}.values())
        if users:
            subject, body, url = r.message()
            drafts.extend(Draft(kind=r.kind, key=f"{r.key}:{user.pk}", recipient=user,
                                subject=subject, body=body, url=url, obj=r.obj)
                          for user in users)
    created = notification_create_many(drafts)
    sent = dict.fromkeys(kinds, 0)
    for draft in drafts:
        if draft.key in created:  # not if a concurrent sweep inserted it a moment earlier
            sent[draft.kind] += 1
    logger.info("%s reminders for %s: %s", what, today.isoformat(),
                ", ".join(f"{kind} {n}" for kind, n in sent.items()))
    return sent


# -- Set-based sweeps (``notifications.actions.notification_insert_from``) -----------------------


class Joined(Func):
    """``a || b || c``: text put together from parts that are never NULL (a sweep's words and
    joined columns), without the ``COALESCE`` around every part that ``Concat`` adds; standard
    SQL, the same on PostgreSQL and SQLite."""

    output_field = CharField()

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper,
               function: str | None = None, template: str | None = None,
               arg_joiner: str | None = None, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        pieces: list[str] = []
        params: list[Any] = []
        for part in self.get_source_expressions():
            sql, part_params = compiler.compile(part)
            if isinstance(part, Value) and connection.vendor == "postgresql":
                sql += "::text"  # a bare parameter has no type of its own there
            pieces.append(sql)
            params.extend(part_params)
        return f"({' || '.join(pieces)})", tuple(params)


class Choose(Func):
    """``CASE expression WHEN value THEN text ... ELSE '' END`` from a mapping made in Python
    (a date's wording for the few days of a sweep's window, a choice's label): one expression
    to resolve, however many values, where ``Case(When(...), ...)`` resolves a lookup per
    value."""

    output_field = CharField()

    def __init__(self, expression: Any, texts: Mapping[Any, str]) -> None:
        super().__init__(expression)
        self.texts = dict(texts)

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper,
               function: str | None = None, template: str | None = None,
               arg_joiner: str | None = None, **extra: Any) -> tuple[str, tuple[Any, ...]]:
        sql, column_params = compiler.compile(self.get_source_expressions()[0])
        params: list[Any] = list(column_params)
        whens = []
        for value, text in self.texts.items():
            if isinstance(value, datetime.date):
                value = connection.ops.adapt_datefield_value(value)
            whens.append("WHEN %s THEN %s")
            params.extend((value, text))
        return f"CASE {sql} {' '.join(whens)} ELSE '' END", tuple(params)


def text_in_sql(text: str, fills: Mapping[str, Any]) -> Any:
    """``text`` as one SQL expression, each placeholder in it (a key of ``fills``) replaced by
    that SQL expression (a column, a ``Case``...).

    So a sweep's own message function, called with placeholders for what only the database
    knows row by row (a case reference, a label, a date's wording), still writes every word:
    the texts of a set-based sweep cannot drift from the ones it wrote in Python."""
    parts: list[Any] = []
    position = 0
    if fills:
        for found in re.finditer("|".join(map(re.escape, fills)), text):
            if found.start() > position:
                parts.append(Value(text[position:found.start()]))
            parts.append(fills[found.group()])
            position = found.end()
    if position < len(text) or not parts:
        parts.append(Value(text[position:]))
    if len(parts) == 1 and isinstance(parts[0], Value):
        return parts[0]
    return Joined(*parts) if len(parts) > 1 else Joined(parts[0], Value(""))


def text_by_day(field: str, texts: Mapping[datetime.date, str]) -> Choose:
    """A word that depends on a date column (``1 January 2027``, ``in 3 days``): a sweep's
    window is a few days long, so each day's wording is made in Python once (by the same
    functions as ever) and the database picks it per row."""
    return Choose(F(field), texts)


def sweep_report(created: Mapping[int, str], *, kinds: Iterable[str], what: str,
                 today: datetime.date) -> dict[str, int]:
    """How many notifications of each kind a set-based sweep created now (``id → kind`` from
    ``notification_insert_from``), logged as ``reminders_send`` logs them (counts and dates
    only)."""
    sent = dict.fromkeys(kinds, 0)
    for kind in created.values():
        sent[kind] = sent.get(kind, 0) + 1
    logger.info("%s reminders for %s: %s", what, today.isoformat(),
                ", ".join(f"{kind} {n}" for kind, n in sent.items()))
    return sent
