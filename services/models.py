"""Who delivers what, for whom, and where (including staff co-located in another's building)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from core.models import TimeStampedModel
from partnerships.choices import Setting

from . import querysets
from .choices import Gender, LocationKind, PrisonCategory

uk_postcode_validator = RegexValidator(
    r"^(GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})$",
    "Enter a UK postcode, like SW1H 9AJ.",
    flags=re.IGNORECASE,  # normalised to upper case in clean()
)


class ServiceCategory(models.Model):
    """A node in the service taxonomy (seeded; admins may extend it)."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=110, unique=True)
    description = models.CharField(max_length=300, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "service categories"
        constraints = [models.CheckConstraint(condition=~Q(parent=F("id")),
                                              name="service_category_not_own_parent")]

    def __str__(self) -> str:
        return self.name


def referral_routes(*, self_referral: bool, professional: bool,
                    court_ordered: bool) -> list[str]:
    """The routes a service accepts referrals by, in words (``Service.referral_routes``; also
    for lists that read plain rows instead of services)."""
    routes = []
    if self_referral:
        routes.append("Self")
    if professional:
        routes.append("Professional")
    if court_ordered:
        routes.append("Court-ordered")
    return routes


class Service(TimeStampedModel):
    """A service a provider delivers, possibly under a partnership."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    provider = models.ForeignKey("partnerships.Organisation", on_delete=models.PROTECT,
                                 related_name="services")
    partnership = models.ForeignKey(
        "partnerships.Partnership", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="services", help_text="The partnership it is delivered under, if any.",
    )
    categories = models.ManyToManyField(ServiceCategory, related_name="services")
    description = models.TextField(blank=True)
    gender = models.CharField("eligible gender", max_length=10, choices=Gender.choices,
                              default=Gender.ANY)
    min_age = models.PositiveSmallIntegerField(
        "minimum age", default=18, validators=[MaxValueValidator(120)])
    max_age = models.PositiveSmallIntegerField(
        "maximum age", null=True, blank=True, validators=[MinValueValidator(1),
                                                          MaxValueValidator(120)],
        help_text="Empty for no upper limit.")
    setting = models.CharField(max_length=12, choices=Setting.choices, default=Setting.BOTH)
    accepts_self_referral = models.BooleanField("self-referral", default=False)
    accepts_professional_referral = models.BooleanField("professional referral", default=True)
    accepts_court_ordered = models.BooleanField(
        "court-ordered", default=False,
        help_text="E.g. a specified activity requirement or treatment requirement.")
    is_active = models.BooleanField(default=True)
    locations = models.ManyToManyField("Location", through="ServiceAtLocation",
                                       related_name="services")

    objects = querysets.ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_age__isnull=True) | Q(max_age__gte=F("min_age")),
                name="service_age_range_in_order",
                violation_error_message="The maximum age cannot be below the minimum age.",
            ),
            models.CheckConstraint(
                condition=Q(accepts_self_referral=True) | Q(accepts_professional_referral=True)
                | Q(accepts_court_ordered=True),
                name="service_has_referral_route",
                violation_error_message="Choose at least one referral route.",
            ),
        ]
        indexes = [models.Index(fields=["provider", "name"], name="service_provider_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.provider})"

    @property
    def referral_routes(self) -> list[str]:
        return referral_routes(self_referral=self.accepts_self_referral,
                               professional=self.accepts_professional_referral,
                               court_ordered=self.accepts_court_ordered)

    def clean(self) -> None:
        if (self.partnership_id and self.provider_id and not self.partnership.memberships
                .filter(organisation_id=self.provider_id).exists()):
            raise ValidationError({"partnership": f"{self.provider} is not a member of "
                                                      f"{self.partnership}."})


class Location(TimeStampedModel):
    """A place services are delivered: a prison, a probation office, a hub, a hospital."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    kind = models.CharField(max_length=20, choices=LocationKind.choices)
    operator = models.ForeignKey(
        "partnerships.Organisation", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="locations", help_text="The organisation that runs the building, if known.")
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True, validators=[uk_postcode_validator])
    region = models.ForeignKey("partnerships.Region", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="locations")
    prison_category = models.CharField(max_length=15, choices=PrisonCategory.choices, blank=True)
    operational_capacity = models.PositiveIntegerField(null=True, blank=True,
                                                       validators=[MinValueValidator(1)])

    objects = querysets.LocationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=LocationKind.PRISON)
                | (Q(prison_category="") & Q(operational_capacity__isnull=True)),
                name="location_prison_fields_only_for_prisons",
                violation_error_message="Only a prison has a category and operational capacity.",
            ),
            models.CheckConstraint(
                condition=Q(operational_capacity__isnull=True) | Q(operational_capacity__gte=1),
                name="location_capacity_positive",
                violation_error_message="Operational capacity must be at least 1.",
            ),
        ]
        indexes = [models.Index(fields=["kind", "name"], name="location_kind_idx")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.postcode:
            self.postcode = self.postcode.strip().upper()


class ServiceAtLocation(TimeStampedModel):
    """A service delivered at a location; ``co_located`` when the provider's staff are based in
    another agency's building (e.g. treatment workers in a probation office)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="delivery_sites")
    location = models.ForeignKey(Location, on_delete=models.CASCADE,
                                 related_name="delivery_sites")
    co_located = models.BooleanField(default=False, help_text="Provider staff based on site.")
    notes = models.CharField(max_length=300, blank=True, help_text="E.g. days and times.")

    class Meta:
        ordering = ["service", "location"]
        verbose_name = "service at location"
        verbose_name_plural = "services at locations"
        constraints = [models.UniqueConstraint(fields=["service", "location"],
                                               name="service_at_location_unique")]

    def __str__(self) -> str:
        suffix = " (co-located)" if self.co_located else ""
        return f"{self.service.name} at {self.location}{suffix}"
