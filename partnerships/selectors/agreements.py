"""The partnership page's agreements panel: every version of each agreement, grouped by its
reference, with its status in words, whether its review is overdue, who signed it, which
version it replaces or is replaced by, and the latest review of the version in force.
One query on PostgreSQL whatever the number of agreements (agreements with their latest review
and signatories; two elsewhere): the partnership page's query count is asserted."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connections
from django.db.models import OuterRef, Prefetch, Subquery
from django.db.models.functions import JSONObject

from core.display import govuk_date

from ..choices import AgreementStatus
from ..models import Agreement, AgreementReview, Organisation, Partnership, Signatory

# GOV.UK tag colours for agreement states: green is in force, grey is history.
AGREEMENT_STATUS_TAGS: dict[str, str] = {
    AgreementStatus.DRAFT: "govuk-tag--blue",
    AgreementStatus.SCHEDULED: "govuk-tag--turquoise",
    AgreementStatus.ACTIVE: "govuk-tag--green",
    AgreementStatus.SUPERSEDED: "govuk-tag--grey",
    AgreementStatus.ENDED: "govuk-tag--grey",
    AgreementStatus.EXPIRED: "govuk-tag--orange",
}


def status_words(agreement: Agreement) -> str:
    """The version's status as the page says it: "Due to take effect on 1 January 2027"."""
    if agreement.status == AgreementStatus.SCHEDULED and agreement.effective_from:
        return f"Due to take effect on {govuk_date(agreement.effective_from)}"
    return str(agreement.get_status_display())


@dataclass(frozen=True)
class LatestReview:
    reviewed_on: datetime.date
    outcome: str


@dataclass
class AgreementVersion:
    agreement: Agreement
    status_tag: str
    is_review_overdue: bool
    replaces_version: int | None
    signatories: list[Signatory]
    replaced_by_version: int | None = None
    status_text: str = ""
    #: The latest review of the version in force (its date and outcome); None otherwise.
    latest_review: LatestReview | None = None
    #: For a superseded version: the day its successor took effect (it was in force until
    #: the day before).
    replaced_on: datetime.date | None = None

    @property
    def is_history(self) -> bool:
        """No longer in force (superseded, ended or expired): review and expiry dates are moot."""
        return self.agreement.status in (AgreementStatus.SUPERSEDED, AgreementStatus.ENDED,
                                         AgreementStatus.EXPIRED)

    @property
    def is_pending(self) -> bool:
        """Still being agreed (a draft, or due to take effect)."""
        return self.agreement.status in AgreementStatus.pending()

    @property
    def is_active(self) -> bool:
        return self.agreement.status == AgreementStatus.ACTIVE

    @property
    def unsigned_count(self) -> int:
        return sum(1 for s in self.signatories if not s.signed_on)


@dataclass
class AgreementGroup:
    """Every version of one agreement (one ``reference``): the one in force (else the newest),
    the one being agreed to replace it (if any), and the rest, newest first."""

    reference: str
    current: AgreementVersion
    earlier: list[AgreementVersion]
    pending: AgreementVersion | None = None


def _signatories(agreement: Any) -> list[Signatory]:
    """The signatories read as JSON with ``agreement`` as (read-only) model instances with
    their organisation's name and slug."""
    rows = []
    for v in agreement.signatory_values:
        signed_on = v["signed_on"]
        s = Signatory(pk=v["pk"], agreement_id=agreement.pk,
                      organisation_id=v["organisation_id"], signed_by=v["signed_by"],
                      signer_role=v["signer_role"],
                      signed_on=datetime.date.fromisoformat(signed_on) if signed_on else None)
        s.organisation = Organisation(pk=v["organisation_id"], name=v["name"], slug=v["slug"])
        rows.append(s)
    return rows


def agreement_groups(user: Any, partnership: Partnership,
                     today: datetime.date) -> list[AgreementGroup]:
    """Each agreement's versions under its reference, the one in force (else the newest)
    as ``current``; in-force agreements first, then by kind and title."""
    latest = (AgreementReview.objects.filter(agreement=OuterRef("pk"))
              .order_by("-reviewed_on", "-id"))
    signatories = (Signatory.objects.select_related("organisation")
                   .only("agreement", "organisation", "organisation__name",
                         "organisation__slug", "signed_by", "signer_role", "signed_on")
                   .order_by("signed_on", "organisation__name"))
    # Only the columns the panel shows: the page's cost is in building rows, not reading them.
    agreements_qs = (
        Agreement.objects.visible_to(user).filter(partnership=partnership)
        .defer("created_on", "modified_on", "review_cycle_months")
        # The latest review in the same query (a prefetch would cost the page a query).
        .annotate(latest_reviewed_on=Subquery(latest.values("reviewed_on")[:1]),
                  latest_review_outcome=Subquery(latest.values("outcome")[:1]))
        .order_by("reference", "-version"))
    # The signatories too, on PostgreSQL: an array of JSON objects per agreement (elsewhere a
    # prefetch, one more query).
    in_arrays = connections[agreements_qs.db].vendor == "postgresql"
    if in_arrays:
        agreements_qs = agreements_qs.annotate(signatory_values=ArraySubquery(
            signatories.filter(agreement=OuterRef("pk")).values(json=JSONObject(
                pk="pk", organisation_id="organisation_id", name="organisation__name",
                slug="organisation__slug", signed_by="signed_by", signer_role="signer_role",
                signed_on="signed_on"))))
    else:
        agreements_qs = agreements_qs.prefetch_related(Prefetch("signatories",
                                                                queryset=signatories))
    agreements = list(agreements_qs)
    versions = {a.pk: a.version for a in agreements}
    replaced_by = {a.replaces_id: a.version for a in agreements if a.replaces_id}
    successor_starts = {a.replaces_id: a.effective_from for a in agreements
                        if a.replaces_id and a.status not in AgreementStatus.pending()}
    by_reference: dict[str, list[AgreementVersion]] = defaultdict(list)
    for a in agreements:
        by_reference[a.reference].append(AgreementVersion(
            agreement=a,
            status_tag=AGREEMENT_STATUS_TAGS.get(a.status, "govuk-tag--grey"),
            is_review_overdue=a.review_overdue_on(today),
            replaces_version=versions.get(a.replaces_id) if a.replaces_id else None,
            signatories=(_signatories(a) if in_arrays else list(a.signatories.all())),
            replaced_by_version=replaced_by.get(a.pk),
            replaced_on=(successor_starts.get(a.pk)
                         if a.status == AgreementStatus.SUPERSEDED else None),
            status_text=status_words(a),
            latest_review=(LatestReview(a.latest_reviewed_on, a.latest_review_outcome)
                           if a.status == AgreementStatus.ACTIVE and a.latest_reviewed_on
                           else None),
        ))
    groups = []
    for reference, group in by_reference.items():
        current = next((v for v in group if v.agreement.status == AgreementStatus.ACTIVE),
                       group[0])
        # A new version being agreed beside the one in force is shown open, not folded away.
        pending = next((v for v in group if v is not current and v.is_pending), None)
        groups.append(AgreementGroup(reference=reference, current=current, pending=pending,
                                     earlier=[v for v in group
                                              if v is not current and v is not pending]))
    # In-force agreements first, then by kind and title, so the page reads like a register.
    groups.sort(key=lambda g: (g.current.agreement.status != AgreementStatus.ACTIVE,
                               g.current.agreement.kind, g.current.agreement.title))
    return groups
