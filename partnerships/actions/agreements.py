"""An agreement's life: draft -> (due to take effect ->) in effect -> replaced | ended.

Every version of one agreement shares a ``reference``; a new version is a *draft* that carries
forward the title, kind, summary, parties, review cycle and document of the version in force,
with no signatures (each party signs the version it agrees to). The version in force stays in
force until the new one takes effect: putting a draft into effect on a date today or earlier
replaces the old version at once; a later date makes the draft "due to take effect" and the
daily job (``agreements_take_effect``) swaps them on that date. Each action is one transaction
with its audit rows; pages, the API and the admin all call these (ADR 0017).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.text import slugify

from core import clock
from core.actions import audited_create, audited_delete, audited_update
from core.display import govuk_date
from core.errors import DomainError
from core.periods import add_months

from ..choices import AgreementStatus
from ..documents import check_agreement_document
from ..models import Agreement, AgreementReview, Organisation, Partnership, Signatory
from . import events

if TYPE_CHECKING:
    from accounts.models import User

#: Agreements are not dated decades away: a typo in the year is refused, not stored.
MAX_YEARS_BACK = 30
MAX_YEARS_AHEAD = 5


def _check_date(day: datetime.date | None, field: str, what: str) -> None:
    if day is None:
        return
    today = clock.today()
    if day.year < today.year - MAX_YEARS_BACK or day.year > today.year + MAX_YEARS_AHEAD:
        raise DomainError(f"{what} must be between {today.year - MAX_YEARS_BACK} and "
                          f"{today.year + MAX_YEARS_AHEAD}.", field=field)


def _locked(agreement: Agreement) -> Agreement:
    """The agreement row locked for this transaction, the caller's object refreshed from it."""
    fresh = Agreement.objects.select_for_update().get(pk=agreement.pk)
    for field in Agreement._meta.concrete_fields:
        setattr(agreement, field.attname, getattr(fresh, field.attname))
    return agreement


def _status_words(agreement: Agreement) -> str:
    return agreement.get_status_display().lower()


def in_force_version(agreement: Agreement) -> Agreement | None:
    """The version of ``agreement``'s reference that is in force now, if any."""
    return (Agreement.objects.filter(partnership_id=agreement.partnership_id,
                                     reference=agreement.reference,
                                     status=AgreementStatus.ACTIVE).first())


def pending_version(agreement: Agreement) -> Agreement | None:
    """The draft (or due-to-take-effect) version of ``agreement``'s reference, if any."""
    return (Agreement.objects.filter(partnership_id=agreement.partnership_id,
                                     reference=agreement.reference,
                                     status__in=AgreementStatus.pending()).first())


def unsigned_parties(agreement: Agreement) -> list[Organisation]:
    """The parties that have not signed this version, by name."""
    return [s.organisation for s in agreement.signatories.select_related("organisation")
            .filter(signed_on__isnull=True).order_by("organisation__name")]


def _add_party(agreement: Agreement, organisation: Organisation, by: User | None) -> Signatory:
    return audited_create(instance=Signatory(agreement=agreement, organisation=organisation),
                          by=by, summary=f"{organisation} is a party to version "
                                         f"{agreement.version}")


@transaction.atomic
def agreement_create(*, partnership: Partnership, kind: str, title: str, by: User | None,
                     parties: Iterable[Organisation] = (), reference: str = "",
                     status: str = AgreementStatus.DRAFT, summary: str = "",
                     effective_from: datetime.date | None = None,
                     review_due: datetime.date | None = None,
                     review_cycle_months: int = 12,
                     expires_on: datetime.date | None = None,
                     document: Any = None) -> Agreement:
    """Record the first version of an agreement, as a draft for its ``parties`` to sign.

    ``status`` other than draft is for recording agreements that were already in force before
    the registry (the demo, imports); people start from a draft.
    """
    if not title.strip():
        raise DomainError("Enter the agreement's title.", field="title")
    _check_date(effective_from, "effective_from", "The date it takes effect")
    _check_date(review_due, "review_due", "The review date")
    if document is not None:
        check_agreement_document(document)
    reference = reference or slugify(title)[:80] or "agreement"
    if Agreement.objects.filter(partnership=partnership, reference=reference).exists():
        raise DomainError(f"{partnership} already has an agreement called '{title.strip()}'. "
                          "Start a new version of it instead, or give this one another title.",
                          field="title")
    a = Agreement(partnership=partnership, kind=kind, title=title.strip(), reference=reference,
                  version=1, status=status, summary=summary, effective_from=effective_from,
                  review_due=review_due, review_cycle_months=review_cycle_months,
                  expires_on=expires_on)
    if document is not None:
        a.document = document
    audited_create(instance=a, by=by, summary="Recorded agreement")
    seen: set[int] = set()
    for organisation in parties:
        if organisation.pk not in seen:
            seen.add(organisation.pk)
            _add_party(a, organisation, by)
    if a.status == AgreementStatus.DRAFT:  # recorded in force already: nobody is to sign
        events.signature_needed(a, by)
    return a


@transaction.atomic
def agreement_new_version(*, agreement: Agreement, by: User | None, reason: str = "",
                          title: str | None = None, summary: str | None = None,
                          document: Any = None) -> Agreement:
    """Start a new version of the agreement in force: a draft carrying forward its title, kind,
    summary, parties (unsigned), review cycle and document. The version in force stays in
    force until the new one is put into effect."""
    _locked(agreement)
    if agreement.status != AgreementStatus.ACTIVE:
        raise DomainError(f"A new version starts from the version in effect; version "
                          f"{agreement.version} is {_status_words(agreement)}.")
    pending = pending_version(agreement)
    if pending is not None:
        raise DomainError(f"Version {pending.version} is already being agreed "
                          f"({_status_words(pending)}): continue with it.")
    if document is not None:
        check_agreement_document(document)
    latest = (Agreement.objects.filter(partnership_id=agreement.partnership_id,
                                       reference=agreement.reference)
              .order_by("-version").values_list("version", flat=True).first())
    new = Agreement(
        partnership=agreement.partnership, kind=agreement.kind, reference=agreement.reference,
        title=(title or "").strip() or agreement.title, version=(latest or 0) + 1,
        status=AgreementStatus.DRAFT,
        summary=agreement.summary if summary is None else summary,
        review_cycle_months=agreement.review_cycle_months, expires_on=None,
        replaces=agreement, change_reason=reason.strip(),
    )
    new.document = document if document is not None else agreement.document
    audited_create(instance=new, by=by,
                   summary=f"Started version {new.version}" + (f": {reason.strip()}"
                                                              if reason.strip() else ""))
    for s in agreement.signatories.select_related("organisation").order_by("organisation__name"):
        _add_party(new, s.organisation, by)  # parties carry over, unsigned
    events.signature_needed(new, by)
    return new


@transaction.atomic
def agreement_party_add(*, agreement: Agreement, organisation: Organisation,
                        by: User | None) -> Signatory:
    """Add an organisation expected to sign a version still being agreed."""
    _locked(agreement)
    if agreement.status not in AgreementStatus.pending():
        raise DomainError(f"Parties are added while a version is being agreed; version "
                          f"{agreement.version} is {_status_words(agreement)}. Start a new "
                          "version to change who is party to it.", field="organisation")
    if agreement.signatories.filter(organisation=organisation).exists():
        raise DomainError(f"{organisation} is already a party to this version.",
                          field="organisation")
    party = _add_party(agreement, organisation, by)
    events.signature_needed(agreement, by, organisation)
    return party


@transaction.atomic
def agreement_party_withdraw(*, agreement: Agreement, organisation: Organisation,
                             by: User | None, reason: str = "") -> None:
    """Take an organisation off the parties of a version still being agreed (its signature,
    if it had signed, goes with it; the audit trail keeps both)."""
    _locked(agreement)
    if agreement.status not in AgreementStatus.pending():
        raise DomainError(f"Version {agreement.version} is {_status_words(agreement)}: its "
                          "parties can no longer change. Start a new version without them.",
                          field="organisation")
    party = agreement.signatories.filter(organisation=organisation).first()
    if party is None:
        raise DomainError(f"{organisation} is not a party to version {agreement.version}.",
                          field="organisation")
    audited_delete(instance=party, by=by,
                   summary=f"{organisation} withdrawn from version {agreement.version}"
                           + (f": {reason.strip()}" if reason.strip() else ""))


@transaction.atomic
def agreement_sign(*, agreement: Agreement, organisation: Organisation, signed_by: str,
                   signed_on: datetime.date, by: User | None, signer_role: str = "") -> Signatory:
    """Record a party's signature: who signed for it, in what role, and when."""
    _locked(agreement)
    if agreement.status not in (*AgreementStatus.pending(), AgreementStatus.ACTIVE):
        raise DomainError(f"Version {agreement.version} is {_status_words(agreement)}; "
                          "signatures are recorded on the version being agreed or in effect.")
    if not signed_by.strip():
        raise DomainError("Enter the name of the person who signed.", field="signed_by")
    if signed_on > clock.today():
        raise DomainError("A signature cannot be dated in the future.", field="signed_on")
    _check_date(signed_on, "signed_on", "The date signed")
    party = Signatory.objects.filter(agreement=agreement, organisation=organisation).first()
    if party is None:
        if agreement.status != AgreementStatus.DRAFT:
            raise DomainError(f"{organisation} is not a party to version {agreement.version}.",
                              field="organisation")
        party = _add_party(agreement, organisation, by)
    if party.signed_on:
        raise DomainError(f"{organisation} already signed version {agreement.version} on "
                          f"{govuk_date(party.signed_on)}.", field="organisation")
    return audited_update(instance=party, by=by, summary=f"Signed by {organisation}",
                          signed_by=signed_by.strip(), signer_role=signer_role.strip(),
                          signed_on=signed_on)


def _take_effect(agreement: Agreement, by: User | None) -> Agreement:
    """Make a pending version the one in force; the version it replaces is superseded now."""
    previous = in_force_version(agreement)
    if previous is not None and previous.pk != agreement.pk:
        audited_update(instance=previous, by=by, status=AgreementStatus.SUPERSEDED,
                       summary=f"Replaced by version {agreement.version} from "
                               f"{govuk_date(agreement.effective_from)}")
    done = audited_update(instance=agreement, by=by, status=AgreementStatus.ACTIVE,
                          summary=f"Version {agreement.version} in effect from "
                                  f"{govuk_date(agreement.effective_from)}")
    events.in_effect(done, by)
    return done


@transaction.atomic
def agreement_put_into_effect(*, agreement: Agreement, effective_on: datetime.date,
                              by: User | None, reason: str = "",
                              review_due: datetime.date | None = None) -> Agreement:
    """Put a draft into effect on ``effective_on``.

    Refused while a party has not signed, unless ``reason`` says why it goes ahead (recorded).
    On a date today or earlier it is in force at once and the version it replaces is
    superseded; on a later date it is due to take effect and the daily job swaps them then.
    The first review is due ``review_due`` or, without one, a review cycle after it takes
    effect.
    """
    _locked(agreement)
    if agreement.status not in AgreementStatus.pending():
        raise DomainError(f"Only a version being agreed can be put into effect; version "
                          f"{agreement.version} is {_status_words(agreement)}.")
    _check_date(effective_on, "effective_on", "The date it takes effect")
    unsigned = unsigned_parties(agreement)
    if unsigned and not reason.strip():
        names = ", ".join(str(o) for o in unsigned)
        raise DomainError(
            f"Not every party has signed ({names}). Record their signatures first, or say "
            "why it takes effect without them.", field="reason")
    previous = in_force_version(agreement)
    if previous is not None and previous.effective_from and effective_on < previous.effective_from:
        raise DomainError(
            f"Version {previous.version} took effect on {govuk_date(previous.effective_from)}; "
            "the new version cannot take effect before that.", field="effective_on")
    if review_due is not None and review_due <= effective_on:
        raise DomainError("The first review must be after the date it takes effect.",
                          field="review_due")
    _check_date(review_due, "review_due", "The review date")
    review_due = review_due or agreement.review_due
    if review_due is None or review_due <= effective_on:
        review_due = add_months(effective_on, agreement.review_cycle_months)
    scheduled = effective_on > clock.today()
    audited_update(instance=agreement, by=by,
                   summary=(f"Due to take effect on {govuk_date(effective_on)}" if scheduled
                            else f"Put into effect from {govuk_date(effective_on)}")
                   + (f" before every party signed: {reason.strip()}" if unsigned else ""),
                   status=AgreementStatus.SCHEDULED if scheduled else agreement.status,
                   effective_from=effective_on, review_due=review_due,
                   unsigned_reason=reason.strip() if unsigned else "")
    if scheduled:
        return agreement
    return _take_effect(agreement, by)


def agreements_take_effect(*, on: datetime.date | None = None) -> list[Agreement]:
    """The daily job: versions due to take effect on or before ``on`` (today) come into force
    and replace their predecessors. Idempotent: a version already in force is not touched."""
    day = on or clock.today()
    done = []
    for pk in (Agreement.objects.filter(status=AgreementStatus.SCHEDULED,
                                        effective_from__lte=day)
               .order_by("effective_from", "pk").values_list("pk", flat=True)):
        with transaction.atomic():
            agreement = Agreement.objects.select_for_update().get(pk=pk)
            if agreement.status == AgreementStatus.SCHEDULED:
                done.append(_take_effect(agreement, None))
    return done


@transaction.atomic
def agreement_review_record(*, agreement: Agreement, reviewed_on: datetime.date, outcome: str,
                            by: User | None,
                            next_review_due: datetime.date | None = None) -> AgreementReview:
    """Record the parties' review of the version in force; the next review date becomes the
    agreement's review date (reminders follow it)."""
    _locked(agreement)
    if agreement.status != AgreementStatus.ACTIVE:
        raise DomainError(f"Reviews are recorded on the version in effect; version "
                          f"{agreement.version} is {_status_words(agreement)}.")
    if not outcome.strip():
        raise DomainError("Say what the review concluded.", field="outcome")
    if reviewed_on > clock.today():
        raise DomainError("The review date cannot be in the future.", field="reviewed_on")
    if agreement.effective_from and reviewed_on < agreement.effective_from:
        raise DomainError(f"Version {agreement.version} took effect on "
                          f"{govuk_date(agreement.effective_from)}; a review of it cannot be "
                          "earlier.", field="reviewed_on")
    if next_review_due is None:
        next_review_due = add_months(reviewed_on, agreement.review_cycle_months)
    if next_review_due <= reviewed_on:
        raise DomainError("The next review must be after this one.", field="next_review_due")
    _check_date(next_review_due, "next_review_due", "The next review date")
    review = audited_create(
        instance=AgreementReview(agreement=agreement, reviewed_on=reviewed_on,
                                 outcome=outcome.strip(), next_review_due=next_review_due,
                                 recorded_by=by),
        by=by, summary=f"Reviewed on {govuk_date(reviewed_on)}")
    audited_update(instance=agreement, by=by, review_due=next_review_due,
                   summary=f"Next review due {govuk_date(next_review_due)}")
    return review


@transaction.atomic
def agreement_end(*, agreement: Agreement, ended_on: datetime.date, reason: str,
                  by: User | None) -> Agreement:
    """End the version in force on ``ended_on`` (no version replaces it), saying why."""
    _locked(agreement)
    if agreement.status != AgreementStatus.ACTIVE:
        raise DomainError(f"Only the version in effect can be ended; version "
                          f"{agreement.version} is {_status_words(agreement)}.")
    if not reason.strip():
        raise DomainError("Say why the agreement is ending.", field="reason")
    if agreement.effective_from and ended_on < agreement.effective_from:
        raise DomainError(f"Version {agreement.version} took effect on "
                          f"{govuk_date(agreement.effective_from)}; it cannot end before.",
                          field="ended_on")
    _check_date(ended_on, "ended_on", "The end date")
    pending = pending_version(agreement)
    if pending is not None:
        raise DomainError(f"Version {pending.version} is being agreed to replace it: put that "
                          "version into effect instead, or discard it first.",
                          field="ended_on")
    done = audited_update(instance=agreement, by=by, status=AgreementStatus.ENDED,
                          ended_on=ended_on, end_reason=reason.strip(),
                          summary=f"Ended on {govuk_date(ended_on)}: {reason.strip()}")
    events.ended(done, by)
    return done


@transaction.atomic
def agreement_draft_discard(*, agreement: Agreement, by: User | None) -> None:
    """Throw away a version being agreed (the version in force, if any, is untouched; the
    audit trail keeps what the draft held)."""
    _locked(agreement)
    if agreement.status not in AgreementStatus.pending():
        raise DomainError(f"Only a version being agreed can be discarded; version "
                          f"{agreement.version} is {_status_words(agreement)}.")
    for party in agreement.signatories.all():
        audited_delete(instance=party, by=by, summary=f"Discarded with version "
                                                      f"{agreement.version}")
    audited_delete(instance=agreement, by=by, summary=f"Discarded draft version "
                                                      f"{agreement.version}")
