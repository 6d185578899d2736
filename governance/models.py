"""Governance bodies and their members, decisions, the action log, frontline insights, joint
training and feedback (issue 19). Nothing here is personal data of people using services:
feedback from them is anonymous, insights are refused if they look like they hold a prison
number or a date of birth (``governance.validators``), and members are organisations with seats.

``__str__`` names partnerships, bodies and organisations only: it ends up in audit rows."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from core.models import TimeStampedModel

from . import querysets
from .choices import (
    ActionStatus,
    AttendeeRole,
    BodyKind,
    FeedbackMethod,
    FeedbackSource,
    InsightStatus,
    InsightTheme,
    TrainingKind,
)


class Body(TimeStampedModel):
    """A board, working group or service-user group of a partnership. Working groups feed the
    board (``reports_to``); the chair triages frontline insights and runs the meetings."""

    partnership = models.ForeignKey("partnerships.Partnership", on_delete=models.CASCADE,
                                    related_name="governance_bodies")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=BodyKind.choices)
    reports_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="feeders",
                                   help_text="The body this one reports to (e.g. the board).")
    terms_of_reference = models.TextField(blank=True)
    terms_document = models.FileField(upload_to="governance/terms/%Y/", blank=True,
                                      help_text="PDF, DOCX or ODT, 10 MB at most.")
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="chaired_bodies")
    formed_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    objects = querysets.BodyQuerySet.as_manager()

    class Meta:
        ordering = ["partnership", "name", "id"]
        verbose_name_plural = "bodies"
        constraints = [
            models.UniqueConstraint(fields=["partnership", "name"], name="body_name_once"),
            models.CheckConstraint(condition=Q(ended_on__isnull=True)
                                   | Q(ended_on__gte=F("formed_on")),
                                   name="body_ends_after_forming",
                                   violation_error_message="A body cannot end before it was "
                                                           "formed."),
            models.CheckConstraint(condition=~Q(reports_to=F("id")),
                                   name="body_not_reporting_to_itself",
                                   violation_error_message="A body cannot report to itself."),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.partnership})"


class BodySeat(TimeStampedModel):
    """An organisation's seat on a body, with when it joined and left (history is kept, as for
    partnership membership)."""

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="seats")
    organisation = models.ForeignKey("partnerships.Organisation", on_delete=models.PROTECT,
                                     related_name="body_seats")
    seat = models.CharField(max_length=120, blank=True,
                            help_text='e.g. "Police representative", "Vice-chair".')
    joined_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)

    objects = querysets.SeatQuerySet.as_manager()

    class Meta:
        ordering = ["body", "organisation__name", "joined_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(left_on__isnull=True)
                                   | Q(left_on__gte=F("joined_on")),
                                   name="seat_left_after_joining",
                                   violation_error_message="A seat cannot end before it "
                                                           "started."),
            models.UniqueConstraint(fields=["body", "organisation", "seat"],
                                    condition=Q(left_on__isnull=True),
                                    name="seat_held_once",
                                    violation_error_message="The organisation already holds "
                                                            "this seat."),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} on {self.body.name}"


class Decision(TimeStampedModel):
    """What a body decided, and when."""

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="decisions")
    decided_on = models.DateField()
    text = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")


    objects = querysets.DecisionQuerySet.as_manager()
    class Meta:
        ordering = ["body", "-decided_on", "-id"]

    def __str__(self) -> str:
        return f"Decision of {self.body.name}, {self.decided_on:%-d %b %Y}"


class ActionItem(TimeStampedModel):
    """One entry of a partnership's action log: who (organisation and person) must do what by
    when, arising from a body's meeting or decision (or a frontline insight). Open until done or
    dropped with a reason; overdue ones remind their owner once."""

    partnership = models.ForeignKey("partnerships.Partnership", on_delete=models.CASCADE,
                                    related_name="action_items")
    body = models.ForeignKey(Body, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="action_items")
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="action_items")
    text = models.TextField()
    owner_organisation = models.ForeignKey("partnerships.Organisation",
                                           on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="owned_actions")
    due_on = models.DateField()
    status = models.CharField(max_length=8, choices=ActionStatus.choices,
                              default=ActionStatus.OPEN)
    completed_on = models.DateField(null=True, blank=True)
    dropped_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = querysets.ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["partnership", "due_on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(status=ActionStatus.DONE)
                                   | Q(completed_on__isnull=False),
                                   name="action_done_has_date",
                                   violation_error_message="A done action needs the date it "
                                                           "was done."),
            models.CheckConstraint(condition=~Q(status=ActionStatus.DROPPED)
                                   | ~Q(dropped_reason=""),
                                   name="action_dropped_has_reason",
                                   violation_error_message="Say why the action was dropped."),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="action_due")]

    def __str__(self) -> str:
        return f"Action for {self.owner_organisation}, due {self.due_on:%-d %b %Y}"


class Insight(TimeStampedModel):
    """A barrier or an insight recorded by frontline staff of a member organisation, triaged by
    a body's chair: to that body's next agenda, to an action, or closed with a reply the author
    sees. Never personal data (refused on the way in)."""

    partnership = models.ForeignKey("partnerships.Partnership", on_delete=models.CASCADE,
                                    related_name="insights")
    organisation = models.ForeignKey("partnerships.Organisation", on_delete=models.PROTECT,
                                     related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                               related_name="insights")
    theme = models.CharField(max_length=20, choices=InsightTheme.choices)
    text = models.TextField()
    pathway = models.ForeignKey("referrals.ReferralPathway", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    service = models.ForeignKey("services.Service", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=InsightStatus.choices,
                              default=InsightStatus.NEW)
    agenda_body = models.ForeignKey(Body, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="agenda_insights")
    action = models.ForeignKey(ActionItem, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="insights")
    reply = models.TextField(blank=True)
    triaged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    triaged_on = models.DateField(null=True, blank=True)


    objects = querysets.PartnershipScopedQuerySet.as_manager()
    class Meta:
        ordering = ["partnership", "-created_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(status=InsightStatus.CLOSED) | ~Q(reply=""),
                                   name="insight_closed_has_reply",
                                   violation_error_message="Closing an insight needs a reply "
                                                           "to its author."),
        ]

    def __str__(self) -> str:
        return f"Insight from {self.organisation} ({self.partnership})"


class TrainingEvent(TimeStampedModel):
    """Joint training or a practice-sharing session between partners' staff."""

    partnership = models.ForeignKey("partnerships.Partnership", on_delete=models.CASCADE,
                                    related_name="training_events")
    kind = models.CharField(max_length=16, choices=TrainingKind.choices,
                            default=TrainingKind.TRAINING)
    topic = models.CharField(max_length=200)
    held_on = models.DateField()
    host = models.ForeignKey("partnerships.Organisation", on_delete=models.PROTECT,
                             related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")


    objects = querysets.PartnershipScopedQuerySet.as_manager()
    class Meta:
        ordering = ["partnership", "-held_on", "id"]

    def __str__(self) -> str:
        return f"{self.topic} ({self.held_on:%-d %b %Y})"


class TrainingAttendance(models.Model):
    """How many of an organisation's staff in one role attended (counts, never names)."""

    event = models.ForeignKey(TrainingEvent, on_delete=models.CASCADE, related_name="attendance")
    organisation = models.ForeignKey("partnerships.Organisation", on_delete=models.PROTECT,
                                     related_name="+")
    role = models.CharField(max_length=10, choices=AttendeeRole.choices)
    attendees = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])


    objects = querysets.TrainingAttendanceQuerySet.as_manager()
    class Meta:
        ordering = ["event", "organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(fields=["event", "organisation", "role"],
                                    name="training_attendance_once"),
            models.CheckConstraint(condition=Q(attendees__gte=1), name="training_attendees_some"),
        ]

    def __str__(self) -> str:
        return f"{self.attendees} from {self.organisation}"


class FeedbackResponse(TimeStampedModel):
    """One short structured feedback form: a rating and a comment, from a provider about the
    partnership, or from a person using services or their family (anonymous; collected on paper
    or by a worker; no account). Comments are shown only inside the partnership."""

    partnership = models.ForeignKey("partnerships.Partnership", on_delete=models.CASCADE,
                                    related_name="feedback")
    source = models.CharField(max_length=10, choices=FeedbackSource.choices)
    method = models.CharField(max_length=8, choices=FeedbackMethod.choices)
    about_organisation = models.ForeignKey(
        "partnerships.Organisation", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text="The provider whose service the feedback is about, if any.")
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="1 (very poor) to 5 (very good).")
    comment = models.TextField(blank=True)
    received_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")


    objects = querysets.PartnershipScopedQuerySet.as_manager()
    class Meta:
        ordering = ["partnership", "-received_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5),
                                   name="feedback_rating_1_to_5",
                                   violation_error_message="A rating is from 1 to 5."),
        ]

    def __str__(self) -> str:
        return f"Feedback ({self.get_source_display()}) on {self.partnership}"
