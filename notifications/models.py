"""Notifications: one row per reminder occurrence and recipient, and each user's choices."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from .kinds import kind_label


class EmailStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    OPTED_OUT = "opted_out", "Not sent: the recipient turned email off for this kind"
    DIGEST = "digest", "Left for the recipient's daily digest"
    NO_ADDRESS = "no_address", "Not sent: the recipient has no email address"
    WITHDRAWN = "withdrawn", "Not sent: what it was about no longer exists"


class NotificationQuerySet(models.QuerySet):
    def for_recipient(self, user: object) -> NotificationQuerySet:
        """The user's own notifications (nobody sees anyone else's on the pages)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def unread_first(self) -> NotificationQuerySet:
        """Unread ones first, newest first within each group."""
        return self.order_by(models.F("read_at").desc(nulls_first=True), "-created_on", "-id")


class Notification(models.Model):
    """One reminder to one person. ``key`` says what, which occurrence and whom (e.g.
    ``return_overdue:ret-req-12:period-40:user-7``); its unique constraint is what makes a
    sweep that runs twice, or two beats, create it only once."""

    kind = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="notifications")
    # No personal data: subjects and bodies name references, never people.
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True,
                           help_text="Where the notification leads, a path in the registry.")
    content_type = models.ForeignKey(ContentType, null=True, blank=True,
                                     on_delete=models.SET_NULL)
    object_id = models.CharField(max_length=64, blank=True)
    obj = GenericForeignKey("content_type", "object_id")
    # Set by the caller's clock (not auto_now_add): the set-based inserts (``actions``) write
    # it as a column and stamp one batch with one moment.
    created_on = models.DateTimeField(default=timezone.now, editable=False)
    email_status = models.CharField(max_length=16, choices=EmailStatus.choices,
                                    default=EmailStatus.PENDING)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Email delivery attempts.")
    digested_on = models.DateField(null=True, blank=True,
                                   help_text="The day's digest email that carried it.")

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["key"], name="notification_key_unique"),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            models.Index(fields=["email_status", "digested_on"],
                         name="notification_digest_idx"),
            models.Index(fields=["email_status", "created_on"],
                         name="notification_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind_label}: {self.subject}"

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)


class NotificationPreference(models.Model):
    """A user's choice for one kind; no row means the default (email each one, no digest)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notification_preferences")
    kind = models.CharField(max_length=64)
    email = models.BooleanField(default=True, help_text="Send an email for each one.")
    digest = models.BooleanField(default=False,
                                 help_text="Gather them into one email a day instead.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"],
                                    name="notification_preference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {kind_label(self.kind)}"


class CalendarFeed(models.Model):
    """A user's private iCalendar subscription. The URL carries only a random token (nothing
    about the user); only its SHA-256 is stored, so the database cannot give the URL away.
    Revoking sets ``revoked_at``; a revoked or unknown token gets a plain 404."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="calendar_feeds")
    token_hash = models.CharField(max_length=64, unique=True)
    created_on = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=models.Q(revoked_at__isnull=True),
                                    name="calendar_feed_one_live_per_user"),
        ]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "live"
        return f"Calendar feed of {self.user} ({state})"
