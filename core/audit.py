"""Writing audit rows. Actions call these inside their own transaction, so a change and its
audit row are committed together or not at all (works the same on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.fields.files import FieldFile

from .authentication import current_api_token_id
from .models import AuditEvent

Snapshot = dict[str, Any]


def _plain(value: Any) -> Any:
    """Make a field value JSON-friendly and readable in the history."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, FieldFile):
        return value.name or None
    return value


def snapshot(instance: models.Model) -> Snapshot:
    """The field values of an instance (foreign keys as ids, many-to-many as sorted id lists
    once saved), for diffing later."""
    data: Snapshot = {}
    for field in instance._meta.concrete_fields:
        if field.name in ("created_on", "modified_on"):
            continue
        data[field.attname] = _plain(getattr(instance, field.attname))
    data.update(m2m_snapshot(instance))
    return data


def m2m_snapshot(instance: models.Model) -> Snapshot:
    """Many-to-many fields (not through-models, which are audited as rows) as sorted id lists."""
    if instance.pk is None or instance._state.adding:
        return {}
    data: Snapshot = {}
    for field in instance._meta.many_to_many:
        if field.remote_field.through._meta.auto_created:
            data[field.name] = sorted(getattr(instance, field.name).values_list("pk", flat=True))
    return data


def diff(before: Snapshot | None, after: Snapshot | None) -> dict[str, list[Any]]:
    """Field → [old, new] for every field whose value differs."""
    before = before or {}
    after = after or {}
    keys = sorted(set(before) | set(after))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def partnership_id_of(instance: models.Model) -> int | None:
    """The partnership an audited object belongs to, if any."""
    if instance._meta.label_lower == "partnerships.partnership":
        return instance.pk
    for attname in ("partnership_id",):
        if hasattr(instance, attname):
            return getattr(instance, attname)
    for parent in ("agreement", "meeting"):  # a signatory; a review's attendance
        owner = getattr(instance, parent, None)
        if owner is not None and hasattr(owner, "partnership_id"):
            return owner.partnership_id
    return None


def record(
    *,
    instance: models.Model,
    action: str,
    by: Any | None,
    before: Snapshot | None = None,
    summary: str = "",
    changes: dict[str, list[Any]] | None = None,
) -> AuditEvent:
    """Write one audit row for a create, change or delete of ``instance``; ``changes`` overrides
    the computed diff (e.g. when only many-to-many links changed)."""
    after = None if action == AuditEvent.Action.DELETE else snapshot(instance)
    if changes is None:
        if action == AuditEvent.Action.CREATE:
            changes = diff(None, after)
        elif action == AuditEvent.Action.DELETE:
            changes = diff(before or snapshot(instance), None)
        else:
            changes = diff(before, after)
    actor = by if getattr(by, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=True),
        object_id=str(instance.pk),
        object_repr=str(instance)[:300],
        partnership_id=partnership_id_of(instance),
        changes=changes,
        summary=summary[:300],
        api_token_id=current_api_token_id(),
    )


def history_for(instance: models.Model) -> models.QuerySet[AuditEvent]:
    """The audit rows of one object, newest first."""
    ct = ContentType.objects.get_for_model(instance, for_concrete_model=True)
    return AuditEvent.objects.filter(content_type=ct, object_id=str(instance.pk)).select_related(
        "actor"
    )
