"""The casework part of the demo, in the North Pennine Prisons Recovery Partnership, where both
caseworker logins' organisations are members: Northgate Recovery Trust (demo-manager, the
coordinating provider, which runs the recovery teams in the prisons) and Turning Tide Recovery
(demo-provider, sub-contracted since July 2025 for women released from HMP Calderbrook to the
south-west). Everything is written through the actions, so it has its audit trail:

- an **information-sharing protocol** (a new agreement of the partnership, put into effect and
  signed through ``partnerships.actions``) with its sharing terms under UK GDPR and DPA 2018,
  naming the providers and the prison service's group as parties;
- two **referral pathways** (release to Turning Tide's women's treatment; release to
  Clearwater's continuity service) and the partnership's **casework settings**;
- three **cases** led by Northgate Recovery Trust: a licence after release, referred to Turning
  Tide and accepted, medium seriousness, so monthly joint meetings (the first held); a
  post-sentence supervision case whose referral waits in Turning Tide's inbox; and a case that
  closed about seven years ago, long past retention, anonymised as the nightly task would.

The people are fictional; their identifiers are demo values. Unlike the registry, the open
cases' dates are relative to today (like the monitoring returns), so their conference
schedules always have a past and a future. Idempotent: the open cases are found by their
person's prison number, the old one by its order dates; what exists is skipped.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model

from core import audit, clock
from core.actions import audited_create
from core.models import AuditEvent
from demo.inbox import dated
from demo.inbox import story_time as _on
from notifications.actions import notification_mark_read
from notifications.models import Notification
from partnerships import actions as p_actions
from partnerships.choices import AgreementKind
from partnerships.models import Agreement, Organisation, Partnership
from referrals import actions
from referrals.choices import (
    AttendeeRole,
    CriminalOffenceCondition,
    Gender,
    IdentifierKind,
    JointMeetingInterval,
    LawfulBasis,
    OrderType,
    Seriousness,
    SpecialCategoryCondition,
)
from referrals.models import (
    Case,
    CaseworkSettings,
    PersonIdentifier,
    Referral,
    ReferralPathway,
    SharingProtocol,
)
from referrals.retention import months_after, retention_months_for
from services.models import Service

D = datetime.date
PARTNERSHIP = "north-pennine-prisons-recovery-partnership"
#: Organisation identifiers (see ``demo.data.ORGANISATIONS``).
NORTHGATE, TURNING_TIDE, CLEARWATER = "GB-CHC-1098732", "GB-CHC-1152238", "GB-CHC-1102983"
SECOND_CHANCE, MOORSIDE, PRISON_GROUP = "GB-COH-09351764", "GB-NHS-RZ4", "GB-GOR-PG0214"
PROBATION_SW = "GB-GOR-PS0450"  # the offender managers of women released to the south-west

PROTOCOL = {
    "reference": "isp", "title": "North Pennine information-sharing protocol",
    "summary": ("Sharing about people in treatment between the prison recovery teams, prison "
                "healthcare, the prison service and the community providers taking them on "
                "release: need to know, case references not names, consent recorded where it "
                "is the basis."),
    "effective_from": D(2025, 7, 1), "review_due": D(2028, 7, 1),
    "signatories": [(NORTHGATE, "Caldicott Guardian", D(2025, 6, 16)),
                    (CLEARWATER, "Data Protection Officer", D(2025, 6, 18)),
                    (SECOND_CHANCE, "Managing Director", D(2025, 6, 18)),
                    (MOORSIDE, "Caldicott Guardian", D(2025, 6, 20)),
                    (PRISON_GROUP, "Group Information Assurance Lead", D(2025, 6, 24)),
                    (TURNING_TIDE, "Data Protection Officer", D(2025, 6, 27))],
    "terms": {
        "purpose": ("Continuity of treatment for people leaving the North Pennine prisons: "
                    "referral on release, joint case meetings, and who is responsible when an "
                    "order ends."),
        "data_items": ("Case and referral references, initials, year of birth, gender, prison "
                       "number, order type and dates, seriousness, substance use and treatment "
                       "attendance, conference outcomes."),
        "lawful_basis": LawfulBasis.PUBLIC_TASK,
        "special_category_condition": SpecialCategoryCondition.HEALTH_SOCIAL_CARE,
        "criminal_offence_condition": CriminalOffenceCondition.HEALTH_SOCIAL_CARE,
        "retention_months": 72, "review_on": D(2027, 7, 1),
    },
}

NORTHGATE_SERVICE = "Prison drug and alcohol recovery team"
PATHWAYS = [
    {"name": "Calderbrook release to Turning Tide women's treatment",
     "from": (NORTHGATE, NORTHGATE_SERVICE), "to": (TURNING_TIDE, "Women's substance use "
                                                                    "treatment"),
     "target_response_days": 15, "last_reviewed_on": D(2025, 10, 14),
     "eligibility_notes": "Women released from HMP Calderbrook to the south-west with a "
                          "substance use need; first appointment within three weeks of "
                          "release."},
    {"name": "Release to community continuity (Clearwater)",
     "from": (NORTHGATE, NORTHGATE_SERVICE), "to": (CLEARWATER, "Release and community "
                                                                "continuity service"),
     "target_response_days": 5, "last_reviewed_on": D(2025, 10, 14),
     "eligibility_notes": "Anyone in treatment released to the North Pennine area; met at the "
                          "gate."},
]


def _attendees(orgs: dict[str, Organisation]) -> list[dict[str, Any]]:
    return [{"role": AttendeeRole.OFFENDER_MANAGER, "organisation": orgs[PROBATION_SW]},
            {"role": AttendeeRole.TREATMENT_WORKER, "organisation": orgs[NORTHGATE]},
            {"role": AttendeeRole.PERSON, "organisation": None}]


def accept(referral: Referral, *, by: Any) -> Referral:
    """The receiving caseworker opens the notification of the referral (which marks it read,
    so an answered referral is not news in their list) and accepts it."""
    for notice in Notification.objects.for_recipient(by).unread().filter(
            kind="referral_received", url__contains=referral.reference):
        notification_mark_read(notification=notice, by=by)
    return actions.referral_accept(referral=referral, by=by)


class CaseworkLoader:
    def __init__(self, *, report: Any, log: Callable[[str], None]) -> None:
        self.report, self.log = report, log
        self.today = clock.today()
        self.partnership = Partnership.objects.get(slug=PARTNERSHIP)
        self.orgs = {o.identifier: o for o in Organisation.objects.filter(identifier__in=[
            NORTHGATE, TURNING_TIDE, CLEARWATER, SECOND_CHANCE, MOORSIDE, PRISON_GROUP,
            PROBATION_SW])}
        User = get_user_model()  # noqa: N806
        self.manager = User.objects.get(username="demo-manager")    # Northgate Recovery Trust
        self.provider = User.objects.get(username="demo-provider")  # Turning Tide Recovery

    def run(self) -> None:
        before = (self.report.total_created, self.report.total_existing)
        agreement = self._agreement()
        protocol = self._protocol(agreement)
        self._settings()
        pathways = [self._pathway(spec, agreement) for spec in PATHWAYS]
        self._licence_case(pathways[0])
        self._awaiting_case(pathways[0])
        self._old_case()
        created = self.report.total_created - before[0]
        existing = self.report.total_existing - before[1]
        state = (f"created {created} records" if created
                 else f"already loaded, skipped ({existing} records present)")
        self.log(f"  Casework – {self.partnership.name} (protocol “{protocol.agreement.title}”, "
                 f"pathways, three cases): {state}")

    # -- configuration --------------------------------------------------------------------------
    def _agreement(self) -> Agreement:
        def create() -> Agreement:
            with dated(_on(PROTOCOL["effective_from"])):  # its notifications are history
                draft = p_actions.agreement_create(
                    partnership=self.partnership, kind=AgreementKind.INFORMATION_SHARING,
                    title=PROTOCOL["title"], reference=PROTOCOL["reference"],
                    summary=PROTOCOL["summary"], review_due=PROTOCOL["review_due"],
                    parties=[self.orgs[i] for i, _, _ in PROTOCOL["signatories"]], by=None)
                for identifier, signed_by, signed_on in PROTOCOL["signatories"]:
                    p_actions.agreement_sign(agreement=draft,
                                             organisation=self.orgs[identifier],
                                             signed_by=signed_by, signed_on=signed_on, by=None)
                return p_actions.agreement_put_into_effect(
                    agreement=draft, effective_on=PROTOCOL["effective_from"],
                    review_due=PROTOCOL["review_due"], by=None)

        return self.report.ensure(Agreement, Agreement.objects.filter(
            partnership=self.partnership, reference=PROTOCOL["reference"], version=1).first(),
            create)

    def _protocol(self, agreement: Agreement) -> SharingProtocol:
        def create() -> SharingProtocol:
            protocol = audited_create(instance=SharingProtocol(agreement=agreement,
                                                               **PROTOCOL["terms"]),
                                      by=None, summary=f"Sharing terms of {agreement}")
            parties = [self.orgs[i] for i, _, _ in PROTOCOL["signatories"]]
            protocol.parties.set(parties)
            audit.record(instance=protocol, action=AuditEvent.Action.UPDATE, by=None,
                         changes={"parties": [[], sorted(p.pk for p in parties)]},
                         summary="Named the parties")
            return protocol

        return self.report.ensure(SharingProtocol, SharingProtocol.objects.filter(
            agreement=agreement).first(), create)

    def _settings(self) -> None:
        self.report.ensure(CaseworkSettings, CaseworkSettings.objects.filter(
            partnership=self.partnership).first(), lambda: audited_create(
                instance=CaseworkSettings(partnership=self.partnership,
                                          joint_meeting_interval=JointMeetingInterval.MONTHLY),
                by=None, summary=f"Casework settings of {self.partnership}"))

    def _pathway(self, spec: dict[str, Any], agreement: Agreement) -> ReferralPathway:
        def service(key: tuple[str, str]) -> Service:
            return Service.objects.get(provider=self.orgs[key[0]], name=key[1])

        return self.report.ensure(ReferralPathway, ReferralPathway.objects.filter(
            partnership=self.partnership, name=spec["name"]).first(), lambda: audited_create(
                instance=ReferralPathway(
                    partnership=self.partnership, name=spec["name"], agreement=agreement,
                    from_service=service(spec["from"]), to_service=service(spec["to"]),
                    target_response_days=spec["target_response_days"],
                    last_reviewed_on=spec["last_reviewed_on"],
                    eligibility_notes=spec["eligibility_notes"]),
                by=None, summary=f"Pathway of {self.partnership}"))

    # -- cases ----------------------------------------------------------------------------------
    def _case_of(self, prison_number: str) -> Case | None:
        identifier = (PersonIdentifier.objects.filter(kind=IdentifierKind.PRISON_NUMBER,
                                                      value=prison_number)
                      .select_related("person").first())
        if identifier is None:
            return None
        return identifier.person.cases.filter(partnership=self.partnership).first()

    def _open(self, *, prison_number: str, **fields: Any) -> Case:
        return actions.case_open(partnership=self.partnership,
                                 lead_organisation=self.orgs[NORTHGATE], by=self.manager,
                                 identifiers={IdentifierKind.PRISON_NUMBER: prison_number},
                                 **fields)

    def _licence_case(self, pathway: ReferralPathway) -> None:
        """Released 45 days ago on licence; Northgate assessed her before release, referred
        her to Turning Tide, which accepted; the start meeting and the first monthly joint
        meeting were held."""
        def create() -> Case:
            starts = self.today - datetime.timedelta(days=45)
            case = self._open(prison_number="A4417DM", order_type=OrderType.LICENCE,
                              order_starts_on=starts,
                              order_ends_on=months_after(starts, 12) - datetime.timedelta(1),
                              seriousness=Seriousness.MEDIUM, initials="RT",
                              year_of_birth=1991, gender=Gender.FEMALE)
            actions.assessment_record(
                case=case, organisation=self.orgs[NORTHGATE], by=self.manager,
                assessed_on=starts - datetime.timedelta(days=3),
                service=Service.objects.get(provider=self.orgs[NORTHGATE],
                                            name=NORTHGATE_SERVICE),
                summary="Pre-release review: opiate substitution stable; wants women-only "
                        "support near family.")
            referral = actions.referral_send(
                case=case, to_service=pathway.to_service, from_service=pathway.from_service,
                pathway=pathway, by=self.manager, lawful_basis=LawfulBasis.PUBLIC_TASK,
                consent_recorded=True,
                reason="Released to Marchbridge on licence; needs her prescription and "
                       "keyworking picked up in the community.")
            accept(referral, by=self.provider)
            for conference in case.conferences.filter(planned_on__lte=self.today) \
                    .order_by("planned_on"):
                actions.conference_record(
                    conference=conference, by=self.manager, held=True,
                    held_on=conference.planned_on, attendees=_attendees(self.orgs),
                    outcome="Licence conditions and treatment plan agreed; next meeting "
                            "booked.")
            return case

        self.report.ensure(Case, self._case_of("A4417DM"), create)

    def _awaiting_case(self, pathway: ReferralPathway) -> None:
        """Released 10 days ago; the referral waits in Turning Tide's inbox and the start
        meeting is still to be recorded."""
        def create() -> Case:
            starts = self.today - datetime.timedelta(days=10)
            case = self._open(prison_number="A5206DM",
                              order_type=OrderType.POST_SENTENCE_SUPERVISION,
                              order_starts_on=starts,
                              order_ends_on=months_after(starts, 12) - datetime.timedelta(1),
                              initials="KM", year_of_birth=1984, gender=Gender.FEMALE)
            actions.referral_send(
                case=case, to_service=pathway.to_service, from_service=pathway.from_service,
                pathway=pathway, by=self.manager, lawful_basis=LawfulBasis.CONSENT,
                consent_recorded=True,
                reason="Alcohol treatment requirement completed in custody; asks for "
                       "community support near Marchbridge.")
            return case

        self.report.ensure(Case, self._case_of("A5206DM"), create)

    def _old_case(self) -> None:
        """A licence that ended about seven years ago: its meetings were held, it closed, and
        its retention period (72 months) has run out, so it is anonymised (reference, dates and
        counts remain). Dated from today: an order must start within the last ten years."""
        year = self.today.year
        starts, ends, closed = D(year - 8, 6, 1), D(year - 7, 5, 31), D(year - 7, 6, 15)

        def create() -> Case:
            case = self._open(prison_number="A2093DM", order_type=OrderType.LICENCE,
                              order_starts_on=starts, order_ends_on=ends, initials="JP",
                              year_of_birth=1979, gender=Gender.MALE)
            for conference in case.conferences.order_by("planned_on"):
                actions.conference_record(
                    conference=conference, by=self.manager, held=True,
                    held_on=conference.planned_on, attendees=_attendees(self.orgs),
                    outcome="Attending treatment; no concerns.")
            actions.case_close(case=case, by=self.manager, closed_on=closed)
            months = retention_months_for(case)
            if months_after(case.closed_on, months) <= self.today:
                actions.case_anonymise(case=case, retention_months=months)
            return case

        self.report.ensure(Case, Case.objects.filter(
            partnership=self.partnership, order_type=OrderType.LICENCE, order_starts_on=starts,
            order_ends_on=ends).first(), create)


def load_referrals(*, report: Any, log: Callable[[str], None] = lambda line: None) -> None:
    """Load the casework demo (after the registry and the demo logins, in the same
    transaction). Skips whatever already exists."""
    CaseworkLoader(report=report, log=log).run()


__all__ = ["PARTNERSHIP", "CaseworkLoader", "accept", "load_referrals"]
