"""The vocabularies of the partnerships app, in the words the sector uses."""

from django.db import models


class OrganisationKind(models.TextChoices):
    CHARITY = "charity", "Charity"
    SOCIAL_ENTERPRISE = "social_enterprise", "Social enterprise"
    PRISON = "prison", "Prison"
    PROBATION = "probation", "Probation service"
    POLICE = "police", "Police"
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    NHS_BODY = "nhs_body", "NHS body"
    COMMISSIONING_BODY = "commissioning_body", "Commissioning body"
    OTHER_STATUTORY = "other_statutory", "Other statutory body"

    @classmethod
    def statutory(cls) -> list[str]:
        """Kinds counted as statutory agencies (engagement reports single them out)."""
        return [cls.PRISON, cls.PROBATION, cls.POLICE, cls.LOCAL_AUTHORITY, cls.NHS_BODY,
                cls.COMMISSIONING_BODY, cls.OTHER_STATUTORY]


class Setting(models.TextChoices):
    CUSTODY = "custody", "Custody"
    COMMUNITY = "community", "Community"
    BOTH = "both", "Custody and community"


class PartnershipStatus(models.TextChoices):
    FORMING = "forming", "Forming"
    ACTIVE = "active", "Active"
    ENDED = "ended", "Ended"


class MemberRole(models.TextChoices):
    LEAD_PARTNER = "lead_partner", "Lead partner"
    SUB_CONTRACTOR = "sub_contractor", "Sub-contractor"
    DELIVERY_PARTNER = "delivery_partner", "Delivery partner"
    BOARD_MEMBER = "board_member", "Board member"
    STATUTORY_PARTNER = "statutory_partner", "Statutory partner"
    COMMISSIONER = "commissioner", "Commissioner"
    FUNDER = "funder", "Funder"


class AgreementKind(models.TextChoices):
    PARTNERSHIP_WORKING = "partnership_working", "Partnership working agreement"
    SERVICE_LEVEL = "service_level", "Service level agreement"
    INFORMATION_SHARING = "information_sharing", "Information-sharing protocol"
    JOINT = "joint", "Joint agreement"
    MOU = "mou", "Memorandum of understanding"
    CONTRACT = "contract", "Contract"


class AgreementStatus(models.TextChoices):
    """Where a version is in its life: draft -> (scheduled ->) active -> superseded | ended.
    ``expired`` is kept for versions recorded before ending was an action of its own."""

    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Due to take effect"
    ACTIVE = "active", "Active"
    SUPERSEDED = "superseded", "Superseded"
    ENDED = "ended", "Ended"
    EXPIRED = "expired", "Expired"

    @classmethod
    def pending(cls) -> list[str]:
        """A version still being agreed: parties sign it, it is not yet in force."""
        return [cls.DRAFT, cls.SCHEDULED]


class FundingSource(models.TextChoices):
    CONTRACT = "contract", "Contract"
    GRANT = "grant", "Grant"
    LOTTERY = "lottery", "Lottery"
    IN_KIND = "in_kind", "In kind"


class ReviewStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"
