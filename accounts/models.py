"""The user of the registry: a person working for one organisation, in one role."""

import datetime

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q

from .querysets import ApiTokenQuerySet


class Role(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", "Platform admin"
    COMMISSIONER = "commissioner", "Commissioner"
    PARTNERSHIP_MANAGER = "partnership_manager", "Partnership manager"
    PROVIDER_STAFF = "provider_staff", "Provider staff"


class RegistryUserManager(UserManager):
    """Loads the user's organisation with the user: every page header shows it."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().select_related("organisation")

    def create_superuser(self, username: str, email: str | None = None,
                         password: str | None = None, **extra_fields: object) -> "User":
        """A superuser is a platform admin with no organisation (docs/operations.md): without
        the role, the "organisation unless platform admin" constraint refuses the row and
        ``manage.py createsuperuser`` fails with an IntegrityError."""
        extra_fields.setdefault("role", Role.PLATFORM_ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """Every user except a platform admin works for an organisation; what they may do follows
    from their role and that organisation (see each app's ``rules.py``)."""

    organisation = models.ForeignKey(
        "partnerships.Organisation", null=True, blank=True, on_delete=models.PROTECT,
        related_name="users",
    )
    role = models.CharField(max_length=24, choices=Role.choices, default=Role.PROVIDER_STAFF)

    objects = RegistryUserManager()

    class Meta:
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role=Role.PLATFORM_ADMIN) | Q(organisation__isnull=False),
                name="user_has_organisation_unless_admin",
                violation_error_message="Every user other than a platform admin belongs to an "
                                        "organisation.",
            ),
        ]

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username

    @property
    def is_platform_admin(self) -> bool:
        return self.is_superuser or self.role == Role.PLATFORM_ADMIN


class ApiToken(models.Model):
    """A named credential for one API client of one user (a script, a case-management system).

    Only the SHA-256 of the key is stored: nobody—platform admins included—can read a key back
    from the database or the admin, so nobody can act as its owner. The short ``prefix`` is not
    secret; it is shown beside the name so a person can tell their tokens apart and an operator
    can find a leaked one. Tokens are revoked, never deleted, so the access log and the audit
    trail can still name the token a read or change came through.
    """

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="Which device or client uses the token.")
    prefix = models.CharField(max_length=8, db_index=True,
                              help_text="The start of the key: not secret, for recognition.")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_on = models.DateField(help_text="The first day the token no longer works.")
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey("accounts.User", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_at__gte=models.F("created_at")),
                name="api_token_revoked_after_created",
                violation_error_message="A token cannot be revoked before it was created.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_live_on(self, day: datetime.date) -> bool:
        """Whether the token works on ``day``: not revoked and not yet expired."""
        return self.revoked_at is None and day < self.expires_on
