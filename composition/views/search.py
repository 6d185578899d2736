"""The registry search (the home page) and its CSV export. The search itself lives in
``composition.search`` so the page, the export and the benchmark share it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from core.csv_export import csv_response
from core.pagination import paginate

from ..search import (
    EXPORT_HEADER,
    SORT_COLUMNS,
    SearchForm,
    search_export_rows,
    search_partnerships,
)


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Find partnerships by words and filters; everything is in the query string so a search
    can be bookmarked and shared."""
    form = SearchForm(request.GET, user=request.user)
    params = form.search_params()
    result = paginate(search_partnerships(request.user, params), request.GET.get("page"))
    # Links keep to the address used: "/" (home) or "search/", which never redirects to Your
    # work, so clearing every filter there stays on the search.
    path = request.path
    selected = form.selected_filters(path)
    sort = params.effective_sort
    context: dict[str, Any] = {
        "nav_section": "search",
        "form": form,
        "params": params,
        "errors": form.error_list(),
        "page": result.page,
        "page_notice": result.notice,
        "count": result.page.paginator.count,
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


@login_required
@require_GET
def search_export(request: HttpRequest) -> StreamingHttpResponse:
    """Every partnership the same search finds, in the same order, as CSV. Bad filter values
    are left out as on the page."""
    form = SearchForm(request.GET, user=request.user)
    return csv_response(filename_stem="partnerships", header=EXPORT_HEADER,
                        rows=search_export_rows(request.user, form.search_params()))
