"""Shared abstract model and the audit trail rows that actions write."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models


class TimeStampedModel(models.Model):
    """When a row was created and last changed; who changed it lives in the audit trail."""

    created_on = models.DateTimeField(auto_now_add=True)
    modified_on = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """One create, change or delete of an audited object, written in the change's transaction."""

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        DELETE = "delete", "Deleted"

    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="audit_events", help_text="Empty when the change came from the system.",
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=300)
    # The partnership the object belongs to, so a partnership's history is one indexed query.
    partnership_id = models.BigIntegerField(null=True, blank=True)
    changes = models.JSONField(default=dict, blank=True,
                               help_text="Field name → [old value, new value].")
    summary = models.CharField(max_length=300, blank=True,
                               help_text="What the action did, in words, e.g. 'Ended membership'.")
    # The API token the change came through (set from core.authentication), empty otherwise.
    api_token = models.ForeignKey("accounts.ApiToken", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+",
                                  verbose_name="API token")

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["partnership_id", "-occurred_at"], name="audit_partnership_idx"),
        ]

    def __str__(self) -> str:
        who = self.actor or "system"
        return f"{self.get_action_display()} {self.object_repr} by {who}"
