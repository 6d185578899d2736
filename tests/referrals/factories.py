"""Factories for casework, plus ``casework_setup()``: a partnership in which probation (statutory)
and a treatment provider work cases together under an information-sharing protocol, with a
caseworker of each, an uninvolved organisation's caseworker, a platform admin and a
commissioner; and helpers that build cases and referrals through the actions.

Plain factories write rows directly (for tests of reads); ``open_case``/``send_referral`` go
through ``referrals.actions`` (for tests that then act on what they built)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

import factory
import pytest
from django.utils import timezone
from factory.django import DjangoModelFactory

from core.errors import DomainError
from core.models import AuditEvent
from partnerships.choices import AgreementKind, AgreementStatus, MemberRole
from referrals import actions
from referrals.choices import (
    CriminalOffenceCondition,
    Gender,
    LawfulBasis,
    OrderType,
    ReferralStatus,
    SpecialCategoryCondition,
)
from referrals.models import (
    Assessment,
    Case,
    CaseConference,
    CaseHistoryEntry,
    CaseworkSettings,
    ConferenceAttendee,
    CustodyEpisode,
    EndOfOrderNotice,
    LeadAgency,
    Person,
    PersonIdentifier,
    Referral,
    ReferralPathway,
    SharingProtocol,
)
from tests.accounts.factories import (
    CommissionerFactory,
    PlatformAdminFactory,
    ProviderStaffFactory,
)
from tests.partnerships.factories import (
    AgreementFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
    StatutoryOrganisationFactory,
)
from tests.services.factories import ServiceFactory, category


def today() -> datetime.date:
    """The date the actions call today (Europe/London), not the machine's."""
    return timezone.localdate()


def days(n: int) -> datetime.date:
    """``n`` days from today (negative: ago)."""
    return today() + datetime.timedelta(days=n)


# -- plain factories (rows written directly) ------------------------------------------------------


class InformationSharingAgreementFactory(AgreementFactory):
    kind = AgreementKind.INFORMATION_SHARING
    reference = factory.Sequence(lambda n: f"isp-{n}")
    title = factory.Sequence(lambda n: f"Information-sharing protocol {n}")
    status = AgreementStatus.ACTIVE
    effective_from = datetime.date(2020, 10, 1)


class SharingProtocolFactory(DjangoModelFactory):
    """Sharing terms of an active information-sharing agreement; ``parties=[a, b]``."""

    class Meta:
        model = SharingProtocol
        skip_postgeneration_save = True

    agreement = factory.SubFactory(InformationSharingAgreementFactory)
    purpose = "Coordinating supervision and treatment of people on orders."
    data_items = "Order details, risk level, treatment attendance."
    lawful_basis = LawfulBasis.PUBLIC_TASK
    special_category_condition = SpecialCategoryCondition.HEALTH_SOCIAL_CARE
    criminal_offence_condition = CriminalOffenceCondition.STATUTORY_PURPOSES
    retention_months = 72
    review_on = datetime.date(2030, 10, 1)

    @factory.post_generation
    def parties(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.parties.set(extracted)


class CaseworkSettingsFactory(DjangoModelFactory):
    class Meta:
        model = CaseworkSettings
        django_get_or_create = ("partnership",)

    partnership = factory.SubFactory(PartnershipFactory)


class PathwayFactory(DjangoModelFactory):
    class Meta:
        model = ReferralPathway

    partnership = factory.SubFactory(PartnershipFactory)
    name = factory.Sequence(lambda n: f"Pathway {n}")
    from_service = factory.SubFactory(ServiceFactory)
    to_service = factory.SubFactory(ServiceFactory)
    target_response_days = 5


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    initials = "JD"
    year_of_birth = 1985
    gender = Gender.NOT_STATED


class PersonIdentifierFactory(DjangoModelFactory):
    class Meta:
        model = PersonIdentifier

    person = factory.SubFactory(PersonFactory)
    kind = "prison_number"
    value = factory.Sequence(lambda n: f"A{1000 + n}BC")


class CaseFactory(DjangoModelFactory):
    """A case row with no lead agency or conferences (``LeadAgencyFactory`` adds a lead; or use
    ``open_case`` for a case built by the action)."""

    class Meta:
        model = Case

    person = factory.SubFactory(PersonFactory)
    partnership = factory.SubFactory(PartnershipFactory)
    order_type = OrderType.COMMUNITY_ORDER
    order_starts_on = factory.LazyFunction(lambda: days(-60))
    order_ends_on = factory.LazyFunction(lambda: days(300))


class LeadAgencyFactory(DjangoModelFactory):
    class Meta:
        model = LeadAgency

    case = factory.SubFactory(CaseFactory)
    organisation = factory.SubFactory(StatutoryOrganisationFactory)
    starts_on = factory.LazyAttribute(lambda o: min(o.case.order_starts_on, today()))


class ReferralFactory(DjangoModelFactory):
    class Meta:
        model = Referral

    case = factory.SubFactory(CaseFactory)
    from_organisation = factory.SubFactory(StatutoryOrganisationFactory)
    to_service = factory.SubFactory(ServiceFactory)
    to_organisation = factory.LazyAttribute(lambda o: o.to_service.provider)
    reason = "Needs structured treatment."
    lawful_basis = LawfulBasis.PUBLIC_TASK
    status = ReferralStatus.SENT
    response_due_on = factory.LazyFunction(lambda: days(7))


class AssessmentFactory(DjangoModelFactory):
    class Meta:
        model = Assessment

    case = factory.SubFactory(CaseFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    assessed_on = factory.LazyFunction(today)


class CaseConferenceFactory(DjangoModelFactory):
    class Meta:
        model = CaseConference

    case = factory.SubFactory(CaseFactory)
    kind = "joint"
    planned_on = factory.LazyFunction(lambda: days(7))


class ConferenceAttendeeFactory(DjangoModelFactory):
    class Meta:
        model = ConferenceAttendee

    conference = factory.SubFactory(CaseConferenceFactory)
    role = "offender_manager"


class EndOfOrderNoticeFactory(DjangoModelFactory):
    class Meta:
        model = EndOfOrderNotice

    case = factory.SubFactory(CaseFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    responsible_organisation = factory.SelfAttribute("organisation")
    text = "The order ended and treatment continues."


# -- the usual casework world -----------------------------------------------------------------


@dataclass
class Casework:
    partnership: Any
    probation: Any            # statutory partner: leads cases
    provider: Any             # treatment provider
    outsider_org: Any         # a current member of the partnership, not a protocol party
    agreement: Any            # the information-sharing agreement (active)
    protocol: SharingProtocol  # parties: probation and provider
    probation_service: Any
    treatment: Any            # the provider's treatment service (substance misuse)
    pathway: ReferralPathway  # probation_service → treatment, 5 working days
    officer: Any              # probation caseworker (provider staff role)
    worker: Any               # treatment provider caseworker
    outsider: Any             # caseworker of outsider_org
    admin: Any
    commissioner: Any


def casework_setup() -> Casework:
    """Probation and a treatment provider, current members of a partnership with an
    information-sharing protocol in force naming both; a service of each and a pathway between
    them; a caseworker of each, of an uninvolved member organisation, a platform admin and a
    commissioner."""
    partnership = PartnershipFactory(name="Northshire Reducing Reoffending Partnership")
    probation = StatutoryOrganisationFactory(name="Northshire Probation Delivery Unit")
    provider = OrganisationFactory(name="Northshire Recovery Services")
    outsider_org = OrganisationFactory(name="Northshire Housing Trust")
    MembershipFactory(partnership=partnership, organisation=probation,
                      role=MemberRole.STATUTORY_PARTNER)
    MembershipFactory(partnership=partnership, organisation=provider,
                      role=MemberRole.LEAD_PARTNER)
    MembershipFactory(partnership=partnership, organisation=outsider_org)
    agreement = InformationSharingAgreementFactory(partnership=partnership)
    protocol = SharingProtocolFactory(agreement=agreement, parties=[probation, provider])
    probation_service = ServiceFactory(name="Community supervision", provider=probation,
                                       partnership=partnership,
                                       categories=[category("purposeful-activity")])
    treatment = ServiceFactory(name="Structured drug treatment", provider=provider,
                               partnership=partnership,
                               categories=[category("substance-misuse")])
    pathway = PathwayFactory(partnership=partnership, name="Probation to drug treatment",
                             from_service=probation_service, to_service=treatment,
                             agreement=agreement)
    return Casework(
        partnership=partnership, probation=probation, provider=provider,
        outsider_org=outsider_org, agreement=agreement, protocol=protocol,
        probation_service=probation_service, treatment=treatment, pathway=pathway,
        officer=ProviderStaffFactory(organisation=probation),
        worker=ProviderStaffFactory(organisation=provider),
        outsider=ProviderStaffFactory(organisation=outsider_org),
        admin=PlatformAdminFactory(), commissioner=CommissionerFactory(),
    )


def open_case(s: Casework, **overrides: Any) -> Case:
    """A case opened by probation through ``case_open`` (a 12-month community order that
    started 60 days ago, low seriousness, unless told)."""
    arguments: dict[str, Any] = {
        "partnership": s.partnership, "lead_organisation": s.probation,
        "order_type": OrderType.COMMUNITY_ORDER, "order_starts_on": days(-60),
        "order_ends_on": days(-60) + datetime.timedelta(days=364), "by": s.officer,
        "initials": "JD", "year_of_birth": 1985, "gender": Gender.MALE, **overrides}
    return actions.case_open(**arguments)


def send_referral(s: Casework, case: Case, **overrides: Any) -> Referral:
    """Probation refers ``case`` to the provider's treatment service along the pathway."""
    arguments: dict[str, Any] = {
        "case": case, "to_service": s.treatment,
        "reason": "Opiate use; needs structured treatment.",
        "lawful_basis": LawfulBasis.PUBLIC_TASK, "consent_recorded": True, "by": s.officer,
        "from_service": s.probation_service, "pathway": s.pathway, **overrides}
    return actions.referral_send(**arguments)


def pathway_to(s: Casework, service: Any, **overrides: Any) -> ReferralPathway:
    """A pathway in force in the casework partnership leading to ``service`` (a referral needs
    one: ``selectors.referable_services``)."""
    arguments: dict[str, Any] = {"partnership": s.partnership, "from_service": None,
                                 "from_category": category("purposeful-activity"),
                                 "to_service": service, **overrides}
    return PathwayFactory(**arguments)


def accepted_referral(s: Casework, case: Case, **overrides: Any) -> Referral:
    """A referral to treatment, accepted by the provider's caseworker."""
    return actions.referral_accept(referral=send_referral(s, case, **overrides), by=s.worker)


def refused(call: Any, *, match: str, **kwargs: Any) -> DomainError:
    """Call an action that must refuse: its message matches ``match`` (a regular expression),
    and no casework row and no audit row changed. Returns the error."""
    before = unchanged_state()
    with pytest.raises(DomainError, match=match) as caught:
        call(**kwargs)
    assert unchanged_state() == before
    return caught.value


def unchanged_state() -> tuple[Any, ...]:
    """Everything a refused casework action must leave alone: every casework row and the audit
    trail."""
    models = (Person, PersonIdentifier, Case, LeadAgency, Assessment, Referral, CaseConference,
              ConferenceAttendee, EndOfOrderNotice, CaseHistoryEntry, CustodyEpisode)
    return (tuple(list(m.objects.order_by("pk").values()) for m in models),
            AuditEvent.objects.count())


def year_in(text: str, year: int | str) -> bool:
    """Whether a year of birth shows in ``text`` as a number of its own. Database ids in URLs
    ("/notifications/1985/open/") and in audit changes ("'case_id': [None, 1985]") are left
    out first: ids grow through a long run and would otherwise match a year by chance."""
    cleaned = re.sub(r"/\d+/", "/", text)
    cleaned = re.sub(r"'\w*id': \[[^\]]*\]", "", cleaned)
    return re.search(rf"(?<!\d){year}(?!\d)", cleaned) is not None
