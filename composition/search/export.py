"""The search's CSV export: the same partnerships in the same order as the page
(``search_partnerships``), with the columns the CSV adds, read in chunks so memory and the
number of queries stay flat however many rows."""

from __future__ import annotations

import datetime
import itertools
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse

from core import clock
from partnerships.choices import PartnershipStatus, Setting
from partnerships.models import Agreement, Funding, Partnership
from services.models import Service

from .parser import SearchParams
from .selector import count_of, current_memberships, search_partnerships

EXPORT_CHUNK_SIZE = 500

EXPORT_HEADER = [
    "Name", "URL path", "Status", "Setting", "Regions", "Started on", "Ended on",
    "Lead partner", "Current members", "Services", "Active agreements",
    "Agreements overdue for review", "Total funding (£)",
]


EXPORT_VALUES = ("pk", "name", "slug", "status", "setting", "started_on", "ended_on",
                 "lead_partner_name", "services_count", "active_agreements",
                 "overdue_agreements", "total_funding")


def search_export_queryset(user: Any, params: SearchParams,
                           today: datetime.date | None = None) -> QuerySet:
    """``search_partnerships`` as plain values with what the CSV adds: counts of active
    services and agreements, and total funding. Values, not model instances: building 1,000
    partnerships and their members as objects costs more than the query."""
    today = today or clock.today()
    outer = OuterRef("pk")
    agreements = Agreement.objects.visible_to(user).in_force().filter(partnership_id=outer)
    funding = (Funding.objects.visible_to(user).filter(partnership_id=outer).order_by()
               .values("partnership_id").annotate(total=Sum("amount")).values("total"))
    money = DecimalField(max_digits=14, decimal_places=2)
    return search_partnerships(user, params, today).prefetch_related(None).annotate(
        services_count=count_of(Service.objects.visible_to(user).active()
                                 .filter(partnership_id=outer)),
        active_agreements=count_of(agreements),
        overdue_agreements=count_of(agreements.review_overdue(today)),
        total_funding=Coalesce(Subquery(funding, output_field=money), Value(Decimal("0.00")),
                               output_field=money),
    ).values(*EXPORT_VALUES)


def _batches(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    while batch := list(itertools.islice(rows, size)):
        yield batch


def search_export_rows(user: Any, params: SearchParams,
                       today: datetime.date | None = None) -> Iterator[list[Any]]:
    """One CSV row per partnership the search finds, in its order. Rows are read
    ``EXPORT_CHUNK_SIZE`` at a time, each chunk with one query for its regions and one for its
    current members, so memory and the number of queries stay flat however many rows."""
    today = today or clock.today()
    status_labels = dict(PartnershipStatus.choices)
    setting_labels = dict(Setting.choices)
    detail_path = reverse("partnerships:detail", args=["slug-placeholder"])
    rows = search_export_queryset(user, params, today).iterator(chunk_size=EXPORT_CHUNK_SIZE)
    for batch in _batches(rows, EXPORT_CHUNK_SIZE):
        ids = [row["pk"] for row in batch]
        regions: dict[int, list[str]] = defaultdict(list)
        for partnership_id, name in (
                Partnership.regions.through.objects.filter(partnership_id__in=ids)
                .order_by("region__position", "region__name")
                .values_list("partnership_id", "region__name")):
            regions[partnership_id].append(name)
        members: dict[int, dict[str, None]] = defaultdict(dict)  # ordered, each name once
        for partnership_id, name in (
                current_memberships(user, today).filter(partnership_id__in=ids)
                .order_by(Lower("organisation__name"), "organisation__name")
                .values_list("partnership_id", "organisation__name")):
            members[partnership_id][name] = None
        for row in batch:
            yield [
                row["name"],
                detail_path.replace("slug-placeholder", row["slug"]),
                status_labels.get(row["status"], row["status"]),
                setting_labels.get(row["setting"], row["setting"]),
                "; ".join(regions[row["pk"]]),
                row["started_on"],
                row["ended_on"],
                row["lead_partner_name"] or "",
                "; ".join(members[row["pk"]]),
                row["services_count"],
                row["active_agreements"],
                row["overdue_agreements"],
                f"{row['total_funding']:.2f}",
            ]
