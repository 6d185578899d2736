"""Casework shared between agencies: pseudonymous people, cases with one lead agency at a time,
referrals along agreed pathways under an information-sharing protocol, case conferences,
end-of-order notices, and the log of who read each case.

Personal data lives only here. ``__str__`` of every model shows references, never a person's
details, because it ends up in audit rows, admin logs and messages.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from core.models import TimeStampedModel

from . import querysets
from .choices import (
    AttendeeRole,
    CaseStatus,
    Compliance,
    ConferenceKind,
    ConferenceStatus,
    CriminalOffenceCondition,
    ExpectedReleaseKind,
    Gender,
    HistoryKind,
    IdentifierKind,
    JointMeetingInterval,
    LawfulBasis,
    OrderType,
    ReferralStatus,
    Seriousness,
    SpecialCategoryCondition,
)
from .references import new_case_reference, new_person_reference, new_referral_reference

#: Days before a new assessment in which earlier ones are shown and must be acknowledged.
DEFAULT_ASSESSMENT_WINDOW_DAYS = 10

#: Days the sending prison keeps need-to-know access after a transfer or release (handover).
DEFAULT_CUSTODY_HANDOVER_DAYS = 14

#: Weeks before the expected release from which the case shows its release plan.
DEFAULT_RELEASE_PLAN_WEEKS = 12


class CaseworkSettings(models.Model):
    """A partnership's casework choices: how often joint case meetings recur, how far back
    repeated assessments are looked for, how long a prison keeps access to a case after the
    person leaves it, and how early a release plan is due."""

    partnership = models.OneToOneField("partnerships.Partnership", on_delete=models.CASCADE,
                                       related_name="casework_settings")
    joint_meeting_interval = models.CharField(max_length=12,
                                              choices=JointMeetingInterval.choices,
                                              default=JointMeetingInterval.MONTHLY)
    assessment_window_days = models.PositiveSmallIntegerField(
        default=DEFAULT_ASSESSMENT_WINDOW_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(90)])
    custody_handover_days = models.PositiveSmallIntegerField(
        default=DEFAULT_CUSTODY_HANDOVER_DAYS,
        validators=[MinValueValidator(0), MaxValueValidator(90)],
        help_text="Days a prison's team keeps access to a case after the person is transferred "
                  "or released, to hand over (0: access ends that day).")
    release_plan_weeks = models.PositiveSmallIntegerField(
        default=DEFAULT_RELEASE_PLAN_WEEKS,
        validators=[MinValueValidator(1), MaxValueValidator(52)],
        help_text="Weeks before the expected release date from which the case shows its release "
                  "plan and its missing pieces as tasks.")

    class Meta:
        verbose_name_plural = "casework settings"

    def __str__(self) -> str:
        return f"Casework settings of {self.partnership}"


class SharingProtocol(TimeStampedModel):
    """What an information-sharing protocol (an ``Agreement`` of that kind) allows, in the terms
    UK data-protection law and the ICO's data sharing code expect. Referrals between two
    organisations need one in force in a partnership both belong to."""

    agreement = models.OneToOneField("partnerships.Agreement", on_delete=models.CASCADE,
                                     related_name="sharing_protocol")
    parties = models.ManyToManyField("partnerships.Organisation",
                                     related_name="sharing_protocols")
    purpose = models.TextField()
    data_items = models.TextField(help_text="What is shared, e.g. order details, risk level, "
                                            "treatment attendance.")
    lawful_basis = models.CharField(max_length=8, choices=LawfulBasis.choices)
    special_category_condition = models.CharField(max_length=8,
                                                  choices=SpecialCategoryCondition.choices)
    criminal_offence_condition = models.CharField(max_length=12,
                                                  choices=CriminalOffenceCondition.choices)
    retention_months = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(1200)],
        help_text="Closed cases are anonymised this many months after they close.")
    review_on = models.DateField()

    objects = querysets.SharingProtocolQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Sharing terms of {self.agreement}"


class ReferralPathway(TimeStampedModel):
    """An agreed route within a partnership from one service (or category) to another."""

    partnership = models.ForeignKey("partnerships.Partnership", on_delete=models.CASCADE,
                                    related_name="referral_pathways")
    name = models.CharField(max_length=200)
    from_service = models.ForeignKey("services.Service", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    from_category = models.ForeignKey("services.ServiceCategory", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    to_service = models.ForeignKey("services.Service", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    to_category = models.ForeignKey("services.ServiceCategory", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    eligibility_notes = models.TextField(blank=True)
    target_response_days = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="Working days (Monday to Friday, not bank holidays in England and Wales) to "
                  "accept or decline.")
    agreement = models.ForeignKey("partnerships.Agreement", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="referral_pathways")
    last_reviewed_on = models.DateField(null=True, blank=True,
                                        help_text="At the partnership's quarterly meeting.")

    objects = querysets.ReferralPathwayQuerySet.as_manager()

    class Meta:
        ordering = ["partnership", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_service__isnull=False, from_category__isnull=True)
                | Q(from_service__isnull=True, from_category__isnull=False),
                name="pathway_one_from", violation_error_message="A pathway starts from one "
                                                                 "service or one category."),
            models.CheckConstraint(
                condition=Q(to_service__isnull=False, to_category__isnull=True)
                | Q(to_service__isnull=True, to_category__isnull=False),
                name="pathway_one_to", violation_error_message="A pathway leads to one "
                                                               "service or one category."),
        ]

    def __str__(self) -> str:
        return self.name


class Person(TimeStampedModel):
    """Someone on a case, pseudonymous by default: a generated reference plus only what the work
    needs. Identifiers such as a prison number are held apart (``PersonIdentifier``)."""

    reference = models.CharField(max_length=12, unique=True, default=new_person_reference,
                                 editable=False)
    initials = models.CharField(max_length=4, blank=True)
    year_of_birth = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)])
    gender = models.CharField(max_length=12, choices=Gender.choices, default=Gender.NOT_STATED)

    class Meta:
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.reference


class PersonIdentifier(TimeStampedModel):
    """An identifier shown only to agencies involved in the person's cases."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identifiers")
    kind = models.CharField(max_length=20, choices=IdentifierKind.choices)
    value = models.CharField(max_length=40)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "kind"],
                                               name="person_identifier_once",
                                               violation_error_message="This person already "
                                                                       "has one.")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.person}"


class Case(TimeStampedModel):
    """One order (or voluntary engagement) of one person, worked in one partnership, with
    exactly one lead agency at any time."""

    reference = models.CharField(max_length=12, unique=True, default=new_case_reference,
                                 editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases")
    partnership = models.ForeignKey("partnerships.Partnership", on_delete=models.PROTECT,
                                    related_name="cases")
    order_type = models.CharField(max_length=30, choices=OrderType.choices)
    order_starts_on = models.DateField()
    order_ends_on = models.DateField()
    seriousness = models.CharField(max_length=8, choices=Seriousness.choices,
                                   default=Seriousness.LOW)
    complex_needs = models.BooleanField(default=False)
    compliance = models.CharField(max_length=16, choices=Compliance.choices,
                                  default=Compliance.COMPLYING)
    significant_change_on = models.DateField(
        null=True, blank=True, help_text="A recorded significant change (e.g. raised risk of "
                                         "serious harm): joint meetings recur from then on.")
    treatment_continues = models.BooleanField(
        default=False, help_text="Treatment goes on after the order ends.")
    status = models.CharField(max_length=8, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    closed_on = models.DateField(null=True, blank=True)
    anonymised_on = models.DateField(null=True, blank=True)
    #: The key of the form (or the API's ``Idempotency-Key``) that opened the case: the same
    #: form sent twice finds this case instead of opening another.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True,
                                       editable=False)

    objects = querysets.CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-order_starts_on", "reference"]
        constraints = [
            models.CheckConstraint(condition=Q(order_ends_on__gte=F("order_starts_on")),
                                   name="case_order_ends_after_start",
                                   violation_error_message="The order cannot end before it "
                                                           "starts."),
            models.CheckConstraint(condition=Q(status=CaseStatus.OPEN, closed_on__isnull=True)
                                   | Q(status=CaseStatus.CLOSED, closed_on__isnull=False),
                                   name="case_closed_has_date"),
        ]
        indexes = [models.Index(fields=["status", "closed_on"], name="case_status_closed")]

    def __str__(self) -> str:
        return self.reference

    @property
    def needs_joint_meetings(self) -> bool:
        """The national guidance's trigger for monthly or six-weekly joint meetings."""
        return (self.seriousness in (Seriousness.MEDIUM, Seriousness.HIGH)
                or self.complex_needs or self.compliance == Compliance.NOT_COMPLYING
                or self.significant_change_on is not None)


class LeadAgency(TimeStampedModel):
    """Which organisation leads a case, from when to when, and who said so."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="lead_agencies")
    organisation = models.ForeignKey("partnerships.Organisation", on_delete=models.PROTECT,
                                     related_name="lead_cases")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                               related_name="+")

    objects = querysets.LeadAgencyQuerySet.as_manager()

    class Meta:
        ordering = ["case_id", "starts_on"]  # no join to the case: sweeps read these in bulk
        verbose_name_plural = "lead agencies"
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(ends_on__isnull=True),
                                    name="case_one_current_lead",
                                    violation_error_message="The case already has a lead "
                                                            "agency."),
            models.CheckConstraint(condition=Q(ends_on__isnull=True)
                                   | Q(ends_on__gte=F("starts_on")),
                                   name="lead_agency_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"Lead agency of {self.case}"


class Assessment(TimeStampedModel):
    """An assessment of the person by a service, so others can see it before assessing again."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    organisation = models.ForeignKey("partnerships.Organisation", on_delete=models.PROTECT,
                                     related_name="+")
    service = models.ForeignKey("services.Service", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    assessed_on = models.DateField()
    summary = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-assessed_on", "-id"]
        indexes = [models.Index(fields=["case", "assessed_on"], name="assessment_case_date")]

    def __str__(self) -> str:
        return f"Assessment on {self.case}, {self.assessed_on:%-d %b %Y}"


class Referral(TimeStampedModel):
    """A referral of a case from one organisation to a service of another (or the same)."""

    reference = models.CharField(max_length=12, unique=True, default=new_referral_reference,
                                 editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    from_organisation = models.ForeignKey("partnerships.Organisation", on_delete=models.PROTECT,
                                          related_name="referrals_sent")
    from_service = models.ForeignKey("services.Service", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    to_service = models.ForeignKey("services.Service", on_delete=models.PROTECT,
                                   related_name="referrals_received")
    to_organisation = models.ForeignKey("partnerships.Organisation", on_delete=models.PROTECT,
                                        related_name="referrals_received",
                                        help_text="The receiving service's provider.")
    pathway = models.ForeignKey(ReferralPathway, null=True, blank=True,
                                on_delete=models.PROTECT, related_name="referrals")
    protocol = models.ForeignKey(SharingProtocol, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="referrals",
                                 help_text="The protocol that allows sharing between the two "
                                           "organisations (none within one organisation).")
    reason = models.TextField()
    consent_recorded = models.BooleanField(default=False)
    lawful_basis = models.CharField(max_length=8, choices=LawfulBasis.choices)
    status = models.CharField(max_length=12, choices=ReferralStatus.choices,
                              default=ReferralStatus.SENT)
    response_due_on = models.DateField()
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    decline_reason = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                related_name="+")
    #: The key of the form (or the API's ``Idempotency-Key``) that sent the referral: the same
    #: form sent twice finds this referral instead of sending another.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True,
                                       editable=False)

    objects = querysets.ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-created_on"]
        constraints = [
            models.CheckConstraint(condition=~Q(status=ReferralStatus.DECLINED)
                                   | ~Q(decline_reason=""),
                                   name="referral_declined_has_reason",
                                   violation_error_message="Say why the referral is declined."),
        ]
        indexes = [
            models.Index(fields=["to_organisation", "status"], name="referral_inbox"),
            models.Index(fields=["case", "status"], name="referral_case_status"),
        ]

    def __str__(self) -> str:
        return self.reference


class CaseConference(TimeStampedModel):
    """A planned or held case meeting: the three three-way meetings at the start, middle and end
    of the order, and recurring joint meetings when the case needs them."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="conferences")
    kind = models.CharField(max_length=8, choices=ConferenceKind.choices)
    planned_on = models.DateField()
    planned_time = models.TimeField(null=True, blank=True,
                                    help_text="The time of day, once one is agreed.")
    #: The date the schedule asked for, kept when a person moves the meeting: re-planning
    #: compares the schedule with this, so a moved meeting is not put back on its old date.
    scheduled_on = models.DateField(null=True, blank=True, editable=False)
    status = models.CharField(max_length=10, choices=ConferenceStatus.choices,
                              default=ConferenceStatus.PLANNED)
    held_on = models.DateField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["planned_on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(status=ConferenceStatus.HELD)
                                   | Q(held_on__isnull=False),
                                   name="conference_held_has_date"),
        ]
        indexes = [models.Index(fields=["status", "planned_on"], name="conference_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.case}, {self.planned_on:%-d %b %Y}"

    @property
    def schedule_date(self) -> datetime.date:
        """The date the schedule planned it for (before any move by a person)."""
        return self.scheduled_on or self.planned_on


class CaseHistoryEntry(TimeStampedModel):
    """A change to a case that its timeline shows: a conference moved or cancelled by a person
    (with their reason), or a change of seriousness and the date it applies from. The reason
    is free text read only by those involved in the case; audit rows say only that it was
    given."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="history")
    kind = models.CharField(max_length=24, choices=HistoryKind.choices)
    conference = models.ForeignKey(CaseConference, null=True, blank=True,
                                   on_delete=models.CASCADE, related_name="history")
    #: The day it applies from: the seriousness's effective date; the day of a move or
    #: cancellation.
    effective_on = models.DateField()
    from_date = models.DateField(null=True, blank=True)
    from_time = models.TimeField(null=True, blank=True)
    to_date = models.DateField(null=True, blank=True)
    to_time = models.TimeField(null=True, blank=True)
    from_value = models.CharField(max_length=20, blank=True)
    to_value = models.CharField(max_length=20, blank=True)
    reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["effective_on", "created_on", "id"]
        verbose_name_plural = "case history entries"
        indexes = [models.Index(fields=["case", "effective_on"], name="case_history_case_day")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.case}"

    @property
    def from_label(self) -> str:
        """The seriousness before the change, in the users' words."""
        return _seriousness_label(self.from_value)

    @property
    def to_label(self) -> str:
        """The seriousness after the change, in the users' words."""
        return _seriousness_label(self.to_value)


def _seriousness_label(value: str) -> str:
    return str(Seriousness(value).label) if value in Seriousness.values else value


class ConferenceAttendee(models.Model):
    """Who came (or was expected) to a conference, by role and organisation; never names."""

    conference = models.ForeignKey(CaseConference, on_delete=models.CASCADE,
                                   related_name="attendees")
    role = models.CharField(max_length=20, choices=AttendeeRole.choices)
    organisation = models.ForeignKey("partnerships.Organisation", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    attended = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.get_role_display()} at {self.conference}"


class EndOfOrderNotice(TimeStampedModel):
    """Told to each agency involved when the order ends but treatment continues: who is
    responsible from now on. Recorded and acknowledged."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="end_notices")
    organisation = models.ForeignKey("partnerships.Organisation", on_delete=models.PROTECT,
                                     related_name="end_of_order_notices")
    responsible_organisation = models.ForeignKey("partnerships.Organisation",
                                                 on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_on"]
        constraints = [models.UniqueConstraint(fields=["case", "organisation"],
                                               name="end_notice_once_per_agency")]

    def __str__(self) -> str:
        return f"End-of-order notice on {self.case}"


class CaseAccess(models.Model):
    """One read of a case page or case API object: who, from which organisation, when, how, and
    (for platform admins, who are not involved) the reason they gave."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="access_log")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                             related_name="+")
    organisation = models.ForeignKey("partnerships.Organisation", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    accessed_at = models.DateTimeField(auto_now_add=True)
    channel = models.CharField(max_length=8, choices=[("page", "Page"), ("api", "API")])
    reason = models.CharField(max_length=300, blank=True)
    # The API token the read came through (an API read with a token), empty otherwise.
    api_token = models.ForeignKey("accounts.ApiToken", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+",
                                  verbose_name="API token")

    class Meta:
        ordering = ["-accessed_at", "-id"]
        verbose_name_plural = "case access log"
        indexes = [models.Index(fields=["case", "accessed_at"], name="case_access_case_time")]

    def __str__(self) -> str:
        return f"Read of {self.case} at {self.accessed_at:%Y-%m-%d %H:%M}"


class Anonymisation(models.Model):
    """What the retention task removed from a closed case, and when."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="anonymisation")
    anonymised_at = models.DateTimeField(auto_now_add=True)
    removed = models.JSONField(default=list, help_text="The fields and records removed.")
    retention_months = models.PositiveSmallIntegerField()

    def __str__(self) -> str:
        return f"Anonymisation of {self.case}"


class ConferenceDiaryFeed(models.Model):
    """An organisation's conference diary as an iCalendar subscription, for the team that runs
    the diary (it outlives any one member of staff, unlike a personal calendar link). The URL
    carries only a random token; only its SHA-256 is stored. Revoking sets ``revoked_at``; a
    revoked or unknown token gets a plain 404."""

    organisation = models.ForeignKey("partnerships.Organisation", on_delete=models.CASCADE,
                                     related_name="conference_diary_feeds")
    token_hash = models.CharField(max_length=64, unique=True)
    created_on = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation"],
                                    condition=Q(revoked_at__isnull=True),
                                    name="conference_diary_feed_one_live"),
        ]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "live"
        return f"Conference diary feed of {self.organisation} ({state})"


class CustodyEpisode(TimeStampedModel):
    """A spell of the person on a case in one prison, from reception until release or transfer.

    A transfer closes the sending prison's episode (``transferred_on`` and
    ``ended_by_transfer_to``) and opens one at the receiving prison with the same expected
    release: it is not a release, so only ``released_on`` counts towards continuity of care.

    The first community appointment after release is held here (``attended_on`` or
    ``did_not_attend``) rather than in a model of its own: there is exactly one release per
    episode and one outcome per release, so two fields and a check constraint say it without a
    join or a second uniqueness rule."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="custody_episodes")
    establishment = models.ForeignKey("partnerships.Organisation", on_delete=models.PROTECT,
                                      related_name="custody_episodes",
                                      help_text="The prison.")
    received_on = models.DateField()
    expected_release_on = models.DateField(null=True, blank=True)
    expected_release_kind = models.CharField(max_length=20, blank=True,
                                             choices=ExpectedReleaseKind.choices)
    released_on = models.DateField(null=True, blank=True)
    release_area = models.ForeignKey(
        "partnerships.Organisation", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text="The local authority of the release address.")
    transferred_on = models.DateField(null=True, blank=True)
    ended_by_transfer_to = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="transferred_from",
        help_text="The episode at the receiving prison.")
    attended_on = models.DateField(null=True, blank=True,
                                   help_text="The first community appointment attended.")
    did_not_attend = models.BooleanField(default=False)
    treatment_need = models.BooleanField(
        default=True, help_text="In treatment for substance misuse in custody: the releases the "
                                "continuity-of-care measure counts.")
    access_ends_on = models.DateField(
        null=True, blank=True, editable=False,
        help_text="Set when the episode ends (transfer or release): the prison's team keeps "
                  "need-to-know access to the case, for the handover, until the day before.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = querysets.CustodyEpisodeQuerySet.as_manager()

    class Meta:
        ordering = ["case_id", "received_on", "id"]  # by id: no join to the case
        constraints = [
            models.CheckConstraint(
                condition=Q(released_on__isnull=True) | Q(released_on__gte=F("received_on")),
                name="custody_released_after_received",
                violation_error_message="Release cannot come before reception."),
            models.CheckConstraint(
                condition=Q(expected_release_on__isnull=True)
                | Q(expected_release_on__gte=F("received_on")),
                name="custody_expected_release_after_received",
                violation_error_message="The expected release cannot come before reception."),
            models.CheckConstraint(
                condition=Q(transferred_on__isnull=True)
                | Q(transferred_on__gte=F("received_on")),
                name="custody_transferred_after_received",
                violation_error_message="A transfer cannot come before reception."),
            models.CheckConstraint(
                condition=Q(released_on__isnull=True) | Q(transferred_on__isnull=True),
                name="custody_released_or_transferred",
                violation_error_message="An episode ends in a release or a transfer, not both."),
            models.CheckConstraint(
                condition=Q(attended_on__isnull=True, did_not_attend=False)
                | Q(released_on__isnull=False, attended_on__isnull=True, did_not_attend=True)
                | Q(released_on__isnull=False, attended_on__gte=F("released_on"),
                    did_not_attend=False),
                name="custody_one_appointment_outcome",
                violation_error_message="A first appointment is attended on or after release, "
                                        "or not attended: one outcome per release."),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(released_on__isnull=True, transferred_on__isnull=True),
                name="custody_one_open_episode",
                violation_error_message="The case already has an open custody episode."),
        ]
        indexes = [models.Index(fields=["released_on"], name="custody_released_on"),
                   models.Index(fields=["establishment", "access_ends_on"],
                                name="custody_establishment_access")]

    def __str__(self) -> str:
        return f"Custody episode on {self.case}, received {self.received_on:%-d %b %Y}"


class ReleasePlan(TimeStampedModel):
    """What is arranged for the person's release from custody: the community treatment provider
    (through the referral that reaches it on an agreed pathway under a protocol in force), the
    first community appointment, what the person takes out, and whether the lead passes from the
    prison team to the provider on release day.

    One plan per case's custody, held on its open episode and moved to the receiving episode on a
    transfer, so it follows the person. Unknown answers are ``None`` (not "no"): a missing piece
    is a task on the case (``referrals.release_plans.plan_tasks``)."""

    episode = models.OneToOneField(CustodyEpisode, on_delete=models.CASCADE,
                                   related_name="release_plan")
    community_provider = models.ForeignKey(
        "partnerships.Organisation", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text="The community treatment provider after release.")
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The referral to the community provider (agreed pathway, protocol in force).")
    appointment_on = models.DateField(null=True, blank=True)
    appointment_time = models.TimeField(null=True, blank=True)
    appointment_place = models.CharField(max_length=200, blank=True)
    appointment_with = models.CharField(max_length=120, blank=True,
                                        help_text="A role or team, e.g. \"recovery worker\".")
    bridging_prescription = models.BooleanField(
        null=True, blank=True, help_text="A bridging prescription until the first community "
                                         "prescribing appointment.")
    naloxone_offered = models.BooleanField(null=True, blank=True)
    hand_lead_to_provider = models.BooleanField(
        default=True, help_text="On release day the lead agency passes from the prison team to "
                                "the community provider.")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["episode_id"]

    def __str__(self) -> str:
        return f"Release plan on {self.episode.case}"
