"""The registry search (the home page) and its CSV export. The search itself lives in
``composition.search`` so the page, the export and the benchmark share it.

The page finds partnerships, organisations and services, lists one kind at a time (``?show=``)
with a count for each, and lets the user tick partnerships to compare: the tick boxes belong to
a second form (``form="compare-form"``) that sends them to the compare page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from core.csv_export import csv_response
from core.pagination import PAGE_SIZE, PageResult, paginate
from partnerships.models import Partnership

from ..search import (
    EXPORT_HEADER,
    RESULT_KINDS,
    SORT_COLUMNS,
    SearchForm,
    match_reason,
    organisations_found,
    partnerships_shown,
    search_export_rows,
    search_organisations,
    search_partnerships,
    search_services,
    services_found,
    terms_pattern,
)
from ..search.rows import partnership_rows

# Which kind of result the page lists: partnerships (the default), organisations or services.
SHOW_PARAM = "show"


@dataclass
class ResultKind:
    """One link of the "Show" row: a kind of result, how many the search found, and this
    search's address listing that kind."""

    key: str
    label: str
    href: str
    current: bool
    count: int = 0

    @property
    def noun(self) -> str:
        """"partnership" or "partnerships" as the count needs."""
        plural = self.label.lower()
        return plural.removesuffix("s") if self.count == 1 else plural


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Find partnerships, organisations and services by words (partnerships also by filters);
    everything is in the query string so a search can be bookmarked and shared. The page lists
    one kind at a time, paginated, with each kind's count; each result says why it matched."""
    form = SearchForm(request.GET, user=request.user)
    params = form.search_params()
    # Links keep to the address used: "/" (home) or "search/", which never redirects to Your
    # work, so clearing every filter there stays on the search.
    path = request.path
    kinds = _result_kinds(request, form, params.q, path)
    shown = next(kind for kind in kinds if kind.current)
    querysets: dict[str, QuerySet[Any]] = {
        # Found and ordered only: the page's rows get the rest (``_partnerships_page``).
        "partnerships": search_partnerships(request.user, params, summary=False)}
    if params.q:  # organisations and services are found by words only
        querysets["organisations"] = organisations_found(request.user, params.q)
        querysets["services"] = services_found(request.user, params.q)
    # Only the kind on show is paginated (``page`` is its page), read with all its rows show;
    # the others are only counted, without the annotations (less SQL to build and compile).
    if shown.key == "partnerships":
        result = _partnerships_page(request, querysets["partnerships"], params.q)
    else:
        querysets[shown.key] = (search_organisations if shown.key == "organisations"
                                else search_services)(request.user, params.q)
        result = paginate(querysets[shown.key], request.GET.get("page"))
    for kind in kinds:
        if kind is shown:
            kind.count = result.page.paginator.count
        elif kind.key in querysets:
            kind.count = querysets[kind.key].count()
    pattern = terms_pattern(params.q)
    for row in result.page.object_list:
        row.match_reason = match_reason(
            pattern, name=row.name,
            text=row.summary if shown.key == "partnerships" else row.description,
            member=getattr(row, "matched_member_name", None),
            service=getattr(row, "matched_service_name", None))
    rows = partnership_rows(result.page.object_list) if shown.key == "partnerships" else ""
    selected = form.selected_filters(path)
    sort = params.effective_sort
    context: dict[str, Any] = {
        "nav_section": "search",
        "form": form,
        "checkbox_groups": form.checkbox_groups(),
        "params": params,
        "errors": form.error_list(),
        "kinds": kinds if params.q else [],
        "shown": shown,
        "other_matches": [k for k in kinds if not k.current and k.count],
        "page": result.page,
        "result_rows": rows,
        "page_notice": result.notice,
        "count": kinds[0].count,  # partnerships
        "selected_filters": selected,
        "clear_filters_url": form.clear_filters_url(path),
        "without_words_url": form.url(path, drop="q"),
        "current_sort": sort,
        "sort_label": ("best match" if sort == "relevance"
                       else SORT_COLUMNS[sort.removeprefix("-")]
                       + (" (descending)" if sort.startswith("-") else "")),
        "relevance_url": form.url(path, drop="sort") if params.q and sort != "relevance" else "",
        "export_url": form.url(reverse("partnerships:search-export")),
    }
    return render(request, "partnerships/search.html", context)


def _partnerships_page(request: HttpRequest, found: QuerySet[Partnership], q: str) -> PageResult:
    """The requested page of the partnerships found: the page's ids in the search's order,
    then those partnerships with all their rows show (``partnerships_shown``), so the per-row
    subqueries never run for the rows of earlier pages. For a plain page number the ids come
    with how many were found (a window count: the search's filters run once, not again to
    count); otherwise, or past the end, ``core.pagination.paginate`` counts, picks the page
    and explains it, on the ids alone."""
    requested = request.GET.get("page")
    in_order = found.prefetch_related(None)
    raw = (requested or "1").strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= 9 and int(raw) >= 1:
        number = int(raw)
        start = (number - 1) * PAGE_SIZE
        ids = list(in_order.annotate(found=Window(Count("pk")))
                   .values_list("pk", "found")[start:start + PAGE_SIZE])
        if ids:
            rows = partnerships_shown(request.user, [pk for pk, _ in ids], q)
            paginator = Paginator(found, PAGE_SIZE)
            paginator.__dict__["count"] = ids[0][1]  # Paginator.count is a cached_property
            return PageResult(Page(rows, number, paginator))
    result = paginate(in_order.values_list("pk", flat=True), requested)
    result.page.object_list = partnerships_shown(request.user, list(result.page.object_list), q)
    return result


def _result_kinds(request: HttpRequest, form: SearchForm, q: str,
                  path: str) -> list[ResultKind]:
    """The three kinds of result, each with this search's address listing it; the one in
    ``?show=`` is current (partnerships when it is missing, not a kind, or there are no words,
    since organisations and services are found by words only)."""
    keys = [key for key, _ in RESULT_KINDS]
    wanted = request.GET.get(SHOW_PARAM, "")
    current = wanted if q and wanted in keys else keys[0]
    base = form.url(path)
    joiner = "&" if "?" in base else "?"
    return [ResultKind(key=key, label=label, current=key == current,
                       href=base if key == keys[0] else f"{base}{joiner}{SHOW_PARAM}={key}")
            for key, label in RESULT_KINDS]


@login_required
@require_GET
def search_export(request: HttpRequest) -> StreamingHttpResponse:
    """Every partnership the same search finds, in the same order, as CSV. Bad filter values
    are left out as on the page."""
    form = SearchForm(request.GET, user=request.user)
    return csv_response(filename_stem="partnerships", header=EXPORT_HEADER,
                        rows=search_export_rows(request.user, form.search_params()))
