"""Dashboards for lead partners and commissioners. (Being built.)"""

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


home = dashboard = dashboard_export = metric = metric_export = _todo
framework_report = framework_export = _todo
