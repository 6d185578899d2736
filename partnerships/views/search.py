"""The registry search (the home page) and its CSV export. The search itself lives in
``partnerships.search`` so the page, the export and the benchmark share it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from core.csv_export import csv_response

from ..search import (
    EXPORT_HEADER,
    PAGE_SIZE,
    SORT_COLUMNS,
    SearchForm,
    search_export_rows,
    search_partnerships,
)


def _page_of(paginator: Paginator, raw: str | None) -> tuple[Page, str]:
    """The page asked for, or the nearest one that exists with a message saying why: a list
    never answers a stale or mistyped page number with an error."""
    last = paginator.num_pages
    if raw in (None, ""):
        return paginator.page(1), ""
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return paginator.page(1), ("Page numbers are whole numbers, so we are showing the "
                                   "first page.")
    if number < 1:
        return paginator.page(1), "Pages are numbered from 1, so we are showing the first page."
    if number > last:
        pages = "1 page" if last == 1 else f"{last} pages"
        return paginator.page(last), (
            f"There is no page {number}: these results fit on {pages}, so we are showing the "
            f"last page.")
    return paginator.page(number), ""


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Find partnerships by words and filters; everything is in the query string so a search
    can be bookmarked and shared."""
    form = SearchForm(request.GET, user=request.user)
    params = form.search_params()
    paginator = Paginator(search_partnerships(request.user, params), PAGE_SIZE)
    page, page_notice = _page_of(paginator, request.GET.get("page"))
    if not paginator.count:
        page_notice = ""  # the empty state says what to try instead
    path = reverse("home")
    selected = form.selected_filters(path)
    sort = params.effective_sort
    context: dict[str, Any] = {
        "nav_section": "search",
        "form": form,
        "params": params,
        "errors": form.error_list(),
        "page": page,
        "page_notice": page_notice,
        "count": paginator.count,
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
