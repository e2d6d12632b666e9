"""The API of leads: list and read them, and enrich them (a website job whose finds merge into them)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import api_view
from rest_framework.exceptions import Throttled
from rest_framework.response import Response

from leadengine.db_router import replica_reads
from leadengine.jobs import enrichment, selectors, services
from leadengine.jobs.api.errors import Conflict
from leadengine.jobs.filters import RawLeadFilter
from leadengine.jobs.models import RawLead, ScrapeJob
from leadengine.jobs.serializers import MAX_URLS, RawLeadSerializer, ScrapeJobSerializer


class RawLeadViewSet(viewsets.ReadOnlyModelViewSet):
    """Leads of the signed-in user, newest first."""

    serializer_class = RawLeadSerializer
    queryset = RawLead.objects.none()  # for the schema; requests use get_queryset()
    filterset_class = RawLeadFilter
    lookup_value_regex = "[0-9a-fA-F-]{32,36}"

    def get_queryset(self):
        return RawLead.objects.filter(owner=self.request.user).order_by("-scraped_at", "id")

    def list(self, request, *args, **kwargs):
        # Workers write leads, the caller does not: a page a moment behind may come from the replica.
        with replica_reads():
            return super().list(request, *args, **kwargs)


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
    leads = selectors.leads_missing_contacts(job).order_by("scraped_at")[:MAX_URLS]
    return _enrichment_response(request, leads)
