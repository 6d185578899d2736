"""The vocabularies of monitoring returns."""

from django.db import models


class MetricKind(models.TextChoices):
    COUNT = "count", "Count"
    DECIMAL = "decimal", "Decimal number"
    PERCENTAGE = "percentage", "Percentage"
    YES_NO = "yes_no", "Yes or no"
    TEXT = "text", "Short text"

    @classmethod
    def numeric(cls) -> list[str]:
        """Kinds stored in ``Value.number`` (yes/no as 1/0), so the database can aggregate them."""
        return [cls.COUNT, cls.DECIMAL, cls.PERCENTAGE, cls.YES_NO]


class Aggregation(models.TextChoices):
    """How one metric's figures combine across a partnership's organisations."""

    TOTAL = "total", "Total"
    AVERAGE = "average", "Average"
    YES_COUNT = "yes_count", "Organisations answering yes"

    @classmethod
    def configurable(cls) -> list[tuple[str, str]]:
        """What an admin may choose for counts and decimals (yes/no always counts the yes)."""
        return [(cls.TOTAL, "Add up (e.g. people, sessions)"),
                (cls.AVERAGE, "Average (e.g. an average wait in days)")]


class Frequency(models.TextChoices):
    QUARTERLY = "quarterly", "Quarterly"
    MONTHLY = "monthly", "Monthly"
    ANNUAL = "annual", "Annual"


class ReturnStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned for correction"
    APPROVED = "approved", "Approved"

    @classmethod
    def editable(cls) -> list[str]:
        return [cls.DRAFT, cls.RETURNED]


class RuleForm(models.TextChoices):
    COMPARE = "compare", "Compare two figures (or a figure and a number)"
    YES_THEN_POSITIVE = ("yes_then_positive",
                         "If the yes/no figure is yes, the count must be above 0")


class Operator(models.TextChoices):
    LE = "<=", "≤"
    LT = "<", "<"
    GE = ">=", "≥"
    GT = ">", ">"
    EQ = "=", "="
