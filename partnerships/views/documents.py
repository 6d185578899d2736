"""Downloading agreement documents behind sign-in."""

from __future__ import annotations

import os

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from ..models import Agreement


@login_required
@require_GET
def agreement_document(request: HttpRequest, pk: int) -> FileResponse:
    """Download an agreement's document. Uploads are never served from an open media URL, so
    every download is behind sign-in and the rules."""
    agreement = get_object_or_404(Agreement.objects.visible_to(request.user), pk=pk)
    if not request.user.has_perm("partnerships.view_agreement", agreement):
        raise Http404("No agreement found.")
    if not agreement.document:
        raise Http404("This agreement has no document.")
    try:
        handle = agreement.document.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The document file is missing; ask an administrator to upload it again.") \
            from exc
    return FileResponse(handle, as_attachment=True,
                        filename=os.path.basename(agreement.document.name))
