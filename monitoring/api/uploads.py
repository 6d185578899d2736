"""API: upload a return's figures as a CSV or XLSX file, all or nothing (``monitoring.uploads``
does the work; this module maps its outcomes to HTTP)."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import DomainError

from .. import uploads
from ..models import MonitoringReturn


class ReturnUploadInputSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="A CSV (UTF-8) or XLSX file with a header row naming the columns "
                  "metric_code and value, then one row per figure. Smaller than "
                  f"{uploads.MAX_BYTES_LABEL}, at most {uploads.MAX_ROWS:,} rows.")
    version = serializers.IntegerField(
        min_value=1, help_text="The return's version you last read: if it has changed since, "
                               "nothing is saved (409).")


class ReturnUploadSavedSerializer(serializers.Serializer):
    saved = serializers.IntegerField(help_text="Figures given in the file and saved.")
    version = serializers.IntegerField(help_text="The return's new version.")


class UploadRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row as a spreadsheet numbers it (header = 1).")
    metric_code = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class ReturnUploadErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    rows = UploadRowErrorSerializer(many=True,
                                    help_text="Every problem, row by row (empty when the file "
                                              "as a whole cannot be read).")


def _error(message: str, rows: list[uploads.RowError] | None = None,
           code: int = status.HTTP_400_BAD_REQUEST) -> Response:
    body = {"detail": message,
            "rows": [{"row": r.row, "metric_code": r.metric_code, "message": r.message}
                     for r in rows or []]}
    return Response(body, status=code)


class ReturnUploadView(APIView):
    """Upload figures to a draft (or returned) return from a file; all or nothing."""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Upload a return's figures as a CSV or XLSX file",
        description=(
            "Every row is checked first. If any row is invalid (an unknown or repeated metric "
            "code, a bad value, a missing column) the response is a 400 listing every problem "
            "by row, and nothing is stored. Otherwise all figures are saved at once: values in "
            "the file replace the saved ones (a blank value removes one); figures not in the "
            "file stay as they are. Only the returning organisation's provider staff may "
            "upload, and only to a draft or a return sent back for correction; other requests "
            "are refused with a 400 and the reason (as saving figures is)."
        ),
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH,
                                     description="The return's id.")],
        request={"multipart/form-data": ReturnUploadInputSerializer},
        responses={
            200: ReturnUploadSavedSerializer,
            400: OpenApiResponse(ReturnUploadErrorSerializer, description=(
                "Refused, with the reason: the file or a row in it is invalid (``rows`` lists "
                "each problem), or you may not change this return; nothing was saved."),
                examples=[OpenApiExample("A bad row", value={
                    "detail": "1 row of the file has problems. Fix it and upload the file "
                              "again. Nothing was saved.",
                    "rows": [{"row": 3, "metric_code": "starts",
                              "message": "Treatment starts must be a number, not “ten”."}],
                })]),
            404: OpenApiResponse(description="No return with this id that you can see."),
            409: OpenApiResponse(ReturnUploadErrorSerializer, description=(
                "Someone saved the return since the version you sent; nothing was saved.")),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        returns = (MonitoringReturn.objects.visible_to(request.user)
                   .select_related("organisation", "partnership", "period"))
        ret = get_object_or_404(returns, pk=pk)
        refusal = uploads.upload_refusal(monitoring_return=ret, by=request.user)
        if refusal:
            return _error(refusal)
        form = ReturnUploadInputSerializer(data=request.data)
        if not form.is_valid():
            messages = [f"{field}: {' '.join(str(m) for m in errors)}"
                        for field, errors in form.errors.items()]
            return _error(" ".join(messages))
        data: dict[str, Any] = form.validated_data
        try:
            result = uploads.return_upload(monitoring_return=ret, uploaded_file=data["file"],
                                           expected_version=data["version"], by=request.user)
        except uploads.UploadError as exc:
            return _error(str(exc), exc.rows)
        except DomainError as exc:
            stale = getattr(exc, "code", None) == "stale"
            return _error(str(exc), code=status.HTTP_409_CONFLICT if stale
                          else status.HTTP_400_BAD_REQUEST)
        return Response({"saved": result.saved, "version": result.monitoring_return.version})
