"""The partnerships app's admin: the registry models (``registry``) and agreements with their
lifecycle buttons (``agreements``). Importing the modules registers them with the admin site."""

from .agreements import AgreementAdmin, SignatoryInline
from .registry import (
    FundingAdmin,
    LeadResponsibilityAdmin,
    MembershipAdmin,
    OrganisationAdmin,
    PartnershipAdmin,
    PartnershipsAdmin,
    managed_partnerships,
)

__all__ = ["AgreementAdmin", "FundingAdmin", "LeadResponsibilityAdmin", "MembershipAdmin",
           "OrganisationAdmin", "PartnershipAdmin", "PartnershipsAdmin", "SignatoryInline",
           "managed_partnerships"]
