"""Generic audited writes, for plain field edits (mostly from the admin) that have no richer
action of their own. Business operations (ending a membership, superseding an agreement...)
have named actions in their app's actions.py; these only save, validate and audit."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db import models, transaction

from . import audit
from .errors import DomainError, full_clean
from .models import AuditEvent

M = TypeVar("M", bound=models.Model)

Changes = dict[str, list[Any]]
#: Rewrites an audit diff before it is stored (e.g. masks personal data): see ``redact_fields``.
Redact = Callable[[Changes], Changes]


def _masked(value: Any) -> Any:
    return None if value in (None, "") else "(recorded)"


def redact_fields(private: Iterable[str]) -> Redact:
    """A redaction hook for ``audited_create``/``audited_update``: the audit row says that a
    field in ``private`` changed, never what it holds, because audit rows are read outside
    need-to-know (personal data and free text stay in their own app)."""
    names = frozenset(private)

    def redact(changes: Changes) -> Changes:
        return {name: ([_masked(old), _masked(new)] if name in names else [old, new])
                for name, (old, new) in changes.items()}

    return redact


@transaction.atomic
def audited_save(*, instance: M, by: Any, summary: str = "") -> M:
    """Validate and save ``instance``, writing a create or change audit row with the diff."""
    before = None
    is_new = instance._state.adding or instance.pk is None
    if not is_new:
        current = type(instance)._default_manager.filter(pk=instance.pk).first()
        before = audit.snapshot(current) if current is not None else None
        is_new = current is None
    instance.full_clean()
    instance.save()
    action = AuditEvent.Action.CREATE if is_new else AuditEvent.Action.UPDATE
    if action == AuditEvent.Action.UPDATE and not audit.diff(before, audit.snapshot(instance)):
        return instance  # nothing changed: no noise in the history
    audit.record(instance=instance, action=action, by=by, before=before, summary=summary)
    return instance


@transaction.atomic
def audited_delete(*, instance: models.Model, by: Any, summary: str = "") -> None:
    """Delete ``instance`` and record what it held."""
    before = audit.snapshot(instance)
    audit.record(instance=instance, action=AuditEvent.Action.DELETE, by=by, before=before,
                 summary=summary)
    instance.delete()


def audited_create(*, instance: M, by: Any, summary: str, redact: Redact | None = None) -> M:
    """Validate and save a new object with its create audit row (call inside an action's
    transaction); ``redact`` rewrites the stored diff (see ``redact_fields``)."""
    full_clean(instance)
    instance.save()
    changes = None if redact is None else redact(audit.diff(None, audit.snapshot(instance)))
    audit.record(instance=instance, action=AuditEvent.Action.CREATE, by=by, summary=summary,
                 changes=changes)
    return instance


def audited_update(*, instance: M, by: Any, summary: str, redact: Redact | None = None,
                   extra_changes: Changes | None = None, fields: dict[str, Any] | None = None,
                   **changes: Any) -> M:
    """Apply ``changes``, validate, save and audit the diff. A refusal restores the caller's
    object, so nothing in memory pretends the change happened. ``redact`` rewrites the stored
    diff (see ``redact_fields``); ``extra_changes`` adds what the diff of the row's own fields
    cannot show (e.g. the attendees written beside it). ``fields`` carries changes whose names
    clash with this function's own keywords (a partnership's ``summary``)."""
    changes = {**changes, **(fields or {})}
    before = audit.snapshot(instance)
    previous = {name: getattr(instance, name) for name in changes}
    for name, value in changes.items():
        setattr(instance, name, value)
    try:
        full_clean(instance)
    except DomainError:
        for name, value in previous.items():
            setattr(instance, name, value)
        raise
    instance.save()
    recorded = None
    if redact is not None or extra_changes:
        diff = audit.diff(before, audit.snapshot(instance))
        recorded = {**(diff if redact is None else redact(diff)), **(extra_changes or {})}
    audit.record(instance=instance, action=AuditEvent.Action.UPDATE, by=by, before=before,
                 summary=summary, changes=recorded)
    return instance
