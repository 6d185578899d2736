"""Generic audited writes, for plain field edits (mostly from the admin) that have no richer
action of their own. Business operations (ending a membership, superseding an agreement...)
have named actions in their app's actions.py; these only save, validate and audit."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models, transaction

from . import audit
from .errors import DomainError, full_clean
from .models import AuditEvent

M = TypeVar("M", bound=models.Model)


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


def audited_create(*, instance: M, by: Any, summary: str) -> M:
    """Validate and save a new object with its create audit row (call inside an action's
    transaction)."""
    full_clean(instance)
    instance.save()
    audit.record(instance=instance, action=AuditEvent.Action.CREATE, by=by, summary=summary)
    return instance


def audited_update(*, instance: M, by: Any, summary: str, **changes: Any) -> M:
    """Apply ``changes``, validate, save and audit the diff. A refusal restores the caller's
    object, so nothing in memory pretends the change happened."""
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
    audit.record(instance=instance, action=AuditEvent.Action.UPDATE, by=by, before=before,
                 summary=summary)
    return instance
