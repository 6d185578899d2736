"""End of order: when an order ends while treatment continues, every agency involved in the
case is told who is responsible from now on (an end-of-order notice each, acknowledged by its
caseworkers). The nightly run (``orders_end_due``) sends the notices nobody sent by hand."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from core import clock
from core.actions import audited_create, audited_update
from core.display import govuk_date
from core.errors import DomainError

from ..choices import ReferralStatus
from ..models import Case, EndOfOrderNotice
from . import _events
from ._common import _locked_case, _redact, _refresh, _require, _require_open

if TYPE_CHECKING:
    from accounts.models import User

#: Service categories whose referrals count as treatment (who stays responsible after an order).
TREATMENT_CATEGORIES = ("substance-misuse", "alcohol")


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
    today = clock.today()
    if locked.order_ends_on > today:
        raise DomainError(f"The order on case {locked.reference} ends on "
                          f"{govuk_date(locked.order_ends_on)}; end-of-order notices go out "
                          "once it has ended.", code="state")
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
    text = (f"The order on case {locked.reference} ended on {govuk_date(locked.order_ends_on)} and "
            f"treatment continues. From now on {responsible_organisation} is responsible for "
            "the case.")
    sent = []
    for organisation in involved.values():
        if organisation.pk in already:
            continue
        notice = EndOfOrderNotice(case=locked, organisation=organisation,
                                  responsible_organisation=responsible_organisation, text=text)
        audited_create(instance=notice, by=by, redact=_redact,
                       summary=f"Sent an end-of-order notice on case {locked.reference}")
        sent.append(organisation.pk)
    # The caseworkers of each agency sent a notice now hear of it (those sent one before did).
    _events.end_of_order(locked, sent, responsible_organisation, today, by)
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
                          f"{govuk_date(timezone.localtime(locked.acknowledged_at).date())}.",
                          code="state")
    audited_update(instance=locked, by=by,
                   summary=f"Acknowledged the end-of-order notice on case {locked.case.reference}",
                   redact=_redact, acknowledged_at=timezone.now(), acknowledged_by=by)
    return _refresh(notice, locked)


def orders_ended_without_notices(on: datetime.date | None = None) -> Any:
    """Open cases whose order ended before ``on`` (today) while treatment continues and whose
    agencies have not been sent end-of-order notices yet."""
    return (Case.objects.open()
            .filter(order_ends_on__lt=on or clock.today(), treatment_continues=True,
                    end_notices__isnull=True)
            .order_by("order_ends_on", "pk"))


def orders_end_due(*, on: datetime.date | None = None,
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
