"""load_demo's casework part: a protocol in force between the demo caseworkers' organisations,
pathways and settings, three cases built through the actions (accepted, awaiting a response,
anonymised after retention), need-to-know between the demo logins, nothing personal in the
audit trail, and a second run that changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from core.models import AuditEvent
from demo.referrals import PARTNERSHIP
from partnerships.choices import AgreementKind, AgreementStatus
from partnerships.models import Organisation, Partnership
from referrals import actions
from referrals.choices import (
    CaseStatus,
    ConferenceKind,
    ConferenceStatus,
    OrderType,
    ReferralStatus,
)
from referrals.models import (
    Anonymisation,
    Assessment,
    Case,
    CaseAccess,
    CaseConference,
    CaseworkSettings,
    Person,
    PersonIdentifier,
    Referral,
    ReferralPathway,
    SharingProtocol,
)
from referrals.tasks import anonymise_due_cases

COUNTED = [SharingProtocol, ReferralPathway, CaseworkSettings, Person, PersonIdentifier, Case,
           Referral, Assessment, CaseConference, Anonymisation, AuditEvent]


def run_load_demo() -> str:
    out = StringIO()
    call_command("load_demo", "--force", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {m.__name__: m._default_manager.count() for m in COUNTED}


@pytest.fixture
def demo(demo_loaded: str, db: None) -> str:
    """The demo, loaded once for this module (tests/demo/conftest.py)."""
    return demo_loaded


def user(username: str) -> User:
    return User.objects.get(username=username)


def org(name: str) -> Organisation:
    return Organisation.objects.get(name=name)


def casework_cases() -> QuerySet[Case]:
    """The casework demo's three cases (the people in custody are demo/custody.py's)."""
    return Case.objects.filter(custody_episodes__isnull=True)


def cases_by_order() -> dict[str, Case]:
    return {c.order_type if c.status == CaseStatus.OPEN else "closed": c
            for c in casework_cases().select_related("person")}


def test_a_protocol_in_force_covers_the_demo_caseworkers_organisations(demo):
    partnership = Partnership.objects.get(slug=PARTNERSHIP)
    northgate, turning_tide = org("Northgate Recovery Trust"), org("Turning Tide Recovery")

    protocol = SharingProtocol.objects.covering(northgate.pk, turning_tide.pk).get()

    agreement = protocol.agreement
    assert (agreement.partnership, agreement.kind, agreement.status) == (
        partnership, AgreementKind.INFORMATION_SHARING, AgreementStatus.ACTIVE)
    assert agreement.signatories.filter(signed_on__isnull=False).count() == \
        protocol.parties.count() == 6
    assert protocol.retention_months == 72 and protocol.lawful_basis and protocol.data_items
    assert partnership.casework_settings.joint_meeting_interval == "monthly"
    pathways = partnership.referral_pathways.all()
    assert pathways.count() == 2
    assert all(p.agreement == agreement and p.last_reviewed_on for p in pathways)


def test_three_cases_in_every_state_built_through_the_actions(demo):
    manager, provider = user("demo-manager"), user("demo-provider")
    cases = cases_by_order()
    assert set(cases) == {OrderType.LICENCE, OrderType.POST_SENTENCE_SUPERVISION, "closed"}

    licence = cases[OrderType.LICENCE]
    referral = licence.referrals.get()
    assert (referral.status, referral.sent_by, referral.responded_by) == (
        ReferralStatus.ACCEPTED, manager, provider)
    assert referral.protocol.agreement.partnership.slug == PARTNERSHIP
    held = licence.conferences.filter(status=ConferenceStatus.HELD)
    assert set(held.values_list("kind", flat=True)) == {ConferenceKind.START,
                                                        ConferenceKind.JOINT}
    assert all(c.attendees.count() == 3 for c in held)
    assert licence.conferences.filter(status=ConferenceStatus.PLANNED,
                                      kind=ConferenceKind.JOINT).count() >= 9  # monthly
    assert licence.assessments.count() == 1

    waiting = cases[OrderType.POST_SENTENCE_SUPERVISION].referrals.get()
    assert waiting.status == ReferralStatus.SENT
    assert waiting in Referral.objects.inbox_of(provider.organisation_id)

    old = cases["closed"]
    assert old.anonymised_on is not None
    assert (old.person.initials, old.person.year_of_birth, old.person.gender) == (
        "", None, "not_stated")
    assert not old.person.identifiers.exists()
    assert set(old.conferences.values_list("outcome", flat=True)) == {"[removed]"}
    assert old.anonymisation.retention_months == 72
    assert old.conferences.count() == 3  # counts remain for reporting


def test_need_to_know_between_the_demo_logins(demo):
    manager, provider = user("demo-manager"), user("demo-provider")
    cases = cases_by_order()

    assert set(Case.objects.visible_to(manager) & casework_cases()) == set(cases.values())
    assert set(Case.objects.visible_to(provider) & casework_cases()) == {
        cases[OrderType.LICENCE], cases[OrderType.POST_SENTENCE_SUPERVISION]}
    assert not Case.objects.visible_to(user("demo-commissioner")).exists()
    assert not Case.objects.visible_to(user("demo-admin")).exists()
    actions.case_read(case=cases[OrderType.LICENCE], by=provider, channel="page")
    with pytest.raises(Http404):
        actions.case_read(case=cases["closed"], by=provider, channel="page")
    assert CaseAccess.objects.count() == 1


def test_the_audit_trail_has_casework_changes_by_the_demo_logins_and_nothing_personal(demo):
    casework = AuditEvent.objects.filter(content_type__app_label="referrals")
    actors = set(casework.exclude(actor=None).values_list("actor__username", flat=True))
    assert actors == {"demo-manager", "demo-provider", "demo-prison", "demo-community"}
    assert casework.filter(summary="Anonymised after 72 months").count() == 1
    text = " ".join(f"{e.changes} {e.summary} {e.object_repr}" for e in casework)
    for personal in ("A4417DM", "A5206DM", "A2093DM", "Marchbridge", "opiate",
                     "Attending treatment"):
        assert personal not in text


def test_a_second_run_changes_no_casework_and_nothing_is_left_to_anonymise(demo):
    before = counts()

    output = run_load_demo()

    assert counts() == before
    assert "Casework – North Pennine Prisons Recovery Partnership" in output
    assert "already loaded, skipped" in output.split("Casework – ")[1].splitlines()[0]
    assert anonymise_due_cases.apply().get()["anonymised"] == 0
    assert counts() == before
