"""The landing page and health check. The registry's own pages arrive with their issues."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from partnerships.models import Agreement, Organisation, Partnership
from services.models import Service


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """A signed-in user's starting point: what the registry holds and where to go."""
    counts = {
        "partnerships": Partnership.objects.visible_to(request.user).count(),
        "organisations": Organisation.objects.visible_to(request.user).count(),
        "services": Service.objects.visible_to(request.user).count(),
        "overdue_reviews": Agreement.objects.visible_to(request.user).review_overdue().count(),
    }
    return render(request, "core/home.html", {"counts": counts})


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
