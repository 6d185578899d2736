"""The partnership page's agreements panel: every version of each agreement, grouped by its
reference, with its status tag, whether its review is overdue and who signed it."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch

from ..choices import AgreementStatus
from ..models import Agreement, Partnership, Signatory

# GOV.UK tag colours for agreement states: green is in force, grey is history.
AGREEMENT_STATUS_TAGS: dict[str, str] = {
    AgreementStatus.DRAFT: "govuk-tag--blue",
    AgreementStatus.ACTIVE: "govuk-tag--green",
    AgreementStatus.SUPERSEDED: "govuk-tag--grey",
    AgreementStatus.EXPIRED: "govuk-tag--orange",
}


@dataclass
class AgreementVersion:
    agreement: Agreement
    status_tag: str
    is_review_overdue: bool
    replaces_version: int | None
    signatories: list[Signatory]


@dataclass
class AgreementGroup:
    """Every version of one agreement (one ``reference``), newest first."""

    reference: str
    current: AgreementVersion
    earlier: list[AgreementVersion]


def agreement_groups(user: Any, partnership: Partnership,
                     today: datetime.date) -> list[AgreementGroup]:
    """Each agreement's versions under its reference, the one in force (else the newest)
    as ``current``; in-force agreements first, then by kind and title."""
    agreements = list(
        Agreement.objects.visible_to(user).filter(partnership=partnership)
        .prefetch_related(Prefetch("signatories", queryset=Signatory.objects
                                   .select_related("organisation")
                                   .order_by("signed_on", "organisation__name")))
        .order_by("reference", "-version"))
    versions = {a.pk: a.version for a in agreements}
    by_reference: dict[str, list[AgreementVersion]] = defaultdict(list)
    for a in agreements:
        by_reference[a.reference].append(AgreementVersion(
            agreement=a,
            status_tag=AGREEMENT_STATUS_TAGS.get(a.status, "govuk-tag--grey"),
            is_review_overdue=a.review_overdue_on(today),
            replaces_version=versions.get(a.replaces_id) if a.replaces_id else None,
            signatories=list(a.signatories.all()),
        ))
    groups = []
    for reference, group in by_reference.items():
        current = next((v for v in group if v.agreement.status == AgreementStatus.ACTIVE),
                       group[0])
        groups.append(AgreementGroup(reference=reference, current=current,
                                     earlier=[v for v in group if v is not current]))
    # In-force agreements first, then by kind and title, so the page reads like a register.
    groups.sort(key=lambda g: (g.current.agreement.status != AgreementStatus.ACTIVE,
                               g.current.agreement.kind, g.current.agreement.title))
    return groups
