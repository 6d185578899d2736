"""Pages of the service directory: the filterable list, its CSV download, and a service's page.

Views only parse input (``forms``), ask ``selectors`` and render; the same form and selector
serve the page and the download, so a CSV always holds exactly what the page lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.csv_export import csv_response
from core.pagination import paginate

from . import selectors
from .forms import DirectoryFilterForm, SelectedFilter, query_params

# A court-ordered referral in the words of the sentencing framework, so users know what it means.
COURT_ORDERED_EXPLAINED = "Court-ordered (for example a specified activity requirement)"


def _encode(pairs: list[tuple[str, str]]) -> str:
    """Query-string pairs in a stable order (as core's query_string tag writes them)."""
    return "?" + urlencode(sorted(pairs))


def _without(filters: selectors.DirectoryFilters, item: SelectedFilter) -> str:
    """The search without one filter value, back on page 1 (the old page may not exist once
    the list grows)."""
    return _encode([p for p in query_params(filters) if p != (item.param, item.value)])


def _with_inactive(filters: selectors.DirectoryFilters) -> str:
    """The same search including services that are no longer running."""
    return _encode([*query_params(filters), ("include_inactive", "true")])


# How the results are ordered, said in words under the count (sort headers show it visually).
SORT_DESCRIPTIONS = {
    "name": "name (A to Z)", "-name": "name (Z to A)",
    "provider": "provider (A to Z)", "-provider": "provider (Z to A)",
    "setting": "setting (A to Z)", "-setting": "setting (Z to A)",
}


@dataclass(frozen=True)
class FilterTag:
    """A selected filter with the link that removes it."""

    label: str
    href: str


def _tag_groups(filters: selectors.DirectoryFilters,
                selected: list[SelectedFilter]) -> list[tuple[str, list[FilterTag]]]:
    """Selected filters grouped under their heading, in the order the panel shows them."""
    groups: dict[str, list[FilterTag]] = {}
    for item in selected:
        groups.setdefault(item.heading, []).append(FilterTag(item.label, _without(filters, item)))
    return list(groups.items())


def _parse(request: HttpRequest) -> tuple[DirectoryFilterForm, selectors.DirectoryFilters]:
    form = DirectoryFilterForm(request.GET)
    form.is_valid()  # errors are shown; the valid filters still apply
    return form, form.filters()


@login_required
@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    """Services by category and location, filtered, sorted and paged on the server."""
    form, filters = _parse(request)
    services = selectors.service_directory(user=request.user, filters=filters)
    result = paginate(services, request.GET.get("page"))
    location_name = selectors.location_label(filters.location)
    if location_name != filters.location:
        # Came from a link by slug: show the place's name in the box, which finds it too.
        form.data = form.data.copy()
        form.data["location"] = location_name
    selected = form.selected(filters, location_name=location_name)
    tag_groups = _tag_groups(filters, selected)
    # Browsing by category helps someone who does not yet know what to filter on.
    browse = (selectors.categories_with_counts(user=request.user)
              if not filters.any_applied else [])
    half = (len(browse) + 1) // 2
    # The download takes the page's own query (less the page number): same filters, same order.
    export_params = [(k, v) for k in request.GET for v in request.GET.getlist(k) if k != "page"]
    context = {
        "nav_section": "directory",
        "form": form,
        "filters": filters,
        "page": result.page,
        "services": result.page.object_list,
        "total": result.page.paginator.count,
        "page_notice": result.notice,
        "tag_groups": tag_groups,
        "selected": [FilterTag(f"{s.heading}: {s.label}", _without(filters, s))
                     for s in selected],
        "browse_columns": [browse[:half], browse[half:]] if browse else [],
        "export_query": _encode(export_params),
        "include_inactive_query": _with_inactive(filters),
        "search_query": urlencode({"q": filters.text}) if filters.text else "",
        "sorted_by": filters.sort,
        "sort_label": SORT_DESCRIPTIONS.get(filters.sort, filters.sort),
    }
    return render(request, "services/directory.html", context)


@login_required
@require_GET
def directory_export(request: HttpRequest) -> StreamingHttpResponse:
    """Every service matching the page's filters, in the page's order, as CSV."""
    _form, filters = _parse(request)
    services = selectors.service_directory(user=request.user, filters=filters)
    return csv_response(filename_stem="services", header=selectors.CSV_HEADER,
                        rows=selectors.directory_csv_rows(services))


def age_range(min_age: int, max_age: int | None) -> str:
    """An age range as people say it: "18 and over", "18 to 25", "Up to 17", "Any age"."""
    if max_age is None:
        return f"{min_age} and over" if min_age else "Any age"
    if not min_age:
        return f"Up to {max_age}"
    if min_age == max_age:
        return f"{min_age} only"
    return f"{min_age} to {max_age}"


@login_required
@require_GET
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A service: who provides it, under which partnership, for whom, how to refer, where."""
    service = selectors.service_page(user=request.user, slug=slug)
    if service is None:
        raise Http404("No service found with that address.")
    routes = []
    if service.accepts_self_referral:
        routes.append("Self-referral")
    if service.accepts_professional_referral:
        routes.append("Professional referral")
    if service.accepts_court_ordered:
        routes.append(COURT_ORDERED_EXPLAINED)
    context = {
        "nav_section": "directory",
        "service": service,
        "categories": list(service.categories.all()),
        "sites": list(service.delivery_sites.all()),
        "description": [p.strip() for p in re.split(r"\n\s*\n", service.description)
                        if p.strip()],
        "age_range": age_range(service.min_age, service.max_age),
        "referral_routes": routes,
    }
    return render(request, "services/detail.html", context)
