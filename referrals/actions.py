"""Every write to casework. Each action is one transaction: it checks permission (through
``accounts.rules``) and input, raising ``DomainError`` and changing nothing on bad input, then
saves and writes its audit row (``core.audit``; case references only, never personal data)
before committing. Views, the API, the admin and tasks call these and never re-implement them.

THE SIGNATURES BELOW ARE THE CONTRACT.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from core import audit
from core.errors import DomainError, full_clean
from core.models import AuditEvent

from . import schedule
from .choices import (
    AttendeeRole,
    CaseStatus,
    ConferenceStatus,
    LawfulBasis,
    ReferralStatus,
)
from .dates import check_case_date, check_closing_date, check_order_dates
from .models import (
    DEFAULT_ASSESSMENT_WINDOW_DAYS,
    Assessment,
    Case,
    CaseConference,
    CaseworkSettings,
    ConferenceAttendee,
    EndOfOrderNotice,
    LeadAgency,
    Person,
    PersonIdentifier,
    Referral,
    SharingProtocol,
)
from .validators import missing_protocol_message
from .working_days import working_days_after

User = Any  # accounts.User

#: Fields whose values are personal data or free text: audit rows say they changed, never what
#: they hold (audit rows are read outside need-to-know).
PRIVATE_FIELDS = frozenset({"initials", "year_of_birth", "gender", "value", "reason",
                            "decline_reason", "summary", "outcome"})
#: Case fields ``case_update`` may change, and those that re-plan the conferences.
CASE_EDITABLE = frozenset({"order_type", "order_starts_on", "order_ends_on", "seriousness",
                           "complex_needs", "compliance", "significant_change_on",
                           "treatment_continues"})
CASE_REPLANNING = frozenset({"order_starts_on", "order_ends_on", "seriousness", "complex_needs",
                             "compliance", "significant_change_on"})
#: The longest reason for reopening a case (it is kept in the audit row).
REOPEN_REASON_MAX = 300
#: Service categories whose referrals count as treatment (who stays responsible after an order).
TREATMENT_CATEGORIES = ("substance-misuse", "alcohol")


def _today() -> datetime.date:
    return timezone.localdate()


def _day(value: datetime.date) -> str:
    return f"{value:%-d %B %Y}"


def _masked(value: Any) -> Any:
    return None if value in (None, "") else "(recorded)"


def _redacted(changes: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """The diff with personal data and free text replaced by a marker."""
    return {name: ([_masked(old), _masked(new)] if name in PRIVATE_FIELDS else [old, new])
            for name, (old, new) in changes.items()}


def _create(instance: Any, by: User, summary: str) -> Any:
    """Validate, save and audit a new object (personal data masked in the audit row)."""
    full_clean(instance)
    instance.save()
    audit.record(instance=instance, action=AuditEvent.Action.CREATE, by=by, summary=summary,
                 changes=_redacted(audit.diff(None, audit.snapshot(instance))))
    return instance


def _update(instance: Any, by: User, summary: str, extra: dict[str, list[Any]] | None = None,
            **changes: Any) -> Any:
    """Apply ``changes``, validate, save and audit the diff (personal data masked)."""
    before = audit.snapshot(instance)
    for name, value in changes.items():
        setattr(instance, name, value)
    full_clean(instance)
    instance.save()
    diff = _redacted(audit.diff(before, audit.snapshot(instance)))
    audit.record(instance=instance, action=AuditEvent.Action.UPDATE, by=by, summary=summary,
                 changes={**diff, **(extra or {})})
    return instance


def _refresh(original: Any, saved: Any) -> Any:
    """Reload the caller's object after a locked copy was saved, so it is not left stale."""
    if original is not saved:
        original.refresh_from_db()
    return original


def _locked_case(case: Any) -> Case:
    """The stored case, locked for this transaction."""
    return Case.objects.select_for_update().select_related("partnership").get(pk=case.pk)


def _require_open(case: Case) -> None:
    if case.status == CaseStatus.CLOSED:
        raise DomainError(f"Case {case.reference} was closed on {_day(case.closed_on)}; it "
                          "cannot be changed.", code="closed")


def _require(by: User, perm: str, obj: Any, message: str) -> None:
    if not by.has_perm(perm, obj):
        raise DomainError(message, code="forbidden")


def _is_current_member(partnership: Any, organisation: Any, on: datetime.date) -> bool:
    return partnership.memberships.filter(organisation=organisation).active_on(on).exists()


def _assessment_window(case: Any) -> int:
    settings = CaseworkSettings.objects.filter(partnership_id=case.partnership_id).first()
    return settings.assessment_window_days if settings else DEFAULT_ASSESSMENT_WINDOW_DAYS


def repeat_assessment_message(recent: list[Assessment]) -> str:
    """The refusal listing recent assessments by date and organisation (no personal data)."""
    listed = "; ".join(f"{_day(a.assessed_on)} by {a.organisation}"
                       + (f" ({a.service.name})" if a.service_id else "") for a in recent)
    return (f"The person has been assessed recently: {listed}. Check whether another "
            "assessment is needed, and confirm it to go ahead.")


def _check_repeat(case: Any, confirmed_repeat: bool) -> None:
    if confirmed_repeat:
        return
    recent = recent_assessments(case=case)
    if recent:
        raise DomainError(repeat_assessment_message(recent), field="confirmed_repeat",
                          code="repeat_assessment")


def _locked_referral(referral: Any) -> Referral:
    return (Referral.objects.select_for_update().select_related("case")
            .get(pk=referral.pk))


def _status_refusal(referral: Referral, verb: str, allowed: str) -> DomainError:
    return DomainError(f"Referral {referral.reference} is "
                       f"{referral.get_status_display().lower()}, so it cannot be {verb}; "
                       f"only {allowed} referral can.", code="state")


def involved_organisations(case: Any, on: datetime.date | None = None) -> dict[int, Any]:
    """Organisations involved in the case on ``on``: its current lead agency, then the sending
    and receiving organisations of its open referrals (id → organisation, in that order)."""
    involved: dict[int, Any] = {}
    for lead in case.lead_agencies.current(on).select_related("organisation"):
        involved[lead.organisation_id] = lead.organisation
    for referral in (case.referrals.open().select_related("from_organisation", "to_organisation")
                     .order_by("created_on", "pk")):
        involved.setdefault(referral.from_organisation_id, referral.from_organisation)
        involved.setdefault(referral.to_organisation_id, referral.to_organisation)
    return involved


def default_responsible(case: Any) -> Any:
    """Who stays responsible when the order ends: the organisation of the open accepted
    treatment referral (latest accepted first), else of any open accepted referral, else the
    lead agency."""
    accepted = (case.referrals.filter(status=ReferralStatus.ACCEPTED)
                .select_related("to_organisation").order_by("-responded_at", "-pk"))
    referral = (accepted.filter(to_service__categories__slug__in=TREATMENT_CATEGORIES).first()
                or accepted.first())
    if referral is not None:
        return referral.to_organisation
    lead = case.lead_agencies.current().select_related("organisation").first()
    return lead.organisation if lead else None


def _refuse_duplicate_case(lead_organisation: Any, identifiers: dict[str, str],
                           by: User) -> None:
    """One open case per person identifier (kind and value) per lead agency: a second one is
    almost always the same case typed twice. The refusal names the case to go to instead."""
    from .choices import IdentifierKind

    for kind, value in identifiers.items():
        value = (value or "").strip()
        if not value:
            continue
        existing = (Case.objects.open()
                    .filter(person__identifiers__kind=kind, person__identifiers__value=value,
                            lead_agencies__organisation=lead_organisation,
                            lead_agencies__ends_on__isnull=True)
                    .order_by("pk").first())
        if existing is not None:
            label = str(IdentifierKind(kind).label) if kind in IdentifierKind.values else kind
            label = label if label[:3].isupper() else label[0].lower() + label[1:]
            if not by.has_perm("referrals.view_case", existing):  # need-to-know: no reference
                error = DomainError(f"{lead_organisation} already leads an open case for this "
                                    f"{label}. Ask them about it instead of opening another.",
                                    field=kind, code="duplicate_case")
                error.existing_reference = None  # type: ignore[attr-defined]
                raise error
            error = DomainError(f"Case {existing.reference} is already open for this "
                                f"{label}, led by {lead_organisation}. Go to case "
                                f"{existing.reference} instead of opening another.",
                                field=kind, code="duplicate_case")
            error.existing_reference = existing.reference  # type: ignore[attr-defined]
            raise error


@transaction.atomic
def case_open(*, partnership: Any, lead_organisation: Any, order_type: str,
              order_starts_on: datetime.date, order_ends_on: datetime.date, by: User,
              seriousness: str = "low", complex_needs: bool = False,
              initials: str = "", year_of_birth: int | None = None, gender: str = "not_stated",
              person: Any = None, identifiers: dict[str, str] | None = None,
              idempotency_key: str | None = None) -> Any:
    """Open a case (and its pseudonymous person unless ``person`` is given) with its first lead
    agency from ``order_starts_on``, and plan its conferences (``schedule.plan``).

    Safe to send twice: with the ``idempotency_key`` of a case ``by`` already opened, that case
    is returned and nothing new is made; and one person identifier (kind and value) has at most
    one open case per lead agency (refused with ``code="duplicate_case"`` naming the case, on
    ``error.existing_reference``). Opens for one lead agency run one at a time (its row is
    locked), so two at once cannot both pass these checks."""
    from partnerships.models import Organisation

    today = _today()
    _require(by, "referrals.open_case", partnership,
             f"Only caseworkers of current members of {partnership} can open cases in it.")
    # Lock the lead agency's row: its opens queue here, so the checks below see each other.
    list(Organisation.objects.select_for_update().filter(pk=lead_organisation.pk))
    if idempotency_key:
        existing = Case.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            if not existing.lead_agencies.filter(set_by=by).exists():
                raise DomainError("This form was already used to open a case. Start again "
                                  "from your caseload.", code="idempotency_key")
            return existing
    check_order_dates(order_starts_on, order_ends_on, today)
    if not _is_current_member(partnership, lead_organisation, today):
        raise DomainError(f"{lead_organisation} is not a current member of {partnership}, so it "
                          "cannot lead a case there.", field="lead_organisation")
    if year_of_birth is not None and year_of_birth > today.year:
        raise DomainError("The year of birth cannot be in the future.", field="year_of_birth")
    _refuse_duplicate_case(lead_organisation, identifiers or {}, by)
    if person is None:
        person = Person(initials=initials.strip().upper(), year_of_birth=year_of_birth,
                        gender=gender)
        _create(person, by, f"Added person {person.reference}")
    for kind, value in (identifiers or {}).items():
        if value and value.strip():
            _create(PersonIdentifier(person=person, kind=kind, value=value.strip()), by,
                    f"Added an identifier to person {person.reference}")
    case = Case(person=person, partnership=partnership, order_type=order_type,
                order_starts_on=order_starts_on, order_ends_on=order_ends_on,
                seriousness=seriousness, complex_needs=complex_needs,
                idempotency_key=idempotency_key or None)
    _create(case, by, f"Opened case {case.reference}")
    # A lead from a future order start would leave nobody involved (and able to see the case)
    # until then: the lead starts today at the latest.
    _create(LeadAgency(case=case, organisation=lead_organisation,
                       starts_on=min(order_starts_on, today), set_by=by),
            by, f"{lead_organisation} leads case {case.reference}")
    schedule.replan(case, today=None, by=by)
    return case


@transaction.atomic
def case_update(*, case: Any, by: User, **changes: Any) -> Any:
    """Change order dates, seriousness, complex needs, compliance or a significant change
    (``significant_change_on``) — lead agency only. Re-plans future, unheld conferences and
    leaves held (and missed) ones alone. If the order end moves to today or earlier while
    treatment continues, end-of-order notices follow (``case_end_order``)."""
    unknown = sorted(set(changes) - CASE_EDITABLE)
    if unknown:
        raise DomainError(f"These cannot be changed on a case: {', '.join(unknown)}.")
    locked = _locked_case(case)
    _require(by, "referrals.change_case", locked,
             f"Only the lead agency of case {locked.reference} can change it.")
    _require_open(locked)
    today = _today()
    starts_on = changes.get("order_starts_on", locked.order_starts_on)
    ends_on = changes.get("order_ends_on", locked.order_ends_on)
    if starts_on is None or ends_on is None:
        raise DomainError("An order needs its start and end dates.", field="order_ends_on")
    if ends_on < starts_on:
        raise DomainError("The order cannot end before it starts.", field="order_ends_on")
    change_on = changes.get("significant_change_on")
    if change_on is not None and change_on > today:
        raise DomainError("A significant change is recorded once it has happened: the date "
                          "cannot be in the future.", field="significant_change_on")
    changed = {name: value for name, value in changes.items() if getattr(locked, name) != value}
    if not changed:
        return case
    # Only dates being changed are checked, so an old case's other details stay editable.
    if {"order_starts_on", "order_ends_on"} & set(changed):
        check_order_dates(starts_on, ends_on, today,
                          start_changed="order_starts_on" in changed)
    if changed.get("significant_change_on") is not None:
        check_case_date(locked, change_on, field="significant_change_on",
                        what="the significant change", today=today)
    _update(locked, by, f"Changed case {locked.reference}", **changed)
    if CASE_REPLANNING & set(changed):
        schedule.replan(locked, today=today, by=by)
    if (({"order_ends_on", "treatment_continues"} & set(changed)) and locked.treatment_continues
            and locked.order_ends_on <= today and not locked.end_notices.exists()):
        case_end_order(case=locked, by=by, responsible_organisation=default_responsible(locked))
    return _refresh(case, locked)


@transaction.atomic
def lead_agency_change(*, case: Any, organisation: Any, starts_on: datetime.date,
                       by: User) -> Any:
    """Hand the lead to ``organisation`` from ``starts_on``: the current lead ends that day.
    Exactly one lead at any time; who and when is recorded (and audited)."""
    locked = _locked_case(case)
    _require(by, "referrals.change_case", locked,
             f"Only the lead agency of case {locked.reference} can hand over the lead.")
    _require_open(locked)
    today = _today()
    current = (LeadAgency.objects.select_for_update().filter(case=locked, ends_on__isnull=True)
               .select_related("organisation").first())
    if current is not None and current.organisation_id == organisation.pk:
        raise DomainError(f"{organisation} already leads case {locked.reference}.",
                          field="organisation")
    if starts_on > today:
        raise DomainError("The handover date cannot be in the future: hand the lead over on "
                          "the day it changes.", field="starts_on")
    if current is not None and starts_on < current.starts_on:
        raise DomainError(f"A case has one lead agency at a time: {current.organisation} has "
                          f"led case {locked.reference} since {_day(current.starts_on)}, so "
                          "the handover cannot be dated before then.", field="starts_on")
    if not _is_current_member(locked.partnership, organisation, today):
        raise DomainError(f"{organisation} is not a current member of {locked.partnership}, so "
                          "it cannot lead a case there.", field="organisation")
    if current is not None:
        _update(current, by, f"Handed over the lead of case {locked.reference}",
                ends_on=starts_on)
    return _create(LeadAgency(case=locked, organisation=organisation, starts_on=starts_on,
                              set_by=by),
                   by, f"{organisation} leads case {locked.reference}")


def recent_assessments(*, case: Any, on: datetime.date | None = None) -> list[Any]:
    """The person's assessments (across all their cases, by any service) in the partnership's
    window (default 10 days) before ``on``: shown before adding a referral or assessment."""
    on = on or _today()
    since = on - datetime.timedelta(days=_assessment_window(case))
    return list(Assessment.objects
                .filter(case__person_id=case.person_id, assessed_on__gte=since,
                        assessed_on__lte=on)
                .select_related("organisation", "service").order_by("-assessed_on", "-pk"))


@transaction.atomic
def assessment_record(*, case: Any, organisation: Any, assessed_on: datetime.date, by: User,
                      service: Any = None, summary: str = "",
                      confirmed_repeat: bool = False) -> Any:
    """Record an assessment. If ``recent_assessments`` finds any, refused unless
    ``confirmed_repeat`` (the user saw them and still needs another)."""
    locked = _locked_case(case)
    _require(by, "referrals.record_assessment", locked,
             f"Only caseworkers of organisations involved in case {locked.reference} can record "
             "its assessments.")
    _require_open(locked)
    if organisation.pk != by.organisation_id:
        raise DomainError("You can record assessments only for your own organisation.",
                          field="organisation")
    if assessed_on > _today():
        raise DomainError("The assessment date cannot be in the future.", field="assessed_on")
    check_case_date(locked, assessed_on, field="assessed_on", what="the assessment")
    if service is not None and service.provider_id != organisation.pk:
        raise DomainError(f"{service.name} is not a service of {organisation}.",
                          field="service")
    _check_repeat(locked, confirmed_repeat)
    return _create(Assessment(case=locked, organisation=organisation, service=service,
                              assessed_on=assessed_on, summary=summary.strip(),
                              recorded_by=by),
                   by, f"Recorded an assessment on case {locked.reference}")


@transaction.atomic
def referral_send(*, case: Any, to_service: Any, reason: str, lawful_basis: str,
                  consent_recorded: bool, by: User, from_service: Any = None,
                  pathway: Any = None, confirmed_repeat: bool = False,
                  idempotency_key: str | None = None) -> Any:
    """Refer the case from the user's organisation to ``to_service``. Between two different
    organisations, a protocol in force covering both in a partnership both belong to is
    required (``SharingProtocol.objects.covering``); otherwise refused with a message naming
    what is missing. Response due by the pathway's target in working days (default 5). Recent
    assessments need ``confirmed_repeat``, as for ``assessment_record``. With the
    ``idempotency_key`` of a referral ``by`` already sent, that referral is returned and
    nothing is sent again (a form sent twice)."""
    locked = _locked_case(case)
    if idempotency_key:
        existing = Referral.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.sent_by_id != by.pk or existing.case_id != locked.pk:
                raise DomainError("This form was already used to send a referral. Start "
                                  "again from the case.", code="idempotency_key")
            return existing
    _require(by, "referrals.refer", locked,
             f"Only caseworkers of organisations involved in case {locked.reference} can refer "
             "it.")
    _require_open(locked)
    today = _today()
    from_organisation = by.organisation
    to_organisation = to_service.provider
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why you are referring the case.", field="reason")
    if lawful_basis not in LawfulBasis.values:
        raise DomainError("Choose the lawful basis for sharing (UK GDPR Article 6).",
                          field="lawful_basis")
    if lawful_basis == LawfulBasis.CONSENT and not consent_recorded:
        raise DomainError("The lawful basis is consent, so record that the person consented.",
                          field="consent_recorded")
    if not to_service.is_active:
        raise DomainError(f"{to_service.name} is no longer running, so it cannot take "
                          "referrals.", field="to_service")
    if from_service is not None and from_service.provider_id != from_organisation.pk:
        raise DomainError(f"{from_service.name} is not a service of {from_organisation}.",
                          field="from_service")
    if pathway is not None:
        if pathway.partnership_id != locked.partnership_id:
            raise DomainError(f"The pathway “{pathway}” belongs to another partnership.",
                              field="pathway")
        if pathway.to_service_id and pathway.to_service_id != to_service.pk:
            raise DomainError(f"The pathway “{pathway}” leads to another service.",
                              field="pathway")
        if (pathway.to_category_id
                and not to_service.categories.filter(pk=pathway.to_category_id).exists()):
            raise DomainError(f"{to_service.name} is not in the category the pathway "
                              f"“{pathway}” leads to.", field="pathway")
    duplicate = locked.referrals.open().filter(to_service=to_service).first()
    if duplicate is not None:
        raise DomainError(f"Case {locked.reference} already has an open referral to "
                          f"{to_service.name} ({duplicate.reference}).", field="to_service")
    protocol = None
    if to_organisation.pk != from_organisation.pk:
        protocols = list(SharingProtocol.objects.covering(from_organisation.pk,
                                                          to_organisation.pk, today)
                         .select_related("agreement"))
        if not protocols:
            raise DomainError(missing_protocol_message(from_organisation, to_organisation,
                                                       today),
                              field="to_service", code="no_protocol")
        # The case's own partnership's protocol when there is one.
        protocol = next((p for p in protocols
                         if p.agreement.partnership_id == locked.partnership_id), protocols[0])
    _check_repeat(locked, confirmed_repeat)
    days = pathway.target_response_days if pathway is not None else 5
    referral = Referral(case=locked, from_organisation=from_organisation,
                        from_service=from_service, to_service=to_service,
                        to_organisation=to_organisation, pathway=pathway, protocol=protocol,
                        reason=reason, consent_recorded=consent_recorded,
                        lawful_basis=lawful_basis,
                        response_due_on=working_days_after(today, days), sent_by=by,
                        idempotency_key=idempotency_key or None)
    return _create(referral, by,
                   f"Sent referral {referral.reference} on case {locked.reference}")


def _answerable(referral: Any, by: User, verb: str, done: str, status: str,
                state: str) -> Referral:
    """The referral, locked, when ``by`` may answer it (a caseworker of the receiving
    organisation) and it is in ``status``; otherwise the refusal that says why."""
    locked = _locked_referral(referral)
    _require(by, "referrals.respond_referral", locked,
             f"Referral {locked.reference} is addressed to {locked.to_organisation}; only its "
             f"caseworkers can {verb} it.")
    if locked.status != status:
        raise _status_refusal(locked, done, state)
    return locked


@transaction.atomic
def referral_accept(*, referral: Any, by: User) -> Any:
    """Accept a sent referral: only staff of the receiving organisation."""
    locked = _answerable(referral, by, "accept", "accepted", ReferralStatus.SENT, "a sent")
    _update(locked, by, f"Accepted referral {locked.reference}", status=ReferralStatus.ACCEPTED,
            responded_at=timezone.now(), responded_by=by)
    return _refresh(referral, locked)


@transaction.atomic
def referral_decline(*, referral: Any, reason: str, by: User) -> Any:
    """Decline a sent referral with a reason: only staff of the receiving organisation."""
    locked = _answerable(referral, by, "decline", "declined", ReferralStatus.SENT, "a sent")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the referral is declined.", field="reason")
    _update(locked, by, f"Declined referral {locked.reference}", status=ReferralStatus.DECLINED,
            decline_reason=reason, responded_at=timezone.now(), responded_by=by,
            closed_at=timezone.now())
    return _refresh(referral, locked)


@transaction.atomic
def referral_complete(*, referral: Any, by: User) -> Any:
    """Complete an accepted referral: the receiving organisation's staff."""
    locked = _answerable(referral, by, "complete", "completed", ReferralStatus.ACCEPTED,
                         "an accepted")
    _update(locked, by, f"Completed referral {locked.reference}",
            status=ReferralStatus.COMPLETED, closed_at=timezone.now())
    return _refresh(referral, locked)


@transaction.atomic
def referral_withdraw(*, referral: Any, reason: str, by: User) -> Any:
    """Withdraw a sent or accepted referral: the referring organisation's staff."""
    locked = _locked_referral(referral)
    if (not by.has_perm("referrals.withdraw_referral", locked)
            or by.organisation_id != locked.from_organisation_id):
        raise DomainError(f"Referral {locked.reference} was sent by "
                          f"{locked.from_organisation}; only its caseworkers can withdraw it.",
                          code="forbidden")
    if locked.status not in ReferralStatus.open():
        raise _status_refusal(locked, "withdrawn", "a sent or accepted")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the referral is withdrawn.", field="reason")
    # The model has one field for why a referral closed unfinished (declined or withdrawn).
    _update(locked, by, f"Withdrew referral {locked.reference}",
            status=ReferralStatus.WITHDRAWN, decline_reason=reason, closed_at=timezone.now())
    return _refresh(referral, locked)


def _same_record(conference: CaseConference, *, held: bool, held_on: datetime.date | None,
                 outcome: str, attendees: list[dict[str, Any]] | None) -> bool:
    """Whether ``conference`` is already recorded with exactly these answers (a form sent
    twice), so the second time can show the record instead of an error."""
    status = ConferenceStatus.HELD if held else ConferenceStatus.MISSED
    if (conference.status != status or conference.held_on != (held_on if held else None)
            or conference.outcome != (outcome or "").strip()):
        return False

    def key(role: Any, organisation: Any, attended: Any) -> tuple[str, str, bool]:
        pk = getattr(organisation, "pk", organisation)
        return (str(role), "" if pk is None else str(pk), bool(attended))

    given = sorted(key(a.get("role"), a.get("organisation"), a.get("attended", True))
                   for a in attendees or [])
    stored = sorted(key(a.role, a.organisation_id, a.attended)
                    for a in conference.attendees.all())
    return given == stored


@transaction.atomic
def conference_record(*, conference: Any, by: User, held: bool,
                      held_on: datetime.date | None = None, outcome: str = "",
                      attendees: list[dict[str, Any]] | None = None) -> Any:
    """Record a planned conference as held (date, outcome, attendees: role, organisation,
    attended) or missed. Involved organisations' caseworkers only."""
    from partnerships.models import Organisation

    locked = (CaseConference.objects.select_for_update().select_related("case")
              .get(pk=conference.pk))
    case = locked.case
    _require(by, "referrals.record_conference", locked,
             f"Only caseworkers of organisations involved in case {case.reference} can record "
             "its conferences.")
    _require_open(case)
    today = _today()
    if locked.status == ConferenceStatus.CANCELLED:
        raise DomainError("This conference was cancelled when the schedule was re-planned; "
                          "record the one that replaced it.", code="state")
    if locked.status != ConferenceStatus.PLANNED:
        if _same_record(locked, held=held, held_on=held_on, outcome=outcome,
                        attendees=attendees):
            return _refresh(conference, locked)  # sent twice: the record stands as it is
        raise DomainError(f"This conference is already recorded as "
                          f"{locked.get_status_display().lower()}.", code="state")
    if held:
        if held_on is None:
            raise DomainError("Enter the date the conference was held.", field="held_on")
        if held_on > today:
            raise DomainError("The date the conference was held cannot be in the future.",
                              field="held_on")
        check_case_date(case, held_on, field="held_on", what="the conference", today=today)
    else:
        if held_on is not None:
            raise DomainError("A missed conference has no date held.", field="held_on")
        if locked.planned_on > today:
            raise DomainError(f"This conference is planned for {_day(locked.planned_on)}; it "
                              "can be recorded as missed only from then.", field="held")
    rows = []
    for number, attendee in enumerate(attendees or [], start=1):
        role = attendee.get("role")
        if role not in AttendeeRole.values:
            raise DomainError(f"Attendee {number}: choose a role.", field="attendees")
        organisation = attendee.get("organisation")
        if organisation is not None and not isinstance(organisation, Organisation):
            found = Organisation.objects.filter(pk=organisation).first()
            if found is None:
                raise DomainError(f"Attendee {number}: there is no such organisation.",
                                  field="attendees")
            organisation = found
        rows.append(ConferenceAttendee(conference=locked, role=role, organisation=organisation,
                                       attended=bool(attendee.get("attended", True))))
    status = ConferenceStatus.HELD if held else ConferenceStatus.MISSED
    listed = [[r.role, r.organisation.pk if r.organisation else None, r.attended] for r in rows]
    _update(locked, by, f"Recorded a conference on case {case.reference} as "
                        f"{'held' if held else 'missed'}",
            extra={"attendees": [None, listed]} if rows else None,
            status=status, held_on=held_on if held else None, outcome=(outcome or "").strip(),
            recorded_by=by)
    ConferenceAttendee.objects.bulk_create(rows)
    return _refresh(conference, locked)


@transaction.atomic
def case_end_order(*, case: Any, by: User | None, responsible_organisation: Any) -> list[Any]:
    """The order has ended while treatment continues: send every involved agency an end-of-order
    notice naming who is responsible from now on (once per agency). Returns the notices."""
    locked = _locked_case(case)
    if by is not None:
        _require(by, "referrals.change_case", locked,
                 f"Only the lead agency of case {locked.reference} can send end-of-order "
                 "notices.")
    _require_open(locked)
    today = _today()
    if locked.order_ends_on > today:
        raise DomainError(f"The order on case {locked.reference} ends on "
                          f"{_day(locked.order_ends_on)}; end-of-order notices go out once it "
                          "has ended.", code="state")
    if not locked.treatment_continues:
        raise DomainError(f"Treatment does not continue after the order on case "
                          f"{locked.reference}, so no end-of-order notices are needed.",
                          field="treatment_continues")
    involved = involved_organisations(locked, today)
    if responsible_organisation is None or responsible_organisation.pk not in involved:
        raise DomainError(f"{responsible_organisation} is not involved in case "
                          f"{locked.reference}: the agency responsible from now on must be its "
                          "lead agency or a party to an open referral.",
                          field="responsible_organisation")
    already = set(locked.end_notices.values_list("organisation_id", flat=True))
    text = (f"The order on case {locked.reference} ended on {_day(locked.order_ends_on)} and "
            f"treatment continues. From now on {responsible_organisation} is responsible for "
            "the case.")
    for organisation in involved.values():
        if organisation.pk in already:
            continue
        _create(EndOfOrderNotice(case=locked, organisation=organisation,
                                 responsible_organisation=responsible_organisation, text=text),
                by, f"Sent an end-of-order notice on case {locked.reference}")
    return list(locked.end_notices.select_related("organisation", "responsible_organisation")
                .order_by("pk"))


@transaction.atomic
def notice_acknowledge(*, notice: Any, by: User) -> Any:
    """Acknowledge an end-of-order notice addressed to the user's organisation."""
    locked = (EndOfOrderNotice.objects.select_for_update().select_related("case", "organisation")
              .get(pk=notice.pk))
    _require(by, "referrals.acknowledge_notice", locked,
             f"This notice is addressed to {locked.organisation}; only its caseworkers can "
             "acknowledge it.")
    if locked.acknowledged_at is not None:
        raise DomainError("This notice was already acknowledged on "
                          f"{_day(timezone.localtime(locked.acknowledged_at).date())}.",
                          code="state")
    _update(locked, by, f"Acknowledged the end-of-order notice on case {locked.case.reference}",
            acknowledged_at=timezone.now(), acknowledged_by=by)
    return _refresh(notice, locked)


@transaction.atomic
def case_close(*, case: Any, by: User, closed_on: datetime.date | None = None) -> Any:
    """Close a case (lead agency): open referrals are withdrawn, planned conferences
    cancelled. Retention runs from ``closed_on``."""
    locked = _locked_case(case)
    _require(by, "referrals.change_case", locked,
             f"Only the lead agency of case {locked.reference} can close it.")
    _require_open(locked)
    today = _today()
    closed_on = closed_on or today
    check_closing_date(locked, closed_on, today)
    now = timezone.now()
    for referral in locked.referrals.open().select_for_update():
        _update(referral, by, f"Withdrew referral {referral.reference}: case closed",
                status=ReferralStatus.WITHDRAWN, decline_reason="The case was closed.",
                closed_at=now)
    for conference in locked.conferences.filter(status=ConferenceStatus.PLANNED,
                                                planned_on__gt=today):
        _update(conference, by, f"Cancelled a conference on case {locked.reference}: case "
                                "closed", status=ConferenceStatus.CANCELLED)
    _update(locked, by, f"Closed case {locked.reference}", status=CaseStatus.CLOSED,
            closed_on=closed_on)
    return _refresh(case, locked)


@transaction.atomic
def case_reopen(*, case: Any, by: User, reason: str) -> Any:
    """Reopen a closed case that is not anonymised yet (its lead agency, saying why): the undo
    for a case closed by mistake or too soon. Open again, it is no longer due for anonymisation
    (the nightly run takes closed cases only). Referrals withdrawn and conferences cancelled on
    closing stay so; conferences after today are planned again. The reason goes in the audit
    row, and is removed from it if the case is anonymised later."""
    locked = _locked_case(case)
    _require(by, "referrals.change_case", locked,
             f"Only the lead agency of case {locked.reference} can reopen it.")
    if locked.status != CaseStatus.CLOSED:
        raise DomainError(f"Case {locked.reference} is open; only a closed case can be "
                          "reopened.", code="state")
    if locked.anonymised_on is not None:
        raise DomainError(f"Case {locked.reference} was anonymised on "
                          f"{_day(locked.anonymised_on)}, so it cannot be reopened: what "
                          "identified the person has been removed. Open a new case instead.",
                          code="anonymised")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why you are reopening the case.", field="reason")
    if len(reason) > REOPEN_REASON_MAX:
        raise DomainError(f"Why you are reopening the case must be {REOPEN_REASON_MAX} "
                          "characters or fewer.", field="reason")
    closed_on = locked.closed_on
    _update(locked, by, f"Reopened case {locked.reference} (closed on {_day(closed_on)})",
            extra={"reopen_reason": [None, reason]}, status=CaseStatus.OPEN, closed_on=None)
    schedule.replan(locked, today=_today(), by=by)
    return _refresh(case, locked)


def orders_ended_without_notices(on: datetime.date | None = None) -> Any:
    """Open cases whose order ended before ``on`` (today) while treatment continues and whose
    agencies have not been sent end-of-order notices yet."""
    return (Case.objects.open()
            .filter(order_ends_on__lt=on or _today(), treatment_continues=True,
                    end_notices__isnull=True)
            .order_by("order_ends_on", "pk"))


def end_due_orders(*, on: datetime.date | None = None,
                   progress: Any = None) -> list[tuple[Case, list[Any] | DomainError]]:
    """Send end-of-order notices for every case ``orders_ended_without_notices`` finds, naming
    ``default_responsible`` (the open accepted treatment referral's organisation, or the lead
    agency). One transaction per case, so one refusal does not hold up the rest; calls
    ``progress(case, notices_or_error)`` after each. Safe to run again: notified cases are not
    found twice."""
    done: list[tuple[Case, list[Any] | DomainError]] = []
    for case in list(orders_ended_without_notices(on)):
        outcome: list[Any] | DomainError
        try:
            outcome = case_end_order(case=case, by=None,
                                     responsible_organisation=default_responsible(case))
        except DomainError as error:
            outcome = error
        done.append((case, outcome))
        if progress is not None:
            progress(case, outcome)
    return done


def case_read(*, case: Any, by: User, channel: str, reason: str = "") -> Any:
    """Log one read of a case (page or API) and return the log row. Platform admins, who are
    never involved, must give a reason.

    Anyone else gets ``Http404``, not a DomainError: a refusal must look exactly like a case
    that does not exist. No audit row: the access log is the record of reads, and it holds
    who, from which organisation, how and why — never anything about the person."""
    from django.http import Http404

    from core.authentication import current_api_token_id

    from .models import CaseAccess

    min_reason = 10  # a platform admin's reason must say something, not "x"
    reason = (reason or "").strip()
    if channel not in ("page", "api"):
        raise ValueError(f"Unknown channel {channel!r}")  # a programming error, not input
    involved = by.has_perm("referrals.view_case", case)
    if not involved and not (by.has_perm("referrals.view_case_with_reason", case)
                             and len(reason) >= min_reason):
        raise Http404("No case matches the given query.")
    return CaseAccess.objects.create(case=case, user=by, organisation_id=by.organisation_id,
                                     channel=channel, reason=reason[:300],
                                     api_token_id=current_api_token_id())


@transaction.atomic
def case_anonymise(*, case: Any, retention_months: int) -> Any:
    """Remove what identifies the person from a closed case past retention (initials, year of
    birth, identifiers, free text of referrals/assessments/conference outcomes), record what was
    removed and when (``Anonymisation``), and audit it.

    Also blanks those values in the audit history of the case's records, which would otherwise
    keep them. The person's own details and identifiers stay while another of their cases is
    not yet anonymised (that case still needs them). What aggregate reporting counts stays:
    references, dates, order type, statuses and the rows themselves. Idempotent: a case
    already anonymised is left alone and its ``Anonymisation`` returned."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from core import audit
    from core.errors import DomainError
    from core.models import AuditEvent

    from .choices import CaseStatus, Gender
    from .models import (
        Anonymisation,
        Assessment,
        Case,
        CaseConference,
        EndOfOrderNotice,
        Person,
        PersonIdentifier,
        Referral,
    )

    removed_text = "[removed]"
    # Lock the case so two runs of the retention task cannot both anonymise it.
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.anonymised_on is not None:
        case.anonymised_on = locked.anonymised_on
        return Anonymisation.objects.filter(case=locked).first()
    if locked.status != CaseStatus.CLOSED:
        raise DomainError(f"Case {locked.reference} is open; only closed cases are anonymised.")

    removed: list[dict[str, Any]] = []
    # model → (ids of its rows on this case, fields whose audited values are personal)
    scrub_history: dict[type, tuple[list[int], tuple[str, ...]]] = {}

    def note(field: str, count: int) -> None:
        if count:
            removed.append({"field": field, "count": count})

    # Free text on the case's records becomes "[removed]" (rows and counts stay).
    text_fields = [(Referral, "referral", "reason"), (Referral, "referral", "decline_reason"),
                   (Assessment, "assessment", "summary"),
                   (CaseConference, "conference", "outcome"),
                   (EndOfOrderNotice, "end_of_order_notice", "text")]
    for model, label, field in text_fields:
        rows = model.objects.filter(case=locked)
        ids, fields = scrub_history.get(model, (list(rows.values_list("pk", flat=True)), ()))
        scrub_history[model] = (ids, (*fields, field))
        note(f"{label}.{field}", rows.exclude(**{field: ""}).exclude(**{field: removed_text})
             .update(**{field: removed_text}))

    # Why the case was reopened (free text) lives only in its audit history.
    scrub_history[Case] = ([locked.pk], ("reopen_reason",))

    # The person: only once none of their cases still needs them.
    person = Person.objects.select_for_update().get(pk=locked.person_id)
    still_needed = (Case.objects.filter(person=person, anonymised_on__isnull=True)
                    .exclude(pk=locked.pk).exists())
    if not still_needed:
        note("person.initials", int(bool(person.initials)))
        note("person.year_of_birth", int(person.year_of_birth is not None))
        note("person.gender", int(person.gender != Gender.NOT_STATED))
        Person.objects.filter(pk=person.pk).update(initials="", year_of_birth=None,
                                                   gender=Gender.NOT_STATED)
        scrub_history[Person] = ([person.pk], ("initials", "year_of_birth", "gender"))
        identifiers = PersonIdentifier.objects.filter(person=person)
        scrub_history[PersonIdentifier] = (list(identifiers.values_list("pk", flat=True)),
                                           ("value",))
        note("person.identifiers", identifiers.delete()[0])

    # The audit history of those records holds the same values: blank them there too.
    events = []
    for model, (ids, fields) in scrub_history.items():
        if not ids:
            continue
        ct = ContentType.objects.get_for_model(model, for_concrete_model=True)
        for event in AuditEvent.objects.filter(content_type=ct,
                                               object_id__in=[str(i) for i in ids]):
            changed = False
            for field in set(fields) & set(event.changes or {}):
                values = [v if v in (None, "", removed_text) else removed_text
                          for v in event.changes[field]]
                if values != event.changes[field]:
                    event.changes[field], changed = values, True
            if changed:
                events.append(event)
    AuditEvent.objects.bulk_update(events, ["changes"], batch_size=500)
    note("audit_history.rows", len(events))

    before = audit.snapshot(locked)
    locked.anonymised_on = timezone.localdate()
    locked.save(update_fields=["anonymised_on", "modified_on"])
    audit.record(instance=locked, action=AuditEvent.Action.UPDATE, by=None, before=before,
                 summary=f"Anonymised after {retention_months} months")
    case.anonymised_on = locked.anonymised_on
    return Anonymisation.objects.create(case=locked, removed=removed,
                                        retention_months=retention_months)
