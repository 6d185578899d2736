"""load_demo: the five partnership shapes, demo logins, idempotence, and refusal in production."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from accounts.models import Role, User
from core.models import AuditEvent
from partnerships.choices import AgreementKind, AgreementStatus, MemberRole, OrganisationKind
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
from services.choices import LocationKind
from services.models import Location, Service, ServiceAtLocation, ServiceCategory

COUNTED = [Organisation, Partnership, Membership, Agreement, Signatory, LeadResponsibility,
           Activity, Funding, Service, Location, ServiceAtLocation, User, AuditEvent, Region,
           ServiceCategory]


def run_load_demo(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {m.__name__: m._default_manager.count() for m in COUNTED}


def partnership(slug: str) -> Partnership:
    return Partnership.objects.get(slug=slug)


@pytest.fixture
def demo_output(demo_loaded: str, db: None) -> str:
    """The demo, loaded once for this module (tests/demo/conftest.py)."""
    return demo_loaded


# -- what it loads ----------------------------------------------------------------------

def test_writes_go_through_the_actions_with_an_audit_trail(demo_output):
    created = AuditEvent.objects.filter(action=AuditEvent.Action.CREATE)
    assert created.filter(content_type__model="partnership").count() == 5
    assert created.filter(content_type__model="membership").count() == Membership.objects.count()
    # The system wrote the registry; monitoring returns were submitted and reviewed by staff.
    assert not AuditEvent.objects.filter(actor__isnull=False) \
        .exclude(content_type__app_label__in=["monitoring", "referrals"]).exists()
    assert AuditEvent.objects.filter(summary="Recommissioning").count() == 5


# -- the five shapes -----------------------------------------------------------------------

def test_lead_partner_with_two_sub_contractors(demo_output):
    p = partnership("haven-family-links-national-family-service")
    current = p.memberships.current()
    assert current.filter(role=MemberRole.LEAD_PARTNER).get().organisation.name == \
        "Haven Family Links"
    assert current.filter(role=MemberRole.SUB_CONTRACTOR).count() == 2
    assert p.setting == "custody"
    assert list(p.regions.values_list("code", flat=True)) == ["national"]
    assert "quarterly monitoring report" in p.summary
    funding = p.funding.get()
    assert funding.source == "contract"
    assert funding.funder.kind == OrganisationKind.COMMISSIONING_BODY
    sla = p.agreements.get(kind=AgreementKind.SERVICE_LEVEL)
    assert sla.status == AgreementStatus.ACTIVE and "performance framework" in sla.summary


def test_multi_provider_partnership_across_seven_prisons(demo_output):
    p = partnership("north-pennine-prisons-recovery-partnership")
    assert p.started_on == datetime.date(2013, 4, 1)
    members = p.memberships.current()
    assert members.filter(organisation__kind=OrganisationKind.PRISON).count() == 7
    providers = members.filter(role__in=[MemberRole.LEAD_PARTNER, MemberRole.DELIVERY_PARTNER])
    assert providers.count() == 4
    assert members.get(role=MemberRole.LEAD_PARTNER).organisation.name == \
        "Northgate Recovery Trust"
    assert members.filter(organisation__kind=OrganisationKind.OTHER_STATUTORY,
                          role=MemberRole.STATUTORY_PARTNER).exists()  # the prison service

    prisons = Location.objects.filter(kind=LocationKind.PRISON,
                                      delivery_sites__service__partnership=p).distinct()
    assert prisons.count() == 7
    assert all(loc.prison_category and loc.operational_capacity for loc in prisons)

    v1, v2 = p.agreements.filter(reference="pwa").order_by("version")
    assert v1.effective_from == datetime.date(2013, 10, 1)  # six months after formation
    assert v1.status == AgreementStatus.SUPERSEDED
    assert v2.replaces == v1 and v2.status == AgreementStatus.ACTIVE and v2.change_reason
    assert v2.signatories.filter(signed_on__isnull=True).count() == 0

    leads = p.lead_responsibilities.current()
    for slug in ("treatment-delivery", "case-management", "continuity-of-care"):
        assert leads.filter(activity__slug=slug).exists()
    assert leads.filter(activity__partnership=p, contact__startswith="Partnership Manager") \
        .count() == 7  # one partnership manager per prison


def test_hub_whose_membership_shrank_after_recommissioning(demo_output):
    p = partnership("marchshire-womens-centre-partnership")
    lead = p.memberships.get(role=MemberRole.LEAD_PARTNER)
    partners = p.memberships.exclude(role=MemberRole.LEAD_PARTNER)
    assert partners.filter(joined_on=p.started_on).count() == 5  # five, later six
    assert partners.count() == 6
    assert p.memberships.current().count() == 2  # only two agencies remained
    left = p.memberships.filter(left_on__isnull=False)
    assert left.count() == 5
    assert set(left.values_list("notes", flat=True)) == {"Recommissioning"}

    first, second = p.funding.order_by("period_start")
    assert second.amount == first.amount / 2
    assert second.period_start == left.first().left_on

    hub = Location.objects.get(kind=LocationKind.COMMUNITY_HUB, operator=lead.organisation)
    assert ServiceAtLocation.objects.filter(location=hub, co_located=True).count() >= 2
    assert ServiceAtLocation.objects.filter(
        location__kind=LocationKind.PROBATION_OFFICE, co_located=True,
        service__partnership=p, service__categories__slug="substance-misuse").exists()
    court = p.services.get(accepts_court_ordered=True, provider=lead.organisation)
    assert "specified activity requirement" in court.description


def test_board_governed_partnership_with_seventeen_members(demo_output):
    p = partnership("kestrelford-multiple-disadvantage-programme")
    members = p.memberships.current().select_related("organisation")
    assert members.count() == 17
    assert members.get(role=MemberRole.LEAD_PARTNER).organisation.name == \
        "Kestrel Housing Association"
    board = members.filter(role=MemberRole.BOARD_MEMBER)
    assert board.count() == 11
    assert not any(m.organisation.is_statutory for m in board)
    statutory = members.filter(role=MemberRole.STATUTORY_PARTNER)
    assert sorted(statutory.values_list("organisation__kind", flat=True)) == sorted([
        OrganisationKind.POLICE, OrganisationKind.LOCAL_AUTHORITY, OrganisationKind.PROBATION,
        OrganisationKind.NHS_BODY, OrganisationKind.NHS_BODY])

    funding = p.funding.get()
    assert funding.source == "lottery"
    assert (funding.period_end - funding.period_start).days // 365 == 8
    kinds = set(p.agreements.values_list("kind", flat=True))
    assert {AgreementKind.PARTNERSHIP_WORKING, AgreementKind.INFORMATION_SHARING,
            AgreementKind.MOU} <= kinds

    # The lead-agency matrix from national guidance.
    leads = {lr.activity.slug: lr.organisation.kind
             for lr in p.lead_responsibilities.current().select_related("activity",
                                                                         "organisation")}
    assert leads["overall-supervision"] == OrganisationKind.PROBATION
    assert leads["offending-behaviour-programmes"] == OrganisationKind.PROBATION
    assert leads["treatment-delivery"] == OrganisationKind.CHARITY
    assert leads["treatment-commissioning"] == OrganisationKind.NHS_BODY
    assert leads["performance-management"] == OrganisationKind.LOCAL_AUTHORITY


def test_small_unfunded_joint_agreement_in_one_prison(demo_output):
    p = partnership("thornbury-moor-storytelling-group")
    members = p.memberships.current()
    assert members.count() == 2
    assert all(m.organisation.kind == OrganisationKind.CHARITY for m in members)
    assert not Funding.objects.filter(partnership=p).exists()

    agreement = p.agreements.get(kind=AgreementKind.JOINT)
    signers = agreement.signatories.select_related("organisation")
    assert signers.count() == 3 and all(s.signed_on for s in signers)
    assert signers.filter(organisation__kind=OrganisationKind.PRISON).exists()

    custom = {lr.activity.name for lr in p.lead_responsibilities.current()
              if lr.activity.partnership_id == p.pk}
    assert custom == {"Receiving group materials", "Monitoring attendance",
                      "Supervising volunteers"}
    sites = ServiceAtLocation.objects.filter(service__partnership=p)
    assert {s.location.kind for s in sites} == {LocationKind.PRISON}


# -- the rest of the registry --------------------------------------------------------------

def test_an_agreement_is_overdue_for_review_and_stays_so(demo_output):
    overdue = Agreement.objects.review_overdue(on=datetime.date(2025, 1, 1))
    assert overdue.exists()
    assert set(overdue) <= set(Agreement.objects.review_overdue())  # still overdue today


def test_directory_and_charity_group(demo_output):
    assert 15 <= Service.objects.count() <= 25
    used = ServiceCategory.objects.filter(services__isnull=False).distinct().count()
    assert used >= 12
    kinds = set(Location.objects.values_list("kind", flat=True))
    assert {LocationKind.PRISON, LocationKind.PROBATION_OFFICE, LocationKind.COMMUNITY_HUB,
            LocationKind.HOSPITAL} <= kinds
    group = Organisation.objects.get(identifier="GB-CHC-1160421")
    assert 3 <= group.members_of_group.count() <= 5
    pattern = re.compile(r"^GB-(CHC-\d+|COH-\d{8}|GOR-\w+|NHS-\w+|LAE-\w+)$")
    assert all(pattern.match(i) for i in Organisation.objects.values_list("identifier",
                                                                          flat=True))
    assert Funding.objects.filter(amount__gt=Decimal("0")).count() == 7


def test_one_login_per_role_authenticates_with_the_printed_password(demo_output):
    rows = re.findall(r"^\s*(demo-[a-z]+)\s{2,}(.+?)\s{2,}(.+?)\s{2,}(\S+)\s*$", demo_output,
                      re.MULTILINE)
    assert {username for username, *_ in rows} == {"demo-admin", "demo-commissioner",
                                                   "demo-manager", "demo-partner",
                                                   "demo-provider", "demo-prison",
                                                   "demo-community"}
    request = RequestFactory().post("/sign-in/")
    roles = set()
    for username, _role, _org, password in rows:
        user = authenticate(request, username=username, password=password)
        assert user is not None, username
        roles.add(user.role)
    assert roles == set(Role.values)

    admin = User.objects.get(username="demo-admin")
    assert admin.is_staff and admin.is_superuser and admin.organisation is None
    manager = User.objects.get(username="demo-manager")
    assert manager.is_staff and not manager.is_superuser
    assert Partnership.objects.managed_by(manager).exists()
    # make run says what the lead's partnership manager can try, and where.
    assert re.search(r"Try demo-manager: the lead partner's partnership manager of North "
                     r"Pennine .*#agreements", demo_output)
    partner = User.objects.get(username="demo-partner")
    assert not Partnership.objects.managed_by(partner).exists()
    commissioner = User.objects.get(username="demo-commissioner")
    assert commissioner.organisation.kind == OrganisationKind.COMMISSIONING_BODY
    assert User.objects.get(username="demo-provider").organisation.kind == \
        OrganisationKind.CHARITY


def test_rerun_resets_a_changed_demo_password(demo_output):
    user = User.objects.get(username="demo-provider")
    user.set_password("something-else-entirely-42")
    user.save()
    output = run_load_demo("--force")
    password = re.search(r"^\s*demo-provider\s.*\s(\S+)\s*$", output, re.MULTILINE).group(1)
    user.refresh_from_db()
    assert user.check_password(password)


def test_demo_has_an_agreement_mid_renewal(demo_output):
    """Version 2 of the release handover SLA is drafted; one of its three parties signed."""
    from partnerships.choices import AgreementStatus
    from partnerships.models import Agreement

    draft = Agreement.objects.get(reference="release-handover", version=2)
    assert draft.status == AgreementStatus.DRAFT
    assert draft.replaces.status == AgreementStatus.ACTIVE
    parties = list(draft.signatories.order_by("organisation__name"))
    assert len(parties) == 3
    assert [p.organisation.name for p in parties if p.signed_on] == ["Northgate Recovery Trust"]
    manager = User.objects.get(username="demo-manager")
    assert manager.has_perm("partnerships.manage_partnership", draft.partnership)
    assert User.objects.get(username="demo-partner").has_perm("partnerships.sign_agreement",
                                                               draft)
