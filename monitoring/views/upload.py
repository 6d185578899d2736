"""Uploading a return as CSV or XLSX. (Being built.)"""

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


return_upload = return_template = _todo
