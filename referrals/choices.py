"""The vocabularies of casework: orders, seriousness, referral states, conference kinds, and the
UK GDPR / DPA 2018 conditions an information-sharing protocol records."""

from django.db import models


class OrderType(models.TextChoices):
    COMMUNITY_ORDER = "community_order", "Community order"
    SUSPENDED_SENTENCE = "suspended_sentence_order", "Suspended sentence order"
    LICENCE = "licence", "Licence"
    POST_SENTENCE_SUPERVISION = "post_sentence_supervision", "Post-sentence supervision"
    DRR = "drr", "Drug rehabilitation requirement"
    ATR = "atr", "Alcohol treatment requirement"
    SAR = "sar", "Specified activity requirement"
    VOLUNTARY = "voluntary", "Voluntary (no order)"


class Seriousness(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Compliance(models.TextChoices):
    COMPLYING = "complying", "Complying"
    CONCERNS = "concerns", "Concerns raised"
    NOT_COMPLYING = "not_complying", "Not complying"


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Gender(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "In another way"
    NOT_STATED = "not_stated", "Not stated"


class IdentifierKind(models.TextChoices):
    PRISON_NUMBER = "prison_number", "Prison number"
    PNC = "pnc", "Police National Computer number"
    CRN = "crn", "Probation case reference number (CRN)"
    NHS_NUMBER = "nhs_number", "NHS number"


class ReferralStatus(models.TextChoices):
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    COMPLETED = "completed", "Completed"
    WITHDRAWN = "withdrawn", "Withdrawn"

    @classmethod
    def open(cls) -> list[str]:
        """States in which the referral still involves both organisations in the case."""
        return [cls.SENT, cls.ACCEPTED]


class ConferenceKind(models.TextChoices):
    START = "start", "Three-way meeting: start of order"
    MIDDLE = "middle", "Three-way meeting: middle of order"
    END = "end", "Three-way meeting: end of order"
    JOINT = "joint", "Joint case meeting"


class ConferenceStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    HELD = "held", "Held"
    MISSED = "missed", "Missed"
    #: Replaced by a re-plan (or dropped when the case closed): left out of the case page.
    CANCELLED = "cancelled", "Cancelled (re-planned)"
    #: Cancelled by a person, with a reason: kept in the case's timeline, never re-planned.
    CALLED_OFF = "called_off", "Cancelled"


class HistoryKind(models.TextChoices):
    """What a line of a case's history (``CaseHistoryEntry``) records."""

    CONFERENCE_MOVED = "conference_moved", "Conference moved"
    CONFERENCE_CANCELLED = "conference_cancelled", "Conference cancelled"
    SERIOUSNESS_CHANGED = "seriousness_changed", "Seriousness changed"


class AttendeeRole(models.TextChoices):
    OFFENDER_MANAGER = "offender_manager", "Offender manager"
    TREATMENT_WORKER = "treatment_worker", "Treatment worker"
    PERSON = "person", "The person"
    OTHER = "other", "Other professional"


class JointMeetingInterval(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    SIX_WEEKLY = "six_weekly", "Every six weeks"


class LawfulBasis(models.TextChoices):
    """UK GDPR Article 6(1)."""

    CONSENT = "6_1_a", "Art 6(1)(a) consent"
    CONTRACT = "6_1_b", "Art 6(1)(b) contract"
    LEGAL_OBLIGATION = "6_1_c", "Art 6(1)(c) legal obligation"
    VITAL_INTERESTS = "6_1_d", "Art 6(1)(d) vital interests"
    PUBLIC_TASK = "6_1_e", "Art 6(1)(e) public task"
    LEGITIMATE_INTERESTS = "6_1_f", "Art 6(1)(f) legitimate interests"


class SpecialCategoryCondition(models.TextChoices):
    """UK GDPR Article 9(2), for health data such as substance use."""

    EXPLICIT_CONSENT = "9_2_a", "Art 9(2)(a) explicit consent"
    EMPLOYMENT_SOCIAL_PROTECTION = ("9_2_b", "Art 9(2)(b) employment, social security and "
                                             "social protection")
    VITAL_INTERESTS = "9_2_c", "Art 9(2)(c) vital interests"
    SUBSTANTIAL_PUBLIC_INTEREST = ("9_2_g", "Art 9(2)(g) substantial public interest (DPA 2018 "
                                            "Sch 1 Part 2)")
    HEALTH_SOCIAL_CARE = "9_2_h", "Art 9(2)(h) health or social care"
    PUBLIC_HEALTH = "9_2_i", "Art 9(2)(i) public health"


class CriminalOffenceCondition(models.TextChoices):
    """UK GDPR Article 10 with a DPA 2018 Schedule 1 condition, for criminal-offence data."""

    HEALTH_SOCIAL_CARE = "sch1_p1_2", "DPA 2018 Sch 1 para 2: health or social care purposes"
    STATUTORY_PURPOSES = ("sch1_p2_6", "DPA 2018 Sch 1 para 6: statutory and government "
                                       "purposes")
    PREVENTING_CRIME = ("sch1_p2_10", "DPA 2018 Sch 1 para 10: preventing or detecting "
                                      "unlawful acts")
    SAFEGUARDING = ("sch1_p2_18", "DPA 2018 Sch 1 para 18: safeguarding of children and "
                                  "individuals at risk")
    CONSENT = "sch1_p3_29", "DPA 2018 Sch 1 para 29: consent"


class ExpectedReleaseKind(models.TextChoices):
    """How a person is expected to leave custody, in the words prison and probation staff use."""

    CONDITIONAL = "conditional", "Conditional release"
    LICENCE = "licence", "Release on licence"
    END_OF_SENTENCE = "end_of_sentence", "End of sentence"
    REMAND_ENDING = "remand_ending", "Remand ending"


class CustodyState(models.TextChoices):
    """Where a custody episode stands (derived from its dates, never stored): the person is
    still held there, was moved to another prison, or was released."""

    IN_CUSTODY = "in_custody", "In custody"
    TRANSFERRED = "transferred", "Transferred to another prison"
    RELEASED = "released", "Released"
