"""Pagination for pages and the API. (Its own module: DRF imports StandardPagination from
settings while loading its viewsets.)"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

PAGE_SIZE = 25  # rows per page, on pages and in the API


class StandardPagination(PageNumberPagination):
    """25 a page by default; ``?page_size=`` from 1 to 100, anything else a 400 (DRF would
    quietly use the default or the maximum, hiding the client's mistake)."""

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 100
    invalid_page_size_message = "page_size must be a whole number from 1 to 100."

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param, "").strip()
        if not raw:
            return self.page_size
        # isdecimal() also admits other scripts' digits; the API takes ASCII digits only.
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 3
                and 1 <= int(raw) <= self.max_page_size):
            raise ValidationError({self.page_size_query_param: [self.invalid_page_size_message]})
        return int(raw)


class _JoinAfterSlicingPaginator(Paginator):
    """Counts and slices the list's own rows, then hands the page's ids to ``rows`` for the
    columns shown (joins included), in the list's order."""

    def __init__(self, object_list: QuerySet[Any], per_page: int, *,
                 rows: Callable[[QuerySet[Any]], QuerySet[Any]]) -> None:
        super().__init__(object_list, per_page)
        self.rows = rows

    def page(self, number: Any) -> Page:
        page = super().page(number)
        sliced = page.object_list
        # DISTINCT would put the sort columns into the id subquery: keep such a list as it is.
        if isinstance(sliced, QuerySet) and not sliced.query.distinct:
            ordering = sliced.query.order_by or sliced.model._meta.ordering
            page.object_list = self.rows(sliced.values("pk")).order_by(*ordering)
        return page


class JoinAfterSlicingPagination(StandardPagination):
    """StandardPagination for a list whose rows join other tables (a provider, a region):
    the database sorts and slices the list's own narrow rows first (``WHERE id IN (SELECT id
    ... ORDER BY ... LIMIT 100 OFFSET n)``) and joins only the page's 100, instead of joining
    every row to sort them all and keep 100. The view gives ``page_rows(ids)``: the rows with
    those ids, with what the serializer reads joined. Counts, links, ``?page=`` and
    ``?page_size=`` are StandardPagination's."""

    def paginate_queryset(self, queryset: Any, request: Request,
                          view: Any = None) -> list[Any] | None:
        rows = getattr(view, "page_rows", None)
        if rows is not None:
            self.django_paginator_class = lambda object_list, per_page: (  # type: ignore[assignment]
                _JoinAfterSlicingPaginator(object_list, per_page, rows=rows))
        return super().paginate_queryset(queryset, request, view)


@dataclass(frozen=True)
class PageResult:
    """A page of results and, when the requested page did not exist, why another is shown."""

    page: Page
    notice: str = ""


def paginate(queryset: QuerySet[Any], requested: str | None,
             per_page: int = PAGE_SIZE) -> PageResult:
    """The requested page of ``queryset``; a page number that is not a number, or past the end,
    shows the first or last page with a notice instead of an error (bookmarks outlive data)."""
    paginator = Paginator(queryset, per_page)
    raw = (requested or "").strip()
    if not raw:
        return PageResult(paginator.page(1))
    try:
        # Python refuses to parse thousands of digits; any number that long is past the end.
        number = 1_000_000_000 if raw.isdecimal() and len(raw) > 9 else int(raw)
    except ValueError:
        return PageResult(paginator.page(1),
                          "The page number must be a whole number, so the first page is shown.")
    if number < 1:
        return PageResult(paginator.page(1),
                          "Pages are numbered from 1, so the first page is shown.")
    last = paginator.num_pages
    if number > last:
        if not paginator.count:
            return PageResult(paginator.page(1))  # the empty state says enough
        pages = "1 page" if last == 1 else f"{last} pages"
        asked = f"page {number}" if number < 1_000_000 else "such page"
        return PageResult(paginator.page(last), f"There is no {asked}: these results fit on "
                                                f"{pages}, so the last page is shown.")
    return PageResult(paginator.page(number))
