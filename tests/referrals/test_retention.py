"""Retention: which closed cases are due (the longest protocol period, or the default),
anonymising one (what is removed, what is kept, the record and the audit row), and the
nightly task and the command that run it — each idempotent."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from core import audit
from core.errors import DomainError
from core.models import AuditEvent
from partnerships.choices import AgreementKind
from referrals import actions
from referrals.choices import (
    CaseStatus,
    ConferenceKind,
    ConferenceStatus,
    CriminalOffenceCondition,
    Gender,
    IdentifierKind,
    LawfulBasis,
    OrderType,
    ReferralStatus,
    SpecialCategoryCondition,
)
from referrals.models import (
    Anonymisation,
    Assessment,
    Case,
    CaseConference,
    EndOfOrderNotice,
    LeadAgency,
    Person,
    PersonIdentifier,
    Referral,
    SharingProtocol,
)
from referrals.retention import due_cases, months_after, retention_months_for
from referrals.tasks import anonymise_due_cases
from tests.partnerships.factories import AgreementFactory, MembershipFactory, OrganisationFactory
from tests.services.factories import ServiceFactory

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = timezone.localdate()
REMOVED = "[removed]"


# -- builders (rows written directly: these tests are about retention, not the workflow) ---------

def make_person(**fields) -> Person:
    person = Person.objects.create(**{"initials": "ZW", "year_of_birth": 1917,
                                      "gender": Gender.MALE, **fields})
    audit.record(instance=person, action=AuditEvent.Action.CREATE, by=None,
                 summary=f"Person {person.reference}")
    return person


def make_case(*, closed_on: datetime.date | None = None, person: Person | None = None,
              org=None) -> Case:
    org = org or OrganisationFactory()
    partnership = MembershipFactory(organisation=org).partnership
    starts = (closed_on or TODAY) - datetime.timedelta(days=365)
    case = Case.objects.create(
        person=person or make_person(), partnership=partnership,
        order_type=OrderType.DRR, order_starts_on=starts,
        order_ends_on=starts + datetime.timedelta(days=300),
        status=CaseStatus.CLOSED if closed_on else CaseStatus.OPEN, closed_on=closed_on)
    LeadAgency.objects.create(case=case, organisation=org, starts_on=starts,
                              ends_on=closed_on)
    return case


def protocol(months: int) -> SharingProtocol:
    agreement = AgreementFactory(kind=AgreementKind.INFORMATION_SHARING)
    return SharingProtocol.objects.create(
        agreement=agreement, purpose="Joint casework", data_items="Order, risk",
        lawful_basis=LawfulBasis.PUBLIC_TASK,
        special_category_condition=SpecialCategoryCondition.HEALTH_SOCIAL_CARE,
        criminal_offence_condition=CriminalOffenceCondition.STATUTORY_PURPOSES,
        retention_months=months, review_on=D(2030, 1, 1))


def refer(case: Case, *, under: SharingProtocol | None = None,
          status: str = ReferralStatus.COMPLETED, reason: str = "Uses heroin daily",
          decline_reason: str = "") -> Referral:
    to = OrganisationFactory()
    referral = Referral.objects.create(
        case=case, from_organisation=case.lead_agencies.first().organisation,
        to_service=ServiceFactory(provider=to), to_organisation=to, protocol=under,
        reason=reason, lawful_basis=LawfulBasis.PUBLIC_TASK, status=status,
        response_due_on=case.order_starts_on, decline_reason=decline_reason)
    audit.record(instance=referral, action=AuditEvent.Action.CREATE, by=None,
                 summary=f"Referral {referral.reference}")
    return referral


def full_case(closed_on: datetime.date) -> Case:
    """A closed case with something in every place personal data can be."""
    case = make_case(closed_on=closed_on)
    identifier = PersonIdentifier.objects.create(person=case.person,
                                                 kind=IdentifierKind.PRISON_NUMBER,
                                                 value="A1234BC")
    audit.record(instance=identifier, action=AuditEvent.Action.CREATE, by=None, summary="")
    PersonIdentifier.objects.create(person=case.person, kind=IdentifierKind.CRN, value="X765432")
    refer(case, reason="Heroin use, lives with sister")
    refer(case, status=ReferralStatus.DECLINED, reason="Alcohol",
          decline_reason="Known to our service as violent")
    org = case.lead_agencies.first().organisation
    Assessment.objects.create(case=case, organisation=org, assessed_on=case.order_starts_on,
                              summary="Injecting, homeless")
    Assessment.objects.create(case=case, organisation=org, assessed_on=case.order_starts_on)
    CaseConference.objects.create(case=case, kind=ConferenceKind.START,
                                  planned_on=case.order_starts_on,
                                  status=ConferenceStatus.HELD, held_on=case.order_starts_on,
                                  outcome="Relapsed after bereavement")
    CaseConference.objects.create(case=case, kind=ConferenceKind.END,
                                  planned_on=case.order_ends_on,
                                  status=ConferenceStatus.CANCELLED)
    EndOfOrderNotice.objects.create(case=case, organisation=org, responsible_organisation=org,
                                    text="Treatment continues at Clearwater for ZW")
    return case


def everything() -> dict[str, int]:
    """Row counts of every table a run could touch, to show a run changed nothing."""
    models = [Case, Person, PersonIdentifier, Referral, Assessment, CaseConference,
              EndOfOrderNotice, Anonymisation, AuditEvent]
    return {m.__name__: m.objects.count() for m in models}


# -- months and periods ---------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "months", "expected"), [
    (D(2020, 1, 15), 72, D(2026, 1, 15)),
    (D(2023, 8, 31), 6, D(2024, 2, 29)),
    (D(2025, 8, 31), 6, D(2026, 2, 28)),
    (D(2025, 11, 30), 3, D(2026, 2, 28)),
    (D(2026, 1, 31), -2, D(2025, 11, 30)),
    (D(2026, 3, 1), -72, D(2020, 3, 1)),
])
def test_months_after(start, months, expected):
    assert months_after(start, months) == expected


def test_a_case_without_protocols_is_kept_for_the_default():
    case = make_case(closed_on=TODAY)
    refer(case)  # within one organisation: no protocol
    assert retention_months_for(case) == 72
    with override_settings(REFERRALS_DEFAULT_RETENTION_MONTHS=24):
        assert retention_months_for(case) == 24


def test_a_case_is_kept_for_the_longest_of_its_protocols():
    case = make_case(closed_on=TODAY)
    refer(case, under=protocol(24))
    refer(case, under=protocol(36))
    refer(case)
    protocol(120)  # another case's protocol does not count
    assert retention_months_for(case) == 36


def test_due_cases_counts_from_the_closing_day():
    default_due = make_case(closed_on=months_after(TODAY, -72))
    default_not_yet = make_case(closed_on=months_after(TODAY, -72) + datetime.timedelta(days=1))
    short = make_case(closed_on=months_after(TODAY, -13))
    refer(short, under=protocol(12))
    longest_wins = make_case(closed_on=months_after(TODAY, -13))
    refer(longest_wins, under=protocol(12))
    refer(longest_wins, under=protocol(24))
    make_case()  # open: never due
    done = make_case(closed_on=D(2001, 1, 1))
    Case.objects.filter(pk=done.pk).update(anonymised_on=D(2007, 1, 1))

    due = {d.reference: d for d in due_cases()}

    assert set(due) == {default_due.reference, short.reference}
    assert due[default_due.reference].retention_months == 72
    assert due[default_due.reference].due_on == TODAY
    assert due[short.reference].retention_months == 12
    assert default_not_yet.reference not in due
    assert longest_wins.reference in {d.reference for d in due_cases(months_after(TODAY, 11))}


@pytest.mark.parametrize("cases", [2, 12])
def test_due_cases_costs_the_same_queries_for_few_and_many(cases, django_assert_max_num_queries):
    p = protocol(12)
    for _ in range(cases):
        refer(make_case(closed_on=D(2015, 1, 1)), under=p)
    with django_assert_max_num_queries(2):
        assert len(list(due_cases())) == cases


# -- anonymising one case -------------------------------------------------------------------------

def test_anonymising_removes_what_identifies_the_person_and_records_it():
    case = full_case(closed_on=D(2018, 5, 31))
    reference, order = case.reference, (case.order_type, case.order_starts_on,
                                        case.order_ends_on, case.closed_on)
    counts = everything()

    result = actions.case_anonymise(case=case, retention_months=72)

    case.refresh_from_db()
    person = case.person
    assert (person.initials, person.year_of_birth, person.gender) == ("", None,
                                                                      Gender.NOT_STATED)
    assert not person.identifiers.exists()
    assert set(case.referrals.values_list("reason", flat=True)) == {REMOVED}
    assert set(case.referrals.values_list("decline_reason", flat=True)) == {"", REMOVED}
    assert sorted(case.assessments.values_list("summary", flat=True)) == ["", REMOVED]
    assert sorted(case.conferences.values_list("outcome", flat=True)) == ["", REMOVED]
    assert set(case.end_notices.values_list("text", flat=True)) == {REMOVED}
    # Kept for aggregate reporting: the reference, dates, order type and every row.
    assert case.reference == reference
    assert (case.order_type, case.order_starts_on, case.order_ends_on, case.closed_on) == order
    assert case.anonymised_on == TODAY
    assert everything() == {**counts, "PersonIdentifier": counts["PersonIdentifier"] - 2,
                            "Anonymisation": 1, "AuditEvent": counts["AuditEvent"] + 1}
    assert result == Anonymisation.objects.get(case=case)
    assert result.retention_months == 72
    assert {r["field"]: r["count"] for r in result.removed} == {
        "referral.reason": 2, "referral.decline_reason": 1, "assessment.summary": 1,
        "conference.outcome": 1, "end_of_order_notice.text": 1, "person.initials": 1,
        "person.year_of_birth": 1, "person.gender": 1, "person.identifiers": 2,
        "audit_history.rows": 4}
    event = AuditEvent.objects.latest("pk")
    assert event.summary == "Anonymised after 72 months"
    assert (event.object_repr, event.actor, event.action) == (reference, None,
                                                              AuditEvent.Action.UPDATE)
    assert event.changes == {"anonymised_on": [None, TODAY.isoformat()]}


def test_anonymising_blanks_the_same_values_in_the_audit_history():
    case = full_case(closed_on=D(2018, 5, 31))

    actions.case_anonymise(case=case, retention_months=72)

    history = " ".join(str(e.changes) + e.summary + e.object_repr
                       for e in AuditEvent.objects.all())
    for personal in ("ZW", "'male'", "A1234BC", "Heroin", "violent"):
        assert personal not in history
    assert not [e for e in AuditEvent.objects.all()
                if 1917 in (e.changes or {}).get("year_of_birth", [])]
    person_created = audit.history_for(case.person).get()
    assert person_created.changes["initials"] == [None, REMOVED]
    assert person_created.changes["reference"] == [None, case.person.reference]  # kept


def test_a_person_with_another_live_case_keeps_their_details_until_it_goes():
    old = full_case(closed_on=D(2015, 1, 31))
    current = make_case(person=old.person)

    first = actions.case_anonymise(case=old, retention_months=72)

    old.person.refresh_from_db()
    assert (old.person.initials, old.person.year_of_birth) == ("ZW", 1917)
    assert old.person.identifiers.count() == 2
    assert not any(r["field"].startswith("person.") for r in first.removed)
    assert set(old.referrals.values_list("reason", flat=True)) == {REMOVED}  # text still goes

    Case.objects.filter(pk=current.pk).update(status=CaseStatus.CLOSED, closed_on=D(2016, 1, 1))
    current.refresh_from_db()
    second = actions.case_anonymise(case=current, retention_months=72)

    old.person.refresh_from_db()
    assert (old.person.initials, old.person.year_of_birth) == ("", None)
    assert not old.person.identifiers.exists()
    assert {"field": "person.identifiers", "count": 2} in second.removed


def test_an_open_case_is_refused_and_nothing_changes():
    case = make_case()
    refer(case, status=ReferralStatus.SENT)
    counts = everything()

    with pytest.raises(DomainError, match="only closed cases"):
        actions.case_anonymise(case=case, retention_months=72)

    assert everything() == counts
    case.refresh_from_db()
    assert case.anonymised_on is None
    assert case.person.initials == "ZW"


def test_anonymising_twice_changes_nothing_the_second_time():
    case = full_case(closed_on=D(2018, 5, 31))
    first = actions.case_anonymise(case=case, retention_months=72)
    counts = everything()
    history = list(AuditEvent.objects.values_list("pk", "changes"))

    again = actions.case_anonymise(case=Case.objects.get(pk=case.pk), retention_months=24)

    assert again == first
    assert again.retention_months == 72
    assert everything() == counts
    assert list(AuditEvent.objects.values_list("pk", "changes")) == history


@pytest.mark.parametrize("referrals", [1, 8])
def test_anonymising_costs_the_same_queries_for_few_and_many(referrals,
                                                             django_assert_max_num_queries):
    case = make_case(closed_on=D(2015, 1, 31))
    for _ in range(referrals):
        refer(case)
    # 27: the reasons in the case's history (issue 16) are scrubbed too, rows and audit.
    with django_assert_max_num_queries(27):
        actions.case_anonymise(case=case, retention_months=72)


# -- the nightly task and the command -------------------------------------------------------------

@pytest.fixture
def due_and_not():
    due = full_case(closed_on=D(2018, 5, 31))
    recent = full_case(closed_on=months_after(TODAY, -12))
    open_case = make_case()
    short = make_case(closed_on=months_after(TODAY, -7))
    refer(short, under=protocol(6))
    return {"due": due, "recent": recent, "open": open_case, "short": short}


def test_the_task_anonymises_only_due_cases_and_a_second_run_changes_nothing(due_and_not):
    result = anonymise_due_cases.apply()

    assert result.successful()
    assert result.get()["anonymised"] == 2
    assert set(result.get()["references"]) == {due_and_not["due"].reference,
                                               due_and_not["short"].reference}
    anonymised = set(Case.objects.filter(anonymised_on__isnull=False)
                     .values_list("reference", flat=True))
    assert anonymised == set(result.get()["references"])
    assert Anonymisation.objects.get(case=due_and_not["short"]).retention_months == 6
    recent = due_and_not["recent"]
    recent.person.refresh_from_db()
    assert recent.person.initials == "ZW"
    assert set(recent.referrals.values_list("reason", flat=True)) != {REMOVED}
    counts = everything()

    again = anonymise_due_cases.apply()

    assert again.get() == {"anonymised": 0, "references": []}
    assert everything() == counts


def test_the_task_is_scheduled_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["anonymise-due-cases"]
    assert entry["task"] == anonymise_due_cases.name == "referrals.anonymise_due_cases"
    assert entry["schedule"].hour == {2}


def run(*args: str) -> str:
    out = StringIO()
    call_command("anonymise_cases", *args, stdout=out)
    return out.getvalue()


def test_the_command_dry_run_lists_due_cases_and_changes_nothing(due_and_not):
    counts = everything()

    output = run("--dry-run")

    assert everything() == counts
    assert f"Due: {due_and_not['due'].reference} (closed 31 May 2018, kept 72 months" in output
    assert due_and_not["short"].reference in output
    assert due_and_not["recent"].reference not in output
    assert "Dry run: 2 cases would be anonymised; nothing was changed." in output
    assert "ZW" not in output


def test_the_command_anonymises_and_reports_progress(due_and_not):
    output = run()

    assert f"Anonymised: {due_and_not['due'].reference}" in output
    assert "Anonymised 2 cases." in output
    assert Anonymisation.objects.count() == 2
    assert "Anonymised 0 cases." in run()
    assert Anonymisation.objects.count() == 2


def test_the_command_can_count_to_an_earlier_date(due_and_not):
    output = run("--dry-run", "--on", "2024-06-01")
    assert "Dry run: 1 case would be anonymised" in output
    assert due_and_not["due"].reference in output


def test_the_command_refuses_a_future_date():
    with pytest.raises(CommandError, match="after today"):
        run("--on", (TODAY + datetime.timedelta(days=1)).isoformat())


# -- end to end, through the casework actions -----------------------------------------------------

def test_a_case_built_through_the_actions_keeps_nothing_personal_once_anonymised():
    from tests.referrals.factories import accepted_referral, casework_setup, days, open_case

    s = casework_setup()
    case = open_case(s, order_starts_on=days(-8 * 365), order_ends_on=days(-7 * 365 - 30),
                     initials="ZS", year_of_birth=1917,
                     identifiers={IdentifierKind.PRISON_NUMBER: "A9876ZZ"})
    referral = accepted_referral(s, case, reason="Crack use since bereavement")
    conference = case.conferences.order_by("planned_on").first()
    actions.conference_record(conference=conference, by=s.officer, held=True,
                              held_on=conference.planned_on, outcome="Lapsed twice; engaged")
    actions.case_read(case=case, by=s.worker, channel="page")
    actions.case_close(case=case, by=s.officer, closed_on=days(-7 * 365))
    rows = everything()

    result = anonymise_due_cases.apply().get()

    assert result["references"] == [case.reference]
    case.refresh_from_db()
    assert case.anonymised_on == TODAY
    assert Anonymisation.objects.get(case=case).retention_months == 72  # the protocol's
    referral.refresh_from_db()
    assert referral.reason == REMOVED
    assert (referral.status, referral.to_organisation) == (ReferralStatus.WITHDRAWN, s.provider)
    assert case.access_log.count() == 1  # who read it stays on record
    assert everything() == {**rows, "PersonIdentifier": rows["PersonIdentifier"] - 1,
                            "Anonymisation": 1, "AuditEvent": rows["AuditEvent"] + 1}
    stored = [str(list(m.objects.values())) for m in (Person, PersonIdentifier, Referral,
                                                      CaseConference, EndOfOrderNotice,
                                                      Assessment, AuditEvent)]
    for personal in ("ZS", "A9876ZZ", "Crack", "bereavement", "Lapsed"):
        assert not any(personal in text for text in stored), personal
    assert (case.person.initials, case.person.year_of_birth) == ("", None)
    assert not [e for e in AuditEvent.objects.all()
                if 1917 in (e.changes or {}).get("year_of_birth", [])]
