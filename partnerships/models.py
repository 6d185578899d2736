"""Organisations and the partnerships they form, with the history of who was in them when."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from core import clock
from core.display import govuk_date, money
from core.models import TimeStampedModel

from . import querysets
from .choices import (
    AgreementKind,
    AgreementStatus,
    FundingSource,
    MemberRole,
    OrganisationKind,
    PartnershipStatus,
    ReviewStatus,
    Setting,
)

# org-id.guide identifiers: COUNTRY-REGISTER-ID, e.g. GB-CHC-1074546 or GB-COH-03562176.
org_id_validator = RegexValidator(
    r"^[A-Z]{2}-[A-Z0-9]{2,10}-[A-Za-z0-9][A-Za-z0-9._/-]*$",
    "Enter an identifier in the org-id.guide form COUNTRY-REGISTER-ID, "
    "for example GB-CHC-1074546 for a registered charity or GB-COH-03562176 for a company.",
)


def validate_document_size(file: object) -> None:
    """Kept only because migration 0001 names it; uploads are checked by
    ``partnerships.documents.check_agreement_document``."""


class Region(models.Model):
    """An English region, Wales, or 'National' for services that cover the whole estate."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Organisation(TimeStampedModel):
    """A charity, social enterprise or statutory agency that can take part in partnerships."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    kind = models.CharField(max_length=30, choices=OrganisationKind.choices)
    identifier = models.CharField(
        "org-id identifier", max_length=60, blank=True, validators=[org_id_validator],
        help_text="In the org-id.guide form, e.g. GB-CHC-1074546 (charity), GB-COH-03562176 "
                  "(company).",
    )
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="organisations")
    website = models.URLField(blank=True)
    description = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="members_of_group",
        verbose_name="parent group",
        help_text="The group this organisation belongs to, e.g. a parent charity providing "
                  "back-office services.",
    )

    objects = querysets.OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["identifier"], condition=~Q(identifier=""),
                                    name="organisation_identifier_unique"),
            models.CheckConstraint(condition=~Q(parent=F("id")),
                                   name="organisation_not_own_parent"),
        ]
        indexes = [models.Index(fields=["kind", "name"], name="organisation_kind_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_statutory(self) -> bool:
        return self.kind in OrganisationKind.statutory()

    def clean(self) -> None:
        from .validators import validate_organisation

        validate_organisation(self)


class Partnership(TimeStampedModel):
    """A group of organisations working together, from a two-charity joint agreement to a
    board-governed system-change programme."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    summary = models.TextField(blank=True)
    setting = models.CharField(max_length=12, choices=Setting.choices, default=Setting.BOTH)
    regions = models.ManyToManyField(Region, blank=True, related_name="partnerships",
                                     verbose_name="regions served")
    status = models.CharField(max_length=10, choices=PartnershipStatus.choices,
                              default=PartnershipStatus.FORMING)
    started_on = models.DateField(null=True, blank=True,
                                  help_text="When the partnership formed.")
    ended_on = models.DateField(null=True, blank=True)

    objects = querysets.PartnershipQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(started_on__isnull=True)
                | Q(ended_on__gte=F("started_on")),
                name="partnership_ends_after_start",
                violation_error_message="A partnership cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=~Q(status=PartnershipStatus.ENDED) | Q(ended_on__isnull=False),
                name="partnership_ended_has_end_date",
                violation_error_message="An ended partnership needs the date it ended.",
            ),
            models.CheckConstraint(
                condition=~Q(status=PartnershipStatus.ACTIVE) | Q(started_on__isnull=False),
                name="partnership_active_has_start_date",
                violation_error_message="An active partnership needs the date it started.",
            ),
        ]
        indexes = [models.Index(fields=["status", "name"], name="partnership_status_idx")]

    def __str__(self) -> str:
        return self.name


class Membership(TimeStampedModel):
    """An organisation's part in a partnership over a period [joined_on, left_on).

    Rows are never rewritten when membership changes: leaving sets ``left_on`` and rejoining is
    a new row, so the history of who was in the partnership when is kept.
    """

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE,
                                    related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="memberships")
    role = models.CharField(max_length=20, choices=MemberRole.choices)
    joined_on = models.DateField()
    left_on = models.DateField(
        null=True, blank=True,
        help_text="The date the organisation left: it is no longer a member from this day. "
                  "Empty while current.")
    notes = models.CharField(max_length=300, blank=True,
                             help_text="E.g. why the organisation left (recommissioning).")

    objects = querysets.MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["partnership", "joined_on", "organisation__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")),
                name="membership_leaves_after_joining",
                violation_error_message="A membership cannot end before it starts.",
            ),
            # Overlaps are checked by the validators; the database holds what it can on both
            # backends: one open-ended lead partner and no duplicate start.
            models.UniqueConstraint(
                fields=["partnership"], condition=Q(role=MemberRole.LEAD_PARTNER, left_on=None),
                name="membership_one_open_lead_partner",
                violation_error_message="This partnership already has a current lead partner.",
            ),
            models.UniqueConstraint(
                fields=["partnership", "organisation", "role", "joined_on"],
                name="membership_unique_start",
            ),
        ]
        indexes = [
            models.Index(fields=["partnership", "role", "joined_on"],
                         name="membership_partnership_idx"),
            models.Index(fields=["organisation", "joined_on"], name="membership_org_idx"),
        ]

    def __str__(self) -> str:
        period = f"joined {govuk_date(self.joined_on)}"
        if self.left_on:
            period += f", left {govuk_date(self.left_on)}"
        return f"{self.organisation} — {self.get_role_display()} of {self.partnership} ({period})"

    def clean(self) -> None:
        from .validators import validate_membership

        validate_membership(self)


class Activity(models.Model):
    """An activity in the lead-agency matrix: a standard one from national guidance, or a
    custom one that a single partnership added."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140)
    description = models.CharField(max_length=300, blank=True)
    is_standard = models.BooleanField(default=False)
    partnership = models.ForeignKey(
        Partnership, null=True, blank=True, on_delete=models.CASCADE,
        related_name="custom_activities", help_text="Empty for standard activities.",
    )
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "activities"
        constraints = [
            models.UniqueConstraint(fields=["slug"], condition=Q(partnership=None),
                                    name="activity_standard_slug_unique"),
            models.UniqueConstraint(fields=["partnership", "slug"],
                                    name="activity_custom_slug_unique"),
            models.CheckConstraint(
                condition=Q(is_standard=False) | Q(partnership__isnull=True),
                name="activity_standard_is_shared",
                violation_error_message="A standard activity belongs to no single partnership.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LeadResponsibility(TimeStampedModel):
    """Who leads one activity for a partnership over a period: one lead per activity at a time."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE,
                                    related_name="lead_responsibilities")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT,
                                 related_name="responsibilities")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="lead_responsibilities")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    contact = models.CharField(
        "named contact", max_length=200, blank=True,
        help_text="The policy lead or team that local services contact, e.g. 'Head of "
                  "Reducing Reoffending'.",
    )

    objects = querysets.LeadResponsibilityQuerySet.as_manager()

    class Meta:
        ordering = ["partnership", "activity__position", "starts_on"]
        verbose_name_plural = "lead responsibilities"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="lead_responsibility_ends_after_start",
                violation_error_message="A lead responsibility cannot end before it starts.",
            ),
            models.UniqueConstraint(
                fields=["partnership", "activity"], condition=Q(ends_on=None),
                name="lead_responsibility_one_open_lead",
                violation_error_message="This activity already has a current lead.",
            ),
        ]
        indexes = [models.Index(fields=["partnership", "activity", "starts_on"],
                                name="lead_resp_activity_idx")]

    def __str__(self) -> str:
        return f"{self.activity}: {self.organisation} ({self.partnership})"

    def clean(self) -> None:
        from .validators import validate_lead_responsibility

        validate_lead_responsibility(self)


class Agreement(TimeStampedModel):
    """One version of an agreement. Versions of the same agreement share a ``reference``; each
    new version links to the one it replaced, with the reason for the change."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE,
                                    related_name="agreements")
    kind = models.CharField(max_length=30, choices=AgreementKind.choices)
    reference = models.SlugField(
        max_length=80, help_text="Shared by every version of this agreement, e.g. 'pwa'.")
    title = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    status = models.CharField(max_length=12, choices=AgreementStatus.choices,
                              default=AgreementStatus.DRAFT)
    summary = models.TextField(blank=True)
    effective_from = models.DateField(null=True, blank=True)
    review_due = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    review_cycle_months = models.PositiveSmallIntegerField(
        "review every (months)", default=12, validators=[MinValueValidator(1)],
        help_text="How often the parties review it. A new version carries it forward; "
                  "putting a version into effect sets its first review date from it.")
    # Checked by content on upload (partnerships.documents), never re-read afterwards.
    document = models.FileField(upload_to="agreements/%Y/", blank=True)
    unsigned_reason = models.CharField(
        "put into effect unsigned because", max_length=300, blank=True,
        help_text="Why this version was put into effect before every party had signed.")
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True,
                                  help_text="Why the agreement ended.")
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by",
        help_text="The previous version this one replaced.",
    )
    change_reason = models.CharField(max_length=300, blank=True,
                                     help_text="Why this version replaced the previous one.")

    objects = querysets.AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["partnership", "reference", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "reference", "version"],
                                    name="agreement_unique_version"),
            models.UniqueConstraint(
                fields=["partnership", "reference"], condition=Q(status=AgreementStatus.ACTIVE),
                name="agreement_one_active_version",
                violation_error_message="Another version of this agreement is already active.",
            ),
            models.CheckConstraint(
                condition=Q(review_due__isnull=True) | Q(effective_from__isnull=True)
                | Q(review_due__gte=F("effective_from")),
                name="agreement_review_after_effective",
                violation_error_message="The review date cannot be before the agreement "
                                        "takes effect.",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(effective_from__isnull=True)
                | Q(expires_on__gte=F("effective_from")),
                name="agreement_expires_after_effective",
                violation_error_message="An agreement cannot expire before it takes effect.",
            ),
            models.CheckConstraint(
                condition=~Q(status=AgreementStatus.ACTIVE) | Q(effective_from__isnull=False),
                name="agreement_active_has_effective_date",
                violation_error_message="An active agreement needs the date it takes effect.",
            ),
            models.CheckConstraint(
                condition=~Q(status=AgreementStatus.SCHEDULED) | Q(effective_from__isnull=False),
                name="agreement_scheduled_has_effective_date",
                violation_error_message="A version due to take effect needs the date it will.",
            ),
            models.CheckConstraint(
                condition=~Q(status=AgreementStatus.ENDED) | Q(ended_on__isnull=False),
                name="agreement_ended_has_end_date",
                violation_error_message="An ended agreement needs the date it ended.",
            ),
            models.UniqueConstraint(
                fields=["partnership", "reference"],
                condition=Q(status__in=[AgreementStatus.DRAFT, AgreementStatus.SCHEDULED]),
                name="agreement_one_pending_version",
                violation_error_message="A new version of this agreement is already being "
                                        "agreed: continue with that one.",
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="agreement_version_positive",
                violation_error_message="Versions are numbered from 1.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "review_due"], name="agreement_review_idx"),
            models.Index(fields=["partnership", "kind"], name="agreement_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    def review_overdue_on(self, day: datetime.date | None = None) -> bool:
        """Whether this version is in force and its review date has passed (the same test as
        ``AgreementQuerySet.review_overdue``, for one loaded agreement)."""
        day = day or clock.today()
        return bool(self.status == AgreementStatus.ACTIVE and self.review_due
                    and self.review_due < day)

    def clean(self) -> None:
        from .validators import validate_agreement

        validate_agreement(self)


class Signatory(TimeStampedModel):
    """An organisation that is party to an agreement, and who signed for it and when."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="signatories")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="signatures")
    signed_by = models.CharField("signed by", max_length=150, blank=True,
                                 help_text="Name of the person who signed.")
    signer_role = models.CharField("their role", max_length=150, blank=True,
                                   help_text="Their job title, e.g. Chief Executive.")
    signed_on = models.DateField(null=True, blank=True, help_text="Empty until signed.")

    class Meta:
        ordering = ["agreement", "organisation__name"]
        verbose_name_plural = "signatories"
        constraints = [
            models.UniqueConstraint(fields=["agreement", "organisation"],
                                    name="signatory_once_per_agreement",
                                    violation_error_message="This organisation is already a "
                                                            "signatory of this agreement."),
        ]

    def __str__(self) -> str:
        state = f"signed {govuk_date(self.signed_on)}" if self.signed_on else "not yet signed"
        return f"{self.organisation} ({state})"


class AgreementReview(TimeStampedModel):
    """The parties' review of an agreement in force: when, what they concluded, and when the
    next review is due (which becomes the agreement's review date)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField()
    outcome = models.TextField(max_length=2000,
                               help_text="What the parties concluded, e.g. 'Continues unchanged'.")
    next_review_due = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["agreement", "-reviewed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_review_due__isnull=True)
                | Q(next_review_due__gt=F("reviewed_on")),
                name="agreement_review_next_after",
                violation_error_message="The next review must be after this one.",
            ),
        ]

    def __str__(self) -> str:
        return f"Review of {self.agreement}, {govuk_date(self.reviewed_on)}"


class Funding(TimeStampedModel):
    """Money (or in-kind support) from a funder to a partnership for a period, in pounds."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE,
                                    related_name="funding")
    funder = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="funding_given")
    recipient = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT,
        related_name="funding_received", help_text="Empty when paid to the partnership as a whole.",
    )
    source = models.CharField(max_length=10, choices=FundingSource.choices)
    amount = models.DecimalField("amount (£)", max_digits=12, decimal_places=2,
                                 validators=[MinValueValidator(0)])
    period_start = models.DateField()
    period_end = models.DateField()
    reference = models.CharField(max_length=120, blank=True,
                                 help_text="Contract or grant reference.")

    objects = querysets.FundingQuerySet.as_manager()

    class Meta:
        ordering = ["partnership", "period_start"]
        verbose_name_plural = "funding"
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="funding_amount_not_negative",
                                   violation_error_message="The amount cannot be negative."),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="funding_period_in_order",
                violation_error_message="The funding period cannot end before it starts.",
            ),
        ]

    def __str__(self) -> str:
        return (f"{money(self.amount)} from {self.funder} "
                f"({self.period_start:%b %Y}–{self.period_end:%b %Y})")


class ReviewMeeting(TimeStampedModel):
    """A quarterly partnership review: members meet to review referral protocols and how the
    partnership works (the guidance says quarterly). At most one is planned at a time; when one
    is recorded as held, the next is planned ``REVIEW_INTERVAL_MONTHS`` after it."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE,
                                    related_name="review_meetings")
    planned_on = models.DateField()
    status = models.CharField(max_length=10, choices=ReviewStatus.choices,
                              default=ReviewStatus.PLANNED)
    held_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True, help_text="What was reviewed and agreed. No names of "
                                                   "people using services.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["partnership", "-planned_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(status=ReviewStatus.HELD)
                                   | Q(held_on__isnull=False),
                                   name="review_held_has_date",
                                   violation_error_message="A held review needs the date it "
                                                           "was held."),
            models.UniqueConstraint(fields=["partnership"],
                                    condition=Q(status=ReviewStatus.PLANNED),
                                    name="review_one_planned",
                                    violation_error_message="This partnership already has a "
                                                            "review planned."),
        ]
        indexes = [models.Index(fields=["status", "planned_on"], name="review_due")]

    def __str__(self) -> str:
        return f"Partnership review of {self.partnership}, {govuk_date(self.planned_on)}"


class ReviewAttendance(models.Model):
    """Whether a member organisation sent anyone to a held review (organisations, not names)."""

    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.CASCADE,
                                related_name="attendance")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="review_attendance")
    attended = models.BooleanField()

    class Meta:
        ordering = ["meeting", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "organisation"],
                                    name="review_attendance_once"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {'attended' if self.attended else 'sent no one'}"
