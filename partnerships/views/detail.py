"""Placeholder: this page is being built (issue 3)."""

from django.http import Http404, HttpRequest, HttpResponse


def not_built_yet(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404("This page is not built yet.")
