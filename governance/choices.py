"""The fixed lists of governance, in the words partnerships use."""

from __future__ import annotations

from django.db import models


class BodyKind(models.TextChoices):
    BOARD = "board", "Partnership board"
    MANAGERIAL_GROUP = "managerial", "Working group (managerial)"
    OPERATIONAL_GROUP = "operational", "Working group (operational)"
    SERVICE_USER_GROUP = "service_user", "Service-user group"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


class InsightTheme(models.TextChoices):
    REFERRALS = "referrals", "Referrals and pathways"
    INFORMATION_SHARING = "information_sharing", "Information sharing"
    RELEASE = "release", "Release and continuity of care"
    ACCESS = "access", "Access to services"
    STAFFING = "staffing", "Staffing and capacity"
    PARTNER_ENGAGEMENT = "engagement", "Partner engagement"
    GOOD_PRACTICE = "good_practice", "Good practice to share"
    OTHER = "other", "Something else"


class InsightStatus(models.TextChoices):
    NEW = "new", "Waiting for the chair"
    TO_AGENDA = "to_agenda", "On an agenda"
    TO_ACTION = "to_action", "Made an action"
    CLOSED = "closed", "Closed with a reply"


class TrainingKind(models.TextChoices):
    TRAINING = "training", "Joint training"
    PRACTICE_SHARING = "practice_sharing", "Practice sharing"


class AttendeeRole(models.TextChoices):
    FRONTLINE = "frontline", "Frontline staff"
    MANAGER = "manager", "Managers"
    VOLUNTEER = "volunteer", "Volunteers and peer mentors"


class FeedbackSource(models.TextChoices):
    PROVIDER = "provider", "A provider in the partnership"
    PERSON = "person", "A person using services"
    FAMILY = "family", "A family member or carer"


class FeedbackMethod(models.TextChoices):
    PAPER = "paper", "Paper form"
    WORKER = "worker", "Taken by a worker"
    ONLINE = "online", "Online, by the provider"
