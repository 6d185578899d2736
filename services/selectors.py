"""Reads behind the service directory pages and their CSV export.

Views parse input (``forms.DirectoryFilterForm``) and render; everything that touches the
database to answer "which services, in what order, with what shown" lives here, so the page,
the export and their query-count tests share one definition.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, Prefetch, Q, QuerySet, Value, When

from partnerships.choices import Setting

from .choices import Gender
from .models import Location, Service, ServiceAtLocation, ServiceCategory

# Rows fetched per round trip when streaming the CSV: memory stays flat on a 10,000-row export
# while the number of queries grows only with the export's size, not with its relations.
EXPORT_CHUNK_SIZE = 2000

DEFAULT_SORT = "name"
# The columns the directory can sort by; each also sorts descending as ``-key``.
SORT_COLUMNS = ("name", "provider", "setting")
SORT_KEYS = frozenset([*SORT_COLUMNS, *(f"-{c}" for c in SORT_COLUMNS)])


def _setting_label_order() -> Case:
    """Sort settings by what users read ("Community", "Custody", ...), not by stored code."""
    return Case(*(When(setting=value, then=Value(label)) for value, label in Setting.choices),
                default=Value(""))


def _ordering(sort: str) -> list[Any]:
    """ORDER BY for a sort key (``-key`` descending); name and slug break ties so paging is
    stable (the same service never shows on two pages)."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    orderings: dict[str, list[Any]] = {
        "name": ["name"],
        "provider": ["provider__name", "name"],
        "setting": [_setting_label_order(), "name"],
    }
    columns = orderings.get(key, ["name"])
    if descending:
        columns = [c.desc() if not isinstance(c, str) else f"-{c}" for c in columns]
    return [*columns, "slug"]


@dataclass(frozen=True)
class DirectoryFilters:
    """What the user asked the directory for, already validated (unknown values removed)."""

    text: str = ""
    categories: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    location: str = ""
    region: str = ""
    setting: str = ""
    gender: str = ""
    routes: tuple[str, ...] = ()
    co_located_only: bool = False
    include_inactive: bool = False
    sort: str = DEFAULT_SORT

    @property
    def any_applied(self) -> bool:
        """Whether anything narrows (or widens) the list; sorting does not count."""
        return bool(self.text or self.categories or self.kinds or self.location or self.region
                    or self.setting or self.gender or self.routes or self.co_located_only
                    or self.include_inactive)


def category_choices() -> list[tuple[str, str]]:
    """The taxonomy as (slug, name) pairs in display order, for the filter's checkboxes."""
    return list(ServiceCategory.objects.order_by("position", "name").values_list("slug", "name"))


def location_label(text: str) -> str:
    """How to show a location filter: the location's name when ``text`` is a slug from a link
    (readable tag, no slug jargon), otherwise the words the user typed."""
    if not text:
        return ""
    name = Location.objects.filter(slug=text).values_list("name", flat=True).first()
    return name or text


def service_directory(*, user: Any, filters: DirectoryFilters) -> QuerySet[Service]:
    """The services matching ``filters`` that ``user`` may see, sorted, with everything a row
    shows prefetched. Running services only unless inactive ones are asked for."""
    services = Service.objects.visible_to(user)
    if not filters.include_inactive:
        services = services.active()
    services = (services.matching_text(filters.text)
                .in_categories(filters.categories)
                .delivered_at(kinds=filters.kinds, location=filters.location,
                              region=filters.region, co_located_only=filters.co_located_only)
                .for_setting(filters.setting)
                .for_gender(filters.gender)
                .accepting_routes(filters.routes))
    return services.with_directory_rows().order_by(*_ordering(filters.sort))


def categories_with_counts(*, user: Any) -> list[ServiceCategory]:
    """Every category with ``service_count``: the running services the user may see in it.
    One query, for the "Browse by category" list (empty categories show as gaps)."""
    visible = Service.objects.visible_to(user).active().values("pk")
    return list(ServiceCategory.objects.order_by("position", "name").annotate(
        service_count=Count("services", filter=Q(services__in=visible), distinct=True)))


CSV_HEADER: Sequence[str] = (
    "Name", "Provider", "Partnership", "Categories", "Gender", "Minimum age", "Maximum age",
    "Setting", "Referral routes", "Locations", "Active",
)


def directory_csv_rows(services: QuerySet[Service]) -> Iterator[list[Any]]:
    """One CSV line per service, columns as ``CSV_HEADER``; streamed in chunks with the
    prefetches applied per chunk, so a large export neither loads every row at once nor runs a
    query per service."""
    gender_labels = dict(Gender.choices)
    setting_labels = dict(Setting.choices)
    for service in services.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        locations = [
            f"{site.location.name} (co-located)" if site.co_located else site.location.name
            for site in service.delivery_sites.all()
        ]
        yield [
            service.name,
            service.provider.name,
            service.partnership.name if service.partnership else "",
            "; ".join(c.name for c in service.categories.all()),
            gender_labels.get(service.gender, service.gender),
            service.min_age,
            service.max_age,
            setting_labels.get(service.setting, service.setting),
            "; ".join(service.referral_routes),
            "; ".join(locations),
            service.is_active,
        ]


def service_page(*, user: Any, slug: str) -> Service | None:
    """One service with everything its page shows (provider, partnership, categories, and
    delivery sites with location and region), or None when it does not exist for the user."""
    sites = (ServiceAtLocation.objects.select_related("location__region")
             .order_by("location__name", "pk"))
    return (Service.objects.visible_to(user)
            .select_related("provider", "partnership")
            .prefetch_related(
                Prefetch("categories",
                         queryset=ServiceCategory.objects.order_by("position", "name")),
                Prefetch("delivery_sites", queryset=sites))
            .filter(slug=slug).first())
