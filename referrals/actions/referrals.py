"""Referrals between services: sending one (lawful basis, consent and a sharing protocol in
force between the two organisations), and answering it — accepted, declined, completed by the
receiving organisation, or withdrawn by the sender."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.db import transaction
from django.utils import timezone

from core import clock
from core.actions import audited_create, audited_update
from core.errors import DomainError

from ..choices import LawfulBasis, ReferralStatus
from ..models import Referral, ReferralPathway, SharingProtocol
from ..selectors import referable_services
from ..validators import missing_protocol_message
from ..working_days import working_days_after
from . import _events
from ._common import _locked_case, _redact, _refresh, _require, _require_open
from .assessments import _check_repeat

if TYPE_CHECKING:
    from accounts.models import User
    from partnerships.models import Organisation


def _locked_referral(referral: Any) -> Referral:
    return (Referral.objects.select_for_update().select_related("case")
            .get(pk=referral.pk))


def _status_refusal(referral: Referral, verb: str, allowed: str) -> DomainError:
    return DomainError(f"Referral {referral.reference} is "
                       f"{referral.get_status_display().lower()}, so it cannot be {verb}; "
                       f"only {allowed} referral can.", code="state")


@transaction.atomic
def referral_send(*, case: Any, to_service: Any, reason: str, lawful_basis: str,
                  consent_recorded: bool, by: User, from_service: Any = None,
                  pathway: Any = None, confirmed_repeat: bool = False,
                  idempotency_key: str | None = None) -> Any:
    """Refer the case from the user's organisation to ``to_service``. Between two different
    organisations, a protocol in force covering both in a partnership both belong to is
    required (``SharingProtocol.objects.covering``); otherwise refused with a message naming
    what is missing. The service must be another organisation's, with a referral pathway in
    force leading to it (``selectors.referable_services``, what the refer form offers).
    Response due by the pathway's target in working days (default 5). Recent
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
    today = clock.today()
    # ``referrals.refer`` admits only staff of an organisation involved in the case.
    from_organisation = cast("Organisation", by.organisation)
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
    if to_organisation.pk == from_organisation.pk:
        raise DomainError(f"{to_service.name} is a service of your own organisation. Refer to "
                          "another organisation's service.", field="to_service",
                          code="own_service")
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
    # After the protocol: when a pathway's agreement lapses with the protocol, that is the
    # reason to give.
    if (pathway is not None
            and not ReferralPathway.objects.in_force(today).filter(pk=pathway.pk).exists()):
        raise DomainError(f"The pathway “{pathway}” is not in force.", field="pathway")
    if not referable_services(locked, from_organisation.pk, today).filter(
            pk=to_service.pk).exists():
        raise DomainError(f"No referral pathway in force in {locked.partnership} leads to "
                          f"{to_service.name}, so it cannot take referrals on this case.",
                          field="to_service", code="no_pathway")
    _check_repeat(locked, confirmed_repeat)
    days = pathway.target_response_days if pathway is not None else 5
    referral = Referral(case=locked, from_organisation=from_organisation,
                        from_service=from_service, to_service=to_service,
                        to_organisation=to_organisation, pathway=pathway, protocol=protocol,
                        reason=reason, consent_recorded=consent_recorded,
                        lawful_basis=lawful_basis,
                        response_due_on=working_days_after(today, days), sent_by=by,
                        idempotency_key=idempotency_key or None)
    referral = audited_create(instance=referral, by=by,
                              summary=f"Sent referral {referral.reference} on case "
                                      f"{locked.reference}", redact=_redact)
    _events.referral_received(referral, by)
    return referral


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
    audited_update(instance=locked, by=by, summary=f"Accepted referral {locked.reference}",
                   redact=_redact, status=ReferralStatus.ACCEPTED, responded_at=timezone.now(),
                   responded_by=by)
    _events.referral_accepted(locked, by)
    return _refresh(referral, locked)


@transaction.atomic
def referral_decline(*, referral: Any, reason: str, by: User) -> Any:
    """Decline a sent referral with a reason: only staff of the receiving organisation."""
    locked = _answerable(referral, by, "decline", "declined", ReferralStatus.SENT, "a sent")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the referral is declined.", field="reason")
    audited_update(instance=locked, by=by, summary=f"Declined referral {locked.reference}",
                   redact=_redact, status=ReferralStatus.DECLINED, decline_reason=reason,
                   responded_at=timezone.now(), responded_by=by, closed_at=timezone.now())
    _events.referral_declined(locked, by)
    return _refresh(referral, locked)


@transaction.atomic
def referral_complete(*, referral: Any, by: User) -> Any:
    """Complete an accepted referral: the receiving organisation's staff."""
    locked = _answerable(referral, by, "complete", "completed", ReferralStatus.ACCEPTED,
                         "an accepted")
    audited_update(instance=locked, by=by, summary=f"Completed referral {locked.reference}",
                   redact=_redact, status=ReferralStatus.COMPLETED, closed_at=timezone.now())
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
    audited_update(instance=locked, by=by, summary=f"Withdrew referral {locked.reference}",
                   redact=_redact, status=ReferralStatus.WITHDRAWN, decline_reason=reason,
                   closed_at=timezone.now())
    _events.referral_withdrawn(locked, by)
    return _refresh(referral, locked)
