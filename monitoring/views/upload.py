"""Uploading a return's figures as a CSV or XLSX file, and downloading the template to fill in.

The views only load the return the user may see (404 otherwise), read the form and call
``monitoring.uploads``; checking the file and saving it all-or-nothing happen there.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from core.csv_export import csv_response
from core.errors import DomainError
from core.xlsx_export import xlsx_response

from .. import uploads
from ..models import MonitoringReturn
from ..querysets import return_metrics

TEMPLATE_FORMATS = ("csv", "xlsx")


class UploadForm(forms.Form):
    file = forms.FileField(label="Upload a file",
                           error_messages={"required": "Select a CSV or XLSX file",
                                           "empty": "The selected file is empty."})
    version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=1,
        error_messages={"required": "Open the return again, then upload the file from there.",
                        "invalid": "Open the return again, then upload the file from there."})


def _visible_return(request: HttpRequest, pk: int) -> MonitoringReturn:
    returns = (MonitoringReturn.objects.visible_to(request.user)
               .select_related("organisation", "partnership", "period"))
    return get_object_or_404(returns, pk=pk)


def _saved_message(result: uploads.UploadResult, filename: str) -> str:
    n = result.saved
    text = f"{n} figure{'s' if n != 1 else ''} saved from {filename}"
    if result.cleared:
        text += (f"; {result.cleared} figure{'s' if result.cleared != 1 else ''} removed "
                 "(blank in the file)")
    return text


@login_required
@require_http_methods(["GET", "POST"])
def return_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """The upload form; on POST, save every figure in the file or, if any row is wrong, none."""
    ret = _visible_return(request, pk)
    context: dict[str, object] = {"nav_section": "monitoring", "ret": ret}
    refusal = uploads.upload_refusal(monitoring_return=ret, by=request.user)
    if refusal:
        context["refusal"] = refusal
        return render(request, "monitoring/return_upload.html", context, status=403)
    row_errors: list[uploads.RowError] = []
    filename = ""
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            uploaded = form.cleaned_data["file"]
            filename = uploaded.name[:120]
            try:
                result = uploads.return_upload(
                    monitoring_return=ret, uploaded_file=uploaded,
                    expected_version=form.cleaned_data["version"], by=request.user)
            except uploads.UploadError as exc:
                form.add_error("file", str(exc))
                row_errors = exc.rows
            except DomainError as exc:
                form.add_error("file", str(exc))
                context["stale"] = getattr(exc, "code", "") == "stale"
            else:
                messages.success(request, _saved_message(result, filename))
                return redirect("monitoring:return-edit", pk=ret.pk)
    else:
        form = UploadForm(initial={"version": ret.version})
    context.update({
        "form": form,
        # The version the user opened: kept across a failed upload, so a later save by
        # someone else is still caught.
        "version": form.data.get("version") if form.is_bound else ret.version,
        "row_errors": row_errors,
        "filename": filename,
        "metrics": list(return_metrics(ret)),
        "max_rows": f"{uploads.MAX_ROWS:,}",
        "max_size": uploads.MAX_BYTES_LABEL,
    })
    return render(request, "monitoring/return_upload.html", context)


@login_required
@require_GET
def return_template(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The figures this return asks for, with the saved values, as CSV or XLSX to fill in."""
    if fmt not in TEMPLATE_FORMATS:
        raise Http404("Templates are CSV or XLSX files.")
    ret = _visible_return(request, pk)
    header, *rows = uploads.return_template_rows(ret)
    stem = uploads.template_filename_stem(ret)
    if fmt == "csv":
        return csv_response(filename_stem=stem, header=header, rows=rows)
    return xlsx_response(filename_stem=stem, sheet_title="Figures", header=header, rows=rows)
