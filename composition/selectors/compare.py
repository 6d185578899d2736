"""The compare page: resolving typed names into partnerships (with thousands, a select list is
unusable) and the side-by-side facts about a few of them, counted in the database."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q

from core import clock
from partnerships.choices import AgreementStatus, MemberRole
from partnerships.models import (
    Activity,
    Agreement,
    Funding,
    LeadResponsibility,
    Membership,
    Organisation,
    Partnership,
)
from partnerships.selectors.common import PARTNERSHIP_STATUS_TAGS
from partnerships.selectors.funding import (
    financial_year_label,
    financial_year_of,
    spread_over_financial_years,
)
from services.models import Service, ServiceCategory

MAX_CANDIDATES = 10


@dataclass
class Lookup:
    """What one typed name or slug matched: exactly one partnership, several, or none."""

    term: str
    match: Partnership | None = None
    candidates: list[Partnership] = field(default_factory=list)
    more_candidates: bool = False


def partnership_lookup(*, user: Any, terms: Sequence[str]) -> list[Lookup]:
    """Resolve what people typed into partnerships: an exact slug, else an exact name (any
    case), else a unique part of a name. With thousands of partnerships a select list is
    unusable, so the compare page asks for text and resolves it here.

    One query for all exact matches, then at most one per term still unresolved.
    """
    visible = Partnership.objects.visible_to(user)
    lookups = [Lookup(term=t) for t in terms]
    if not lookups:
        return lookups
    exact_q = Q(slug__in=[t.lower() for t in terms])
    for t in terms:
        exact_q |= Q(name__iexact=t)
    exact = list(visible.filter(exact_q).order_by("name", "pk"))
    by_slug = {p.slug: p for p in exact}
    for lookup in lookups:
        if lookup.term.lower() in by_slug:
            lookup.match = by_slug[lookup.term.lower()]
            continue
        named = [p for p in exact if p.name.casefold() == lookup.term.casefold()]
        if len(named) == 1:
            lookup.match = named[0]
        elif named:
            lookup.candidates = named[:MAX_CANDIDATES]
            lookup.more_candidates = len(named) > MAX_CANDIDATES
    for lookup in lookups:
        if lookup.match or lookup.candidates:
            continue
        found = list(visible.filter(name__icontains=lookup.term)
                     .order_by("name", "pk")[:MAX_CANDIDATES + 1])
        if len(found) == 1:
            lookup.match = found[0]
        else:
            lookup.candidates = found[:MAX_CANDIDATES]
            lookup.more_candidates = len(found) > MAX_CANDIDATES
    return lookups


@dataclass
class ComparedPartnership:
    """One column of the comparison."""

    partnership: Partnership
    status_tag: str
    lead_partner: Organisation | None = None
    current_members: list[Organisation] = field(default_factory=list)
    leads: dict[int, LeadResponsibility] = field(default_factory=dict)  # activity id → lead
    services_total: int = 0
    services_by_category: dict[int, int] = field(default_factory=dict)  # category id → count
    agreements_active: int = 0
    agreements_overdue: int = 0
    agreements_superseded: int = 0
    next_review: datetime.date | None = None
    next_review_overdue: bool = False
    funding_rows: int = 0
    funding_this_year: Decimal = Decimal("0.00")
    funding_all_time: Decimal = Decimal("0.00")


@dataclass
class Comparison:
    columns: list[ComparedPartnership]
    activities: list[Activity]  # the standard lead-agency activities, in guidance order
    categories: list[ServiceCategory]  # every category any compared partnership delivers in
    financial_year: int
    today: datetime.date

    @property
    def financial_year_label(self) -> str:
        return financial_year_label(self.financial_year)


def partnership_comparison(*, user: Any, partnerships: Sequence[Partnership],
                           today: datetime.date | None = None) -> Comparison:
    """Side-by-side facts about a few partnerships, in a fixed number of queries (about eight)
    whatever their size: counts are aggregated in the database, not by loading every row."""
    today = today or clock.today()
    ids = [p.pk for p in partnerships]
    loaded = {p.pk: p for p in Partnership.objects.visible_to(user).with_summary()
              .filter(pk__in=ids)}
    columns = {pk: ComparedPartnership(
        partnership=loaded[pk],
        status_tag=PARTNERSHIP_STATUS_TAGS.get(loaded[pk].status, "govuk-tag--grey"))
        for pk in ids if pk in loaded}

    for m in (Membership.objects.visible_to(user).filter(partnership_id__in=columns)
              .active_on(today).select_related("organisation")
              .order_by("organisation__name", "pk")):
        column = columns[m.partnership_id]
        if m.organisation not in column.current_members:
            column.current_members.append(m.organisation)
        if m.role == MemberRole.LEAD_PARTNER:
            column.lead_partner = m.organisation

    activities = list(Activity.objects.filter(is_standard=True, partnership=None)
                      .order_by("position", "name"))
    for r in (LeadResponsibility.objects.visible_to(user)
              .filter(partnership_id__in=columns, activity__in=activities)
              .active_on(today).select_related("organisation")):
        columns[r.partnership_id].leads[r.activity_id] = r

    active_services = Service.objects.visible_to(user).active().filter(
        partnership_id__in=columns)
    for row in active_services.values("partnership_id").annotate(n=Count("pk")):
        columns[row["partnership_id"]].services_total = row["n"]
    Through = Service.categories.through  # noqa: N806
    category_counts = (Through.objects
                       .filter(service__in=active_services)
                       .values("service__partnership_id", "servicecategory_id")
                       .annotate(n=Count("service_id", distinct=True)))
    used_categories: set[int] = set()
    for count in category_counts:
        columns[count["service__partnership_id"]].services_by_category[
            count["servicecategory_id"]] = count["n"]
        used_categories.add(count["servicecategory_id"])
    categories = list(ServiceCategory.objects.filter(pk__in=used_categories)
                      .order_by("position", "name")) if used_categories else []

    for a in (Agreement.objects.visible_to(user).filter(partnership_id__in=columns)
              .values("partnership_id", "status", "review_due")):
        column = columns[a["partnership_id"]]
        if a["status"] == AgreementStatus.ACTIVE:
            column.agreements_active += 1
            due = a["review_due"]
            if due and due < today:
                column.agreements_overdue += 1
            if due and (column.next_review is None or due < column.next_review):
                column.next_review = due
                column.next_review_overdue = due < today
        elif a["status"] == AgreementStatus.SUPERSEDED:
            column.agreements_superseded += 1

    this_year = financial_year_of(today)
    for f in (Funding.objects.visible_to(user).filter(partnership_id__in=columns)
              .values("partnership_id", "amount", "period_start", "period_end")):
        column = columns[f["partnership_id"]]
        column.funding_rows += 1
        column.funding_all_time += f["amount"]
        column.funding_this_year += spread_over_financial_years(
            f["amount"], f["period_start"], f["period_end"]).get(this_year, Decimal("0"))

    return Comparison(columns=list(columns.values()), activities=activities,
                      categories=categories, financial_year=this_year, today=today)

