"""Checks behind casework refusals: the one rule for a person's initials (used by the form, the
API and ``case_open`` alike), and, needing more than one query to explain itself, *why* no
information-sharing protocol allows a referral between two organisations, so the message names
what is missing instead of a bare "not allowed"."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.db.models import Q

from core.display import govuk_date

#: The refusal for anything that is not initials (issue 16: "John Smith" was kept as "JOHN").
INITIALS_MESSAGE = "Enter initials only, for example JS"
#: The most letters a person's initials have (``Person.initials`` holds 4).
INITIALS_MAX = 4
#: What a person may type around the letters: "J S", "J.S.", "j. s."
_SEPARATORS = re.compile(r"[\s.]+")


def normalise_initials(value: str | None) -> str:
    """``value`` as stored initials ("J S", "J.S.", "j.s." and "JS" all give "JS"; blank gives
    ""), or ``ValueError(INITIALS_MESSAGE)``. Initials are 1 to 4 letters; when typed with
    spaces or dots, every part must be one letter, so a name ("John Smith", "Jo. S.") is
    refused rather than cut down to something that looks like initials."""
    text = (value or "").strip()
    if not text:
        return ""
    parts = [part for part in _SEPARATORS.split(text) if part]
    letters = "".join(parts)
    separated = len(parts) > 1 or letters != text
    if (not parts or not letters.isalpha() or len(letters) > INITIALS_MAX
            or (separated and any(len(part) != 1 for part in parts))):
        raise ValueError(INITIALS_MESSAGE)
    return letters.upper()


def _names(items: list[Any]) -> str:
    names = [str(i) for i in items]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def missing_protocol_message(first: Any, second: Any, on: datetime.date) -> str:
    """Explain why ``SharingProtocol.objects.covering(first, second, on)`` found nothing:
    no shared partnership; a protocol that has expired or is not yet in force; a protocol
    that does not name one of them; or simply none."""
    from partnerships.choices import AgreementKind, AgreementStatus
    from partnerships.models import Membership, Partnership

    from .models import SharingProtocol

    base = (f"There is no information-sharing protocol in force between {first} and {second} "
            "in a partnership they both belong to, so this referral cannot be sent.")
    current = Membership.objects.active_on(on)
    shared = list(Partnership.objects
                  .filter(pk__in=current.filter(organisation=first).values("partnership_id"))
                  .filter(pk__in=current.filter(organisation=second).values("partnership_id"))
                  .order_by("name"))
    if not shared:
        return f"{base} {first} and {second} are not both current members of any partnership."
    in_shared = SharingProtocol.objects.filter(agreement__partnership__in=shared)
    both = in_shared.filter(parties=first).filter(parties=second).select_related(
        "agreement__partnership").order_by("-agreement__effective_from")
    in_force_ids = set(SharingProtocol.objects.in_force(on).values_list("pk", flat=True))
    lapsed = [p for p in both if p.pk not in in_force_ids]
    if lapsed:
        protocol = lapsed[0]
        agreement = protocol.agreement
        if agreement.expires_on and agreement.expires_on <= on:
            why = f"expired on {govuk_date(agreement.expires_on)}"
        elif agreement.status == AgreementStatus.ENDED and agreement.ended_on:
            why = f"ended on {govuk_date(agreement.ended_on)}"
        elif agreement.status in (AgreementStatus.EXPIRED, AgreementStatus.SUPERSEDED):
            why = f"is {agreement.get_status_display().lower()}"
        elif agreement.effective_from and agreement.effective_from > on:
            why = f"does not take effect until {govuk_date(agreement.effective_from)}"
        else:
            why = f"is a {agreement.get_status_display().lower()}, not in force"
        return (f"{base} The protocol “{agreement}” of {agreement.partnership} {why}; "
                "ask the partnership to renew it.")
    one_sided = (SharingProtocol.objects.in_force(on).filter(agreement__partnership__in=shared)
                 .filter(Q(parties=first) | Q(parties=second)).distinct()
                 .select_related("agreement__partnership").prefetch_related("parties"))
    for protocol in one_sided:
        parties = {o.pk for o in protocol.parties.all()}
        missing = [org for org in (first, second) if org.pk not in parties]
        if missing:
            return (f"{base} {_names(missing)} "
                    f"{'is' if len(missing) == 1 else 'are'} not a party to "
                    f"“{protocol.agreement}” of {protocol.agreement.partnership}.")
    agreements = [a for a in shared if a.agreements.filter(
        kind=AgreementKind.INFORMATION_SHARING, status=AgreementStatus.ACTIVE,
        sharing_protocol__isnull=True).exists()]
    if agreements:
        return (f"{base} The information-sharing agreement of {_names(agreements)} has no "
                "sharing terms (parties, purpose, lawful basis) recorded yet.")
    return f"{base} They are both members of {_names(shared)}, which has none."
