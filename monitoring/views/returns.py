"""Providers' returns and the lead partner's reviews. (Being built.)"""

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


my_returns = return_start = return_detail = return_edit = return_correct = _todo
reviews = return_review = _todo
