"""Factories for the partnerships app, with a subclass per state (e.g. EndedMembershipFactory)."""

import datetime

import factory
from factory.django import DjangoModelFactory

from partnerships.choices import (
    AgreementKind,
    AgreementStatus,
    FundingSource,
    MemberRole,
    OrganisationKind,
    PartnershipStatus,
    Setting,
)
from partnerships.models import (
    Activity,
    Agreement,
    Funding,
    LeadResponsibility,
    Membership,
    Organisation,
    Partnership,
    Region,
    Signatory,
)


def region(code: str = "london") -> Region:
    """A seeded region (the data migration creates them)."""
    return Region.objects.get(code=code)


def standard_activity(slug: str = "treatment-delivery") -> Activity:
    return Activity.objects.get(slug=slug, partnership=None)


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"organisation-{n}")
    kind = OrganisationKind.CHARITY
    identifier = factory.Sequence(lambda n: f"GB-CHC-{1000000 + n}")


class StatutoryOrganisationFactory(OrganisationFactory):
    kind = OrganisationKind.PROBATION
    identifier = factory.Sequence(lambda n: f"GB-GOR-PB{n:04d}")


class PartnershipFactory(DjangoModelFactory):
    class Meta:
        model = Partnership

    name = factory.Sequence(lambda n: f"Partnership {n}")
    slug = factory.Sequence(lambda n: f"partnership-{n}")
    summary = "A partnership for tests."
    setting = Setting.BOTH
    status = PartnershipStatus.ACTIVE
    started_on = datetime.date(2020, 4, 1)


class EndedPartnershipFactory(PartnershipFactory):
    status = PartnershipStatus.ENDED
    ended_on = datetime.date(2024, 3, 31)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    partnership = factory.SubFactory(PartnershipFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = MemberRole.DELIVERY_PARTNER
    joined_on = factory.LazyAttribute(
        lambda o: o.partnership.started_on or datetime.date(2020, 4, 1))


class LeadMembershipFactory(MembershipFactory):
    role = MemberRole.LEAD_PARTNER


class EndedMembershipFactory(MembershipFactory):
    left_on = datetime.date(2023, 3, 31)


class LeadResponsibilityFactory(DjangoModelFactory):
    class Meta:
        model = LeadResponsibility

    partnership = factory.SubFactory(PartnershipFactory)
    activity = factory.LazyFunction(standard_activity)
    organisation = factory.LazyAttribute(
        lambda o: MembershipFactory(partnership=o.partnership).organisation)
    starts_on = factory.LazyAttribute(
        lambda o: o.partnership.started_on or datetime.date(2020, 4, 1))


class AgreementFactory(DjangoModelFactory):
    class Meta:
        model = Agreement

    partnership = factory.SubFactory(PartnershipFactory)
    kind = AgreementKind.PARTNERSHIP_WORKING
    reference = factory.Sequence(lambda n: f"agreement-{n}")
    title = factory.Sequence(lambda n: f"Partnership working agreement {n}")
    version = 1
    status = AgreementStatus.ACTIVE
    effective_from = datetime.date(2020, 10, 1)
    review_due = datetime.date(2030, 10, 1)


class DraftAgreementFactory(AgreementFactory):
    status = AgreementStatus.DRAFT


class OverdueAgreementFactory(AgreementFactory):
    review_due = datetime.date(2021, 10, 1)


class SignatoryFactory(DjangoModelFactory):
    class Meta:
        model = Signatory

    agreement = factory.SubFactory(AgreementFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    signed_by = "Chief Executive"
    signed_on = datetime.date(2020, 10, 1)


class FundingFactory(DjangoModelFactory):
    class Meta:
        model = Funding

    partnership = factory.SubFactory(PartnershipFactory)
    funder = factory.SubFactory(OrganisationFactory, kind=OrganisationKind.COMMISSIONING_BODY)
    source = FundingSource.CONTRACT
    amount = "250000.00"
    period_start = datetime.date(2020, 4, 1)
    period_end = datetime.date(2021, 3, 31)
