"""The user of the registry: a person working for one organisation, in one role."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q


class Role(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", "Platform admin"
    COMMISSIONER = "commissioner", "Commissioner"
    PARTNERSHIP_MANAGER = "partnership_manager", "Partnership manager"
    PROVIDER_STAFF = "provider_staff", "Provider staff"


class RegistryUserManager(UserManager):
    """Loads the user's organisation with the user: every page header shows it."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().select_related("organisation")


class User(AbstractUser):
    """Every user except a platform admin works for an organisation; what they may do follows
    from their role and that organisation (see ``accounts.rules``)."""

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
