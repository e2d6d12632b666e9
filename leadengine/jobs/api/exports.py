"""The API of CSV exports: queue one (a job's leads, or those matching filters), follow it, download it."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from leadengine.jobs import exports
from leadengine.jobs.api.errors import Conflict
from leadengine.jobs.models import ExportStatus, LeadExport, ScrapeJob


class LeadExportCreateSerializer(serializers.Serializer):
    job_id = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Export this job's leads; without it, all leads matching `filters`.",
    )
    filters = serializers.DictField(
        required=False,
        default=dict,
        help_text="source, has_email, search, scraped_after (as GET /api/v1/leads/), ids.",
    )
    bom = serializers.BooleanField(
        required=False, default=False, help_text="Start with a UTF-8 byte order mark."
    )


class LeadExportSerializer(serializers.ModelSerializer):
    export_id = serializers.UUIDField(source="id", read_only=True)
    job_id = serializers.UUIDField(read_only=True, allow_null=True)
    download_url = serializers.SerializerMethodField()
    columns = serializers.SerializerMethodField()

    class Meta:
        model = LeadExport
        fields = [
            "export_id",
            "status",
            "job_id",
            "filters",
            "bom",
            "rows_total",
            "rows_written",
            "progress",
            "size_bytes",
            "error",
            "created_at",
            "started_at",
            "completed_at",
            "download_url",
            "columns",
        ]
        read_only_fields = fields

    def get_download_url(self, export) -> str | None:
        if export.status != ExportStatus.COMPLETED:
            return None
        return reverse("leadexport-download", args=[export.id])

    def get_columns(self, export) -> list[str]:
        return exports.HEADER


class LeadExportViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """CSV exports of the signed-in user's leads. POST queues one; GET .../download/ streams the file."""

    serializer_class = LeadExportSerializer
    queryset = LeadExport.objects.none()  # for the schema; requests use get_queryset()
    lookup_value_regex = "[0-9a-fA-F-]{32,36}"

    def get_queryset(self):
        return LeadExport.objects.filter(owner=self.request.user).order_by("-created_at")

    @extend_schema(request=LeadExportCreateSerializer, responses={201: LeadExportSerializer})
    def create(self, request, *args, **kwargs):
        body = LeadExportCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = None
        if job_id := body.validated_data["job_id"]:
            job = get_object_or_404(ScrapeJob, id=job_id, owner=request.user)
        try:
            export = exports.export_create(
                owner=request.user,
                job=job,
                filters=body.validated_data["filters"],
                bom=body.validated_data["bom"],
            )
        except exports.InvalidExport as exc:
            raise ValidationError({"filters": [str(exc)]}) from None
        return Response(LeadExportSerializer(export).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "text/csv"): OpenApiResponse(description="The CSV file"), 409: None})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        export = self.get_object()
        if export.status != ExportStatus.COMPLETED:
            raise Conflict(f"The export is {export.status}; download it once it is completed.")
        return exports.export_file_response(export)
