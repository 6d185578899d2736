"""Vocabularies of the service directory."""

from django.db import models


class Gender(models.TextChoices):
    ANY = "any", "Any gender"
    WOMEN = "women", "Women"
    MEN = "men", "Men"


class LocationKind(models.TextChoices):
    PRISON = "prison", "Prison"
    PROBATION_OFFICE = "probation_office", "Probation office"
    COMMUNITY_HUB = "community_hub", "Community hub"
    HOSPITAL = "hospital", "Hospital"
    OTHER = "other", "Other"


class PrisonCategory(models.TextChoices):
    A = "A", "Category A"
    B = "B", "Category B"
    C = "C", "Category C"
    D = "D", "Category D (open)"
    WOMEN_CLOSED = "women_closed", "Women's closed"
    WOMEN_OPEN = "women_open", "Women's open"
    YOI = "yoi", "Young offender institution"
