"""Writes to a case itself: opening it (with its person and first lead agency), changing its
order, handing over the lead, closing and reopening. Changes that move the order re-plan its
conferences (``conferences_replan``) and, once the order has ended with treatment continuing,
send the end-of-order notices (``notices``)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from core import clock
from core.actions import audited_create, audited_update
from core.display import govuk_date
from core.errors import DomainError
from partnerships.models import Organisation

from ..choices import CaseStatus, ConferenceStatus, HistoryKind, IdentifierKind, ReferralStatus
from ..dates import check_case_date, check_closing_date, check_order_dates
from ..models import Case, CaseHistoryEntry, LeadAgency, Person, PersonIdentifier
from ..validators import normalise_initials
from . import _events
from ._common import _is_current_member, _locked_case, _redact, _refresh, _require, _require_open
from .conferences import conferences_replan
from .notices import case_end_order, default_responsible, involved_organisations

if TYPE_CHECKING:
    from accounts.models import User

#: Case fields ``case_update`` may change, and those that re-plan the conferences.
CASE_EDITABLE = frozenset({"order_type", "order_starts_on", "order_ends_on", "seriousness",
                           "complex_needs", "compliance", "significant_change_on",
                           "treatment_continues"})
CASE_REPLANNING = frozenset({"order_starts_on", "order_ends_on", "seriousness", "complex_needs",
                             "compliance", "significant_change_on"})
#: The longest reason for reopening a case (it is kept in the audit row).
REOPEN_REASON_MAX = 300


def _refuse_duplicate_case(lead_organisation: Any, identifiers: dict[str, str],
                           by: User) -> None:
    """One open case per person identifier (kind and value) per lead agency: a second one is
    almost always the same case typed twice. The refusal names the case to go to instead."""
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
    agency from ``order_starts_on``, and plan its conferences (``conferences_replan``).

    Safe to send twice: with the ``idempotency_key`` of a case ``by`` already opened, that case
    is returned and nothing new is made; and one person identifier (kind and value) has at most
    one open case per lead agency (refused with ``code="duplicate_case"`` naming the case, on
    ``error.existing_reference``). Opens for one lead agency run one at a time (its row is
    locked), so two at once cannot both pass these checks."""
    today = clock.today()
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
        try:
            initials = normalise_initials(initials)
        except ValueError as exc:
            raise DomainError(str(exc), field="initials") from exc
        person = Person(initials=initials, year_of_birth=year_of_birth, gender=gender)
        audited_create(instance=person, by=by, summary=f"Added person {person.reference}",
                       redact=_redact)
    for kind, value in (identifiers or {}).items():
        if value and value.strip():
            audited_create(instance=PersonIdentifier(person=person, kind=kind, value=value.strip()),
                           by=by, summary=f"Added an identifier to person {person.reference}",
                           redact=_redact)
    case = Case(person=person, partnership=partnership, order_type=order_type,
                order_starts_on=order_starts_on, order_ends_on=order_ends_on,
                seriousness=seriousness, complex_needs=complex_needs,
                idempotency_key=idempotency_key or None)
    audited_create(instance=case, by=by, summary=f"Opened case {case.reference}", redact=_redact)
    # A lead from a future order start would leave nobody involved (and able to see the case)
    # until then: the lead starts today at the latest.
    audited_create(instance=LeadAgency(case=case, organisation=lead_organisation,
                                       starts_on=min(order_starts_on, today), set_by=by),
                   by=by, summary=f"{lead_organisation} leads case {case.reference}",
                   redact=_redact)
    conferences_replan(case=case, today=None, by=by)
    return case


@transaction.atomic
def case_update(*, case: Any, by: User, effective_on: datetime.date | None = None,
                **changes: Any) -> Any:
    """Change order dates, seriousness, complex needs, compliance or a significant change
    (``significant_change_on``) — lead agency only. Re-plans future, unheld conferences and
    leaves held (and missed) ones alone. If the order end moves to today or earlier while
    treatment continues, end-of-order notices follow (``case_end_order``).

    A change of seriousness applies from ``effective_on`` (today unless given; not in the
    future, not before the order starts): the conferences are re-planned from that day, as if
    it were today, so meetings the new seriousness asked for since then are planned (to be
    recorded) and those it no longer needs are cancelled. The case history shows the change
    and its date."""
    unknown = sorted(set(changes) - CASE_EDITABLE)
    if unknown:
        raise DomainError(f"These cannot be changed on a case: {', '.join(unknown)}.")
    locked = _locked_case(case)
    _require(by, "referrals.change_case", locked,
             f"Only the lead agency of case {locked.reference} can change it.")
    _require_open(locked)
    today = clock.today()
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
    seriousness_from = locked.seriousness
    replan_from = today
    if "seriousness" in changed:
        replan_from = effective_on or today
        if replan_from > today:
            raise DomainError("A change of seriousness applies from a day that has come: the "
                              "date cannot be in the future.", field="effective_on")
        if replan_from < starts_on:
            raise DomainError(f"A change of seriousness applies from the order's start "
                              f"({govuk_date(starts_on)}) or later.", field="effective_on")
    # Only dates being changed are checked, so an old case's other details stay editable.
    if {"order_starts_on", "order_ends_on"} & set(changed):
        check_order_dates(starts_on, ends_on, today,
                          start_changed="order_starts_on" in changed)
    if "significant_change_on" in changed and change_on is not None:
        check_case_date(locked, change_on, field="significant_change_on",
                        what="the significant change", today=today)
    if "seriousness" in changed:
        audited_update(instance=locked, by=by, redact=_redact,
                       summary=f"Changed case {locked.reference} (seriousness from "
                               f"{govuk_date(replan_from)})",
                       extra_changes={"seriousness_effective_on": [None,
                                                                   replan_from.isoformat()]},
                       **changed)
        audited_create(instance=CaseHistoryEntry(
            case=locked, kind=HistoryKind.SERIOUSNESS_CHANGED, effective_on=replan_from,
            from_value=seriousness_from, to_value=locked.seriousness, recorded_by=by),
            by=by, redact=_redact, summary=f"Seriousness changed on case {locked.reference}")
    else:
        audited_update(instance=locked, by=by, summary=f"Changed case {locked.reference}",
                       redact=_redact, **changed)
    if CASE_REPLANNING & set(changed):
        conferences_replan(case=locked, today=replan_from, by=by)
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
    today = clock.today()
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
                          f"led case {locked.reference} since {govuk_date(current.starts_on)}, so "
                          "the handover cannot be dated before then.", field="starts_on")
    if not _is_current_member(locked.partnership, organisation, today):
        raise DomainError(f"{organisation} is not a current member of {locked.partnership}, so "
                          "it cannot lead a case there.", field="organisation")
    return lead_pass(case=locked, current=current, organisation=organisation,
                     starts_on=starts_on, by=by)


def lead_pass(*, case: Case, current: LeadAgency | None, organisation: Any,
              starts_on: datetime.date, by: User) -> LeadAgency:
    """End ``current`` (the locked lead in force, if any) on ``starts_on`` and make
    ``organisation`` lead from that day, with audit rows and the lead-changed event. The caller
    holds the case lock and has checked who may do it: a handover by the lead agency, or the
    custody actions' handovers on transfer and release day."""
    if current is not None:
        audited_update(instance=current, by=by,
                       summary=f"Handed over the lead of case {case.reference}", redact=_redact,
                       ends_on=starts_on)
    lead = LeadAgency(case=case, organisation=organisation, starts_on=starts_on, set_by=by)
    lead = audited_create(instance=lead, by=by, redact=_redact,
                          summary=f"{organisation} leads case {case.reference}")
    _events.lead_changed(case, lead, current, by)
    return lead


@transaction.atomic
def case_close(*, case: Any, by: User, closed_on: datetime.date | None = None) -> Any:
    """Close a case (lead agency): open referrals are withdrawn, planned conferences
    cancelled. Retention runs from ``closed_on``."""
    locked = _locked_case(case)
    _require(by, "referrals.change_case", locked,
             f"Only the lead agency of case {locked.reference} can close it.")
    _require_open(locked)
    today = clock.today()
    closed_on = closed_on or today
    check_closing_date(locked, closed_on, today)
    now = timezone.now()
    # Everyone involved until now hears of the conferences cancelled, also the agencies
    # involved only through the referrals withdrawn here.
    involved = list(involved_organisations(locked, today))
    for referral in locked.referrals.open().select_for_update():
        audited_update(instance=referral, by=by,
                       summary=f"Withdrew referral {referral.reference}: case closed",
                       redact=_redact, status=ReferralStatus.WITHDRAWN,
                       decline_reason="The case was closed.", closed_at=now)
        _events.referral_withdrawn(referral, by, case_closed=True)
    cancelled = list(locked.conferences.filter(status=ConferenceStatus.PLANNED,
                                               planned_on__gt=today))
    for conference in cancelled:
        audited_update(instance=conference, by=by,
                       summary=f"Cancelled a conference on case {locked.reference}: case closed",
                       redact=_redact, status=ConferenceStatus.CANCELLED)
    _events.conferences_changed(locked, [], cancelled, by, why=" (the case was closed)",
                                organisation_ids=involved)
    audited_update(instance=locked, by=by, summary=f"Closed case {locked.reference}",
                   redact=_redact, status=CaseStatus.CLOSED, closed_on=closed_on)
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
                          f"{govuk_date(locked.anonymised_on)}, so it cannot be reopened: what "
                          "identified the person has been removed. Open a new case instead.",
                          code="anonymised")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why you are reopening the case.", field="reason")
    if len(reason) > REOPEN_REASON_MAX:
        raise DomainError(f"Why you are reopening the case must be {REOPEN_REASON_MAX} "
                          "characters or fewer.", field="reason")
    closed_on = locked.closed_on
    audited_update(instance=locked, by=by,
                   summary=f"Reopened case {locked.reference} (closed on {govuk_date(closed_on)})",
                   redact=_redact, extra_changes={"reopen_reason": [None, reason]},
                   status=CaseStatus.OPEN, closed_on=None)
    conferences_replan(case=locked, today=clock.today(), by=by)
    return _refresh(case, locked)
