"""API of everyday operations: CSV exports and second-layer enrichment.

As in `api`: every queryset starts from `request.user`, so another user's export, job or lead
answers 404.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.response import Response

from leadengine.jobs import enrichment, exports, services
from leadengine.jobs.admin_ops import export_file_response
from leadengine.jobs.api import Conflict
from leadengine.jobs.models import ExportStatus, LeadExport, RawLead, ScrapeJob
from leadengine.jobs.serializers import MAX_URLS, ScrapeJobSerializer


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
        return export_file_response(export)


class EnrichLeadsSerializer(serializers.Serializer):
    lead_ids = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=MAX_URLS)


def _enrichment_response(request, leads) -> Response:
    try:
        criteria = enrichment.enrichment_criteria(owner=request.user, leads=leads)
        job = services.job_create(owner=request.user, criteria=criteria)
    except enrichment.NothingToEnrich as exc:
        raise Conflict(str(exc)) from None
    except services.ActiveJobLimitExceeded as exc:
        raise Throttled(detail=str(exc)) from None
    return Response(ScrapeJobSerializer(job).data, status=status.HTTP_201_CREATED)


@extend_schema(request=EnrichLeadsSerializer, responses={201: ScrapeJobSerializer, 409: None})
@api_view(["POST"])
def enrich_leads(request):
    """Queue a website job over the given leads' websites; what it finds is merged into those leads."""
    body = EnrichLeadsSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    leads = RawLead.objects.filter(owner=request.user, id__in=body.validated_data["lead_ids"])
    return _enrichment_response(request, leads)


@extend_schema(request=None, responses={201: ScrapeJobSerializer, 409: None})
@api_view(["POST"])
def enrich_job_leads(request, pk):
    """Queue a website job over this job's leads that miss an e-mail or a phone."""
    job = get_object_or_404(ScrapeJob, id=pk, owner=request.user)
    leads = (
        RawLead.objects.filter(job=job)
        .exclude(website="")
        .exclude(email__gt="", phone__gt="")
        .order_by("scraped_at")[:MAX_URLS]
    )
    return _enrichment_response(request, leads)
