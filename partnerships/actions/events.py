"""Notifications of what happens to agreements and memberships, written by the actions in the
same transaction (``notifications.events.notify``: once per event per person, never the person
who did it, emails after commit). Messages name agreements, partnerships and organisations
only; links go to the page where the reader acts."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.urls import reverse

from accounts.recipients import partnership_managers_of
from core import clock
from core.display import govuk_date
from notifications.events import notify

from ..recipients import member_managers_of, party_managers_of

if TYPE_CHECKING:
    from ..models import Agreement, Membership, Organisation, Partnership


def _everyone(found: dict[int, list[Any]]) -> list[Any]:
    return [user for users in found.values() for user in users]


def _what(agreement: Agreement) -> str:
    return (f"{agreement.title} (reference {agreement.reference}, version {agreement.version}) "
            f"in {agreement.partnership}")


def _agreements_url(partnership: Partnership) -> str:
    return reverse("partnerships:detail", args=[partnership.slug]) + "#agreements"


def signature_needed(agreement: Agreement, by: Any,
                     organisation: Organisation | None = None) -> None:
    """Tell the partnership managers of each party that has not signed this version (or of
    ``organisation`` only, a party just added) that it waits for their signature. Once per
    version per person: a party withdrawn and added again is not told twice."""
    if organisation is not None:
        recipients = partnership_managers_of([organisation.pk]).get(organisation.pk, [])
    else:
        recipients = _everyone(party_managers_of(agreement.pk, unsigned_only=True))
    notify(kind="agreement_signature_needed", occurrence=f"agreement-{agreement.pk}:signature",
           recipients=recipients,
           subject=(f"Agreement awaiting your organisation's signature: {agreement.title}, "
                   f"version {agreement.version}"),
           body=(f"Version {agreement.version} of {_what(agreement)} is being agreed and waits "
                 "for your organisation's signature. Record it when your organisation has "
                 "signed."),
           url=reverse("partnerships:agreement-sign",
                       args=[agreement.partnership.slug, agreement.pk]),
           obj=agreement, actor=by)


def in_effect(agreement: Agreement, by: Any) -> None:
    """Tell the partnership managers of every party that this version took effect (when it
    actually does: at once, or on its date by the daily job)."""
    notify(kind="agreement_in_effect", occurrence=f"agreement-{agreement.pk}:in-effect",
           recipients=_everyone(party_managers_of(agreement.pk)),
           subject=f"Agreement in effect: {agreement.title}, {agreement.partnership}",
           body=(f"Version {agreement.version} of {_what(agreement)} is in effect from "
                 f"{govuk_date(agreement.effective_from)}."),
           url=_agreements_url(agreement.partnership), obj=agreement, actor=by)


def ended(agreement: Agreement, by: Any) -> None:
    """Tell the partnership managers of every party that the agreement ended."""
    notify(kind="agreement_ended", occurrence=f"agreement-{agreement.pk}:ended",
           recipients=_everyone(party_managers_of(agreement.pk)),
           subject=f"Agreement ended: {agreement.title}, {agreement.partnership}",
           body=(f"Version {agreement.version} of {_what(agreement)} ended on "
                 f"{govuk_date(agreement.ended_on)}; no version replaces it. The partnership's "
                 "page says why."),
           url=_agreements_url(agreement.partnership), obj=agreement, actor=by)


def membership_added(membership: Membership, by: Any) -> None:
    """Tell the organisation's partnership managers it joined the partnership."""
    org, partnership = membership.organisation, membership.partnership
    notify(kind="membership_added", occurrence=f"membership-{membership.pk}:added",
           recipients=partnership_managers_of([org.pk]).get(org.pk, []),
           subject=f"{org} added to {partnership}",
           body=(f"{org} is a member of {partnership} as "
                 f"{membership.get_role_display().lower()} from "
                 f"{govuk_date(membership.joined_on)}."),
           url=reverse("partnerships:detail", args=[partnership.slug]), obj=membership,
           actor=by)


def membership_ended(membership: Membership, by: Any) -> None:
    """Tell the organisation's partnership managers its membership ended."""
    org, partnership = membership.organisation, membership.partnership
    notify(kind="membership_ended", occurrence=f"membership-{membership.pk}:ended",
           recipients=partnership_managers_of([org.pk]).get(org.pk, []),
           subject=f"{org} removed from {partnership}",
           body=(f"{org}'s membership of {partnership} as "
                 f"{membership.get_role_display().lower()} ends on "
                 f"{govuk_date(membership.left_on)}."),
           url=reverse("partnerships:detail", args=[partnership.slug]), obj=membership,
           actor=by)


def lead_partner_changed(membership: Membership, by: Any) -> None:
    """Tell the partnership managers of every member (on the day before the change, the day of
    it and today, so the lead handing over hears of it too) who leads now."""
    partnership, day = membership.partnership, membership.joined_on
    days = {day - datetime.timedelta(days=1), day, clock.today()}
    notify(kind="lead_partner_changed", occurrence=f"partnership-{partnership.pk}:"
                                                   f"lead-{membership.pk}",
           recipients=member_managers_of(partnership.pk, sorted(days)),
           subject=f"Lead partner changed: {partnership}",
           body=(f"{membership.organisation} is the lead partner of {partnership} from "
                 f"{govuk_date(day)}."),
           url=reverse("partnerships:detail", args=[partnership.slug]), obj=membership,
           actor=by)
